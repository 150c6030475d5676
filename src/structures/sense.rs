//! Sense data: the device-independent bits of sense byte 0, and the 32-byte
//! sense of ECKD DASD (3990 control unit, 3390 device) decoded to a reason.

use super::{flag_set, DecodeError};

flag_set! {
    /// Sense byte 0 as every device defines it (PoP, chapter 15 "Basic I/O
    /// Functions", "Basic Sense" and the common I/O-device commands).
    /// Bits 6-7 are device-dependent and dropped here.
    pub struct SenseFlags: u8 {
        /// Bit 0: command reject.
        const COMMAND_REJECT = 0x80, command_reject;
        /// Bit 1: intervention required.
        const INTERVENTION_REQUIRED = 0x40, intervention_required;
        /// Bit 2: bus-out check.
        const BUS_OUT_CHECK = 0x20, bus_out_check;
        /// Bit 3: equipment check.
        const EQUIPMENT_CHECK = 0x10, equipment_check;
        /// Bit 4: data check.
        const DATA_CHECK = 0x08, data_check;
        /// Bit 5: overrun.
        const OVERRUN = 0x04, overrun;
    }
}

/// The first sense bytes as any device returns them: byte 0's
/// device-independent flags, and byte 1 (device-dependent) if present.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct BasicSense {
    /// Byte 0, every bit.
    pub byte0: u8,
    /// Byte 1, if the sense had one.
    pub byte1: Option<u8>,
}

impl BasicSense {
    /// Decodes sense data of any length; at least byte 0 is needed.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        match bytes {
            [] => Err(DecodeError::TooShort { needed: 1, got: 0 }),
            [byte0, rest @ ..] => Ok(Self {
                byte0: *byte0,
                byte1: rest.first().copied(),
            }),
        }
    }

    /// The device-independent flags of byte 0.
    pub const fn flags(&self) -> SenseFlags {
        SenseFlags::from_bits(self.byte0)
    }
}

flag_set! {
    /// Sense byte 1 of ECKD DASD (3990/3390): the device-dependent
    /// conditions.
    pub struct EckdSenseByte1: u8 {
        /// Bit 0: permanent error (recovery was tried and failed).
        const PERMANENT_ERROR = 0x80, permanent_error;
        /// Bit 1: invalid track format.
        const INVALID_TRACK_FORMAT = 0x40, invalid_track_format;
        /// Bit 2: end of cylinder.
        const END_OF_CYLINDER = 0x20, end_of_cylinder;
        /// Bit 3: message to operator.
        const MESSAGE_TO_OPERATOR = 0x10, message_to_operator;
        /// Bit 4: no record found.
        const NO_RECORD_FOUND = 0x08, no_record_found;
        /// Bit 5: file protected (the Define Extent mask forbids it).
        const FILE_PROTECTED = 0x04, file_protected;
        /// Bit 6: write inhibited.
        const WRITE_INHIBITED = 0x02, write_inhibited;
        /// Bit 7: imprecise ending.
        const IMPRECISE_ENDING = 0x01, imprecise_ending;
    }
}

/// The main reason an ECKD unit check reports, from sense bytes 0-2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum EckdSenseReason {
    /// The device refused the command or its parameters.
    CommandReject,
    /// A write was refused because writing is inhibited.
    WriteInhibited,
    /// The operation would leave the extent the Define Extent allowed, or
    /// is not allowed by its file mask.
    FileProtected,
    /// The device is not ready (e.g. no volume).
    InterventionRequired,
    /// A parity error on the data path to the device.
    BusOutCheck,
    /// The device or control unit failed.
    EquipmentCheck,
    /// The data could not be read correctly.
    DataCheck,
    /// Data was not transferred in time.
    Overrun,
    /// The track's format does not allow the operation.
    InvalidTrackFormat,
    /// A multitrack operation reached the end of the cylinder.
    EndOfCylinder,
    /// The searched record is not on the track.
    NoRecordFound,
    /// Environmental data only (sense byte 2, bit 3); no error.
    EnvironmentalDataPresent,
    /// No error bit the decoder knows is set.
    None,
}

/// Sense byte 2 bit 3: environmental data present.
const ENVIRONMENTAL_DATA_PRESENT: u8 = 0x10;
/// Sense byte 27 bit 0: the sense is in the 24-byte compatibility format.
const COMPATIBILITY_FORMAT: u8 = 0x80;

/// The sense data of an ECKD DASD behind a 3990 control unit (e.g. a
/// 3390): 32 bytes, in the 24-byte compatibility format or the 32-byte
/// format as byte 27 says. Bytes 0-2 mean the same in both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct EckdSense {
    bytes: [u8; 32],
}

impl EckdSense {
    /// The sense bytes a 3990 returns.
    pub const LEN: usize = 32;
    /// The shortest sense kept: the 24-byte compatibility format.
    pub const MIN_LEN: usize = 24;

    /// Decodes sense data of any length: at least 24 bytes are needed;
    /// missing bytes up to 32 read as zero, bytes past 32 are ignored.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        if bytes.len() < Self::MIN_LEN {
            return Err(DecodeError::TooShort {
                needed: Self::MIN_LEN,
                got: bytes.len(),
            });
        }
        let mut out = [0u8; 32];
        for (dst, src) in out.iter_mut().zip(bytes) {
            *dst = *src;
        }
        Ok(Self { bytes: out })
    }

    /// The sense bytes.
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.bytes
    }

    /// The device-independent flags of byte 0.
    pub const fn flags(&self) -> SenseFlags {
        SenseFlags::from_bits(self.bytes[0])
    }

    /// The flags of byte 1.
    pub const fn byte1(&self) -> EckdSenseByte1 {
        EckdSenseByte1::from_bits(self.bytes[1])
    }

    /// Whether byte 2 says environmental data is present.
    pub const fn environmental_data_present(&self) -> bool {
        self.bytes[2] & ENVIRONMENTAL_DATA_PRESENT != 0
    }

    /// Whether the sense is in the 24-byte compatibility format (byte 27
    /// bit 0); otherwise it is in the 32-byte format.
    pub const fn is_24_byte_format(&self) -> bool {
        self.bytes[27] & COMPATIBILITY_FORMAT != 0
    }

    /// The sense format (byte 7, bits 0-3), in the 24-byte format.
    pub const fn format(&self) -> u8 {
        self.bytes[7] >> 4
    }

    /// The message code (byte 7, bits 4-7), in the 24-byte format.
    pub const fn message(&self) -> u8 {
        self.bytes[7] & 0x0F
    }

    /// The program action code (byte 25), in the 32-byte format only: what
    /// the control unit asks the program to do (e.g. 0x01 fatal, 0x02
    /// intervention required); bit 0 set means a compound action.
    pub const fn program_action_code(&self) -> Option<u8> {
        if self.is_24_byte_format() {
            None
        } else {
            Some(self.bytes[25])
        }
    }

    /// The main reason, from bytes 0-2 (the same in both formats), checked
    /// in this order: command reject (refined to
    /// write inhibited or file protected by byte 1), intervention required,
    /// bus-out check, equipment check, data check, overrun, then byte 1's
    /// invalid track format, end of cylinder, no record found, file
    /// protected, write inhibited, then environmental data.
    pub const fn reason(&self) -> EckdSenseReason {
        let flags = self.flags();
        let byte1 = self.byte1();
        if flags.command_reject() {
            return if byte1.write_inhibited() {
                EckdSenseReason::WriteInhibited
            } else if byte1.file_protected() {
                EckdSenseReason::FileProtected
            } else {
                EckdSenseReason::CommandReject
            };
        }
        if flags.intervention_required() {
            EckdSenseReason::InterventionRequired
        } else if flags.bus_out_check() {
            EckdSenseReason::BusOutCheck
        } else if flags.equipment_check() {
            EckdSenseReason::EquipmentCheck
        } else if flags.data_check() {
            EckdSenseReason::DataCheck
        } else if flags.overrun() {
            EckdSenseReason::Overrun
        } else if byte1.invalid_track_format() {
            EckdSenseReason::InvalidTrackFormat
        } else if byte1.end_of_cylinder() {
            EckdSenseReason::EndOfCylinder
        } else if byte1.no_record_found() {
            EckdSenseReason::NoRecordFound
        } else if byte1.file_protected() {
            EckdSenseReason::FileProtected
        } else if byte1.write_inhibited() {
            EckdSenseReason::WriteInhibited
        } else if self.environmental_data_present() {
            EckdSenseReason::EnvironmentalDataPresent
        } else {
            EckdSenseReason::None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sense(byte0: u8, byte1: u8, byte2: u8) -> EckdSense {
        let mut bytes = [0u8; 32];
        bytes[0] = byte0;
        bytes[1] = byte1;
        bytes[2] = byte2;
        bytes[27] = 0x80;
        EckdSense::from_bytes(&bytes).unwrap()
    }

    #[test]
    fn basic_sense() {
        assert_eq!(
            BasicSense::from_bytes(&[]),
            Err(DecodeError::TooShort { needed: 1, got: 0 })
        );
        let s = BasicSense::from_bytes(&[0x80]).unwrap();
        assert!(s.flags().command_reject());
        assert_eq!(s.byte1, None);
        let s = BasicSense::from_bytes(&[0x43, 0x08, 0]).unwrap();
        assert_eq!(s.flags(), SenseFlags::INTERVENTION_REQUIRED);
        assert_eq!(s.byte0, 0x43);
        assert_eq!(s.byte1, Some(0x08));
    }

    #[test]
    fn reasons() {
        use EckdSenseReason::*;
        let cases = [
            ((0x00, 0x08, 0), NoRecordFound),
            ((0x80, 0x04, 0), FileProtected),
            ((0x80, 0x02, 0), WriteInhibited),
            ((0x80, 0x00, 0), CommandReject),
            ((0x40, 0x00, 0), InterventionRequired),
            ((0x20, 0x00, 0), BusOutCheck),
            ((0x10, 0x80, 0), EquipmentCheck),
            ((0x08, 0x00, 0), DataCheck),
            ((0x04, 0x00, 0), Overrun),
            ((0x00, 0x40, 0), InvalidTrackFormat),
            ((0x00, 0x20, 0), EndOfCylinder),
            ((0x00, 0x04, 0), FileProtected),
            ((0x00, 0x02, 0), WriteInhibited),
            ((0x00, 0x00, 0x10), EnvironmentalDataPresent),
            ((0x00, 0x00, 0), None),
        ];
        for ((b0, b1, b2), reason) in cases {
            assert_eq!(
                sense(b0, b1, b2).reason(),
                reason,
                "{b0:02x} {b1:02x} {b2:02x}"
            );
        }
    }

    #[test]
    fn format_fields() {
        let mut bytes = [0u8; 32];
        bytes[7] = 0x24;
        let s = EckdSense::from_bytes(&bytes).unwrap();
        assert_eq!((s.format(), s.message()), (2, 4));
        assert!(!s.is_24_byte_format());
        assert!(sense(0, 0, 0).is_24_byte_format());
        assert_eq!(sense(0, 0, 0).program_action_code(), None);
        bytes[25] = 0x02;
        let s = EckdSense::from_bytes(&bytes).unwrap();
        assert_eq!(s.program_action_code(), Some(0x02));
        assert!(sense(0, 0x80, 0).byte1().permanent_error());
    }

    #[test]
    fn from_bytes_is_total() {
        let bytes = [0xFFu8; 40];
        for len in 0..=40 {
            match EckdSense::from_bytes(&bytes[..len]) {
                Ok(s) => {
                    assert!(len >= 24);
                    assert_eq!(s.reason(), EckdSenseReason::WriteInhibited);
                    assert_eq!(
                        s.as_bytes()[len.min(32)..]
                            .iter()
                            .filter(|b| **b != 0)
                            .count(),
                        0
                    );
                }
                Err(e) => {
                    assert!(len < 24);
                    assert_eq!(
                        e,
                        DecodeError::TooShort {
                            needed: 24,
                            got: len
                        }
                    );
                }
            }
        }
    }
}
