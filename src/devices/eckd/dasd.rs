//! The ECKD DASD driver: records by CCHHR and blocks of a fixed-block
//! layout, read and written by Define Extent + Locate Record channel
//! programs run on a polled [`Subchannel`], with error recovery (IBM
//! 3990/9390 Storage Control Reference, "Locate Record" domains and
//! "Error Recovery Procedures").

use super::error::EckdError;
use super::geometry::{DeviceCharacteristics, Geometry, RecordId, Track};
use super::program::{
    commands, Buffer, DataPath, DefineExtent, FileMask, LocateRecord, Operation, ProgramArea,
    ProgramWriter, Transfer, SCRATCH_LEN,
};
use crate::css::ChannelSubsystem;
use crate::driver::{Clock, Completion, Subchannel};
use crate::memory::ChannelMemory;
use crate::structures::{CcwFlags, Orb};

/// Retries of a retryable condition by default.
pub const DEFAULT_RETRIES: u32 = 3;

/// A count field: a record's identifier, key length and data length.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct CountField {
    /// CCHHR.
    pub id: RecordId,
    /// Key length (KL).
    pub key_length: u8,
    /// Data length (DL).
    pub data_length: u16,
}

impl CountField {
    /// The 8 bytes CC HH R KL DL DL.
    pub const fn from_bytes(bytes: [u8; 8]) -> Self {
        CountField {
            id: RecordId::from_bytes([bytes[0], bytes[1], bytes[2], bytes[3], bytes[4]]),
            key_length: bytes[5],
            data_length: u16::from_be_bytes([bytes[6], bytes[7]]),
        }
    }
}

/// The tracks a channel program may touch (its Define Extent).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Extent {
    /// First track.
    pub begin: Track,
    /// Last track.
    pub end: Track,
}

/// Consecutive records of one data length: R1, R2, ... on each track,
/// `records_per_track` of them, from `first` on, on to the next track and
/// cylinder, all within `extent`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Records {
    /// The tracks the program may touch.
    pub extent: Extent,
    /// The first record.
    pub first: RecordId,
    /// Records per track (where the next program of a long transfer
    /// starts).
    pub records_per_track: u32,
    /// How many records.
    pub count: u32,
    /// Data bytes of each.
    pub record_length: u16,
}

/// The Define Extent and Locate Record of one program.
struct Domain {
    extent: Extent,
    search: RecordId,
    operation: Operation,
    transfer_length: u16,
}

/// Blocks of one size on consecutive tracks, each track holding the same
/// number of records R1, R2, ... without keys (as Linux's LDL layout and
/// the data part of its CDL layout with 4 KiB blocks).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct BlockLayout {
    first_track: u32,
    tracks: u32,
    block_size: u16,
    blocks_per_track: u32,
    geometry: Geometry,
}

impl BlockLayout {
    /// Blocks of `block_size` bytes on `tracks` tracks from linear track
    /// `first_track` of a volume of `geometry`, as many per track as fit;
    /// `None` if none fit or the tracks are not all on the volume.
    pub fn new(geometry: Geometry, first_track: u32, tracks: u32, block_size: u16) -> Option<Self> {
        let blocks_per_track = geometry.records_per_track(0, block_size).min(255);
        let last = first_track.checked_add(tracks)?.checked_sub(1)?;
        geometry.track(last)?;
        (blocks_per_track > 0).then_some(BlockLayout {
            first_track,
            tracks,
            block_size,
            blocks_per_track,
            geometry,
        })
    }

    /// Bytes per block.
    pub const fn block_size(&self) -> u16 {
        self.block_size
    }

    /// Blocks per track.
    pub const fn blocks_per_track(&self) -> u32 {
        self.blocks_per_track
    }

    /// Blocks in the layout.
    pub const fn blocks(&self) -> u32 {
        self.tracks * self.blocks_per_track
    }

    /// Where block `block` is, if it is in the layout.
    pub fn locate(&self, block: u32) -> Option<RecordId> {
        if block >= self.blocks() {
            return None;
        }
        let track = self
            .geometry
            .track(self.first_track + block / self.blocks_per_track)?;
        Some(RecordId {
            track,
            record: (block % self.blocks_per_track + 1) as u8,
        })
    }

    /// `count` blocks from the one at `first`.
    fn records(&self, first: RecordId, count: u32) -> Records {
        Records {
            extent: self.extent(),
            first,
            records_per_track: self.blocks_per_track,
            count,
            record_length: self.block_size,
        }
    }

    /// The tracks of the layout.
    pub fn extent(&self) -> Extent {
        let track = |t| self.geometry.track(t).unwrap_or_default();
        Extent {
            begin: track(self.first_track),
            end: track(self.first_track + self.tracks - 1),
        }
    }
}

/// An ECKD DASD (a 3390 behind a 3990, or compatible) on one subchannel.
///
/// Every operation is one channel program in the driver's [`ProgramArea`],
/// run to its end by polling; a unit check whose condition is retryable
/// ([`Condition::is_retryable`](super::Condition::is_retryable)) runs the
/// program again, up to the configured number of retries. Give the
/// subchannel a [`SenseArea`](crate::driver::SenseArea): without sense, a
/// unit check is [`EckdError::UnitCheckWithoutSense`].
pub struct EckdDasd<'a, C: ChannelSubsystem, M: ChannelMemory, K: Clock> {
    subchannel: Subchannel<'a, C, M>,
    memory: &'a M,
    clock: &'a K,
    area: ProgramArea,
    characteristics: DeviceCharacteristics,
    geometry: Geometry,
    path: DataPath,
    retries: u32,
}

impl<'a, C: ChannelSubsystem, M: ChannelMemory, K: Clock> EckdDasd<'a, C, M, K> {
    /// The driver for the DASD on `subchannel` (enabled and idle), with
    /// its programs in `area` of `memory` and `clock` for the subchannel
    /// driver's deadlines. Reads the device characteristics first (Read
    /// Device Characteristics) and fails if they give no geometry.
    ///
    /// The area must be reserved for this driver: its programs write there
    /// and the channel reads and writes it.
    pub fn new(
        mut subchannel: Subchannel<'a, C, M>,
        memory: &'a M,
        clock: &'a K,
        area: ProgramArea,
    ) -> Result<Self, EckdError> {
        let mut program = ProgramWriter::new(memory, area, DataPath::Direct, 1)?;
        program.scratch(
            commands::READ_DEVICE_CHARACTERISTICS,
            CcwFlags::SLI,
            DeviceCharacteristics::LEN as u16,
        );
        let (orb, end) = (program.orb(), program.end());
        // SAFETY: the program and its data are in the area reserved for
        // this driver (this function's contract).
        unsafe { Self::run_with_retries(&mut subchannel, clock, DEFAULT_RETRIES, orb, end) }?;
        let mut rdc = [0u8; DeviceCharacteristics::LEN];
        memory.read(area.scratch(), &mut rdc);
        let characteristics = DeviceCharacteristics::from_bytes(&rdc)?;
        Ok(EckdDasd {
            subchannel,
            memory,
            clock,
            area,
            characteristics,
            geometry: characteristics.geometry()?,
            path: DataPath::Direct,
            retries: DEFAULT_RETRIES,
        })
    }

    /// Moves record data on `path` from now on.
    pub fn with_data_path(mut self, path: DataPath) -> Self {
        self.path = path;
        self
    }

    /// Retries a retryable condition up to `retries` times.
    pub fn with_retries(mut self, retries: u32) -> Self {
        self.retries = retries;
        self
    }

    /// What Read Device Characteristics returned.
    pub fn characteristics(&self) -> &DeviceCharacteristics {
        &self.characteristics
    }

    /// The volume's geometry.
    pub fn geometry(&self) -> Geometry {
        self.geometry
    }

    /// The data path in use.
    pub fn data_path(&self) -> DataPath {
        self.path
    }

    /// The subchannel driver (e.g. to take unsolicited status).
    pub fn subchannel(&mut self) -> &mut Subchannel<'a, C, M> {
        &mut self.subchannel
    }

    /// The whole volume as an extent.
    pub fn volume_extent(&self) -> Extent {
        let last = self.geometry.tracks() - 1;
        Extent {
            begin: Track::default(),
            end: self.geometry.track(last).unwrap_or_default(),
        }
    }

    /// Runs the program `orb` starts on `subchannel`, again while its unit
    /// check is retryable and fewer than `retries` retries were made. A
    /// program that ends without error status before its last CCW (`end`
    /// is the address after it) is [`EckdError::Incomplete`].
    ///
    /// # Safety
    /// The program and every buffer it names stay valid and untouched by
    /// anything else until this returns.
    unsafe fn run_with_retries(
        subchannel: &mut Subchannel<'a, C, M>,
        clock: &K,
        retries: u32,
        orb: Orb,
        end: u32,
    ) -> Result<Completion, EckdError> {
        let mut attempts = 0;
        loop {
            attempts += 1;
            // SAFETY: this function's contract.
            let result = unsafe { subchannel.run_polled(orb, clock) };
            match result.map_err(EckdError::from) {
                Ok(completion) if completion.irb.scsw.ccw_address() == end => {
                    return Ok(completion)
                }
                Ok(completion) => {
                    return Err(EckdError::Incomplete {
                        scsw: completion.irb.scsw,
                    })
                }
                Err(EckdError::Device {
                    condition, sense, ..
                }) => {
                    if condition.is_retryable(&sense) && attempts <= retries {
                        continue;
                    }
                    return Err(EckdError::Device {
                        condition,
                        sense,
                        attempts,
                    });
                }
                Err(other) => return Err(other),
            }
        }
    }

    /// [`EckdDasd::run_with_retries`] with this driver's subchannel.
    ///
    /// # Safety
    /// As for [`EckdDasd::run_with_retries`].
    unsafe fn run(&mut self, orb: Orb, end: u32) -> Result<Completion, EckdError> {
        // SAFETY: this function's contract.
        unsafe { Self::run_with_retries(&mut self.subchannel, self.clock, self.retries, orb, end) }
    }

    /// One command into the scratch area, after a Define Extent of the
    /// volume and a one-record read Locate Record that searches `search`;
    /// copies what came into `out` and returns how many bytes came.
    fn read_scratch(
        &mut self,
        search: RecordId,
        command: u8,
        flags: CcwFlags,
        out: &mut [u8],
    ) -> Result<usize, EckdError> {
        let len = out.len().min(SCRATCH_LEN as usize);
        let mut program = ProgramWriter::new(self.memory, self.area, DataPath::Direct, 3)?;
        let extent = self.volume_extent();
        program.define_extent(&DefineExtent {
            mask: FileMask::ReadOnly,
            block_size: 0,
            begin: extent.begin,
            end: extent.end,
        });
        program.locate_record(&LocateRecord {
            operation: Operation::ReadData,
            count: 1,
            search,
            transfer_length: 0,
        });
        program.scratch(command, flags, len as u16);
        let (orb, end) = (program.orb(), program.end());
        // SAFETY: the program and its data are in the area reserved for
        // this driver (`new`'s contract).
        let completion = unsafe { self.run(orb, end) }?;
        let got = len.saturating_sub(usize::from(completion.residual_count()));
        self.memory.read(self.area.scratch(), &mut out[..got]);
        Ok(got)
    }

    /// The record before `id` on its track, which Locate Record searches
    /// so that the next count field read is `id`'s.
    fn previous(id: RecordId) -> RecordId {
        RecordId {
            track: id.track,
            record: id.record.saturating_sub(1),
        }
    }

    /// Checks that the count field that came is `id`'s: past the last
    /// record the device passes the index point and reads the track's
    /// first count again.
    fn expect_count(id: RecordId, count: CountField) -> Result<CountField, EckdError> {
        if count.id == id {
            Ok(count)
        } else {
            Err(EckdError::RecordNotOnTrack {
                wanted: id,
                found: count.id,
            })
        }
    }

    /// Read Count of record `id` (R1 or later).
    pub fn read_count(&mut self, id: RecordId) -> Result<CountField, EckdError> {
        let mut count = [0u8; 8];
        self.read_scratch(
            Self::previous(id),
            commands::READ_COUNT,
            CcwFlags::empty(),
            &mut count,
        )?;
        Self::expect_count(id, CountField::from_bytes(count))
    }

    /// Read Key and Data of record `id` into `out` (at most 256 bytes:
    /// labels and DSCBs); returns the bytes read, the key first. A record
    /// longer than `out` is cut.
    pub fn read_key_and_data(&mut self, id: RecordId, out: &mut [u8]) -> Result<usize, EckdError> {
        self.read_scratch(id, commands::READ_KEY_AND_DATA, CcwFlags::SLI, out)
    }

    /// Read Count, Key and Data of record `id` (R1 or later) into `buffer`:
    /// the count field, the key, the data. Returns the count field and the
    /// bytes read (a record longer than the buffer is cut).
    ///
    /// # Safety
    /// `buffer` is channel-addressable storage that nothing else uses
    /// until this returns.
    pub unsafe fn read_count_key_and_data(
        &mut self,
        id: RecordId,
        buffer: Buffer,
    ) -> Result<(CountField, u32), EckdError> {
        let extent = self.volume_extent();
        // SAFETY: this function's contract.
        let completion = unsafe {
            self.transfer_program(
                Domain {
                    extent,
                    search: Self::previous(id),
                    operation: Operation::ReadData,
                    transfer_length: 0,
                },
                commands::READ_COUNT_KEY_AND_DATA,
                CcwFlags::SLI,
                1,
                |_| buffer,
            )
        }?;
        let got = buffer
            .size()
            .saturating_sub(u32::from(completion.residual_count()));
        let mut count = [0u8; 8];
        if got >= 8 {
            if let Ok(address) = u32::try_from(buffer.address()) {
                self.memory.read(address, &mut count);
            }
        }
        Ok((Self::expect_count(id, CountField::from_bytes(count))?, got))
    }

    /// Read IPL: record 1 of cylinder 0 head 0 into `buffer` (the IPL PSW
    /// and channel program); returns the bytes read.
    ///
    /// # Safety
    /// As for [`EckdDasd::read_count_key_and_data`].
    pub unsafe fn read_ipl(&mut self, buffer: Buffer) -> Result<u32, EckdError> {
        let mut program = ProgramWriter::new(self.memory, self.area, self.path, 1)?;
        program.transfer(Transfer {
            command: commands::READ_IPL,
            flags: CcwFlags::SLI,
            buffer,
        })?;
        let (orb, end) = (program.orb(), program.end());
        // SAFETY: the program is in the reserved area, the buffer is the
        // caller's (this function's contract).
        let completion = unsafe { self.run(orb, end) }?;
        Ok(buffer
            .size()
            .saturating_sub(u32::from(completion.residual_count())))
    }

    /// Define Extent `domain.extent` (block size `domain.transfer_length`,
    /// or the largest if 0), Locate Record from `domain.search` over
    /// `count` records, and one `command` per record into `buffer_of(i)`.
    ///
    /// # Safety
    /// As for [`EckdDasd::read_count_key_and_data`], for every buffer.
    unsafe fn transfer_program(
        &mut self,
        domain: Domain,
        command: u8,
        flags: CcwFlags,
        count: u32,
        buffer_of: impl Fn(u32) -> Buffer,
    ) -> Result<Completion, EckdError> {
        let Domain {
            extent,
            search,
            operation,
            transfer_length,
        } = domain;
        let count = u8::try_from(count)
            .ok()
            .filter(|n| *n > 0)
            .ok_or(super::ProgramError::RecordCount(count as usize))?;
        let mut program =
            ProgramWriter::new(self.memory, self.area, self.path, 2 + u32::from(count))?;
        program.define_extent(&DefineExtent {
            mask: match operation {
                Operation::ReadData => FileMask::ReadOnly,
                Operation::WriteData => FileMask::WriteUpdate,
            },
            block_size: transfer_length,
            begin: extent.begin,
            end: extent.end,
        });
        program.locate_record(&LocateRecord {
            operation,
            count,
            search,
            transfer_length,
        });
        for i in 0..u32::from(count) {
            program.transfer(Transfer {
                command,
                flags,
                buffer: buffer_of(i),
            })?;
        }
        let (orb, end) = (program.orb(), program.end());
        // SAFETY: the program is in the reserved area, the buffers are the
        // caller's (this function's contract).
        unsafe { self.run(orb, end) }
    }

    /// Reads or writes `records` in chunks of as many records as one
    /// program in the area holds; `next(n)` is where the `n`th record is.
    ///
    /// # Safety
    /// As for [`EckdDasd::read_count_key_and_data`].
    unsafe fn records(
        &mut self,
        operation: Operation,
        records: Records,
        buffer: Buffer,
        next: impl Fn(u32) -> Option<RecordId>,
    ) -> Result<(), EckdError> {
        let Records {
            extent,
            first,
            count,
            record_length,
            ..
        } = records;
        let needed = count.saturating_mul(u32::from(record_length));
        if needed != buffer.size() || count == 0 {
            return Err(EckdError::BufferLength {
                needed,
                given: buffer.size(),
            });
        }
        let command = match operation {
            Operation::ReadData => commands::READ_DATA | commands::MULTITRACK,
            Operation::WriteData => commands::WRITE_DATA | commands::MULTITRACK,
        };
        let chunk = self.area.capacity(self.path).max(1) as u32;
        let mut done = 0u32;
        let mut search = first;
        while done < count {
            let n = chunk.min(count - done);
            let piece = |i: u32| {
                let offset = u64::from(done + i) * u64::from(record_length);
                Buffer::new(buffer.address() + offset, u32::from(record_length)).unwrap_or(buffer)
            };
            let domain = Domain {
                extent,
                search,
                operation,
                transfer_length: record_length,
            };
            // SAFETY: this function's contract; the pieces lie inside
            // `buffer` (its length was checked).
            unsafe { self.transfer_program(domain, command, CcwFlags::empty(), n, piece) }?;
            done += n;
            if done < count {
                search = next(done).ok_or(EckdError::OutOfRange {
                    first: done,
                    count: count - done,
                    limit: done,
                })?;
            }
        }
        Ok(())
    }

    /// Reads `records` into `buffer` (exactly `count * record_length`
    /// bytes). One program covers as many records as the area allows (at
    /// most 255); a longer read goes on with the next program.
    ///
    /// # Safety
    /// As for [`EckdDasd::read_count_key_and_data`].
    pub unsafe fn read_records(
        &mut self,
        records: Records,
        buffer: Buffer,
    ) -> Result<(), EckdError> {
        let next = self.record_stepper(records.first, records.records_per_track);
        // SAFETY: this function's contract.
        unsafe { self.records(Operation::ReadData, records, buffer, next) }
    }

    /// Writes (updates) `records` from `buffer` as
    /// [`EckdDasd::read_records`] reads them; each record's data length
    /// must be `record_length`
    /// ([`Condition::InvalidTrackFormat`](super::Condition::InvalidTrackFormat)
    /// otherwise).
    ///
    /// # Safety
    /// As for [`EckdDasd::read_count_key_and_data`].
    pub unsafe fn write_records(
        &mut self,
        records: Records,
        buffer: Buffer,
    ) -> Result<(), EckdError> {
        let next = self.record_stepper(records.first, records.records_per_track);
        // SAFETY: this function's contract.
        unsafe { self.records(Operation::WriteData, records, buffer, next) }
    }

    /// The record `n` records after `first`, with `per_track` records R1,
    /// R2, ... per track.
    fn record_stepper(&self, first: RecordId, per_track: u32) -> impl Fn(u32) -> Option<RecordId> {
        let geometry = self.geometry;
        move |n| {
            let per_track = per_track.max(1);
            let index = u32::from(first.record.max(1) - 1) + n;
            let track = geometry.linear(first.track)? + index / per_track;
            Some(RecordId {
                track: geometry.track(track)?,
                record: (index % per_track + 1) as u8,
            })
        }
    }

    /// Reads blocks `first..first + count` of `layout` into `buffer`
    /// (exactly `count` blocks long).
    ///
    /// # Safety
    /// As for [`EckdDasd::read_count_key_and_data`].
    pub unsafe fn read_blocks(
        &mut self,
        layout: &BlockLayout,
        first: u32,
        count: u32,
        buffer: Buffer,
    ) -> Result<(), EckdError> {
        // SAFETY: this function's contract.
        unsafe { self.transfer_blocks(Operation::ReadData, layout, first, count, buffer) }
    }

    /// Writes blocks `first..first + count` of `layout` from `buffer`.
    ///
    /// # Safety
    /// As for [`EckdDasd::read_count_key_and_data`].
    pub unsafe fn write_blocks(
        &mut self,
        layout: &BlockLayout,
        first: u32,
        count: u32,
        buffer: Buffer,
    ) -> Result<(), EckdError> {
        // SAFETY: this function's contract.
        unsafe { self.transfer_blocks(Operation::WriteData, layout, first, count, buffer) }
    }

    /// [`EckdDasd::read_blocks`] or [`EckdDasd::write_blocks`], by
    /// `operation`.
    ///
    /// # Safety
    /// As for [`EckdDasd::read_count_key_and_data`].
    unsafe fn transfer_blocks(
        &mut self,
        operation: Operation,
        layout: &BlockLayout,
        first: u32,
        count: u32,
        buffer: Buffer,
    ) -> Result<(), EckdError> {
        let start = Self::check_blocks(layout, first, count)?;
        // SAFETY: this function's contract.
        unsafe {
            self.records(operation, layout.records(start, count), buffer, |n| {
                layout.locate(first + n)
            })
        }
    }

    fn check_blocks(layout: &BlockLayout, first: u32, count: u32) -> Result<RecordId, EckdError> {
        let out_of_range = EckdError::OutOfRange {
            first,
            count,
            limit: layout.blocks(),
        };
        let end = first.checked_add(count).ok_or(out_of_range)?;
        if count == 0 || end > layout.blocks() {
            return Err(out_of_range);
        }
        layout.locate(first).ok_or(out_of_range)
    }
}
