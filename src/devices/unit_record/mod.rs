//! Unit-record devices: the 3215 console, the 1403 printer and the 3505
//! card reader, each a line or a card per channel program.
//!
//! Every operation is one format-1 CCW run to its end by a polled
//! [`Subchannel`] with a sense area, so a unit check comes back decoded
//! from the device's sense byte 0 (PoP, chapter 15 "Basic I/O Functions",
//! "Basic Sense"; the devices' component descriptions give the commands).
//! The CCW, its data and the sense area live in a [`RecordArea`] of the
//! caller's storage; text is converted between ASCII and EBCDIC
//! ([`super::ebcdic`]) on the way.
//!
//! ```no_run
//! # #[cfg(target_arch = "s390x")] {
//! use s390_cio::css::Cpu;
//! use s390_cio::devices::unit_record::{Printer, RecordArea, RecordChannel, Spacing};
//! use s390_cio::driver::{Subchannel, TodClock};
//! use s390_cio::memory::RealMemory;
//! # fn example(id: s390_cio::structures::SubchannelId) -> Result<(), s390_cio::devices::unit_record::UnitRecordError> {
//! #[repr(C, align(8))]
//! struct Storage([u8; RecordArea::SIZE]);
//! static mut STORAGE: Storage = Storage([0; RecordArea::SIZE]);
//! // SAFETY: STORAGE is used by nothing else, and is below 2 GiB.
//! let memory = unsafe { RealMemory::new() };
//! let area = RecordArea::new(core::ptr::addr_of!(STORAGE) as u32).unwrap();
//! let channel = RecordChannel::new(Subchannel::new(&Cpu, &memory, id, 0), &memory, &TodClock, area);
//! let mut printer = Printer::new(channel);
//! printer.write_line(b"HELLO FROM S390-CIO", Spacing::Lines(1))?;
//! printer.write_line(b"END OF REPORT", Spacing::SkipToChannel(1))?;
//! # Ok(()) }
//! # }
//! ```

mod console;
mod printer;
mod reader;

pub use console::Console;
pub use printer::{Printer, Spacing};
pub use reader::{CardReader, CARD_BYTES};

use super::ebcdic;
use crate::css::ChannelSubsystem;
use crate::driver::{Clock, Completion, Config, IoError, SenseArea, Subchannel};
use crate::memory::{is_channel_area, ChannelMemory};
use crate::structures::{Ccw1, CcwFlags, Orb, SenseFlags};
use core::fmt;

/// Most data bytes one operation moves: a console line (Hercules' 3215
/// takes 150), a 132-position print line, an 80-column card.
pub const DATA_CAPACITY: usize = 152;

/// Channel-addressable storage for one unit-record device: the CCW at
/// `address`, [`DATA_CAPACITY`] bytes of data after it, then the driver's
/// [`SenseArea`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct RecordArea {
    address: u32,
    sense: SenseArea,
}

impl RecordArea {
    /// Bytes of storage the area needs.
    pub const SIZE: usize = 8 + DATA_CAPACITY + SenseArea::SIZE;

    /// An area at `address`; `None` unless it is doubleword aligned and
    /// ends below 2 GiB.
    pub const fn new(address: u32) -> Option<Self> {
        if !is_channel_area(address, Self::SIZE, 8) {
            return None;
        }
        match SenseArea::new(address + 8 + DATA_CAPACITY as u32) {
            Some(sense) => Some(RecordArea { address, sense }),
            None => None,
        }
    }

    /// Where the CCW goes.
    pub const fn address(self) -> u32 {
        self.address
    }

    const fn data(self) -> u32 {
        self.address + 8
    }
}

/// Why a unit-record operation failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum UnitRecordError {
    /// The device is not ready: out of cards or paper, stopped, or no
    /// operator (sense byte 0 bit 1).
    InterventionRequired,
    /// The device rejected the command (sense byte 0 bit 0).
    CommandReject,
    /// The device failed (sense byte 0 bit 3, equipment check).
    EquipmentCheck,
    /// The data could not be read or printed correctly (sense byte 0
    /// bit 4, data check), e.g. an invalid punch combination.
    DataCheck,
    /// Any other failure of the channel program, as the subchannel driver
    /// reported it (including a unit check whose sense names none of the
    /// conditions above).
    Io(IoError),
    /// A paper movement the printer does not have (spacing other than 1
    /// to 3 lines, a channel other than 1 to 12).
    InvalidSpacing(Spacing),
    /// More data than the record area holds.
    TooLong {
        /// Bytes asked for.
        len: usize,
        /// Bytes the area holds.
        capacity: usize,
    },
}

impl From<IoError> for UnitRecordError {
    fn from(error: IoError) -> Self {
        let IoError::UnitCheck {
            sense: Some(sense), ..
        } = error
        else {
            return UnitRecordError::Io(error);
        };
        let Some(&byte0) = sense.bytes().first() else {
            return UnitRecordError::Io(error);
        };
        let flags = SenseFlags::from_bits(byte0);
        if flags.intervention_required() {
            UnitRecordError::InterventionRequired
        } else if flags.command_reject() {
            UnitRecordError::CommandReject
        } else if flags.equipment_check() {
            UnitRecordError::EquipmentCheck
        } else if flags.data_check() {
            UnitRecordError::DataCheck
        } else {
            UnitRecordError::Io(error)
        }
    }
}

impl fmt::Display for UnitRecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UnitRecordError::InterventionRequired => write!(f, "intervention required"),
            UnitRecordError::CommandReject => write!(f, "command reject"),
            UnitRecordError::EquipmentCheck => write!(f, "equipment check"),
            UnitRecordError::DataCheck => write!(f, "data check"),
            UnitRecordError::Io(error) => write!(f, "{error}"),
            UnitRecordError::InvalidSpacing(spacing) => write!(f, "no such spacing: {spacing:?}"),
            UnitRecordError::TooLong { len, capacity } => {
                write!(f, "{len} bytes do not fit in {capacity}")
            }
        }
    }
}

/// What every unit-record device runs on: its subchannel driver, the
/// storage and clock the driver uses, and the device's record area.
pub struct RecordChannel<'a, C: ChannelSubsystem, M: ChannelMemory, K: Clock> {
    subchannel: Subchannel<'a, C, M>,
    memory: &'a M,
    clock: &'a K,
    area: RecordArea,
}

impl<'a, C: ChannelSubsystem, M: ChannelMemory, K: Clock> RecordChannel<'a, C, M, K> {
    /// The channel of the device on `subchannel` (enabled and idle), with
    /// its CCW, data and sense in `area` of `memory`, deadlines on `clock`.
    /// The area must be reserved for this device: its programs write
    /// there and the channel reads and writes it. The subchannel's sense
    /// area becomes the one in `area`.
    pub fn new(
        subchannel: Subchannel<'a, C, M>,
        memory: &'a M,
        clock: &'a K,
        area: RecordArea,
    ) -> Self {
        RecordChannel {
            subchannel: subchannel.with_sense_area(area.sense),
            memory,
            clock,
            area,
        }
    }

    /// The same channel with channel-control and interface-control checks
    /// reported rather than retried: a retry would print a line twice or
    /// feed past a card the check came after.
    fn without_channel_check_retries(self) -> Self {
        let config = Config {
            retry_channel_checks: false,
            ..self.subchannel.config()
        };
        RecordChannel {
            subchannel: self.subchannel.with_config(config),
            ..self
        }
    }

    /// Writes `text` (ASCII) as EBCDIC into the data area and runs
    /// `command` over it; an empty text is sent as one blank, since a
    /// zero count is a program check.
    fn write_text(&mut self, command: u8, text: &[u8]) -> Result<Completion, UnitRecordError> {
        if text.len() > DATA_CAPACITY {
            return Err(UnitRecordError::TooLong {
                len: text.len(),
                capacity: DATA_CAPACITY,
            });
        }
        let mut data = [ebcdic::from_ascii(b' '); DATA_CAPACITY];
        for (to, &from) in data.iter_mut().zip(text) {
            *to = ebcdic::from_ascii(from);
        }
        let len = text.len().max(1);
        self.memory.write(self.area.data(), &data[..len]);
        self.run(command, len)
    }

    /// Runs `command` moving up to `len` bytes through the data area, with
    /// SLI: a shorter record is not an error.
    fn run(&mut self, command: u8, len: usize) -> Result<Completion, UnitRecordError> {
        let ccw = Ccw1::new(command, CcwFlags::SLI, len as u16, self.area.data());
        self.memory.write(self.area.address, ccw.as_bytes());
        let orb = Orb::new(self.area.address);
        // SAFETY: the record area is reserved for this device (the
        // constructor's contract) and `run_polled` returns only when the
        // channel is done with it.
        let completion = unsafe { self.subchannel.run_polled(orb, self.clock) }?;
        Ok(completion)
    }

    /// Copies the start of the data area into `out`.
    fn read_data(&self, out: &mut [u8]) {
        self.memory.read(self.area.data(), out);
    }
}
