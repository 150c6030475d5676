//! Channel-subsystem control blocks, as the Principles of Operation lays them out.
//!
//! Every structure here is plain data: it is built and tested on any host and
//! is laid out exactly as the z/Architecture Principles of Operation (PoP)
//! draws it, big-endian in memory whatever the host's byte order, so that
//! the same type is the guest's control block and a host simulator's view of
//! it.
//!
//! - Leaf structures ([`Orb`], [`Ccw1`], [`Scsw`], [`Pmcw`], [`Esw`], [`Crw`],
//!   the IDAWs) are `#[repr(C)]` wrappers around their big-endian bytes with
//!   the PoP alignment; [`Schib`] and [`Irb`] are `#[repr(C)]` compositions of
//!   them. Sizes and alignments are checked at compile time.
//! - Bit fields are declared MSB-first with `bitfield-struct`
//!   (`order = Msb`), in the order the PoP figures show them, and each
//!   structure asserts at compile time that the generated offsets match the
//!   PoP bit numbers. The MSB-first numbering never leaks out of this module:
//!   callers use typed accessors.
//! - Decoders from bytes (`from_bytes(&[u8])`) are total: any length, any
//!   content gives a value or a [`DecodeError`], never a panic.

pub mod ccw;
pub mod crw;
pub mod error;
pub mod idaw;
pub mod irb;
pub mod orb;
pub mod schib;
pub mod scsw;
pub mod sense;
pub mod sense_id;
pub mod subchannel_id;

pub use ccw::{
    commands, Ccw, Ccw0, Ccw1, CcwFlags, CcwFormat, ChannelProgram, ChannelProgramError,
    CommandType,
};
pub use crw::{Crw, ErrorRecoveryCode, ReportingSource};
pub use error::DecodeError;
pub use idaw::{
    format1_idaws, format2_idaws, midaws, Format1Idaw, Format2Idaw, IdawBlockSize, IdawError,
    Midaw, MidawFlags,
};
pub use irb::{
    Esw, ExtendedReportWord, ExtendedStatusFlags, FieldValidityFlags, Irb, StorageAccess,
    SubchannelLogout, TerminationCode,
};
pub use orb::Orb;
pub use schib::{Isc, LimitMode, MeasurementMode, Pmcw, Schib, SubchannelType};
pub use scsw::{
    ActivityControl, DeviceStatus, FunctionControl, Scsw, StatusControl, SubchannelStatus,
};
pub use sense::{BasicSense, EckdSense, EckdSenseByte1, EckdSenseReason, SenseFlags};
pub use sense_id::{Ciw, CiwIter, CiwType, SenseId};
pub use subchannel_id::{InvalidSubchannelId, SubchannelId};

/// The `bitfield-struct` offset (counted from the least significant bit) of
/// a field that the PoP numbers `first_bit` (0 = most significant bit) in a
/// 32-bit word and that is `width` bits wide.
///
/// Used by the compile-time checks that tie each bit-field declaration to
/// the PoP figure it copies.
const fn pop_offset(first_bit: usize, width: usize) -> usize {
    32 - first_bit - width
}

/// Reads the big-endian word at byte `offset` of `bytes`.
///
/// Callers pass constant offsets inside their fixed-size arrays.
const fn read_be32<const N: usize>(bytes: &[u8; N], offset: usize) -> u32 {
    u32::from_be_bytes([
        bytes[offset],
        bytes[offset + 1],
        bytes[offset + 2],
        bytes[offset + 3],
    ])
}

/// Writes `value` big-endian at byte `offset` of `bytes`.
const fn write_be32<const N: usize>(bytes: &mut [u8; N], offset: usize, value: u32) {
    let b = value.to_be_bytes();
    bytes[offset] = b[0];
    bytes[offset + 1] = b[1];
    bytes[offset + 2] = b[2];
    bytes[offset + 3] = b[3];
}

/// Copies the first `N` bytes of `bytes` into an array, or says how many
/// were missing.
fn take_array<const N: usize>(bytes: &[u8]) -> Result<[u8; N], DecodeError> {
    match bytes.get(..N) {
        Some(head) => {
            let mut out = [0u8; N];
            out.copy_from_slice(head);
            Ok(out)
        }
        None => Err(DecodeError::TooShort {
            needed: N,
            got: bytes.len(),
        }),
    }
}

/// Declares a small set of single-bit flags over an integer, with one named
/// constant and one query method per flag, `|`, `&`, and a `Debug` that
/// lists the names.
macro_rules! flag_set {
    (
        $(#[$meta:meta])*
        pub struct $name:ident: $ty:ty {
            $(
                $(#[$fmeta:meta])*
                const $flag:ident = $value:expr, $query:ident;
            )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
        #[cfg_attr(feature = "defmt", derive(defmt::Format))]
        pub struct $name($ty);

        impl $name {
            $(
                $(#[$fmeta])*
                pub const $flag: Self = Self($value);
            )*

            /// Every flag the architecture defines here.
            pub const ALL: Self = Self(0 $(| $value)*);

            /// No flag set.
            pub const fn empty() -> Self {
                Self(0)
            }

            /// The flags as the raw bits stored in the structure.
            pub const fn bits(self) -> $ty {
                self.0
            }

            /// The flags in `bits`; bits that name no flag are dropped.
            pub const fn from_bits(bits: $ty) -> Self {
                Self(bits & Self::ALL.0)
            }

            /// Whether every flag of `other` is set in `self`.
            pub const fn contains(self, other: Self) -> bool {
                self.0 & other.0 == other.0
            }

            /// Whether any flag of `other` is set in `self`.
            pub const fn intersects(self, other: Self) -> bool {
                self.0 & other.0 != 0
            }

            /// Whether no flag is set.
            pub const fn is_empty(self) -> bool {
                self.0 == 0
            }

            /// The flags of `self` and of `other`.
            pub const fn union(self, other: Self) -> Self {
                Self(self.0 | other.0)
            }

            /// The flags of `self` without those of `other`.
            pub const fn difference(self, other: Self) -> Self {
                Self(self.0 & !other.0)
            }

            $(
                #[doc = concat!("Whether [`", stringify!($name), "::", stringify!($flag), "`] is set.")]
                pub const fn $query(self) -> bool {
                    self.0 & $value != 0
                }
            )*
        }

        impl core::ops::BitOr for $name {
            type Output = Self;
            fn bitor(self, rhs: Self) -> Self {
                self.union(rhs)
            }
        }

        impl core::ops::BitOrAssign for $name {
            fn bitor_assign(&mut self, rhs: Self) {
                *self = self.union(rhs);
            }
        }

        impl core::ops::BitAnd for $name {
            type Output = Self;
            fn bitand(self, rhs: Self) -> Self {
                Self(self.0 & rhs.0)
            }
        }

        impl core::fmt::Debug for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                write!(f, "{}(", stringify!($name))?;
                let mut first = true;
                $(
                    if self.0 & $value != 0 {
                        if !first {
                            f.write_str(" | ")?;
                        }
                        f.write_str(stringify!($flag))?;
                        first = false;
                    }
                )*
                if first {
                    f.write_str("empty")?;
                }
                f.write_str(")")
            }
        }
    };
}
use flag_set;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pop_offsets_count_from_the_msb() {
        assert_eq!(pop_offset(0, 1), 31);
        assert_eq!(pop_offset(0, 4), 28);
        assert_eq!(pop_offset(31, 1), 0);
        assert_eq!(pop_offset(16, 16), 0);
    }

    #[test]
    fn take_array_reports_missing_bytes() {
        assert_eq!(
            take_array::<4>(&[1, 2]),
            Err(DecodeError::TooShort { needed: 4, got: 2 })
        );
        assert_eq!(take_array::<2>(&[1, 2, 3]), Ok([1, 2]));
    }

    /// A small deterministic generator for the decoder sweep.
    struct XorShift(u64);

    impl XorShift {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
    }

    #[test]
    fn decoders_are_total_and_round_trip_over_100_000_inputs() {
        let mut rng = XorShift(0x2545_F491_4F6C_DD1D);
        let mut buffer = [0u8; 300];
        for round in 0..100_000 {
            let len = (rng.next() % 300) as usize;
            for b in buffer.iter_mut() {
                *b = rng.next() as u8;
            }
            if round % 2 == 0 {
                buffer[0] = 0xFF;
                for b in buffer.iter_mut().skip(8).take(8) {
                    *b = 0x40 | (*b & 0x3F);
                }
            }
            let input = &buffer[..len];
            if let Ok(scsw) = Scsw::from_bytes(input) {
                assert_eq!(&scsw.as_bytes()[..], &input[..12]);
                let _ = (scsw.deferred_condition(), format!("{scsw:?}"));
            }
            if let Ok(irb) = Irb::from_bytes(input) {
                assert_eq!(&irb.to_bytes()[..len.min(96)], &input[..len.min(96)]);
                let _ = (irb.concurrent_sense(), irb.esw.failing_storage_address());
                let _ = (irb.esw.secondary_ccw_address(), format!("{irb:?}"));
            }
            if let Ok(schib) = Schib::from_bytes(input) {
                assert_eq!(&schib.to_bytes()[..], &input[..52]);
                let _ = (schib.pmcw.subchannel_type(), format!("{schib:?}"));
            }
            if let Ok(crw) = Crw::from_bytes(input) {
                assert_eq!(&crw.as_bytes()[..], &input[..4]);
                let _ = format!("{crw:?}");
            }
            if let Ok(id) = SenseId::from_bytes(input) {
                assert_eq!(id.as_bytes(), &input[..len.min(SenseId::BUFFER_LEN)]);
                for ciw in id.ciws() {
                    assert_eq!(CiwType::from_code(ciw.kind.code()), ciw.kind);
                }
                let _ = format!("{id:?}");
            }
            if let Ok(sense) = EckdSense::from_bytes(input) {
                let _ = (sense.reason(), sense.format(), sense.message());
            }
            if let Ok(sense) = BasicSense::from_bytes(input) {
                let _ = sense.flags();
            }
        }
    }

    #[test]
    fn channel_program_builder_never_panics() {
        let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
        for _ in 0..2_000 {
            let mut storage = [Ccw1::default(); 6];
            let base = (rng.next() % 0x1000) as u32 * 8;
            let Ok(mut program) = ChannelProgram::with_base_address(&mut storage, base) else {
                continue;
            };
            for _ in 0..8 {
                let r = rng.next();
                let _ = match r % 4 {
                    0 => program.push_tic((r >> 8) as usize % 8),
                    1 => program.push_tic_to((r >> 8) as u32),
                    _ => program.push(
                        (r >> 8) as u8,
                        CcwFlags::from_bits((r >> 16) as u8),
                        (r >> 24) as u16 % 3,
                        (r >> 32) % 0x1_0000_0000,
                    ),
                };
            }
            let _ = program.finish();
        }
    }

    #[test]
    fn be_words_are_big_endian() {
        let mut bytes = [0u8; 8];
        write_be32(&mut bytes, 4, 0x0102_0304);
        assert_eq!(bytes, [0, 0, 0, 0, 1, 2, 3, 4]);
        assert_eq!(read_be32(&bytes, 4), 0x0102_0304);
    }
}
