//! The 1403 line printer: print a line, then space or skip (IBM 1403
//! Printer component description, "Commands"; Hercules' `1403` device
//! takes the same command codes).

use super::{RecordChannel, UnitRecordError};
use crate::css::ChannelSubsystem;
use crate::driver::Clock;
use crate::memory::ChannelMemory;

/// Command-code low bits of WRITE (print, then move the paper).
const WRITE: u8 = 0x01;
/// Command-code low bits of the immediate control commands (move the
/// paper only).
const CONTROL: u8 = 0x03;
/// Command-code bit 0: skip to a carriage-control channel, not space.
const SKIP: u8 = 0x80;

/// How the paper moves: the carriage control of one command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Spacing {
    /// Stay on the line (the next line overprints this one).
    None,
    /// Space 1 to 3 lines.
    Lines(u8),
    /// Skip to the next line punched in carriage-control channel 1 to 12
    /// of the forms-control tape or buffer (channel 1: top of form).
    SkipToChannel(u8),
}

impl Spacing {
    /// Bits 1-4 of the command code for this movement, if it is one the
    /// printer has.
    fn modifier(self) -> Option<u8> {
        match self {
            Spacing::None => Some(0),
            Spacing::Lines(lines @ 1..=3) => Some(lines << 3),
            Spacing::SkipToChannel(channel @ 1..=12) => Some(SKIP | channel << 3),
            Spacing::Lines(_) | Spacing::SkipToChannel(_) => None,
        }
    }
}

impl From<Spacing> for UnitRecordError {
    fn from(spacing: Spacing) -> Self {
        UnitRecordError::InvalidSpacing(spacing)
    }
}

/// A 1403 printer on one subchannel.
pub struct Printer<'a, C: ChannelSubsystem, M: ChannelMemory, K: Clock> {
    channel: RecordChannel<'a, C, M, K>,
}

impl<'a, C: ChannelSubsystem, M: ChannelMemory, K: Clock> Printer<'a, C, M, K> {
    /// The printer on `channel`. A channel-control or interface-control
    /// check is reported ([`crate::driver::IoError::Channel`]), not retried:
    /// the line may have printed.
    pub fn new(channel: RecordChannel<'a, C, M, K>) -> Self {
        Printer {
            channel: channel.without_channel_check_retries(),
        }
    }

    /// Prints one line of ASCII `text` (at most 132 print positions on a
    /// real 1403; [`super::DATA_CAPACITY`] bytes here), then moves the paper
    /// as `after` says.
    pub fn write_line(&mut self, text: &[u8], after: Spacing) -> Result<(), UnitRecordError> {
        let modifier = after.modifier().ok_or(after)?;
        self.channel.write_text(WRITE | modifier, text)?;
        Ok(())
    }

    /// Moves the paper without printing (an immediate control command).
    pub fn space(&mut self, spacing: Spacing) -> Result<(), UnitRecordError> {
        let modifier = spacing.modifier().ok_or(spacing)?;
        self.channel.run(CONTROL | modifier, 0)?;
        Ok(())
    }
}
