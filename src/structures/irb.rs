//! The interruption-response block (IRB) that TEST SUBCHANNEL stores, with
//! its extended-status word (ESW).

use core::fmt;

use bitfield_struct::bitfield;

use super::{flag_set, pop_offset, read_be32, write_be32, DecodeError, Scsw};

/// Word 0 of a format-0 ESW, MSB first as PoP, chapter 16 "I/O
/// Interruptions", Figure "Subchannel Logout" draws it.
#[bitfield(u32, order = Msb)]
struct LogoutBits {
    /// Bit 0: reserved.
    #[bits(1)]
    __: u8,
    /// Bits 1-7: extended-status flags (ESF).
    #[bits(7)]
    extended_status_flags: u8,
    /// Bits 8-15: last-path-used mask (LPUM).
    #[bits(8)]
    lpum: u8,
    /// Bit 16: ancillary report (A).
    ancillary_report: bool,
    /// Bits 17-21: field-validity flags (FVF).
    #[bits(5)]
    field_validity: u8,
    /// Bits 22-23: storage access code (SA).
    #[bits(2)]
    storage_access: u8,
    /// Bits 24-25: termination code (TC).
    #[bits(2)]
    termination_code: u8,
    /// Bit 26: device-status check (D).
    device_status_check: bool,
    /// Bit 27: secondary error (E).
    secondary_error: bool,
    /// Bit 28: I/O-error alert (A).
    io_error_alert: bool,
    /// Bits 29-31: sequence code (SC).
    #[bits(3)]
    sequence_code: u8,
}

const _: () = {
    assert!(LogoutBits::EXTENDED_STATUS_FLAGS_OFFSET == pop_offset(1, 7));
    assert!(LogoutBits::LPUM_OFFSET == pop_offset(8, 8));
    assert!(LogoutBits::ANCILLARY_REPORT_OFFSET == pop_offset(16, 1));
    assert!(LogoutBits::FIELD_VALIDITY_OFFSET == pop_offset(17, 5));
    assert!(LogoutBits::STORAGE_ACCESS_OFFSET == pop_offset(22, 2));
    assert!(LogoutBits::TERMINATION_CODE_OFFSET == pop_offset(24, 2));
    assert!(LogoutBits::DEVICE_STATUS_CHECK_OFFSET == pop_offset(26, 1));
    assert!(LogoutBits::SECONDARY_ERROR_OFFSET == pop_offset(27, 1));
    assert!(LogoutBits::IO_ERROR_ALERT_OFFSET == pop_offset(28, 1));
    assert!(LogoutBits::SEQUENCE_CODE_OFFSET == pop_offset(29, 3));
};

/// The extended-report word (word 1 of every ESW format), MSB first as
/// PoP, chapter 16, Figure "Extended-Report Word" draws it.
#[bitfield(u32, order = Msb)]
struct ErwBits {
    /// Bit 0: reserved.
    #[bits(1)]
    __: u8,
    /// Bit 1: request logging only (L).
    request_logging_only: bool,
    /// Bit 2: extended-logout pending (E).
    extended_logout_pending: bool,
    /// Bit 3: authorization check (A).
    authorization_check: bool,
    /// Bit 4: path verification required (P).
    path_verification_required: bool,
    /// Bit 5: channel-path timeout (T).
    channel_path_timeout: bool,
    /// Bit 6: failing-storage-address validity (F).
    failing_storage_address_valid: bool,
    /// Bit 7: concurrent sense (S).
    concurrent_sense: bool,
    /// Bit 8: secondary-CCW-address validity (C).
    secondary_ccw_address_valid: bool,
    /// Bit 9: failing-storage-address format (R).
    failing_storage_address_64: bool,
    /// Bits 10-15: sense count (SCNT).
    #[bits(6)]
    sense_count: u8,
    /// Bits 16-31: reserved.
    #[bits(16)]
    __: u16,
}

const _: () = {
    assert!(ErwBits::REQUEST_LOGGING_ONLY_OFFSET == pop_offset(1, 1));
    assert!(ErwBits::EXTENDED_LOGOUT_PENDING_OFFSET == pop_offset(2, 1));
    assert!(ErwBits::AUTHORIZATION_CHECK_OFFSET == pop_offset(3, 1));
    assert!(ErwBits::PATH_VERIFICATION_REQUIRED_OFFSET == pop_offset(4, 1));
    assert!(ErwBits::CHANNEL_PATH_TIMEOUT_OFFSET == pop_offset(5, 1));
    assert!(ErwBits::FAILING_STORAGE_ADDRESS_VALID_OFFSET == pop_offset(6, 1));
    assert!(ErwBits::CONCURRENT_SENSE_OFFSET == pop_offset(7, 1));
    assert!(ErwBits::SECONDARY_CCW_ADDRESS_VALID_OFFSET == pop_offset(8, 1));
    assert!(ErwBits::FAILING_STORAGE_ADDRESS_64_OFFSET == pop_offset(9, 1));
    assert!(ErwBits::SENSE_COUNT_OFFSET == pop_offset(10, 6));
};

flag_set! {
    /// Extended-status flags of the subchannel logout (bits 1-7).
    pub struct ExtendedStatusFlags: u8 {
        /// Bit 1: key check.
        const KEY_CHECK = 0x40, key_check;
        /// Bit 2: measurement-block program check.
        const MEASUREMENT_BLOCK_PROGRAM_CHECK = 0x20, measurement_block_program_check;
        /// Bit 3: measurement-block data check.
        const MEASUREMENT_BLOCK_DATA_CHECK = 0x10, measurement_block_data_check;
        /// Bit 4: measurement-block protection check.
        const MEASUREMENT_BLOCK_PROTECTION_CHECK = 0x08, measurement_block_protection_check;
        /// Bit 5: CCW check.
        const CCW_CHECK = 0x04, ccw_check;
        /// Bit 6: IDAW check.
        const IDAW_CHECK = 0x02, idaw_check;
    }
}

flag_set! {
    /// Field-validity flags of the subchannel logout (bits 17-21): which
    /// fields of the IRB are valid.
    pub struct FieldValidityFlags: u8 {
        /// Bit 17: the LPUM is valid.
        const LPUM_VALID = 0x10, lpum_valid;
        /// Bit 18: the termination code is valid.
        const TERMINATION_CODE_VALID = 0x08, termination_code_valid;
        /// Bit 19: the sequence code is valid.
        const SEQUENCE_CODE_VALID = 0x04, sequence_code_valid;
        /// Bit 20: the device status in the SCSW is valid.
        const DEVICE_STATUS_VALID = 0x02, device_status_valid;
        /// Bit 21: the CCW address in the SCSW is valid.
        const CCW_ADDRESS_VALID = 0x01, ccw_address_valid;
    }
}

/// The storage access code of the subchannel logout (bits 22-23): what the
/// channel was doing when the error occurred.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum StorageAccess {
    /// 00: access type unknown.
    Unknown,
    /// 01: read.
    Read,
    /// 10: write.
    Write,
    /// 11: read backward.
    ReadBackward,
}

/// The termination code of the subchannel logout (bits 24-25).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum TerminationCode {
    /// 00: halt signal issued.
    HaltSignal,
    /// 01: stop, stack or normal termination.
    StopStackOrNormal,
    /// 10: clear signal issued.
    ClearSignal,
    /// 11: reserved.
    Reserved,
}

/// The subchannel logout: word 0 of a format-0 ESW (PoP, chapter 16, "Subchannel
/// Logout").
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct SubchannelLogout(u32);

impl SubchannelLogout {
    /// The logout whose word is `raw`.
    pub const fn from_raw(raw: u32) -> Self {
        Self(raw)
    }

    /// The word.
    pub const fn raw(self) -> u32 {
        self.0
    }

    const fn bits(self) -> LogoutBits {
        LogoutBits::from_bits(self.0)
    }

    /// Extended-status flags (ESF).
    pub const fn extended_status_flags(self) -> ExtendedStatusFlags {
        ExtendedStatusFlags::from_bits(self.bits().extended_status_flags())
    }

    /// Last-path-used mask (LPUM).
    pub const fn lpum(self) -> u8 {
        self.bits().lpum()
    }

    /// Ancillary report.
    pub const fn ancillary_report(self) -> bool {
        self.bits().ancillary_report()
    }

    /// Field-validity flags (FVF).
    pub const fn field_validity(self) -> FieldValidityFlags {
        FieldValidityFlags::from_bits(self.bits().field_validity())
    }

    /// Storage access code (SA).
    pub const fn storage_access(self) -> StorageAccess {
        match self.bits().storage_access() {
            0 => StorageAccess::Unknown,
            1 => StorageAccess::Read,
            2 => StorageAccess::Write,
            _ => StorageAccess::ReadBackward,
        }
    }

    /// Termination code (TC).
    pub const fn termination_code(self) -> TerminationCode {
        match self.bits().termination_code() {
            0 => TerminationCode::HaltSignal,
            1 => TerminationCode::StopStackOrNormal,
            2 => TerminationCode::ClearSignal,
            _ => TerminationCode::Reserved,
        }
    }

    /// Device-status check (D).
    pub const fn device_status_check(self) -> bool {
        self.bits().device_status_check()
    }

    /// Secondary error (E).
    pub const fn secondary_error(self) -> bool {
        self.bits().secondary_error()
    }

    /// I/O-error alert (A).
    pub const fn io_error_alert(self) -> bool {
        self.bits().io_error_alert()
    }

    /// Sequence code (SC, 0-7).
    pub const fn sequence_code(self) -> u8 {
        self.bits().sequence_code()
    }
}

impl fmt::Debug for SubchannelLogout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SubchannelLogout")
            .field("extended_status_flags", &self.extended_status_flags())
            .field("lpum", &format_args!("{:#04x}", self.lpum()))
            .field("field_validity", &self.field_validity())
            .field("termination_code", &self.termination_code())
            .field("sequence_code", &self.sequence_code())
            .finish()
    }
}

/// The extended-report word: word 1 of every ESW format (PoP, chapter 16,
/// "Extended-Report Word").
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ExtendedReportWord(u32);

impl ExtendedReportWord {
    /// The ERW whose word is `raw`.
    pub const fn from_raw(raw: u32) -> Self {
        Self(raw)
    }

    /// The word.
    pub const fn raw(self) -> u32 {
        self.0
    }

    const fn bits(self) -> ErwBits {
        ErwBits::from_bits(self.0)
    }

    /// With concurrent sense (S) and a sense count of `count` bytes (at most
    /// 32, the size of the ECW).
    pub const fn with_concurrent_sense(self, count: u8) -> Self {
        let count = if count > 32 { 32 } else { count };
        Self(
            self.bits()
                .with_concurrent_sense(true)
                .with_sense_count(count)
                .into_bits(),
        )
    }

    /// Request logging only (L).
    pub const fn request_logging_only(self) -> bool {
        self.bits().request_logging_only()
    }

    /// Extended-logout pending (E).
    pub const fn extended_logout_pending(self) -> bool {
        self.bits().extended_logout_pending()
    }

    /// Authorization check (A).
    pub const fn authorization_check(self) -> bool {
        self.bits().authorization_check()
    }

    /// Path verification required (P).
    pub const fn path_verification_required(self) -> bool {
        self.bits().path_verification_required()
    }

    /// Channel-path timeout (T).
    pub const fn channel_path_timeout(self) -> bool {
        self.bits().channel_path_timeout()
    }

    /// Failing-storage-address validity (F).
    pub const fn failing_storage_address_valid(self) -> bool {
        self.bits().failing_storage_address_valid()
    }

    /// Concurrent sense (S): the ECW holds `sense_count` bytes of sense
    /// data.
    pub const fn concurrent_sense(self) -> bool {
        self.bits().concurrent_sense()
    }

    /// Secondary-CCW-address validity (C).
    pub const fn secondary_ccw_address_valid(self) -> bool {
        self.bits().secondary_ccw_address_valid()
    }

    /// Failing-storage-address format (R): the address is 64 bits (words
    /// 2-3) rather than 31 bits (word 2).
    pub const fn failing_storage_address_is_64_bit(self) -> bool {
        self.bits().failing_storage_address_64()
    }

    /// Sense count (SCNT): bytes of concurrent sense in the ECW.
    pub const fn sense_count(self) -> u8 {
        self.bits().sense_count()
    }
}

impl fmt::Debug for ExtendedReportWord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ExtendedReportWord({:#010x})", self.0)
    }
}

/// The extended-status word: 20 bytes (PoP, chapter 16, "Extended-Status
/// Word"). Its format depends on the kind of status (the SCSW's L bit says
/// when it is format 0): word 0 is the subchannel logout (format 0; other
/// formats keep the LPUM in byte 1 too), word 1 the extended-report word,
/// words 2-3 the failing-storage address and word 4 the secondary-CCW
/// address (format 0). Stored big-endian.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[repr(C, align(4))]
pub struct Esw {
    bytes: [u8; 20],
}

const _: () = assert!(size_of::<Esw>() == 20);

impl Esw {
    /// The ESW whose big-endian image is `bytes`.
    pub const fn from_byte_array(bytes: [u8; 20]) -> Self {
        Self { bytes }
    }

    /// The big-endian image of the ESW.
    pub const fn as_bytes(&self) -> &[u8; 20] {
        &self.bytes
    }

    /// The subchannel logout (word 0), meaningful in a format-0 ESW.
    pub const fn subchannel_logout(&self) -> SubchannelLogout {
        SubchannelLogout(read_be32(&self.bytes, 0))
    }

    /// The last-path-used mask (byte 1, in every format).
    pub const fn lpum(&self) -> u8 {
        self.bytes[1]
    }

    /// The extended-report word (word 1).
    pub const fn extended_report_word(&self) -> ExtendedReportWord {
        ExtendedReportWord(read_be32(&self.bytes, 4))
    }

    /// The failing-storage address, when the ERW says it is valid: 64 bits
    /// from words 2-3, or 31 bits from word 2, as the ERW's R bit says.
    pub const fn failing_storage_address(&self) -> Option<u64> {
        let erw = self.extended_report_word();
        if !erw.failing_storage_address_valid() {
            return None;
        }
        let high = read_be32(&self.bytes, 8) as u64;
        if erw.failing_storage_address_is_64_bit() {
            Some(high << 32 | read_be32(&self.bytes, 12) as u64)
        } else {
            Some(high & 0x7FFF_FFFF)
        }
    }

    /// The secondary-CCW address (word 4), when the ERW says it is valid.
    pub const fn secondary_ccw_address(&self) -> Option<u32> {
        if self.extended_report_word().secondary_ccw_address_valid() {
            Some(read_be32(&self.bytes, 16))
        } else {
            None
        }
    }

    /// With the subchannel logout (word 0).
    pub const fn with_subchannel_logout(mut self, logout: SubchannelLogout) -> Self {
        write_be32(&mut self.bytes, 0, logout.raw());
        self
    }

    /// With the extended-report word (word 1).
    pub const fn with_extended_report_word(mut self, erw: ExtendedReportWord) -> Self {
        write_be32(&mut self.bytes, 4, erw.raw());
        self
    }
}

impl fmt::Debug for Esw {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Esw")
            .field("subchannel_logout", &self.subchannel_logout())
            .field("extended_report_word", &self.extended_report_word())
            .finish_non_exhaustive()
    }
}

/// Interruption-response block: 96 bytes, word-aligned, as TEST SUBCHANNEL
/// stores it (PoP, chapter 16 "I/O Interruptions", Figure
/// "Interruption-Response Block"): SCSW, ESW, extended-control word (ECW)
/// and extended-measurement word (EMW).
///
/// Every part is stored as its big-endian bytes, so any bit pattern is a
/// valid `Irb`: TEST SUBCHANNEL may write straight into one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[repr(C, align(4))]
pub struct Irb {
    /// The subchannel-status word (bytes 0-11).
    pub scsw: Scsw,
    /// The extended-status word (bytes 12-31).
    pub esw: Esw,
    /// The extended-control word (bytes 32-63): concurrent sense data or
    /// model-dependent information.
    pub ecw: [u8; 32],
    /// The extended-measurement word (bytes 64-95).
    pub emw: [u8; 32],
}

const _: () = assert!(size_of::<Irb>() == 96);
const _: () = assert!(align_of::<Irb>() == 4);
const _: () = assert!(core::mem::offset_of!(Irb, esw) == 12);
const _: () = assert!(core::mem::offset_of!(Irb, ecw) == 32);
const _: () = assert!(core::mem::offset_of!(Irb, emw) == 64);

impl Default for Irb {
    fn default() -> Self {
        Self::new()
    }
}

impl Irb {
    /// The size of an IRB in bytes.
    pub const SIZE: usize = 96;
    /// The size of an IRB without the EMW, as stored when the
    /// extended-measurement facility does not apply.
    pub const SIZE_WITHOUT_EMW: usize = 64;

    /// An IRB with every field zero.
    pub const fn new() -> Self {
        Self {
            scsw: Scsw::new(),
            esw: Esw { bytes: [0; 20] },
            ecw: [0; 32],
            emw: [0; 32],
        }
    }

    /// Decodes an IRB from its big-endian image. At least 64 bytes (SCSW,
    /// ESW and ECW) are needed; the EMW is read if present, zero otherwise.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        if bytes.len() < Self::SIZE_WITHOUT_EMW {
            return Err(DecodeError::TooShort {
                needed: Self::SIZE_WITHOUT_EMW,
                got: bytes.len(),
            });
        }
        let mut image = [0u8; 96];
        for (dst, src) in image.iter_mut().zip(bytes) {
            *dst = *src;
        }
        Ok(Self::from_byte_array(image))
    }

    /// The IRB whose big-endian image is `bytes`.
    pub fn from_byte_array(bytes: [u8; 96]) -> Self {
        let mut irb = Self::new();
        let (scsw, rest) = bytes.split_at(12);
        let (esw, rest) = rest.split_at(20);
        let (ecw, emw) = rest.split_at(32);
        let mut scsw_bytes = [0u8; 12];
        scsw_bytes.copy_from_slice(scsw);
        irb.scsw = Scsw::from_byte_array(scsw_bytes);
        irb.esw.bytes.copy_from_slice(esw);
        irb.ecw.copy_from_slice(ecw);
        irb.emw.copy_from_slice(emw);
        irb
    }

    /// The big-endian image of the IRB.
    pub fn to_bytes(&self) -> [u8; 96] {
        let mut out = [0u8; 96];
        let (scsw, rest) = out.split_at_mut(12);
        let (esw, rest) = rest.split_at_mut(20);
        let (ecw, emw) = rest.split_at_mut(32);
        scsw.copy_from_slice(self.scsw.as_bytes());
        esw.copy_from_slice(&self.esw.bytes);
        ecw.copy_from_slice(&self.ecw);
        emw.copy_from_slice(&self.emw);
        out
    }

    /// The concurrent sense data in the ECW, when the ERW's S bit says
    /// there is some: its first `sense_count` bytes.
    ///
    /// A sense count of zero with the S bit set yields the whole ECW:
    /// QEMU (7.2) stores the count in the wrong bits (16-23), so its SCNT
    /// reads zero although the ECW holds 32 bytes of sense.
    pub fn concurrent_sense(&self) -> Option<&[u8]> {
        let erw = self.esw.extended_report_word();
        if !erw.concurrent_sense() {
            return None;
        }
        match usize::from(erw.sense_count()) {
            0 => Some(&self.ecw),
            count => self.ecw.get(..count.min(self.ecw.len())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::structures::{DeviceStatus, FunctionControl, StatusControl};

    #[test]
    fn qemu_logout_words() {
        // QEMU: 00800000 normally, 04804000 after a channel check.
        let plain = SubchannelLogout::from_raw(0x0080_0000);
        assert_eq!(plain.lpum(), 0x80);
        assert!(plain.extended_status_flags().is_empty());
        assert!(plain.field_validity().is_empty());
        let check = SubchannelLogout::from_raw(0x0480_4000);
        assert_eq!(
            check.extended_status_flags(),
            ExtendedStatusFlags::CCW_CHECK
        );
        assert_eq!(check.lpum(), 0x80);
        assert_eq!(check.field_validity(), FieldValidityFlags::LPUM_VALID);
        assert!(!check.ancillary_report());
        assert_eq!(check.storage_access(), StorageAccess::Unknown);
        assert_eq!(check.termination_code(), TerminationCode::HaltSignal);
    }

    #[test]
    fn logout_fields_on_pop_bits() {
        let l = SubchannelLogout::from_raw(0x4000_0000 | 0x8000 | 0x0300 | 0x00C0 | 0x0020);
        assert!(l.extended_status_flags().key_check());
        assert!(l.ancillary_report());
        assert_eq!(l.storage_access(), StorageAccess::ReadBackward);
        assert_eq!(l.termination_code(), TerminationCode::Reserved);
        assert!(l.device_status_check());
        let l = SubchannelLogout::from_raw(0x0000_001F);
        assert!(l.secondary_error() && l.io_error_alert() && l.sequence_code() == 7);
        let l = SubchannelLogout::from_raw(0x0000_0400 | 0x0100 | 0x40);
        assert!(l.field_validity().ccw_address_valid());
        assert_eq!(l.termination_code(), TerminationCode::StopStackOrNormal);
        assert_eq!(l.storage_access(), StorageAccess::Read);
    }

    #[test]
    fn concurrent_sense_erw() {
        let erw = ExtendedReportWord::default().with_concurrent_sense(24);
        assert_eq!(erw.raw(), 0x0118_0000);
        assert!(erw.concurrent_sense());
        assert_eq!(erw.sense_count(), 24);
        assert_eq!(
            ExtendedReportWord::default()
                .with_concurrent_sense(99)
                .sense_count(),
            32
        );
    }

    #[test]
    fn qemu_sense_count_quirk() {
        // QEMU 7.2 stores ESW_ERW_SENSE | 32 << 8: the count lands in bits
        // 16-23, so SCNT (bits 10-15) reads 0 and the whole ECW is taken.
        let erw = ExtendedReportWord::from_raw(0x0100_0000 | 32 << 8);
        assert!(erw.concurrent_sense());
        assert_eq!(erw.sense_count(), 0);
        let mut irb = Irb::new();
        irb.esw = Esw::default().with_extended_report_word(erw);
        irb.ecw[0] = 0x80;
        assert_eq!(irb.concurrent_sense().map(<[u8]>::len), Some(32));
        irb.esw = Esw::default().with_extended_report_word(erw.with_concurrent_sense(2));
        assert_eq!(irb.concurrent_sense(), Some(&[0x80, 0][..]));
    }

    #[test]
    fn erw_flags_on_pop_bits() {
        let bits = [
            (0x4000_0000, "L"),
            (0x2000_0000, "E"),
            (0x1000_0000, "A"),
            (0x0800_0000, "P"),
            (0x0400_0000, "T"),
            (0x0200_0000, "F"),
            (0x0080_0000, "C"),
            (0x0040_0000, "R"),
        ];
        for (raw, name) in bits {
            let erw = ExtendedReportWord::from_raw(raw);
            let got = [
                erw.request_logging_only(),
                erw.extended_logout_pending(),
                erw.authorization_check(),
                erw.path_verification_required(),
                erw.channel_path_timeout(),
                erw.failing_storage_address_valid(),
                erw.secondary_ccw_address_valid(),
                erw.failing_storage_address_is_64_bit(),
            ];
            assert_eq!(got.iter().filter(|b| **b).count(), 1, "{name}");
            assert!(!erw.concurrent_sense(), "{name}");
        }
    }

    #[test]
    fn esw_addresses() {
        let mut bytes = [0u8; 20];
        bytes[4] = 0x02 | 0x01; // F, S
        bytes[5] = 0x80 | 0x40 | 8; // C, R, 8 bytes of sense
        bytes[8..16].copy_from_slice(&0x0000_0001_2345_6789u64.to_be_bytes());
        bytes[16..20].copy_from_slice(&0x0000_1000u32.to_be_bytes());
        let esw = Esw::from_byte_array(bytes);
        assert_eq!(esw.failing_storage_address(), Some(0x1_2345_6789));
        assert_eq!(esw.secondary_ccw_address(), Some(0x1000));
        assert_eq!(esw.extended_report_word().sense_count(), 8);
        bytes[5] = 0;
        bytes[8..12].copy_from_slice(&0x8000_1000u32.to_be_bytes());
        let esw = Esw::from_byte_array(bytes);
        assert_eq!(esw.failing_storage_address(), Some(0x1000));
        assert_eq!(esw.secondary_ccw_address(), None);
        assert_eq!(Esw::default().failing_storage_address(), None);
    }

    #[test]
    fn irb_layout_and_round_trip() {
        let mut irb = Irb {
            scsw: Scsw::new()
                .with_function_control(FunctionControl::START)
                .with_status_control(StatusControl::PRIMARY | StatusControl::STATUS_PENDING)
                .with_device_status(DeviceStatus::UNIT_CHECK | DeviceStatus::CHANNEL_END)
                .with_format0_esw(true)
                .with_extended_control(true),
            esw: Esw::default()
                .with_subchannel_logout(SubchannelLogout::from_raw(0x0080_0000))
                .with_extended_report_word(ExtendedReportWord::default().with_concurrent_sense(4)),
            ..Irb::default()
        };
        irb.ecw[..4].copy_from_slice(&[0x80, 0, 0, 0]);
        irb.emw[31] = 0x55;
        let bytes = irb.to_bytes();
        assert_eq!(bytes[12..16], [0x00, 0x80, 0x00, 0x00]);
        assert_eq!(bytes[16..20], [0x01, 0x04, 0x00, 0x00]);
        assert_eq!(bytes[32], 0x80);
        assert_eq!(bytes[95], 0x55);
        assert_eq!(Irb::from_bytes(&bytes), Ok(irb));
        assert_eq!(irb.concurrent_sense(), Some(&[0x80, 0, 0, 0][..]));
        assert_eq!(irb.esw.lpum(), 0x80);
    }

    #[test]
    fn from_bytes_is_total() {
        let bytes = [0xA5u8; 100];
        for len in 0..64 {
            assert_eq!(
                Irb::from_bytes(&bytes[..len]),
                Err(DecodeError::TooShort {
                    needed: 64,
                    got: len
                })
            );
        }
        for len in 64..=100 {
            let irb = Irb::from_bytes(&bytes[..len]).unwrap();
            let emw_len = len.min(96) - 64;
            assert!(irb.emw[..emw_len].iter().all(|b| *b == 0xA5));
            assert!(irb.emw[emw_len..].iter().all(|b| *b == 0));
            let _ = irb.concurrent_sense();
            let _ = irb.esw.failing_storage_address();
        }
    }
}
