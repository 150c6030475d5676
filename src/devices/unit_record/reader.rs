//! The 3505 card reader: one 80-column card per READ, unit exception at
//! the end of the deck (IBM 3505 Card Reader component description;
//! Hercules' `3505` device with its `eof` option).

use super::{RecordChannel, UnitRecordError};
use crate::css::ChannelSubsystem;
use crate::driver::{Clock, IoError};
use crate::memory::ChannelMemory;

/// Columns of a card: bytes of one READ in EBCDIC mode.
pub const CARD_BYTES: usize = 80;
/// READ, feed, select stacker 1.
const READ: u8 = 0x02;

/// A 3505 card reader on one subchannel.
pub struct CardReader<'a, C: ChannelSubsystem, M: ChannelMemory, K: Clock> {
    channel: RecordChannel<'a, C, M, K>,
}

impl<'a, C: ChannelSubsystem, M: ChannelMemory, K: Clock> CardReader<'a, C, M, K> {
    /// The card reader on `channel`. A channel-control or interface-control
    /// check is reported ([`crate::driver::IoError::Channel`]), not retried:
    /// the card may have been fed.
    pub fn new(channel: RecordChannel<'a, C, M, K>) -> Self {
        CardReader {
            channel: channel.without_channel_check_retries(),
        }
    }

    /// Reads the next card into `card` (EBCDIC, as punched) and returns
    /// `Some(columns read)`, or `None` at the end of the deck (unit
    /// exception). An empty hopper without an end-of-file condition is
    /// [`UnitRecordError::InterventionRequired`].
    pub fn read_card(
        &mut self,
        card: &mut [u8; CARD_BYTES],
    ) -> Result<Option<usize>, UnitRecordError> {
        match self.channel.run(READ, CARD_BYTES) {
            Ok(completion) => {
                let columns = CARD_BYTES.saturating_sub(usize::from(completion.residual_count()));
                self.channel.read_data(&mut card[..columns]);
                Ok(Some(columns))
            }
            Err(UnitRecordError::Io(IoError::UnitException { .. })) => Ok(None),
            Err(error) => Err(error),
        }
    }
}
