//! Why an ECKD operation failed: the 32-byte sense of a unit check decoded
//! to a [`Condition`], and which conditions are worth retrying (IBM
//! 3990/9390 Storage Control Reference, "Sense Information" and "Error
//! Recovery Procedures").

use super::geometry::{GeometryError, RecordId};
use super::program::ProgramError;
use crate::driver::IoError;
use crate::structures::{EckdSense, EckdSenseReason, Scsw};
use core::fmt;

/// The condition a unit check reports, from sense bytes 0-2.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Condition {
    /// The record searched for is not on the track (byte 1 bit 4).
    NoRecordFound,
    /// The operation leaves the Define Extent's extent or is forbidden by
    /// its file mask (byte 1 bit 5).
    FileProtected,
    /// The device refuses writes (byte 1 bit 6; Hercules sets it on a
    /// read-only volume, with equipment check).
    WriteInhibited,
    /// The device or storage control failed (byte 0 bit 3).
    EquipmentCheck,
    /// The device is not ready (byte 0 bit 1).
    InterventionRequired,
    /// The device refused the command or its parameters (byte 0 bit 0).
    CommandReject,
    /// The track's records do not have the format the operation needs,
    /// e.g. a data length other than the transfer length (byte 1 bit 1).
    InvalidTrackFormat,
    /// A multitrack operation outside a domain reached the end of the
    /// cylinder (byte 1 bit 2).
    EndOfCylinder,
    /// The data could not be read correctly (byte 0 bit 4).
    DataCheck,
    /// Data was not transferred in time (byte 0 bit 5).
    Overrun,
    /// Parity error on the data path to the device (byte 0 bit 2).
    BusOutCheck,
    /// Only environmental data is present (byte 2 bit 3).
    EnvironmentalData,
    /// No condition bit this crate knows is set.
    Unknown,
}

impl Condition {
    /// The condition `sense` reports. Write inhibited comes first: a write
    /// to a write-inhibited device may also set equipment check or command
    /// reject, and the cause is the inhibit.
    pub const fn of(sense: &EckdSense) -> Self {
        if sense.byte1().write_inhibited() {
            return Condition::WriteInhibited;
        }
        match sense.reason() {
            EckdSenseReason::NoRecordFound => Condition::NoRecordFound,
            EckdSenseReason::FileProtected => Condition::FileProtected,
            EckdSenseReason::WriteInhibited => Condition::WriteInhibited,
            EckdSenseReason::EquipmentCheck => Condition::EquipmentCheck,
            EckdSenseReason::InterventionRequired => Condition::InterventionRequired,
            EckdSenseReason::CommandReject => Condition::CommandReject,
            EckdSenseReason::InvalidTrackFormat => Condition::InvalidTrackFormat,
            EckdSenseReason::EndOfCylinder => Condition::EndOfCylinder,
            EckdSenseReason::DataCheck => Condition::DataCheck,
            EckdSenseReason::Overrun => Condition::Overrun,
            EckdSenseReason::BusOutCheck => Condition::BusOutCheck,
            EckdSenseReason::EnvironmentalDataPresent => Condition::EnvironmentalData,
            _ => Condition::Unknown,
        }
    }

    /// Whether running the same channel program again may succeed: the
    /// transient conditions (equipment, data and bus-out checks, overrun,
    /// environmental data) unless byte 1 says the error is permanent
    /// (recovery was already tried). Positioning, protection, format and
    /// readiness conditions stay as they are until something changes.
    pub const fn is_retryable(self, sense: &EckdSense) -> bool {
        if sense.byte1().permanent_error() {
            return false;
        }
        matches!(
            self,
            Condition::EquipmentCheck
                | Condition::DataCheck
                | Condition::Overrun
                | Condition::BusOutCheck
                | Condition::EnvironmentalData
        )
    }
}

/// Why an ECKD operation failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum EckdError {
    /// The device ended with unit check; its sense says why.
    Device {
        /// The decoded condition.
        condition: Condition,
        /// The sense bytes.
        sense: EckdSense,
        /// How many times the program ran (retries included).
        attempts: u32,
    },
    /// A unit check whose sense could not be fetched or was shorter than
    /// 24 bytes.
    UnitCheckWithoutSense {
        /// The ending status.
        scsw: Scsw,
    },
    /// A record's length differs from the transfer's (incorrect length):
    /// the volume is not formatted the way the request assumed.
    WrongLength {
        /// The ending status; its residual count is the difference.
        scsw: Scsw,
    },
    /// The program ended before its last command without an error status
    /// (e.g. the path stopped answering: the SCSW's N bit).
    Incomplete {
        /// The ending status; its CCW address says how far it got.
        scsw: Scsw,
    },
    /// The device read another record's count than the one asked for: the
    /// record is not on its track (the device went past the end of the
    /// track, through the index point, on to the first record again).
    RecordNotOnTrack {
        /// The record asked for.
        wanted: RecordId,
        /// The record whose count came.
        found: RecordId,
    },
    /// The subchannel driver failed the request (channel error, not
    /// operational, timed out, ...).
    Io(IoError),
    /// The device characteristics give no usable geometry.
    Geometry(GeometryError),
    /// The channel program could not be built.
    Program(ProgramError),
    /// A request names a track or block outside the volume or layout.
    OutOfRange {
        /// The first track or block asked for.
        first: u32,
        /// How many.
        count: u32,
        /// How many there are.
        limit: u32,
    },
    /// The buffer's length does not match the request.
    BufferLength {
        /// Bytes the request moves.
        needed: u32,
        /// Bytes the buffer has.
        given: u32,
    },
}

impl EckdError {
    /// The condition of a device error, if this is one.
    pub const fn condition(&self) -> Option<Condition> {
        match self {
            EckdError::Device { condition, .. } => Some(*condition),
            _ => None,
        }
    }
}

impl From<IoError> for EckdError {
    /// Sorts a subchannel driver error: a unit check with sense becomes
    /// [`EckdError::Device`] (one attempt), incorrect length
    /// [`EckdError::WrongLength`], the rest [`EckdError::Io`].
    fn from(error: IoError) -> Self {
        match error {
            IoError::UnitCheck { scsw, sense } => {
                match sense.and_then(|s| EckdSense::from_bytes(s.bytes()).ok()) {
                    Some(sense) => EckdError::Device {
                        condition: Condition::of(&sense),
                        sense,
                        attempts: 1,
                    },
                    None => EckdError::UnitCheckWithoutSense { scsw },
                }
            }
            IoError::IncorrectLength { scsw } => EckdError::WrongLength { scsw },
            other => EckdError::Io(other),
        }
    }
}

impl From<ProgramError> for EckdError {
    fn from(error: ProgramError) -> Self {
        EckdError::Program(error)
    }
}

impl From<GeometryError> for EckdError {
    fn from(error: GeometryError) -> Self {
        EckdError::Geometry(error)
    }
}

impl fmt::Display for EckdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EckdError::Device {
                condition,
                sense,
                attempts,
            } => {
                let b = sense.as_bytes();
                write!(
                    f,
                    "{condition:?} after {attempts} attempt(s), sense {:02x}{:02x}{:02x}",
                    b[0], b[1], b[2]
                )
            }
            EckdError::UnitCheckWithoutSense { scsw } => {
                write!(f, "unit check without sense: {scsw:?}")
            }
            EckdError::WrongLength { scsw } => write!(
                f,
                "record length differs from the transfer by {} bytes",
                scsw.residual_count()
            ),
            EckdError::Incomplete { scsw } => write!(
                f,
                "program ended early at CCW {:#x}{}",
                scsw.ccw_address(),
                if scsw.path_not_operational() {
                    ", path not operational"
                } else {
                    ""
                }
            ),
            EckdError::RecordNotOnTrack { wanted, found } => {
                write!(f, "record {wanted:?} not on its track ({found:?} came)")
            }
            EckdError::Io(e) => write!(f, "{e}"),
            EckdError::Geometry(e) => write!(f, "{e}"),
            EckdError::Program(e) => write!(f, "{e}"),
            EckdError::OutOfRange {
                first,
                count,
                limit,
            } => write!(f, "{count} from {first} is past the end ({limit})"),
            EckdError::BufferLength { needed, given } => {
                write!(f, "buffer of {given} bytes, {needed} needed")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::driver::SenseData;

    fn sense(byte0: u8, byte1: u8) -> EckdSense {
        let mut bytes = [0u8; 32];
        bytes[0] = byte0;
        bytes[1] = byte1;
        bytes[27] = 0x80;
        EckdSense::from_bytes(&bytes).unwrap()
    }

    #[test]
    fn conditions_and_retries() {
        let cases = [
            ((0x00, 0x08), Condition::NoRecordFound, false),
            ((0x00, 0x04), Condition::FileProtected, false),
            ((0x10, 0x02), Condition::WriteInhibited, false),
            ((0x80, 0x02), Condition::WriteInhibited, false),
            ((0x10, 0x00), Condition::EquipmentCheck, true),
            ((0x10, 0x80), Condition::EquipmentCheck, false),
            ((0x40, 0x00), Condition::InterventionRequired, false),
            ((0x80, 0x00), Condition::CommandReject, false),
            ((0x08, 0x00), Condition::DataCheck, true),
            ((0x00, 0x40), Condition::InvalidTrackFormat, false),
            ((0x00, 0x00), Condition::Unknown, false),
        ];
        for ((b0, b1), condition, retryable) in cases {
            let s = sense(b0, b1);
            assert_eq!(Condition::of(&s), condition, "{b0:02x} {b1:02x}");
            assert_eq!(condition.is_retryable(&s), retryable, "{b0:02x} {b1:02x}");
        }
    }

    #[test]
    fn from_io_error() {
        let scsw = Scsw::default();
        let mut bytes = [0u8; 32];
        bytes[1] = 0x08;
        let e = EckdError::from(IoError::UnitCheck {
            scsw,
            sense: Some(SenseData::new(bytes, 32)),
        });
        assert_eq!(e.condition(), Some(Condition::NoRecordFound));
        assert_eq!(
            EckdError::from(IoError::UnitCheck {
                scsw,
                sense: Some(SenseData::new(bytes, 1)),
            }),
            EckdError::UnitCheckWithoutSense { scsw }
        );
        assert_eq!(
            EckdError::from(IoError::IncorrectLength { scsw }),
            EckdError::WrongLength { scsw }
        );
        assert_eq!(
            EckdError::from(IoError::NotOperational),
            EckdError::Io(IoError::NotOperational)
        );
    }
}
