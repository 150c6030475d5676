//! Unit-record device models: a 1403 printer and a 3505 card reader, with
//! the command codes and sense of their component descriptions (the same
//! codes Hercules' `1403` and `3505` take).

use std::collections::VecDeque;

use s390_cio::structures::{DeviceStatus, SenseFlags, SenseId};

use crate::device::{Device, DONE};
use crate::stream::DataStream;

/// How a printer command moved the paper.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Movement {
    /// No movement (write without spacing, or the control no-op).
    None,
    /// Spaced this many lines.
    Space(u8),
    /// Skipped to this carriage-control channel.
    Skip(u8),
}

/// What one printer command did: the line it printed (if a write) and the
/// paper movement after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrintedLine {
    /// The print line's bytes as sent (EBCDIC), `None` for a control
    /// command.
    pub text: Option<Vec<u8>>,
    /// The movement.
    pub movement: Movement,
}

/// A 1403 printer: WRITE (`0x01 | n << 3` spaces n lines, `0x81 | c << 3`
/// skips to channel c), the immediate control commands (`0x03 | ...`) and
/// a ready switch; a stopped printer answers every command but SENSE with
/// unit check, intervention required.
#[derive(Debug, Default)]
pub struct Printer1403 {
    printed: Vec<PrintedLine>,
    stopped: bool,
    sense: u8,
}

impl Printer1403 {
    /// The device type the printer reports.
    pub const TYPE: u16 = 0x1403;

    /// A ready printer with nothing printed.
    pub fn new() -> Self {
        Self::default()
    }

    /// Stops (not ready) or starts the printer, as its operator would.
    pub fn set_stopped(&mut self, stopped: bool) {
        self.stopped = stopped;
    }

    /// Every command that moved paper or printed, in order.
    pub fn printed(&self) -> &[PrintedLine] {
        &self.printed
    }

    fn movement(command: u8) -> Option<Movement> {
        let modifier = (command >> 3) & 0x0f;
        match (command & 0x80 != 0, modifier) {
            (false, 0) => Some(Movement::None),
            (false, lines @ 1..=3) => Some(Movement::Space(lines)),
            (true, channel @ 1..=12) => Some(Movement::Skip(channel)),
            _ => None,
        }
    }

    fn reject(&mut self, flag: SenseFlags) -> DeviceStatus {
        self.sense = flag.bits();
        DONE | DeviceStatus::UNIT_CHECK
    }
}

impl Device for Printer1403 {
    fn sense_id(&self) -> SenseId {
        SenseId::new(Self::TYPE, 0, Self::TYPE, 0)
    }

    fn execute(&mut self, command: u8, data: &mut DataStream<'_>) -> DeviceStatus {
        if self.stopped {
            return self.reject(SenseFlags::INTERVENTION_REQUIRED);
        }
        let movement = match command & 0x07 {
            0x01 | 0x03 => Self::movement(command),
            _ => None,
        };
        let Some(movement) = movement else {
            return self.reject(SenseFlags::COMMAND_REJECT);
        };
        let text = (command & 0x07 == 0x01).then(|| data.read_all());
        self.printed.push(PrintedLine { text, movement });
        DONE
    }

    fn sense(&mut self) -> Vec<u8> {
        vec![core::mem::take(&mut self.sense)]
    }

    fn reset(&mut self) {
        self.sense = 0;
    }
}

/// A 3505 card reader: READ (0x02) gives the next card of the deck (80
/// bytes); after the last card, unit exception if the deck ends with an
/// end-of-file condition, else unit check with intervention required
/// (empty hopper), as Hercules' `eof` option and its default do.
#[derive(Debug, Default)]
pub struct CardReader3505 {
    deck: VecDeque<Vec<u8>>,
    end_of_file: bool,
    sense: u8,
}

impl CardReader3505 {
    /// The device type the reader reports.
    pub const TYPE: u16 = 0x3505;
    /// Bytes of a card.
    pub const CARD: usize = 80;

    /// A reader holding `cards` (each padded with EBCDIC blanks or cut to
    /// 80 bytes); `end_of_file` as the operator's end-of-file key.
    pub fn new<'c>(cards: impl IntoIterator<Item = &'c [u8]>, end_of_file: bool) -> Self {
        let deck = cards
            .into_iter()
            .map(|card| {
                let mut card = card.to_vec();
                card.resize(Self::CARD, 0x40);
                card
            })
            .collect();
        CardReader3505 {
            deck,
            end_of_file,
            sense: 0,
        }
    }

    /// Cards not read yet.
    pub fn remaining(&self) -> usize {
        self.deck.len()
    }
}

impl Device for CardReader3505 {
    fn sense_id(&self) -> SenseId {
        SenseId::new(Self::TYPE, 0, Self::TYPE, 0)
    }

    fn execute(&mut self, command: u8, data: &mut DataStream<'_>) -> DeviceStatus {
        match command {
            0x02 => match self.deck.pop_front() {
                Some(card) => {
                    data.write(&card);
                    DONE
                }
                None if self.end_of_file => DONE | DeviceStatus::UNIT_EXCEPTION,
                None => {
                    self.sense = SenseFlags::INTERVENTION_REQUIRED.bits();
                    DONE | DeviceStatus::UNIT_CHECK
                }
            },
            0x03 => DONE,
            _ => {
                self.sense = SenseFlags::COMMAND_REJECT.bits();
                DONE | DeviceStatus::UNIT_CHECK
            }
        }
    }

    fn sense(&mut self) -> Vec<u8> {
        vec![core::mem::take(&mut self.sense)]
    }

    fn reset(&mut self) {
        self.sense = 0;
    }
}
