//! ECKD channel programs: the Define Extent and Locate Record parameters,
//! the command codes, and where a program's pieces go in a
//! [`ProgramArea`] (IBM 3990/9390 Storage Control Reference, "Define
//! Extent", "Locate Record", "Read Data", "Write Data"; PoP, chapter 15
//! "Basic I/O Functions", "Indirect Data Addressing" and "Modified Indirect
//! Data Addressing").

use super::geometry::{RecordId, Track};
use crate::memory::{is_channel_area, ChannelMemory};
use crate::structures::{
    format2_idaws, midaws, Ccw1, CcwFlags, Format2Idaw, IdawBlockSize, IdawError, Midaw, Orb,
};

/// ECKD command codes (3990/9390 Storage Control Reference, "Command
/// Codes").
pub mod commands {
    /// Read IPL: seek to cylinder 0 head 0 and read record 1's data.
    pub const READ_IPL: u8 = 0x02;
    /// Write Data (update the data area of an existing record).
    pub const WRITE_DATA: u8 = 0x05;
    /// Read Data.
    pub const READ_DATA: u8 = 0x06;
    /// Seek (bin, cylinder, head).
    pub const SEEK: u8 = 0x07;
    /// Read Key and Data.
    pub const READ_KEY_AND_DATA: u8 = 0x0E;
    /// Read Count.
    pub const READ_COUNT: u8 = 0x12;
    /// Read Count, Key and Data.
    pub const READ_COUNT_KEY_AND_DATA: u8 = 0x1E;
    /// Search ID Equal.
    pub const SEARCH_ID_EQUAL: u8 = 0x31;
    /// Locate Record.
    pub const LOCATE_RECORD: u8 = 0x47;
    /// Define Extent.
    pub const DEFINE_EXTENT: u8 = 0x63;
    /// Read Device Characteristics.
    pub const READ_DEVICE_CHARACTERISTICS: u8 = 0x64;
    /// The multitrack bit of read, write and search commands: the device
    /// goes on to the next track at the end of one.
    pub const MULTITRACK: u8 = 0x80;
}

/// The most records one Locate Record domain (one channel program) covers:
/// the domain count is one byte.
pub const MAX_RECORDS: usize = 255;

/// Define Extent file mask (byte 0): what the program may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum FileMask {
    /// Inhibit all writes (0x40); seek and multitrack allowed.
    ReadOnly,
    /// Allow update writes (Write Data), not formatting writes (0x80).
    WriteUpdate,
}

impl FileMask {
    const fn bits(self) -> u8 {
        match self {
            FileMask::ReadOnly => 0x40,
            FileMask::WriteUpdate => 0x80,
        }
    }
}

/// Global attributes byte of Define Extent: ECKD architecture (bits 0-1
/// = 11), no CKD conversion, normal cache replacement.
const GLOBAL_ATTRIBUTES_ECKD: u8 = 0xC0;

/// The 16 bytes of Define Extent: file mask, global attributes, block size
/// (the transfer length the domain's records have), and the first and last
/// track the program may touch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct DefineExtent {
    /// What the program may do.
    pub mask: FileMask,
    /// The block size (0: the largest R0 length plus 8).
    pub block_size: u16,
    /// The first track of the extent.
    pub begin: Track,
    /// The last track of the extent.
    pub end: Track,
}

impl DefineExtent {
    /// The parameter bytes.
    pub const fn to_bytes(&self) -> [u8; 16] {
        let [b0, b1] = self.block_size.to_be_bytes();
        let [c0, c1, h0, h1] = self.begin.to_bytes();
        let [e0, e1, e2, e3] = self.end.to_bytes();
        [
            self.mask.bits(),
            GLOBAL_ATTRIBUTES_ECKD,
            b0,
            b1,
            0,
            0,
            0,
            0,
            c0,
            c1,
            h0,
            h1,
            e0,
            e1,
            e2,
            e3,
        ]
    }
}

/// The Locate Record operation (byte 0, bits 2-7) this crate uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Operation {
    /// Read Data (0x06): the domain's records are read.
    ReadData,
    /// Write Data (0x01): the domain's records' data areas are updated;
    /// each must be as long as the transfer length.
    WriteData,
}

/// The 16 bytes of Locate Record with count orientation: seek to `search`'s
/// track, search its count field, and open a domain of `count` records
/// for `operation`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct LocateRecord {
    /// What the domain is for.
    pub operation: Operation,
    /// Records in the domain (1-255).
    pub count: u8,
    /// The record whose count field the device searches (the domain's
    /// first record is the one after it for commands that read the next
    /// count, this one for Read Data and Write Data).
    pub search: RecordId,
    /// The transfer length of each record (written into the parameters
    /// for writes; reads use the Define Extent block size).
    pub transfer_length: u16,
}

/// Locate Record auxiliary byte: the transfer-length factor is valid.
const TRANSFER_LENGTH_VALID: u8 = 0x80;
/// Sector number: none given (the device searches from where it is).
const NO_SECTOR: u8 = 0xFF;

impl LocateRecord {
    /// The parameter bytes.
    pub const fn to_bytes(&self) -> [u8; 16] {
        let (operation, auxiliary, tlf) = match self.operation {
            Operation::ReadData => (0x06, 0, 0u16),
            Operation::WriteData => (0x01, TRANSFER_LENGTH_VALID, self.transfer_length),
        };
        let [c0, c1, h0, h1] = self.search.track.to_bytes();
        let [t0, t1] = tlf.to_be_bytes();
        [
            operation,
            auxiliary,
            0,
            self.count,
            c0,
            c1,
            h0,
            h1,
            c0,
            c1,
            h0,
            h1,
            self.search.record,
            NO_SECTOR,
            t0,
            t1,
        ]
    }
}

/// How a record's data reaches storage.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum DataPath {
    /// The CCW addresses the buffer itself (below 2 GiB).
    Direct,
    /// Format-2 IDAWs with 4K blocks (any 64-bit address).
    Idaw,
    /// MIDAWs (any 64-bit address).
    Midaw,
}

/// A caller's buffer in channel-addressable storage.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Buffer {
    address: u64,
    len: u32,
}

impl Buffer {
    /// `len` bytes at `address`; `None` if empty or past the end of the
    /// address space.
    pub const fn new(address: u64, len: u32) -> Option<Self> {
        if len == 0 || address.checked_add(len as u64).is_none() {
            None
        } else {
            Some(Buffer { address, len })
        }
    }

    /// The buffer `bytes` occupies, where channel addresses are this
    /// program's addresses (DAT off). Only the address is taken: the
    /// caller still keeps the buffer as the transfer functions require.
    pub fn of_slice(bytes: &mut [u8]) -> Option<Self> {
        Self::new(
            bytes.as_mut_ptr() as usize as u64,
            u32::try_from(bytes.len()).ok()?,
        )
    }

    /// Where the buffer starts.
    pub const fn address(self) -> u64 {
        self.address
    }

    /// Its size in bytes (at least 1).
    pub const fn size(self) -> u32 {
        self.len
    }
}

/// Why a channel program could not be built.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum ProgramError {
    /// The program needs more storage than the area has.
    AreaTooSmall {
        /// Bytes needed.
        needed: usize,
        /// Bytes the area has.
        size: usize,
    },
    /// A direct (CCW-addressed) buffer does not lie below 2 GiB.
    NotDirectlyAddressable(u64),
    /// An IDAW or MIDAW list could not be built.
    Indirect(IdawError),
    /// No records, or more than [`MAX_RECORDS`].
    RecordCount(usize),
    /// One transfer of more bytes than a CCW count holds.
    TransferTooLong(u32),
}

impl core::fmt::Display for ProgramError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            ProgramError::AreaTooSmall { needed, size } => {
                write!(f, "program needs {needed} bytes, area has {size}")
            }
            ProgramError::NotDirectlyAddressable(address) => {
                write!(f, "buffer at {address:#x} is not below 2 GiB")
            }
            ProgramError::Indirect(e) => write!(f, "indirect data list: {e}"),
            ProgramError::RecordCount(n) => write!(f, "{n} records in one program"),
            ProgramError::TransferTooLong(len) => write!(f, "{len} bytes in one CCW"),
        }
    }
}

/// Bytes of the area before the CCWs: Define Extent and Locate Record
/// parameters (32), then a scratch area for small records.
const PARAMETERS: u32 = 32;
/// Bytes of scratch for small reads (device characteristics, labels,
/// DSCBs, count fields) the driver decodes itself.
pub(super) const SCRATCH_LEN: u32 = 256;
/// Offset of the first CCW.
const CCWS: u32 = PARAMETERS + SCRATCH_LEN;
/// CCWs besides the data transfers: Define Extent, Locate Record.
const SETUP_CCWS: u32 = 2;
/// Bytes of one record's IDAW or MIDAW list slot: 8 MIDAWs or 16 IDAWs;
/// 128-byte aligned, so a MIDAW list never crosses a 4K boundary.
const LIST_SLOT: u64 = 128;
/// MIDAWs per slot.
const MIDAWS_PER_SLOT: usize = (LIST_SLOT / 16) as usize;
/// IDAWs per slot.
const IDAWS_PER_SLOT: usize = (LIST_SLOT / 8) as usize;

/// Channel-addressable storage reserved for the driver's channel
/// programs: parameters, a scratch area, the CCWs and the IDAW or MIDAW
/// lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ProgramArea {
    address: u32,
    size: u32,
}

impl ProgramArea {
    /// The smallest area: enough for one-record programs on the direct
    /// path.
    pub const MIN_SIZE: u32 = CCWS + 8 * (SETUP_CCWS + 1);

    /// An area of `size` bytes at `address`; `None` unless it is
    /// doubleword aligned, at least [`ProgramArea::MIN_SIZE`] bytes and
    /// ends below 2 GiB.
    pub const fn new(address: u32, size: u32) -> Option<Self> {
        if size >= Self::MIN_SIZE && is_channel_area(address, size as usize, 8) {
            Some(ProgramArea { address, size })
        } else {
            None
        }
    }

    /// Bytes an area needs for programs of `records` records on `path`,
    /// wherever it lies.
    pub const fn size_for(records: usize, path: DataPath) -> u32 {
        let ccws = CCWS + 8 * (SETUP_CCWS + records as u32);
        match path {
            DataPath::Direct => ccws,
            DataPath::Idaw | DataPath::Midaw => {
                ccws + (LIST_SLOT as u32 - 8) + LIST_SLOT as u32 * records as u32
            }
        }
    }

    /// The most records one program in this area can transfer on `path`
    /// (at most [`MAX_RECORDS`]).
    pub const fn capacity(self, path: DataPath) -> usize {
        let fixed = CCWS + 8 * SETUP_CCWS;
        let records = match path {
            DataPath::Direct => (self.size - fixed) / 8,
            DataPath::Idaw | DataPath::Midaw => {
                (self.size.saturating_sub(fixed + LIST_SLOT as u32 - 8)) / (8 + LIST_SLOT as u32)
            }
        };
        if records as usize > MAX_RECORDS {
            MAX_RECORDS
        } else {
            records as usize
        }
    }

    /// Where the area starts.
    pub const fn address(self) -> u32 {
        self.address
    }

    /// Its size.
    pub const fn size(self) -> u32 {
        self.size
    }

    pub(super) const fn define_extent(self) -> u32 {
        self.address
    }

    pub(super) const fn locate_record(self) -> u32 {
        self.address + 16
    }

    pub(super) const fn scratch(self) -> u32 {
        self.address + PARAMETERS
    }

    /// The channel program's first CCW.
    pub(super) const fn program(self) -> u32 {
        self.address + CCWS
    }

    fn list_slot(self, ccw_count: u32, index: usize) -> u64 {
        let first = (self.program() + 8 * ccw_count) as u64;
        first.next_multiple_of(LIST_SLOT) + LIST_SLOT * index as u64
    }
}

/// One data-transfer command of a program: its code, flags and the bytes
/// it moves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Transfer {
    pub command: u8,
    pub flags: CcwFlags,
    pub buffer: Buffer,
}

/// A channel program written into a [`ProgramArea`]: optional Define
/// Extent and Locate Record, then the transfers, command-chained.
pub(super) struct ProgramWriter<'m, M: ChannelMemory> {
    memory: &'m M,
    area: ProgramArea,
    path: DataPath,
    ccws: u32,
    planned: u32,
}

impl<'m, M: ChannelMemory> ProgramWriter<'m, M> {
    /// A writer for a program of `planned` CCWs in `area`, checking that
    /// they and their lists fit.
    pub fn new(
        memory: &'m M,
        area: ProgramArea,
        path: DataPath,
        planned: u32,
    ) -> Result<Self, ProgramError> {
        let transfers = planned.saturating_sub(SETUP_CCWS) as usize;
        let needed = ProgramArea::size_for(transfers, path) as usize;
        if needed > area.size as usize {
            return Err(ProgramError::AreaTooSmall {
                needed,
                size: area.size as usize,
            });
        }
        Ok(ProgramWriter {
            memory,
            area,
            path,
            ccws: 0,
            planned,
        })
    }

    fn push(&mut self, ccw: Ccw1) {
        let last = self.ccws + 1 == self.planned;
        let flags = if last {
            ccw.flags()
        } else {
            ccw.flags() | CcwFlags::CC
        };
        let ccw = Ccw1::new(ccw.command(), flags, ccw.count(), ccw.data_address());
        self.memory
            .write(self.area.program() + 8 * self.ccws, ccw.as_bytes());
        self.ccws += 1;
    }

    /// Define Extent with `parameters`.
    pub fn define_extent(&mut self, parameters: &DefineExtent) {
        let at = self.area.define_extent();
        self.memory.write(at, &parameters.to_bytes());
        self.push(Ccw1::new(
            commands::DEFINE_EXTENT,
            CcwFlags::empty(),
            16,
            at,
        ));
    }

    /// Locate Record with `parameters`.
    pub fn locate_record(&mut self, parameters: &LocateRecord) {
        let at = self.area.locate_record();
        self.memory.write(at, &parameters.to_bytes());
        self.push(Ccw1::new(
            commands::LOCATE_RECORD,
            CcwFlags::empty(),
            16,
            at,
        ));
    }

    /// A command whose data is in the area's scratch (at most
    /// [`SCRATCH_LEN`] bytes).
    pub fn scratch(&mut self, command: u8, flags: CcwFlags, len: u16) {
        let len = len.min(SCRATCH_LEN as u16);
        self.push(Ccw1::new(command, flags, len, self.area.scratch()));
    }

    /// A data transfer on the writer's data path.
    pub fn transfer(&mut self, transfer: Transfer) -> Result<(), ProgramError> {
        let Transfer {
            command,
            flags,
            buffer,
        } = transfer;
        let count =
            u16::try_from(buffer.len).map_err(|_| ProgramError::TransferTooLong(buffer.len))?;
        let index = self.ccws.saturating_sub(SETUP_CCWS) as usize;
        let ccw = match self.path {
            DataPath::Direct => {
                let address = u32::try_from(buffer.address)
                    .ok()
                    .filter(|&a| is_channel_area(a, buffer.len as usize, 1))
                    .ok_or(ProgramError::NotDirectlyAddressable(buffer.address))?;
                Ccw1::new(command, flags, count, address)
            }
            DataPath::Idaw => {
                let slot = self.area.list_slot(self.planned, index);
                let mut list = [Format2Idaw::default(); IDAWS_PER_SLOT];
                let idaws = format2_idaws(
                    buffer.address,
                    buffer.len as usize,
                    IdawBlockSize::Size4K,
                    &mut list,
                )
                .map_err(ProgramError::Indirect)?;
                for (i, idaw) in idaws.iter().enumerate() {
                    self.memory
                        .write(slot as u32 + 8 * i as u32, idaw.as_bytes());
                }
                Ccw1::new(command, flags | CcwFlags::IDA, count, slot as u32)
            }
            DataPath::Midaw => {
                let slot = self.area.list_slot(self.planned, index);
                let mut list = [Midaw::default(); MIDAWS_PER_SLOT];
                let entries = midaws(&[(buffer.address, buffer.len as usize)], &mut list)
                    .map_err(ProgramError::Indirect)?;
                for (i, midaw) in entries.iter().enumerate() {
                    self.memory
                        .write(slot as u32 + 16 * i as u32, midaw.as_bytes());
                }
                Ccw1::new(command, flags | CcwFlags::MIDA, count, slot as u32)
            }
        };
        self.push(ccw);
        Ok(())
    }

    /// The address right after the last CCW: where the SCSW's CCW address
    /// points when the whole program ran.
    pub fn end(&self) -> u32 {
        self.area.program() + 8 * self.ccws
    }

    /// The ORB that starts the program, with the data path's controls.
    pub fn orb(&self) -> Orb {
        let orb = Orb::new(self.area.program());
        match self.path {
            DataPath::Direct => orb,
            DataPath::Idaw => orb.with_format2_idaws(true),
            DataPath::Midaw => orb.with_mida(true),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn define_extent_bytes() {
        let de = DefineExtent {
            mask: FileMask::WriteUpdate,
            block_size: 4096,
            begin: Track {
                cylinder: 1,
                head: 2,
            },
            end: Track {
                cylinder: 0x0102,
                head: 14,
            },
        };
        assert_eq!(
            de.to_bytes(),
            [0x80, 0xC0, 0x10, 0, 0, 0, 0, 0, 0, 1, 0, 2, 1, 2, 0, 14]
        );
    }

    #[test]
    fn locate_record_bytes() {
        let mut lr = LocateRecord {
            operation: Operation::ReadData,
            count: 12,
            search: RecordId::new(3, 4, 5),
            transfer_length: 4096,
        };
        assert_eq!(
            lr.to_bytes(),
            [0x06, 0, 0, 12, 0, 3, 0, 4, 0, 3, 0, 4, 5, 0xFF, 0, 0]
        );
        lr.operation = Operation::WriteData;
        assert_eq!(
            lr.to_bytes(),
            [0x01, 0x80, 0, 12, 0, 3, 0, 4, 0, 3, 0, 4, 5, 0xFF, 0x10, 0]
        );
    }

    #[test]
    fn area_sizes() {
        assert_eq!(ProgramArea::new(0x1004, 4096), None);
        assert_eq!(ProgramArea::new(0x1000, ProgramArea::MIN_SIZE - 1), None);
        assert!(ProgramArea::new(0x1000, ProgramArea::MIN_SIZE).is_some());
        assert_eq!(ProgramArea::new(0x7FFF_F000, 0x2000), None);
        assert_eq!(
            ProgramArea::size_for(1, DataPath::Direct),
            ProgramArea::MIN_SIZE
        );
        assert!(
            ProgramArea::size_for(MAX_RECORDS, DataPath::Midaw)
                > ProgramArea::size_for(MAX_RECORDS, DataPath::Direct) + 128 * 254
        );
        for records in [1, 7, 100, MAX_RECORDS] {
            for path in [DataPath::Direct, DataPath::Idaw, DataPath::Midaw] {
                let area = ProgramArea::new(0x1000, ProgramArea::size_for(records, path)).unwrap();
                assert_eq!(area.capacity(path), records, "{records} {path:?}");
            }
        }
        assert_eq!(Buffer::new(0, 0), None);
        assert_eq!(Buffer::new(u64::MAX, 2), None);
    }
}
