//! Errors of the decoders that turn bytes into typed structures.

use core::fmt;

/// Why bytes could not be decoded into a structure.
///
/// Every `from_bytes` decoder of this module returns this error rather than
/// panicking, whatever the length or content of its input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum DecodeError {
    /// The input ended before the structure did.
    TooShort {
        /// Bytes the structure needs.
        needed: usize,
        /// Bytes the input had.
        got: usize,
    },
    /// A field holds a value the architecture does not allow there.
    InvalidValue {
        /// Which field (e.g. `"sense id byte 0"`).
        field: &'static str,
        /// The value found.
        value: u32,
    },
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::TooShort { needed, got } => {
                write!(f, "input too short: {needed} bytes needed, {got} given")
            }
            Self::InvalidValue { field, value } => {
                write!(f, "invalid value {value:#x} in {field}")
            }
        }
    }
}

impl core::error::Error for DecodeError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_the_problem() {
        let e = DecodeError::TooShort { needed: 12, got: 3 };
        assert_eq!(e.to_string(), "input too short: 12 bytes needed, 3 given");
        let e = DecodeError::InvalidValue {
            field: "sense id byte 0",
            value: 0x12,
        };
        assert_eq!(e.to_string(), "invalid value 0x12 in sense id byte 0");
    }
}
