//! The data stream a device sees for one command: the data areas of the
//! CCW, of the CCWs data-chained to it, through direct, IDAW or MIDAW
//! addressing (PoP, chapter 15, "Data Chaining", "Indirect Data
//! Addressing", "Modified Indirect Data Addressing").

use s390_cio::structures::{CcwFlags, CommandType, MidawFlags, SubchannelStatus};

use crate::ccw::{fetch_ccw, ChannelContext, DecodedCcw};
use crate::memory::Memory;

/// Where the next byte of the current CCW's data area is.
#[derive(Debug, Clone, Copy)]
enum Cursor {
    /// The CCW's data address designates the data.
    Direct { address: u64 },
    /// The data address designates a list of IDAWs; `current` is the
    /// address and bytes left of the block in use, `None` before an IDAW
    /// is fetched.
    Idaw {
        next_entry: u64,
        format2: bool,
        block: u64,
        first: bool,
        current: Option<(u64, u64)>,
    },
    /// The data address designates a list of MIDAWs.
    Midaw {
        next_entry: u64,
        current: Option<(u64, u16, bool)>,
        last_seen: bool,
    },
}

/// One contiguous piece of a data area.
struct Run {
    address: u64,
    len: usize,
    skip: bool,
}

/// The data transfer of one command, across data chaining and indirect
/// data addressing, as the device sees it.
///
/// "Read" and "write" are from the device's side: a device answering a
/// read command *writes* bytes into the program's storage
/// ([`DataStream::write`]); a device answering a write command *reads* the
/// program's bytes ([`DataStream::read`]). When the program's areas end
/// before the device is done, the calls transfer less than asked and the
/// channel later reports incorrect length (unless suppressed); when the
/// device stops early, the residual count does the same.
///
/// The stream never panics: a malformed data-chained CCW, IDAW or MIDAW, or
/// an address outside storage, stops the transfer and is reported as a
/// program check (see [`DataStream::check`]).
pub struct DataStream<'a> {
    memory: &'a mut Memory,
    context: ChannelContext,
    command: u8,
    backward: bool,
    ccw_address: u32,
    ccw: DecodedCcw,
    remaining: u16,
    cursor: Cursor,
    transferred: usize,
    short: bool,
    check: Option<(u32, SubchannelStatus)>,
    pci: bool,
    /// The first CCW and its cursor, for [`DataStream::rewind`].
    start: (u32, DecodedCcw, Cursor),
}

/// What the channel needs from a finished stream.
pub(crate) struct StreamOutcome {
    /// Address of the last CCW used (the one the transfer ended in).
    pub ccw_address: u32,
    /// That CCW.
    pub ccw: DecodedCcw,
    /// Bytes of it not transferred.
    pub residual: u16,
    /// The device wanted more data than the program's areas held.
    pub short: bool,
    /// A check the channel detected during the transfer, and the address
    /// of the CCW it concerns.
    pub check: Option<(u32, SubchannelStatus)>,
    /// A data-chained CCW had the PCI flag.
    pub pci: bool,
}

impl<'a> DataStream<'a> {
    /// The stream for the CCW `ccw` at `ccw_address`, or the program check
    /// its addressing causes.
    pub(crate) fn new(
        memory: &'a mut Memory,
        context: ChannelContext,
        ccw_address: u32,
        ccw: DecodedCcw,
    ) -> Result<Self, SubchannelStatus> {
        let cursor = cursor_for(&context, &ccw)?;
        let backward = matches!(
            CommandType::of(ccw.command, context.format()),
            CommandType::ReadBackward
        );
        Ok(Self {
            memory,
            context,
            command: ccw.command,
            backward,
            ccw_address,
            ccw,
            remaining: ccw.count,
            cursor,
            transferred: 0,
            short: false,
            check: None,
            pci: false,
            start: (ccw_address, ccw, cursor),
        })
    }

    /// The command code of the operation.
    pub fn command(&self) -> u8 {
        self.command
    }

    /// Whether the command is a read backward: bytes the device writes go
    /// to descending addresses.
    pub fn is_backward(&self) -> bool {
        self.backward
    }

    /// Bytes left in the current CCW's data area (data-chained CCWs not
    /// counted: they are fetched when this one is exhausted).
    pub fn remaining_in_ccw(&self) -> usize {
        usize::from(self.remaining)
    }

    /// Bytes transferred so far, either way.
    pub fn transferred(&self) -> usize {
        self.transferred
    }

    /// The check (program check) that stopped the transfer, if any.
    pub fn check(&self) -> Option<SubchannelStatus> {
        self.check.map(|(_, status)| status)
    }

    fn fail(&mut self, status: SubchannelStatus) {
        self.check = Some((self.ccw_address, status));
    }

    /// Goes back to the first byte of the command's data (QEMU's
    /// `ccw_dstream_rewind`), for a device that reads part of a block
    /// before storing into it: virtio READ_FEAT reads the index at byte 4,
    /// then stores the feature word at byte 0. The transfer count starts
    /// again from zero; a check already found stays.
    pub fn rewind(&mut self) {
        let (address, ccw, cursor) = self.start;
        self.ccw_address = address;
        self.ccw = ccw;
        self.remaining = ccw.count;
        self.cursor = cursor;
        self.transferred = 0;
        self.short = false;
    }

    /// Main storage, for devices that work on structures of their own
    /// there (virtqueues, for instance).
    pub fn memory(&mut self) -> &mut Memory {
        self.memory
    }

    /// Writes `data` into the program's storage (the device answers a read
    /// or sense command); returns how many bytes the program's areas took.
    pub fn write(&mut self, data: &[u8]) -> usize {
        let mut done = 0;
        while done < data.len() {
            let Some(run) = self.next_run() else {
                self.short |= self.check.is_none();
                break;
            };
            let n = run.len.min(data.len() - done);
            if !run.skip {
                let piece = &data[done..done + n];
                let stored = if self.backward {
                    let reversed: Vec<u8> = piece.iter().rev().copied().collect();
                    self.memory.write(run.address + 1 - n as u64, &reversed)
                } else {
                    self.memory.write(run.address, piece)
                };
                if stored.is_err() {
                    self.fail(SubchannelStatus::PROGRAM_CHECK);
                    break;
                }
            }
            self.advance(n);
            done += n;
        }
        done
    }

    /// Reads the program's bytes into `buf` (the device answers a write or
    /// control command); returns how many bytes there were. Asking for more
    /// than the program supplies counts as the device wanting more data.
    pub fn read(&mut self, buf: &mut [u8]) -> usize {
        let done = self.read_inner(buf);
        if done < buf.len() && self.check.is_none() {
            self.short = true;
        }
        done
    }

    /// Reads every byte the program supplies for this command, through data
    /// chaining; leaves no residual count and no incorrect length.
    pub fn read_all(&mut self) -> Vec<u8> {
        let mut out = Vec::new();
        let mut chunk = [0u8; 4096];
        loop {
            let n = self.read_inner(&mut chunk);
            out.extend_from_slice(&chunk[..n]);
            if n < chunk.len() {
                return out;
            }
        }
    }

    fn read_inner(&mut self, buf: &mut [u8]) -> usize {
        let mut done = 0;
        while done < buf.len() {
            let Some(run) = self.next_run() else { break };
            let n = run.len.min(buf.len() - done);
            let fetched = if self.backward {
                self.memory
                    .read(run.address + 1 - n as u64, &mut buf[done..done + n])
                    .map(|()| buf[done..done + n].reverse())
            } else {
                self.memory.read(run.address, &mut buf[done..done + n])
            };
            if fetched.is_err() {
                self.fail(SubchannelStatus::PROGRAM_CHECK);
                break;
            }
            self.advance(n);
            done += n;
        }
        done
    }

    /// The next contiguous piece of the data area, chaining data and
    /// fetching IDAWs/MIDAWs as needed; `None` at the end of the data (or
    /// on a check, recorded in `self.check`).
    fn next_run(&mut self) -> Option<Run> {
        if self.check.is_some() {
            return None;
        }
        if self.remaining == 0 && !self.chain_data()? {
            return None;
        }
        match self.run_in_ccw() {
            Ok(run) => Some(run),
            Err(status) => {
                self.fail(status);
                None
            }
        }
    }

    fn run_in_ccw(&mut self) -> Result<Run, SubchannelStatus> {
        let remaining = usize::from(self.remaining);
        let skip_ccw = self.ccw.flags.skip()
            && matches!(
                CommandType::of(self.command, self.context.format()),
                CommandType::Read | CommandType::ReadBackward | CommandType::Sense
            );
        match &mut self.cursor {
            Cursor::Direct { address } => Ok(Run {
                address: *address,
                len: remaining,
                skip: skip_ccw,
            }),
            Cursor::Idaw {
                next_entry,
                format2,
                block,
                first,
                current,
            } => {
                let (address, left) = match *current {
                    Some(c) => c,
                    None => {
                        let address = if *format2 {
                            self.memory.read_u64(*next_entry)
                        } else {
                            self.memory.read_u32(*next_entry).map(u64::from)
                        }
                        .map_err(|_| SubchannelStatus::PROGRAM_CHECK)?;
                        if !*format2 && address > 0x7FFF_FFFF {
                            return Err(SubchannelStatus::PROGRAM_CHECK);
                        }
                        let offset = address % *block;
                        let aligned = if self.backward {
                            offset == *block - 1
                        } else {
                            offset == 0
                        };
                        if !*first && !aligned {
                            return Err(SubchannelStatus::PROGRAM_CHECK);
                        }
                        *first = false;
                        *next_entry += if *format2 { 8 } else { 4 };
                        let left = if self.backward {
                            offset + 1
                        } else {
                            *block - offset
                        };
                        *current = Some((address, left));
                        (address, left)
                    }
                };
                Ok(Run {
                    address,
                    len: remaining.min(usize::try_from(left).unwrap_or(usize::MAX)),
                    skip: skip_ccw,
                })
            }
            Cursor::Midaw {
                next_entry,
                current,
                last_seen,
            } => {
                let (address, left, skip) = match *current {
                    Some(c) => c,
                    None => {
                        if *last_seen {
                            return Err(SubchannelStatus::PROGRAM_CHECK);
                        }
                        let bytes: [u8; 16] = self
                            .memory
                            .read_array(*next_entry)
                            .map_err(|_| SubchannelStatus::PROGRAM_CHECK)?;
                        let flags = MidawFlags::from_bits(bytes[5]);
                        let count = u16::from_be_bytes([bytes[6], bytes[7]]);
                        let mut a = [0u8; 8];
                        a.copy_from_slice(&bytes[8..]);
                        let address = u64::from_be_bytes(a);
                        let offset = address % 4096;
                        let crosses = if self.backward {
                            u64::from(count) > offset + 1
                        } else {
                            offset + u64::from(count) > 4096
                        };
                        if count == 0 || crosses || flags.data_transfer_interruption() {
                            return Err(SubchannelStatus::PROGRAM_CHECK);
                        }
                        *last_seen = flags.last();
                        *next_entry += 16;
                        let c = (address, count, flags.skip());
                        *current = Some(c);
                        c
                    }
                };
                Ok(Run {
                    address,
                    len: remaining.min(usize::from(left)),
                    skip: skip || skip_ccw,
                })
            }
        }
    }

    fn advance(&mut self, n: usize) {
        // `n` never exceeds the run, which never exceeds the CCW count.
        self.remaining -= n as u16;
        self.transferred += n;
        let step = |address: u64, backward: bool| {
            if backward {
                address.wrapping_sub(n as u64)
            } else {
                address + n as u64
            }
        };
        match &mut self.cursor {
            Cursor::Direct { address } => *address = step(*address, self.backward),
            Cursor::Idaw { current, .. } => {
                if let Some((address, left)) = *current {
                    let left = left - n as u64;
                    *current = (left > 0).then(|| (step(address, self.backward), left));
                }
            }
            Cursor::Midaw { current, .. } => {
                if let Some((address, left, skip)) = *current {
                    let left = left - n as u16;
                    *current = (left > 0).then(|| (step(address, self.backward), left, skip));
                }
            }
        }
    }

    /// Moves to the next data-chained CCW when the current one is used up
    /// and has the CD flag; `Some(false)` when there is none, `None` on a
    /// check.
    fn chain_data(&mut self) -> Option<bool> {
        if !self.ccw.flags.chain_data() {
            return Some(false);
        }
        if let Cursor::Midaw {
            current, last_seen, ..
        } = self.cursor
        {
            if current.is_some() || !last_seen {
                self.fail(SubchannelStatus::PROGRAM_CHECK);
                return None;
            }
        }
        let next = self.ccw_address.wrapping_add(8);
        let fetched = fetch_ccw(self.memory, &self.context, next, true)
            .map_err(|check| (check.address, check.status))
            .and_then(|(a, c)| {
                let cursor = cursor_for(&self.context, &c).map_err(|status| (a, status))?;
                Ok((a, c, cursor))
            });
        match fetched {
            Ok((address, ccw, cursor)) => {
                self.ccw_address = address;
                self.ccw = ccw;
                self.remaining = ccw.count;
                self.cursor = cursor;
                self.pci |= ccw.flags.program_controlled_interruption();
                Some(true)
            }
            Err(check) => {
                self.check = Some(check);
                None
            }
        }
    }

    /// The state the channel continues from.
    pub(crate) fn finish(self) -> StreamOutcome {
        StreamOutcome {
            ccw_address: self.ccw_address,
            ccw: self.ccw,
            residual: self.remaining,
            short: self.short,
            check: self.check,
            pci: self.pci,
        }
    }
}

/// The cursor for a CCW's data address, with the checks on its indirect
/// list's alignment.
fn cursor_for(context: &ChannelContext, ccw: &DecodedCcw) -> Result<Cursor, SubchannelStatus> {
    let address = u64::from(ccw.data_address);
    if ccw.flags.contains(CcwFlags::IDA) {
        let format2 = context.format2_idaws;
        let align = if format2 { 8 } else { 4 };
        if !address.is_multiple_of(align) {
            return Err(SubchannelStatus::PROGRAM_CHECK);
        }
        Ok(Cursor::Idaw {
            next_entry: address,
            format2,
            block: if format2 && !context.idaws_2k {
                4096
            } else {
                2048
            },
            first: true,
            current: None,
        })
    } else if ccw.flags.contains(CcwFlags::MIDA) {
        if !address.is_multiple_of(16) {
            return Err(SubchannelStatus::PROGRAM_CHECK);
        }
        Ok(Cursor::Midaw {
            next_entry: address,
            current: None,
            last_seen: false,
        })
    } else {
        Ok(Cursor::Direct { address })
    }
}
