//! The 3215 console printer-keyboard: write a line, read what the operator
//! types (IBM 3215 Console Printer-Keyboard component description;
//! Hercules' `3215-C` integrated console behaves the same way).

use super::{RecordChannel, UnitRecordError, DATA_CAPACITY};
use crate::css::ChannelSubsystem;
use crate::devices::ebcdic;
use crate::driver::Clock;
use crate::memory::ChannelMemory;
use crate::structures::Irb;

/// WRITE with automatic carrier return: one line.
const WRITE_CARRIER_RETURN: u8 = 0x09;
/// READ INQUIRY: the line the operator enters (the device waits for it).
const READ_INQUIRY: u8 = 0x0a;

/// A 3215 console on one subchannel.
///
/// READ INQUIRY waits for the operator, so a read ends at the subchannel
/// driver's deadline ([`crate::driver::Config::timeout_us`] of the
/// subchannel its [`RecordChannel`] was made with) with
/// [`crate::driver::IoError::TimedOut`] if nobody answers. Text the operator
/// enters while no read is running arrives as attention status, which the
/// driver keeps as unsolicited ([`Console::take_unsolicited`]); the device
/// keeps the line for the next read.
pub struct Console<'a, C: ChannelSubsystem, M: ChannelMemory, K: Clock> {
    channel: RecordChannel<'a, C, M, K>,
}

impl<'a, C: ChannelSubsystem, M: ChannelMemory, K: Clock> Console<'a, C, M, K> {
    /// The console on `channel`.
    pub fn new(channel: RecordChannel<'a, C, M, K>) -> Self {
        Console { channel }
    }

    /// Writes one line of ASCII `text` (at most [`DATA_CAPACITY`] bytes;
    /// bytes without an EBCDIC counterpart print as `?`).
    pub fn write_line(&mut self, text: &[u8]) -> Result<(), UnitRecordError> {
        self.channel.write_text(WRITE_CARRIER_RETURN, text)?;
        Ok(())
    }

    /// Reads the line the operator enters into `line` as ASCII and returns
    /// its length; a line longer than `line` (or [`DATA_CAPACITY`]) is cut.
    pub fn read_line(&mut self, line: &mut [u8]) -> Result<usize, UnitRecordError> {
        let capacity = line.len().min(DATA_CAPACITY);
        let completion = self.channel.run(READ_INQUIRY, capacity)?;
        let received = capacity.saturating_sub(usize::from(completion.residual_count()));
        let line = &mut line[..received];
        self.channel.read_data(line);
        for byte in line.iter_mut() {
            *byte = ebcdic::to_ascii(*byte);
        }
        Ok(received)
    }

    /// Writes `prompt`, then reads the answer into `reply` (see
    /// [`Console::read_line`]).
    pub fn prompt(&mut self, prompt: &[u8], reply: &mut [u8]) -> Result<usize, UnitRecordError> {
        self.write_line(prompt)?;
        self.read_line(reply)
    }

    /// The oldest status that came without a request (the attention of
    /// input entered while no read was running), if any.
    pub fn take_unsolicited(&mut self) -> Option<Irb> {
        self.channel.subchannel.take_unsolicited()
    }
}
