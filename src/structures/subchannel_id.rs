//! The subsystem-identification word that names a subchannel.

use core::fmt;

/// A subchannel: the subchannel set and the subchannel number, as the I/O
/// instructions take them in general register 1 (PoP, chapter 14 "I/O
/// Instructions", "Subsystem-Identification Word").
///
/// Bits 0-12 of the word are zero, bits 13-14 hold the subchannel-set
/// identifier, bit 15 is one, bits 16-31 hold the subchannel number. A
/// `SubchannelId` always holds such a valid word.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[repr(transparent)]
pub struct SubchannelId(u32);

/// The highest subchannel-set identifier (two bits).
const MAX_SET: u8 = 3;
/// Bit 15 of the subsystem-identification word, always one.
const ONE_BIT: u32 = 0x0001_0000;
/// Bits 13-14: the subchannel-set identifier.
const SET_SHIFT: u32 = 17;
/// Bits that must be zero.
const RESERVED: u32 = 0xFFF8_0000;

impl SubchannelId {
    /// The subchannel `number` in subchannel set `set` (0-3).
    ///
    /// Fails for a set above 3; the error holds the word such a set would
    /// have given.
    pub const fn new(set: u8, number: u16) -> Result<Self, InvalidSubchannelId> {
        let raw = ((set as u32) << SET_SHIFT) | ONE_BIT | number as u32;
        if set > MAX_SET {
            Err(InvalidSubchannelId(raw))
        } else {
            Ok(Self(raw))
        }
    }

    /// The subsystem-identification word `raw`, checked: bit 15 must be one
    /// and bits 0-12 zero.
    pub const fn from_raw(raw: u32) -> Result<Self, InvalidSubchannelId> {
        if raw & ONE_BIT == 0 || raw & RESERVED != 0 {
            Err(InvalidSubchannelId(raw))
        } else {
            Ok(Self(raw))
        }
    }

    /// The subsystem-identification word, the value the I/O instructions
    /// expect in general register 1.
    pub const fn raw(self) -> u32 {
        self.0
    }

    /// The subchannel number within its set.
    pub const fn number(self) -> u16 {
        self.0 as u16
    }

    /// The subchannel-set identifier (0-3).
    pub const fn set(self) -> u8 {
        ((self.0 >> SET_SHIFT) & MAX_SET as u32) as u8
    }

    /// The next subchannel in the same set, or `None` after number 0xFFFF.
    pub const fn next(self) -> Option<Self> {
        if self.number() == u16::MAX {
            None
        } else {
            Some(Self(self.0 + 1))
        }
    }
}

impl fmt::Display for SubchannelId {
    /// `0.S.NNNN`, the way Linux and z/VM print subchannels.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "0.{}.{:04x}", self.set(), self.number())
    }
}

impl fmt::Debug for SubchannelId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SubchannelId({self})")
    }
}

impl TryFrom<u32> for SubchannelId {
    type Error = InvalidSubchannelId;

    fn try_from(raw: u32) -> Result<Self, Self::Error> {
        Self::from_raw(raw)
    }
}

impl From<SubchannelId> for u32 {
    fn from(id: SubchannelId) -> u32 {
        id.raw()
    }
}

/// A value that is no valid subsystem-identification word.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct InvalidSubchannelId(u32);

impl InvalidSubchannelId {
    /// The rejected word.
    pub const fn value(self) -> u32 {
        self.0
    }
}

impl fmt::Display for InvalidSubchannelId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid subchannel id {:#010x}", self.0)
    }
}

impl fmt::Debug for InvalidSubchannelId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "InvalidSubchannelId({:#010x})", self.0)
    }
}

impl core::error::Error for InvalidSubchannelId {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_builds_the_register_value() {
        let id = SubchannelId::new(0, 0x0001).unwrap();
        assert_eq!(id.raw(), 0x0001_0001);
        let id = SubchannelId::new(3, 0xBEEF).unwrap();
        assert_eq!(id.raw(), 0x0007_BEEF);
        assert_eq!(id.set(), 3);
        assert_eq!(id.number(), 0xBEEF);
    }

    #[test]
    fn new_rejects_set_above_three() {
        let err = SubchannelId::new(4, 0x10).unwrap_err();
        assert_eq!(err.value(), 0x0009_0010);
        assert_eq!(err.to_string(), "invalid subchannel id 0x00090010");
    }

    #[test]
    fn from_raw_checks_the_one_bit_and_reserved_bits() {
        assert_eq!(SubchannelId::from_raw(0x0001_0000).unwrap().number(), 0);
        assert_eq!(SubchannelId::from_raw(0x0000_0005).unwrap_err().value(), 5);
        assert!(SubchannelId::from_raw(0x0009_0000).is_err());
        assert!(SubchannelId::from_raw(0x8001_0000).is_err());
        for set in 0..=3u8 {
            for number in [0u16, 1, 0x1234, 0xFFFF] {
                let id = SubchannelId::new(set, number).unwrap();
                assert_eq!(SubchannelId::from_raw(id.raw()), Ok(id));
                assert_eq!((id.set(), id.number()), (set, number));
            }
        }
    }

    #[test]
    fn display_is_css_set_number() {
        assert_eq!(SubchannelId::new(0, 0x1a).unwrap().to_string(), "0.0.001a");
        assert_eq!(
            SubchannelId::new(2, 0xffff).unwrap().to_string(),
            "0.2.ffff"
        );
    }

    #[test]
    fn next_stops_at_the_end_of_the_set() {
        let id = SubchannelId::new(1, 0xFFFE).unwrap();
        let last = id.next().unwrap();
        assert_eq!(last.number(), 0xFFFF);
        assert_eq!(last.set(), 1);
        assert_eq!(last.next(), None);
    }
}
