//! The channel-report word (CRW) that STORE CHANNEL REPORT WORD stores.

use core::fmt;

use bitfield_struct::bitfield;

use super::{pop_offset, take_array, DecodeError};

/// The CRW, MSB first as PoP, chapter 17 "I/O Support Functions", Figure
/// "Channel-Report Word" draws it.
#[bitfield(u32, order = Msb)]
struct Bits {
    /// Bit 0: reserved.
    #[bits(1)]
    __: u8,
    /// Bit 1: solicited (S).
    solicited: bool,
    /// Bit 2: overflow (R).
    overflow: bool,
    /// Bit 3: chaining (C).
    chained: bool,
    /// Bits 4-7: reporting-source code (RSC).
    #[bits(4)]
    reporting_source: u8,
    /// Bit 8: ancillary report (A).
    ancillary_report: bool,
    /// Bit 9: reserved.
    #[bits(1)]
    __: u8,
    /// Bits 10-15: error-recovery code (ERC).
    #[bits(6)]
    error_recovery: u8,
    /// Bits 16-31: reporting-source ID (RSID).
    #[bits(16)]
    reporting_source_id: u16,
}

const _: () = {
    assert!(Bits::SOLICITED_OFFSET == pop_offset(1, 1));
    assert!(Bits::OVERFLOW_OFFSET == pop_offset(2, 1));
    assert!(Bits::CHAINED_OFFSET == pop_offset(3, 1));
    assert!(Bits::REPORTING_SOURCE_OFFSET == pop_offset(4, 4));
    assert!(Bits::ANCILLARY_REPORT_OFFSET == pop_offset(8, 1));
    assert!(Bits::ERROR_RECOVERY_OFFSET == pop_offset(10, 6));
    assert!(Bits::REPORTING_SOURCE_ID_OFFSET == pop_offset(16, 16));
};

/// Which facility a CRW reports on (RSC, bits 4-7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum ReportingSource {
    /// 0010: channel monitoring.
    Monitoring,
    /// 0011: a subchannel; the RSID is its number.
    Subchannel,
    /// 0100: a channel path; the RSID's low byte is its CHPID.
    ChannelPath,
    /// 1001: the configuration-alert facility.
    ConfigurationAlert,
    /// 1011: the channel subsystem.
    ChannelSubsystem,
    /// A code the PoP does not define here.
    Unknown(u8),
}

impl ReportingSource {
    /// The source of code `code` (low 4 bits).
    pub const fn from_code(code: u8) -> Self {
        match code & 0xF {
            0x2 => Self::Monitoring,
            0x3 => Self::Subchannel,
            0x4 => Self::ChannelPath,
            0x9 => Self::ConfigurationAlert,
            0xB => Self::ChannelSubsystem,
            other => Self::Unknown(other),
        }
    }

    /// The 4-bit code.
    pub const fn code(self) -> u8 {
        match self {
            Self::Monitoring => 0x2,
            Self::Subchannel => 0x3,
            Self::ChannelPath => 0x4,
            Self::ConfigurationAlert => 0x9,
            Self::ChannelSubsystem => 0xB,
            Self::Unknown(other) => other & 0xF,
        }
    }
}

/// What happened to the reporting source (ERC, bits 10-15).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum ErrorRecoveryCode {
    /// 0: event information pending.
    EventInformationPending,
    /// 1: available.
    Available,
    /// 2: initialized, parameters unchanged.
    Initialized,
    /// 3: temporary error.
    TemporaryError,
    /// 4: installed, parameters initialized (e.g. a device came).
    InstalledParametersInitialized,
    /// 5: terminal.
    Terminal,
    /// 6: permanent error, facility not initialized (e.g. a device went).
    PermanentErrorNotInitialized,
    /// 7: permanent error, facility initialized.
    PermanentErrorInitialized,
    /// 8: installed parameters modified.
    InstalledParametersModified,
    /// A code the PoP does not define here.
    Unknown(u8),
}

impl ErrorRecoveryCode {
    /// The recovery code `code` (low 6 bits).
    pub const fn from_code(code: u8) -> Self {
        match code & 0x3F {
            0 => Self::EventInformationPending,
            1 => Self::Available,
            2 => Self::Initialized,
            3 => Self::TemporaryError,
            4 => Self::InstalledParametersInitialized,
            5 => Self::Terminal,
            6 => Self::PermanentErrorNotInitialized,
            7 => Self::PermanentErrorInitialized,
            8 => Self::InstalledParametersModified,
            other => Self::Unknown(other),
        }
    }

    /// The 6-bit code.
    pub const fn code(self) -> u8 {
        match self {
            Self::EventInformationPending => 0,
            Self::Available => 1,
            Self::Initialized => 2,
            Self::TemporaryError => 3,
            Self::InstalledParametersInitialized => 4,
            Self::Terminal => 5,
            Self::PermanentErrorNotInitialized => 6,
            Self::PermanentErrorInitialized => 7,
            Self::InstalledParametersModified => 8,
            Self::Unknown(other) => other & 0x3F,
        }
    }
}

/// Channel-report word: 4 bytes, word-aligned (PoP, chapter 17 "I/O
/// Support Functions", "Channel-Report Word"). Stored big-endian.
///
/// STCRW stores a CRW of all zeros when no report is pending.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[repr(C, align(4))]
pub struct Crw {
    bytes: [u8; 4],
}

const _: () = assert!(size_of::<Crw>() == 4);
const _: () = assert!(align_of::<Crw>() == 4);

impl Crw {
    /// A CRW reporting `error_recovery` for `source` with ID `source_id`,
    /// every flag zero.
    pub const fn new(
        source: ReportingSource,
        error_recovery: ErrorRecoveryCode,
        source_id: u16,
    ) -> Self {
        let bits = Bits::new()
            .with_reporting_source(source.code())
            .with_error_recovery(error_recovery.code())
            .with_reporting_source_id(source_id);
        Self::from_raw(bits.into_bits())
    }

    /// The CRW whose word is `raw`.
    pub const fn from_raw(raw: u32) -> Self {
        Self {
            bytes: raw.to_be_bytes(),
        }
    }

    /// The word.
    pub const fn raw(&self) -> u32 {
        u32::from_be_bytes(self.bytes)
    }

    /// Decodes the first 4 bytes of `bytes`.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        take_array(bytes).map(|bytes| Self { bytes })
    }

    /// The big-endian image of the CRW.
    pub const fn as_bytes(&self) -> &[u8; 4] {
        &self.bytes
    }

    const fn bits(&self) -> Bits {
        Bits::from_bits(self.raw())
    }

    const fn with_bits(self, bits: Bits) -> Self {
        Self::from_raw(bits.into_bits())
    }

    /// Whether the CRW is all zeros, as STCRW stores it when no report is
    /// pending.
    pub const fn is_empty(&self) -> bool {
        self.raw() == 0
    }

    /// Solicited (S): the report was caused by the program.
    pub const fn solicited(&self) -> bool {
        self.bits().solicited()
    }

    /// Overflow (R): reports were lost before this one.
    pub const fn overflow(&self) -> bool {
        self.bits().overflow()
    }

    /// Chaining (C): more CRWs describe the same event.
    pub const fn chained(&self) -> bool {
        self.bits().chained()
    }

    /// Reporting-source code (RSC).
    pub const fn reporting_source(&self) -> ReportingSource {
        ReportingSource::from_code(self.bits().reporting_source())
    }

    /// Ancillary report (A).
    pub const fn ancillary_report(&self) -> bool {
        self.bits().ancillary_report()
    }

    /// Error-recovery code (ERC).
    pub const fn error_recovery(&self) -> ErrorRecoveryCode {
        ErrorRecoveryCode::from_code(self.bits().error_recovery())
    }

    /// Reporting-source ID (RSID): the subchannel number, CHPID, ...
    pub const fn reporting_source_id(&self) -> u16 {
        self.bits().reporting_source_id()
    }

    /// With solicited (S).
    pub const fn with_solicited(self, value: bool) -> Self {
        self.with_bits(self.bits().with_solicited(value))
    }

    /// With overflow (R).
    pub const fn with_overflow(self, value: bool) -> Self {
        self.with_bits(self.bits().with_overflow(value))
    }

    /// With chaining (C).
    pub const fn with_chained(self, value: bool) -> Self {
        self.with_bits(self.bits().with_chained(value))
    }

    /// With ancillary report (A).
    pub const fn with_ancillary_report(self, value: bool) -> Self {
        self.with_bits(self.bits().with_ancillary_report(value))
    }
}

impl fmt::Debug for Crw {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Crw")
            .field("solicited", &self.solicited())
            .field("overflow", &self.overflow())
            .field("chained", &self.chained())
            .field("reporting_source", &self.reporting_source())
            .field("ancillary_report", &self.ancillary_report())
            .field("error_recovery", &self.error_recovery())
            .field(
                "reporting_source_id",
                &format_args!("{:#06x}", self.reporting_source_id()),
            )
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subchannel_installed() {
        // A device hot-plugged at subchannel 0x0002: RSC 3, ERC 4.
        let crw = Crw::from_bytes(&[0x03, 0x04, 0x00, 0x02]).unwrap();
        assert_eq!(crw.reporting_source(), ReportingSource::Subchannel);
        assert_eq!(
            crw.error_recovery(),
            ErrorRecoveryCode::InstalledParametersInitialized
        );
        assert_eq!(crw.reporting_source_id(), 2);
        assert!(!crw.solicited() && !crw.overflow() && !crw.chained());
        assert!(!crw.ancillary_report());
        assert_eq!(
            Crw::new(
                ReportingSource::Subchannel,
                ErrorRecoveryCode::InstalledParametersInitialized,
                2
            ),
            crw
        );
    }

    #[test]
    fn flags_on_pop_bits() {
        assert_eq!(Crw::default().with_solicited(true).raw(), 0x4000_0000);
        assert_eq!(Crw::default().with_overflow(true).raw(), 0x2000_0000);
        assert_eq!(Crw::default().with_chained(true).raw(), 0x1000_0000);
        assert_eq!(
            Crw::default().with_ancillary_report(true).raw(),
            0x0080_0000
        );
        let crw = Crw::from_raw(0x7B86_00FF);
        assert!(crw.solicited() && crw.overflow() && crw.chained() && crw.ancillary_report());
        assert_eq!(crw.reporting_source(), ReportingSource::ChannelSubsystem);
        assert_eq!(
            crw.error_recovery(),
            ErrorRecoveryCode::PermanentErrorNotInitialized
        );
        assert_eq!(crw.reporting_source_id(), 0xFF);
    }

    #[test]
    fn codes_round_trip() {
        for code in 0..16u8 {
            assert_eq!(ReportingSource::from_code(code).code(), code);
        }
        for code in 0..64u8 {
            assert_eq!(ErrorRecoveryCode::from_code(code).code(), code);
        }
        assert_eq!(
            ReportingSource::from_code(0xF),
            ReportingSource::Unknown(0xF)
        );
        assert_eq!(
            ErrorRecoveryCode::from_code(0x3F),
            ErrorRecoveryCode::Unknown(0x3F)
        );
        for source in [0x2, 0x3, 0x4, 0x9, 0xB, 0x5] {
            for erc in [0u8, 4, 6, 8, 0x20] {
                let crw = Crw::new(
                    ReportingSource::from_code(source),
                    ErrorRecoveryCode::from_code(erc),
                    0xBEEF,
                );
                let back = Crw::from_bytes(crw.as_bytes()).unwrap();
                assert_eq!(back.reporting_source().code(), source);
                assert_eq!(back.error_recovery().code(), erc);
                assert_eq!(back.reporting_source_id(), 0xBEEF);
            }
        }
    }

    #[test]
    fn empty_and_short() {
        assert!(Crw::from_bytes(&[0; 4]).unwrap().is_empty());
        for len in 0..4 {
            assert_eq!(
                Crw::from_bytes(&[0; 4][..len]),
                Err(DecodeError::TooShort {
                    needed: 4,
                    got: len
                })
            );
        }
    }
}
