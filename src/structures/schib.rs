//! The subchannel-information block (SCHIB) that STORE SUBCHANNEL stores
//! and MODIFY SUBCHANNEL takes, with its path-management-control word
//! (PMCW).

use core::fmt;

use bitfield_struct::bitfield;

use super::{flag_set, pop_offset, read_be32, take_array, write_be32, DecodeError, Scsw};

/// Word 1 of the PMCW, MSB first as PoP, chapter 15 "Basic I/O Functions",
/// Figure "Path-Management-Control Word" draws it.
#[bitfield(u32, order = Msb)]
struct Word1 {
    /// Bits 0-1: reserved.
    #[bits(2)]
    __: u8,
    /// Bits 2-4: interruption subclass (ISC).
    #[bits(3)]
    isc: u8,
    /// Bits 5-7: zero.
    #[bits(3)]
    __: u8,
    /// Bit 8: enabled (E).
    enabled: bool,
    /// Bits 9-10: limit mode (LM).
    #[bits(2)]
    limit_mode: u8,
    /// Bits 11-12: measurement-mode enable (MM).
    #[bits(2)]
    measurement_mode: u8,
    /// Bit 13: multipath mode (D).
    multipath_mode: bool,
    /// Bit 14: timing facility (T).
    timing_facility: bool,
    /// Bit 15: device number valid (V).
    device_number_valid: bool,
    /// Bits 16-31: device number.
    #[bits(16)]
    device_number: u16,
}

const _: () = {
    assert!(Word1::ISC_OFFSET == pop_offset(2, 3));
    assert!(Word1::ENABLED_OFFSET == pop_offset(8, 1));
    assert!(Word1::LIMIT_MODE_OFFSET == pop_offset(9, 2));
    assert!(Word1::MEASUREMENT_MODE_OFFSET == pop_offset(11, 2));
    assert!(Word1::MULTIPATH_MODE_OFFSET == pop_offset(13, 1));
    assert!(Word1::TIMING_FACILITY_OFFSET == pop_offset(14, 1));
    assert!(Word1::DEVICE_NUMBER_VALID_OFFSET == pop_offset(15, 1));
    assert!(Word1::DEVICE_NUMBER_OFFSET == pop_offset(16, 16));
};

/// Word 6 of the PMCW, MSB first.
#[bitfield(u32, order = Msb)]
struct Word6 {
    /// Bits 0-7: reserved.
    #[bits(8)]
    __: u8,
    /// Bits 8-10: subchannel type (ST).
    #[bits(3)]
    subchannel_type: u8,
    /// Bits 11-28: reserved.
    #[bits(18)]
    __: u32,
    /// Bit 29: measurement-block-format control (F).
    measurement_block_format: bool,
    /// Bit 30: extended-measurement-word-mode enable (X).
    extended_measurement_word_mode: bool,
    /// Bit 31: concurrent-sense facility (S).
    concurrent_sense: bool,
}

const _: () = {
    assert!(Word6::SUBCHANNEL_TYPE_OFFSET == pop_offset(8, 3));
    assert!(Word6::MEASUREMENT_BLOCK_FORMAT_OFFSET == pop_offset(29, 1));
    assert!(Word6::EXTENDED_MEASUREMENT_WORD_MODE_OFFSET == pop_offset(30, 1));
    assert!(Word6::CONCURRENT_SENSE_OFFSET == pop_offset(31, 1));
};

/// An interruption subclass (0-7): which bit of control register 6 masks
/// the subchannel's I/O interruptions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Isc(u8);

impl Isc {
    /// The highest interruption subclass.
    pub const MAX: u8 = 7;

    /// Interruption subclass `value`, or `None` above 7.
    pub const fn new(value: u8) -> Option<Self> {
        if value > Self::MAX {
            None
        } else {
            Some(Self(value))
        }
    }

    /// The subclass number.
    pub const fn value(self) -> u8 {
        self.0
    }

    /// The bit of control register 6 that enables this subclass (bits
    /// 32-39 of the register are the masks of subclasses 0-7; PoP, chapter
    /// 16 "I/O Interruptions", "Interruption-Subclass Mask").
    pub const fn cr6_mask(self) -> u64 {
        0x8000_0000 >> self.0
    }
}

/// The limit mode of the PMCW (bits 9-10): address-limit checking of data
/// addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum LimitMode {
    /// 00: no limit checking.
    None,
    /// 01: data addresses must be at or above the address limit.
    Lower,
    /// 10: data addresses must be below the address limit.
    Upper,
    /// 11: reserved.
    Reserved,
}

impl LimitMode {
    const fn from_bits(bits: u8) -> Self {
        match bits & 0x3 {
            0 => Self::None,
            1 => Self::Lower,
            2 => Self::Upper,
            _ => Self::Reserved,
        }
    }

    const fn bits(self) -> u8 {
        match self {
            Self::None => 0,
            Self::Lower => 1,
            Self::Upper => 2,
            Self::Reserved => 3,
        }
    }
}

flag_set! {
    /// The measurement-mode enable field of the PMCW (bits 11-12).
    pub struct MeasurementMode: u8 {
        /// Bit 11: measurement-block-update mode.
        const BLOCK_UPDATE = 0b10, block_update;
        /// Bit 12: device-connect-time-measurement mode.
        const DEVICE_CONNECT_TIME = 0b01, device_connect_time;
    }
}

/// The subchannel type of the PMCW (word 6, bits 8-10).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum SubchannelType {
    /// 0: I/O subchannel.
    Io,
    /// 1: CHSC subchannel.
    Chsc,
    /// 2: message subchannel.
    Message,
    /// 3: ADM (EADM) subchannel.
    Adm,
    /// Any other value.
    Unknown(u8),
}

impl SubchannelType {
    const fn from_bits(bits: u8) -> Self {
        match bits {
            0 => Self::Io,
            1 => Self::Chsc,
            2 => Self::Message,
            3 => Self::Adm,
            other => Self::Unknown(other),
        }
    }

    const fn bits(self) -> u8 {
        match self {
            Self::Io => 0,
            Self::Chsc => 1,
            Self::Message => 2,
            Self::Adm => 3,
            Self::Unknown(other) => other & 0x7,
        }
    }
}

/// Path-management-control word: 28 bytes, word-aligned (PoP, chapter 15
/// "Basic I/O Functions", Figure "Path-Management-Control Word"). Stored
/// big-endian.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[repr(C, align(4))]
pub struct Pmcw {
    bytes: [u8; 28],
}

const _: () = assert!(size_of::<Pmcw>() == 28);
const _: () = assert!(align_of::<Pmcw>() == 4);

/// Byte offsets of the PMCW's fields.
const INTPARM: usize = 0;
const WORD1: usize = 4;
const LPM: usize = 8;
const PNOM: usize = 9;
const LPUM: usize = 10;
const PIM: usize = 11;
const MBI: usize = 12;
const POM: usize = 14;
const PAM: usize = 15;
const CHPIDS: usize = 16;
const WORD6: usize = 24;

impl Pmcw {
    /// A PMCW with every field zero.
    pub const fn new() -> Self {
        Self { bytes: [0; 28] }
    }

    /// The PMCW whose big-endian image is `bytes`.
    pub const fn from_byte_array(bytes: [u8; 28]) -> Self {
        Self { bytes }
    }

    /// The big-endian image of the PMCW.
    pub const fn as_bytes(&self) -> &[u8; 28] {
        &self.bytes
    }

    const fn word1(&self) -> Word1 {
        Word1::from_bits(read_be32(&self.bytes, WORD1))
    }

    const fn set_word1(&mut self, word: Word1) {
        write_be32(&mut self.bytes, WORD1, word.into_bits());
    }

    const fn word6(&self) -> Word6 {
        Word6::from_bits(read_be32(&self.bytes, WORD6))
    }

    const fn set_word6(&mut self, word: Word6) {
        write_be32(&mut self.bytes, WORD6, word.into_bits());
    }

    /// Interruption parameter (word 0), stored by TSCH and TPI.
    pub const fn interruption_parameter(&self) -> u32 {
        read_be32(&self.bytes, INTPARM)
    }

    /// Sets the interruption parameter.
    pub const fn set_interruption_parameter(&mut self, value: u32) {
        write_be32(&mut self.bytes, INTPARM, value);
    }

    /// Interruption subclass (ISC).
    pub const fn isc(&self) -> Isc {
        Isc(self.word1().isc())
    }

    /// Sets the interruption subclass.
    pub const fn set_isc(&mut self, isc: Isc) {
        self.set_word1(self.word1().with_isc(isc.value()));
    }

    /// Enabled (E): the subchannel is enabled for all I/O functions.
    pub const fn is_enabled(&self) -> bool {
        self.word1().enabled()
    }

    /// Sets enabled (E).
    pub const fn set_enabled(&mut self, value: bool) {
        self.set_word1(self.word1().with_enabled(value));
    }

    /// Limit mode (LM).
    pub const fn limit_mode(&self) -> LimitMode {
        LimitMode::from_bits(self.word1().limit_mode())
    }

    /// Sets the limit mode.
    pub const fn set_limit_mode(&mut self, mode: LimitMode) {
        self.set_word1(self.word1().with_limit_mode(mode.bits()));
    }

    /// Measurement-mode enable (MM).
    pub const fn measurement_mode(&self) -> MeasurementMode {
        MeasurementMode::from_bits(self.word1().measurement_mode())
    }

    /// Sets the measurement mode.
    pub const fn set_measurement_mode(&mut self, mode: MeasurementMode) {
        self.set_word1(self.word1().with_measurement_mode(mode.bits()));
    }

    /// Multipath mode (D).
    pub const fn multipath_mode(&self) -> bool {
        self.word1().multipath_mode()
    }

    /// Sets multipath mode (D).
    pub const fn set_multipath_mode(&mut self, value: bool) {
        self.set_word1(self.word1().with_multipath_mode(value));
    }

    /// Timing facility (T): the subchannel supports the timing facility.
    pub const fn timing_facility(&self) -> bool {
        self.word1().timing_facility()
    }

    /// Sets the timing-facility bit (T), as the channel subsystem does.
    pub const fn set_timing_facility(&mut self, value: bool) {
        self.set_word1(self.word1().with_timing_facility(value));
    }

    /// Device number valid (V): a device is attached and the device number
    /// is meaningful.
    pub const fn is_device_number_valid(&self) -> bool {
        self.word1().device_number_valid()
    }

    /// Sets device number valid (V), as the channel subsystem does.
    pub const fn set_device_number_valid(&mut self, value: bool) {
        self.set_word1(self.word1().with_device_number_valid(value));
    }

    /// Device number.
    pub const fn device_number(&self) -> u16 {
        self.word1().device_number()
    }

    /// Sets the device number, as the channel subsystem does.
    pub const fn set_device_number(&mut self, number: u16) {
        self.set_word1(self.word1().with_device_number(number));
    }

    /// Logical-path mask (LPM).
    pub const fn lpm(&self) -> u8 {
        self.bytes[LPM]
    }

    /// Sets the logical-path mask.
    pub const fn set_lpm(&mut self, mask: u8) {
        self.bytes[LPM] = mask;
    }

    /// Path-not-operational mask (PNOM).
    pub const fn pnom(&self) -> u8 {
        self.bytes[PNOM]
    }

    /// Sets the path-not-operational mask.
    pub const fn set_pnom(&mut self, mask: u8) {
        self.bytes[PNOM] = mask;
    }

    /// Last-path-used mask (LPUM).
    pub const fn lpum(&self) -> u8 {
        self.bytes[LPUM]
    }

    /// Sets the last-path-used mask.
    pub const fn set_lpum(&mut self, mask: u8) {
        self.bytes[LPUM] = mask;
    }

    /// Path-installed mask (PIM).
    pub const fn pim(&self) -> u8 {
        self.bytes[PIM]
    }

    /// Sets the path-installed mask.
    pub const fn set_pim(&mut self, mask: u8) {
        self.bytes[PIM] = mask;
    }

    /// Measurement-block index (MBI).
    pub const fn mbi(&self) -> u16 {
        u16::from_be_bytes([self.bytes[MBI], self.bytes[MBI + 1]])
    }

    /// Sets the measurement-block index.
    pub const fn set_mbi(&mut self, index: u16) {
        let b = index.to_be_bytes();
        self.bytes[MBI] = b[0];
        self.bytes[MBI + 1] = b[1];
    }

    /// Path-operational mask (POM).
    pub const fn pom(&self) -> u8 {
        self.bytes[POM]
    }

    /// Sets the path-operational mask.
    pub const fn set_pom(&mut self, mask: u8) {
        self.bytes[POM] = mask;
    }

    /// Path-available mask (PAM).
    pub const fn pam(&self) -> u8 {
        self.bytes[PAM]
    }

    /// Sets the path-available mask.
    pub const fn set_pam(&mut self, mask: u8) {
        self.bytes[PAM] = mask;
    }

    /// The channel-path identifiers of paths 0-7.
    pub const fn chpids(&self) -> [u8; 8] {
        let b = &self.bytes;
        [
            b[CHPIDS],
            b[CHPIDS + 1],
            b[CHPIDS + 2],
            b[CHPIDS + 3],
            b[CHPIDS + 4],
            b[CHPIDS + 5],
            b[CHPIDS + 6],
            b[CHPIDS + 7],
        ]
    }

    /// Sets the channel-path identifiers.
    pub const fn set_chpids(&mut self, chpids: [u8; 8]) {
        let mut i = 0;
        while i < 8 {
            self.bytes[CHPIDS + i] = chpids[i];
            i += 1;
        }
    }

    /// Subchannel type (ST).
    pub const fn subchannel_type(&self) -> SubchannelType {
        SubchannelType::from_bits(self.word6().subchannel_type())
    }

    /// Sets the subchannel type, as the channel subsystem does.
    pub const fn set_subchannel_type(&mut self, kind: SubchannelType) {
        self.set_word6(self.word6().with_subchannel_type(kind.bits()));
    }

    /// Measurement-block-format control (F).
    pub const fn measurement_block_format(&self) -> bool {
        self.word6().measurement_block_format()
    }

    /// Sets measurement-block-format control (F).
    pub const fn set_measurement_block_format(&mut self, value: bool) {
        self.set_word6(self.word6().with_measurement_block_format(value));
    }

    /// Extended-measurement-word-mode enable (X).
    pub const fn extended_measurement_word_mode(&self) -> bool {
        self.word6().extended_measurement_word_mode()
    }

    /// Sets extended-measurement-word-mode enable (X).
    pub const fn set_extended_measurement_word_mode(&mut self, value: bool) {
        self.set_word6(self.word6().with_extended_measurement_word_mode(value));
    }

    /// Concurrent sense (S): sense data is stored in the IRB's ECW with a
    /// unit check.
    pub const fn concurrent_sense(&self) -> bool {
        self.word6().concurrent_sense()
    }

    /// Sets concurrent sense (S).
    pub const fn set_concurrent_sense(&mut self, value: bool) {
        self.set_word6(self.word6().with_concurrent_sense(value));
    }
}

impl fmt::Debug for Pmcw {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pmcw")
            .field(
                "interruption_parameter",
                &format_args!("{:#x}", self.interruption_parameter()),
            )
            .field("isc", &self.isc().value())
            .field("enabled", &self.is_enabled())
            .field("device_number_valid", &self.is_device_number_valid())
            .field(
                "device_number",
                &format_args!("{:04x}", self.device_number()),
            )
            .field("lpm", &format_args!("{:#04x}", self.lpm()))
            .field("pim", &format_args!("{:#04x}", self.pim()))
            .field("pam", &format_args!("{:#04x}", self.pam()))
            .field("pom", &format_args!("{:#04x}", self.pom()))
            .field("chpids", &self.chpids())
            .field("subchannel_type", &self.subchannel_type())
            .finish_non_exhaustive()
    }
}

/// Subchannel-information block: 52 bytes, word-aligned (PoP, chapter 15
/// "Basic I/O Functions", Figure "Subchannel-Information Block"): PMCW,
/// SCSW and 12 model-dependent bytes.
///
/// Every part is stored as its big-endian bytes, so any bit pattern is a
/// valid `Schib`: STORE SUBCHANNEL may write straight into one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[repr(C, align(4))]
pub struct Schib {
    /// The path-management-control word (bytes 0-27).
    pub pmcw: Pmcw,
    /// The subchannel-status word (bytes 28-39).
    pub scsw: Scsw,
    /// The model-dependent area (bytes 40-51).
    pub model_dependent: [u8; 12],
}

const _: () = assert!(size_of::<Schib>() == 52);
const _: () = assert!(align_of::<Schib>() == 4);
const _: () = assert!(core::mem::offset_of!(Schib, scsw) == 28);
const _: () = assert!(core::mem::offset_of!(Schib, model_dependent) == 40);

impl Schib {
    /// The size of a SCHIB in bytes.
    pub const SIZE: usize = 52;

    /// A SCHIB with every field zero.
    pub const fn new() -> Self {
        Self {
            pmcw: Pmcw::new(),
            scsw: Scsw::new(),
            model_dependent: [0; 12],
        }
    }

    /// Decodes the first 52 bytes of `bytes`.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        take_array::<52>(bytes).map(|image| Self::from_byte_array(&image))
    }

    /// The SCHIB whose big-endian image is `bytes`.
    pub fn from_byte_array(bytes: &[u8; 52]) -> Self {
        let (pmcw, rest) = bytes.split_at(28);
        let (scsw, model_dependent) = rest.split_at(12);
        let mut schib = Self::default();
        let mut pmcw_bytes = [0u8; 28];
        pmcw_bytes.copy_from_slice(pmcw);
        schib.pmcw = Pmcw::from_byte_array(pmcw_bytes);
        let mut scsw_bytes = [0u8; 12];
        scsw_bytes.copy_from_slice(scsw);
        schib.scsw = Scsw::from_byte_array(scsw_bytes);
        schib.model_dependent.copy_from_slice(model_dependent);
        schib
    }

    /// The big-endian image of the SCHIB.
    pub fn to_bytes(&self) -> [u8; 52] {
        let mut out = [0u8; 52];
        let (pmcw, rest) = out.split_at_mut(28);
        let (scsw, model_dependent) = rest.split_at_mut(12);
        pmcw.copy_from_slice(self.pmcw.as_bytes());
        scsw.copy_from_slice(self.scsw.as_bytes());
        model_dependent.copy_from_slice(&self.model_dependent);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// STSCH of a QEMU virtio-ccw device 0.0.0000 after enabling it.
    fn qemu_like_schib() -> [u8; 52] {
        let mut b = [0u8; 52];
        b[0..4].copy_from_slice(&0x1234_5678u32.to_be_bytes()); // intparm
        b[4] = 0x18; // ISC 3
        b[5] = 0x80 | 0x01; // E, V
        b[6..8].copy_from_slice(&0x0000u16.to_be_bytes());
        b[8] = 0x80; // LPM
        b[11] = 0x80; // PIM
        b[14] = 0xFF; // POM
        b[15] = 0x80; // PAM
        b[16] = 0x00; // CHPID 0
        b[27] = 0x01; // concurrent sense
        b
    }

    #[test]
    fn decodes_a_stsch_image() {
        let schib = Schib::from_bytes(&qemu_like_schib()).unwrap();
        let p = &schib.pmcw;
        assert_eq!(p.interruption_parameter(), 0x1234_5678);
        assert_eq!(p.isc(), Isc::new(3).unwrap());
        assert!(p.is_enabled());
        assert!(p.is_device_number_valid());
        assert_eq!(p.device_number(), 0);
        assert_eq!(p.lpm(), 0x80);
        assert_eq!(p.pim(), 0x80);
        assert_eq!(p.pom(), 0xFF);
        assert_eq!(p.pam(), 0x80);
        assert_eq!(p.limit_mode(), LimitMode::None);
        assert!(p.measurement_mode().is_empty());
        assert!(!p.multipath_mode() && !p.timing_facility());
        assert_eq!(p.subchannel_type(), SubchannelType::Io);
        assert!(p.concurrent_sense());
        assert_eq!(schib.to_bytes(), qemu_like_schib());
    }

    #[test]
    fn enabling_sets_byte_5_bit_0() {
        // Hercules: set PMCW E (byte 5 of the SCHIB, 0x80) then MSCH.
        let mut schib = Schib::default();
        schib.pmcw.set_enabled(true);
        assert_eq!(schib.to_bytes()[5], 0x80);
    }

    #[test]
    fn word1_fields_on_pop_bits() {
        let mut p = Pmcw::default();
        p.set_isc(Isc::new(7).unwrap());
        assert_eq!(read_be32(p.as_bytes(), WORD1), 0x3800_0000);
        let mut p = Pmcw::default();
        p.set_limit_mode(LimitMode::Upper);
        assert_eq!(read_be32(p.as_bytes(), WORD1), 0x0040_0000);
        let mut p = Pmcw::default();
        p.set_measurement_mode(MeasurementMode::BLOCK_UPDATE);
        assert_eq!(read_be32(p.as_bytes(), WORD1), 0x0010_0000);
        let mut p = Pmcw::default();
        p.set_multipath_mode(true);
        p.set_timing_facility(true);
        p.set_device_number_valid(true);
        p.set_device_number(0xABCD);
        assert_eq!(read_be32(p.as_bytes(), WORD1), 0x0007_ABCD);
    }

    #[test]
    fn word6_fields_on_pop_bits() {
        let mut p = Pmcw::default();
        p.set_subchannel_type(SubchannelType::Message);
        assert_eq!(read_be32(p.as_bytes(), WORD6), 0x0040_0000);
        p.set_measurement_block_format(true);
        p.set_extended_measurement_word_mode(true);
        p.set_concurrent_sense(true);
        assert_eq!(read_be32(p.as_bytes(), WORD6), 0x0040_0007);
        assert!(p.measurement_block_format() && p.extended_measurement_word_mode());
        p.set_subchannel_type(SubchannelType::Unknown(5));
        assert_eq!(p.subchannel_type(), SubchannelType::Unknown(5));
    }

    #[test]
    fn setters_round_trip() {
        let mut p = Pmcw::default();
        p.set_interruption_parameter(0xCAFE_F00D);
        p.set_isc(Isc::new(5).unwrap());
        p.set_enabled(true);
        p.set_lpm(0xC0);
        p.set_pnom(0x01);
        p.set_lpum(0x40);
        p.set_pim(0xF0);
        p.set_mbi(0x1234);
        p.set_pom(0xE0);
        p.set_pam(0xD0);
        p.set_chpids([1, 2, 3, 4, 5, 6, 7, 8]);
        let mut schib = Schib {
            pmcw: p,
            ..Schib::default()
        };
        schib.model_dependent[11] = 9;
        let back = Schib::from_bytes(&schib.to_bytes()).unwrap();
        assert_eq!(back, schib);
        let q = back.pmcw;
        assert_eq!(q.interruption_parameter(), 0xCAFE_F00D);
        assert_eq!(q.isc().value(), 5);
        assert!(q.is_enabled());
        assert_eq!(
            (q.lpm(), q.pnom(), q.lpum(), q.pim()),
            (0xC0, 0x01, 0x40, 0xF0)
        );
        assert_eq!((q.mbi(), q.pom(), q.pam()), (0x1234, 0xE0, 0xD0));
        assert_eq!(q.chpids(), [1, 2, 3, 4, 5, 6, 7, 8]);
        assert_eq!(back.model_dependent[11], 9);
    }

    #[test]
    fn isc_is_checked() {
        assert_eq!(Isc::new(8), None);
        assert_eq!(Isc::new(0).unwrap().value(), 0);
        assert_eq!(Isc::new(0).unwrap().cr6_mask(), 0x8000_0000);
        assert_eq!(Isc::new(3).unwrap().cr6_mask(), 0x1000_0000);
        assert_eq!(Isc::new(7).unwrap().cr6_mask(), 0x0100_0000);
        assert_eq!(Schib::new(), Schib::default());
    }

    #[test]
    fn from_bytes_is_total() {
        for len in 0..52 {
            assert_eq!(
                Schib::from_bytes(&[0xFF; 60][..len]),
                Err(DecodeError::TooShort {
                    needed: 52,
                    got: len
                })
            );
        }
        let schib = Schib::from_bytes(&[0xFF; 60]).unwrap();
        assert_eq!(schib.pmcw.isc().value(), 7);
        assert_eq!(schib.pmcw.limit_mode(), LimitMode::Reserved);
        assert_eq!(schib.pmcw.subchannel_type(), SubchannelType::Unknown(7));
    }
}
