//! The operation-request block (ORB) that START SUBCHANNEL takes.

use core::fmt;

use bitfield_struct::bitfield;

use super::{pop_offset, read_be32, write_be32};

/// Word 1 of the ORB, MSB first as PoP, chapter 15 "Basic I/O Functions",
/// Figure 15-2 "Operation-Request Block" (command mode) draws it.
#[bitfield(u32, order = Msb)]
struct Word1 {
    /// Bits 0-3: subchannel key.
    #[bits(4)]
    key: u8,
    /// Bit 4: suspend control (S).
    suspend_control: bool,
    /// Bit 5: streaming-mode control (C).
    streaming_mode: bool,
    /// Bit 6: modification control (M).
    modification_control: bool,
    /// Bit 7: synchronization control (Y).
    synchronization_control: bool,
    /// Bit 8: format control (F), format-1 CCWs.
    format1: bool,
    /// Bit 9: prefetch control (P).
    prefetch: bool,
    /// Bit 10: initial-status-interruption control (I).
    initial_status_interruption: bool,
    /// Bit 11: address-limit-checking control (A).
    address_limit_checking: bool,
    /// Bit 12: suppress-suspended-interruption control (U).
    suppress_suspended_interruption: bool,
    /// Bit 13: channel-program-type control (B), transport mode.
    transport_mode: bool,
    /// Bit 14: format-2-IDAW control (H).
    format2_idaws: bool,
    /// Bit 15: 2K-IDAW control (T).
    idaws_2k: bool,
    /// Bits 16-23: logical-path mask (LPM).
    #[bits(8)]
    lpm: u8,
    /// Bit 24: incorrect-length-suppression mode (L).
    incorrect_length_suppression: bool,
    /// Bit 25: modified-CCW-indirect-data-addressing control (D).
    mida: bool,
    /// Bits 26-30: zero.
    #[bits(5)]
    __: u8,
    /// Bit 31: ORB-extension control (X).
    orb_extension: bool,
}

const _: () = {
    assert!(Word1::KEY_OFFSET == pop_offset(0, 4));
    assert!(Word1::SUSPEND_CONTROL_OFFSET == pop_offset(4, 1));
    assert!(Word1::STREAMING_MODE_OFFSET == pop_offset(5, 1));
    assert!(Word1::MODIFICATION_CONTROL_OFFSET == pop_offset(6, 1));
    assert!(Word1::SYNCHRONIZATION_CONTROL_OFFSET == pop_offset(7, 1));
    assert!(Word1::FORMAT1_OFFSET == pop_offset(8, 1));
    assert!(Word1::PREFETCH_OFFSET == pop_offset(9, 1));
    assert!(Word1::INITIAL_STATUS_INTERRUPTION_OFFSET == pop_offset(10, 1));
    assert!(Word1::ADDRESS_LIMIT_CHECKING_OFFSET == pop_offset(11, 1));
    assert!(Word1::SUPPRESS_SUSPENDED_INTERRUPTION_OFFSET == pop_offset(12, 1));
    assert!(Word1::TRANSPORT_MODE_OFFSET == pop_offset(13, 1));
    assert!(Word1::FORMAT2_IDAWS_OFFSET == pop_offset(14, 1));
    assert!(Word1::IDAWS_2K_OFFSET == pop_offset(15, 1));
    assert!(Word1::LPM_OFFSET == pop_offset(16, 8));
    assert!(Word1::INCORRECT_LENGTH_SUPPRESSION_OFFSET == pop_offset(24, 1));
    assert!(Word1::MIDA_OFFSET == pop_offset(25, 1));
    assert!(Word1::ORB_EXTENSION_OFFSET == pop_offset(31, 1));
};

/// Byte offsets of the ORB's fields.
const INTERRUPTION_PARAMETER: usize = 0;
const WORD1: usize = 4;
const CHANNEL_PROGRAM_ADDRESS: usize = 8;
const CSS_PRIORITY: usize = 12;
const CU_PRIORITY: usize = 14;

/// Operation-request block: 32 bytes, word-aligned (PoP, chapter 15 "Basic
/// I/O Functions", Figure 15-2 "Operation-Request Block").
///
/// Word 0 is the interruption parameter, word 1 the controls, word 2 the
/// channel-program address; word 3 holds the channel-subsystem and
/// control-unit priorities of the ORB extension (used when the X bit is
/// one), words 4-7 are reserved and zero. Stored big-endian whatever the
/// host.
///
/// Built in builder style:
///
/// ```
/// use s390_cio::structures::Orb;
/// let orb = Orb::new(0x1000).with_interruption_parameter(0xC0FFEE).with_lpm(0x80);
/// assert!(orb.is_format1());
/// assert_eq!(orb.lpm(), 0x80);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[repr(C, align(4))]
pub struct Orb {
    bytes: [u8; 32],
}

const _: () = assert!(size_of::<Orb>() == 32);
const _: () = assert!(align_of::<Orb>() == 4);

impl Orb {
    /// The size of an ORB in bytes.
    pub const SIZE: usize = 32;

    /// An ORB for the command-mode channel program at
    /// `channel_program_address`: format-1 CCWs, all eight paths allowed
    /// (LPM 0xFF), key 0, every other control zero.
    pub const fn new(channel_program_address: u32) -> Self {
        let word1 = Word1::new().with_format1(true).with_lpm(0xFF);
        let mut bytes = [0; 32];
        write_be32(&mut bytes, WORD1, word1.into_bits());
        write_be32(&mut bytes, CHANNEL_PROGRAM_ADDRESS, channel_program_address);
        Self { bytes }
    }

    /// The ORB whose big-endian image is `bytes`.
    pub const fn from_byte_array(bytes: [u8; 32]) -> Self {
        Self { bytes }
    }

    /// The big-endian image of the ORB.
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.bytes
    }

    const fn word1(&self) -> Word1 {
        Word1::from_bits(read_be32(&self.bytes, WORD1))
    }

    const fn with_word1(mut self, word: Word1) -> Self {
        write_be32(&mut self.bytes, WORD1, word.into_bits());
        self
    }

    /// With the interruption parameter (word 0), returned unchanged in the
    /// I/O-interruption code.
    pub const fn with_interruption_parameter(mut self, value: u32) -> Self {
        write_be32(&mut self.bytes, INTERRUPTION_PARAMETER, value);
        self
    }

    /// With the subchannel key (low 4 bits of `key`).
    pub const fn with_key(self, key: u8) -> Self {
        self.with_word1(self.word1().with_key(key & 0xF))
    }

    /// With suspend control (S): CCWs with the S flag suspend the program.
    pub const fn with_suspend_control(self, value: bool) -> Self {
        self.with_word1(self.word1().with_suspend_control(value))
    }

    /// With streaming-mode control (C).
    pub const fn with_streaming_mode(self, value: bool) -> Self {
        self.with_word1(self.word1().with_streaming_mode(value))
    }

    /// With modification control (M).
    pub const fn with_modification_control(self, value: bool) -> Self {
        self.with_word1(self.word1().with_modification_control(value))
    }

    /// With synchronization control (Y).
    pub const fn with_synchronization_control(self, value: bool) -> Self {
        self.with_word1(self.word1().with_synchronization_control(value))
    }

    /// With format control (F): `true` for format-1 CCWs, `false` for
    /// format-0 CCWs.
    pub const fn with_format1(self, value: bool) -> Self {
        self.with_word1(self.word1().with_format1(value))
    }

    /// With prefetch control (P).
    pub const fn with_prefetch(self, value: bool) -> Self {
        self.with_word1(self.word1().with_prefetch(value))
    }

    /// With initial-status-interruption control (I).
    pub const fn with_initial_status_interruption(self, value: bool) -> Self {
        self.with_word1(self.word1().with_initial_status_interruption(value))
    }

    /// With address-limit-checking control (A).
    pub const fn with_address_limit_checking(self, value: bool) -> Self {
        self.with_word1(self.word1().with_address_limit_checking(value))
    }

    /// With suppress-suspended-interruption control (U).
    pub const fn with_suppress_suspended_interruption(self, value: bool) -> Self {
        self.with_word1(self.word1().with_suppress_suspended_interruption(value))
    }

    /// With channel-program-type control (B): `true` for a transport-mode
    /// channel program (the address is then a TCW address).
    pub const fn with_transport_mode(self, value: bool) -> Self {
        self.with_word1(self.word1().with_transport_mode(value))
    }

    /// With format-2-IDAW control (H): IDAWs are 64-bit format-2 IDAWs.
    pub const fn with_format2_idaws(self, value: bool) -> Self {
        self.with_word1(self.word1().with_format2_idaws(value))
    }

    /// With 2K-IDAW control (T): format-2 IDAWs address 2K blocks instead
    /// of 4K blocks.
    pub const fn with_2k_idaws(self, value: bool) -> Self {
        self.with_word1(self.word1().with_idaws_2k(value))
    }

    /// With the logical-path mask.
    pub const fn with_lpm(self, lpm: u8) -> Self {
        self.with_word1(self.word1().with_lpm(lpm))
    }

    /// With incorrect-length-suppression mode (L).
    pub const fn with_incorrect_length_suppression(self, value: bool) -> Self {
        self.with_word1(self.word1().with_incorrect_length_suppression(value))
    }

    /// With modified-CCW-indirect-data-addressing control (D): CCWs may use
    /// MIDAWs.
    pub const fn with_mida(self, value: bool) -> Self {
        self.with_word1(self.word1().with_mida(value))
    }

    /// With ORB-extension control (X): word 3 holds the priorities.
    pub const fn with_orb_extension(self, value: bool) -> Self {
        self.with_word1(self.word1().with_orb_extension(value))
    }

    /// With the channel-program address (word 2).
    pub const fn with_channel_program_address(mut self, address: u32) -> Self {
        write_be32(&mut self.bytes, CHANNEL_PROGRAM_ADDRESS, address);
        self
    }

    /// With the channel-subsystem priority (word 3, bits 0-7); takes effect
    /// with the ORB extension.
    pub const fn with_channel_subsystem_priority(mut self, priority: u8) -> Self {
        self.bytes[CSS_PRIORITY] = priority;
        self
    }

    /// With the control-unit priority (word 3, bits 16-23); takes effect
    /// with the ORB extension.
    pub const fn with_control_unit_priority(mut self, priority: u8) -> Self {
        self.bytes[CU_PRIORITY] = priority;
        self
    }

    /// The interruption parameter.
    pub const fn interruption_parameter(&self) -> u32 {
        read_be32(&self.bytes, INTERRUPTION_PARAMETER)
    }

    /// The subchannel key.
    pub const fn key(&self) -> u8 {
        self.word1().key()
    }

    /// Suspend control (S).
    pub const fn suspend_control(&self) -> bool {
        self.word1().suspend_control()
    }

    /// Streaming-mode control (C).
    pub const fn streaming_mode(&self) -> bool {
        self.word1().streaming_mode()
    }

    /// Modification control (M).
    pub const fn modification_control(&self) -> bool {
        self.word1().modification_control()
    }

    /// Synchronization control (Y).
    pub const fn synchronization_control(&self) -> bool {
        self.word1().synchronization_control()
    }

    /// Format control (F): format-1 CCWs.
    pub const fn is_format1(&self) -> bool {
        self.word1().format1()
    }

    /// Prefetch control (P).
    pub const fn prefetch(&self) -> bool {
        self.word1().prefetch()
    }

    /// Initial-status-interruption control (I).
    pub const fn initial_status_interruption(&self) -> bool {
        self.word1().initial_status_interruption()
    }

    /// Address-limit-checking control (A).
    pub const fn address_limit_checking(&self) -> bool {
        self.word1().address_limit_checking()
    }

    /// Suppress-suspended-interruption control (U).
    pub const fn suppress_suspended_interruption(&self) -> bool {
        self.word1().suppress_suspended_interruption()
    }

    /// Channel-program-type control (B): transport mode.
    pub const fn is_transport_mode(&self) -> bool {
        self.word1().transport_mode()
    }

    /// Format-2-IDAW control (H).
    pub const fn format2_idaws(&self) -> bool {
        self.word1().format2_idaws()
    }

    /// 2K-IDAW control (T).
    pub const fn idaws_2k(&self) -> bool {
        self.word1().idaws_2k()
    }

    /// The logical-path mask.
    pub const fn lpm(&self) -> u8 {
        self.word1().lpm()
    }

    /// Incorrect-length-suppression mode (L).
    pub const fn incorrect_length_suppression(&self) -> bool {
        self.word1().incorrect_length_suppression()
    }

    /// Modified-CCW-indirect-data-addressing control (D).
    pub const fn mida(&self) -> bool {
        self.word1().mida()
    }

    /// ORB-extension control (X).
    pub const fn orb_extension(&self) -> bool {
        self.word1().orb_extension()
    }

    /// The channel-program address.
    pub const fn channel_program_address(&self) -> u32 {
        read_be32(&self.bytes, CHANNEL_PROGRAM_ADDRESS)
    }

    /// The channel-subsystem priority (ORB extension).
    pub const fn channel_subsystem_priority(&self) -> u8 {
        self.bytes[CSS_PRIORITY]
    }

    /// The control-unit priority (ORB extension).
    pub const fn control_unit_priority(&self) -> u8 {
        self.bytes[CU_PRIORITY]
    }

    /// Whether the bits the PoP reserves (word 1 bits 26-30, the reserved
    /// bytes of word 3, words 4-7) are all zero, as START SUBCHANNEL
    /// requires.
    pub const fn reserved_bits_are_zero(&self) -> bool {
        let word1 = read_be32(&self.bytes, WORD1);
        if word1 & 0x0000_003E != 0 || self.bytes[13] != 0 || self.bytes[15] != 0 {
            return false;
        }
        let mut i = 16;
        while i < 32 {
            if self.bytes[i] != 0 {
                return false;
            }
            i += 1;
        }
        true
    }
}

impl fmt::Debug for Orb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Orb")
            .field(
                "interruption_parameter",
                &format_args!("{:#x}", self.interruption_parameter()),
            )
            .field(
                "controls",
                &format_args!("{:#010x}", self.word1().into_bits()),
            )
            .field(
                "channel_program_address",
                &format_args!("{:#x}", self.channel_program_address()),
            )
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_is_format1_all_paths() {
        let orb = Orb::new(0x0000_2000);
        assert_eq!(
            orb.as_bytes(),
            &[
                0, 0, 0, 0, // interruption parameter
                0x00, 0x80, 0xFF, 0x00, // F, LPM ff
                0x00, 0x00, 0x20, 0x00, // channel program
                0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            ]
        );
        assert!(orb.reserved_bits_are_zero());
    }

    #[test]
    fn each_control_lands_on_its_pop_bit() {
        // Masks as kvm-unit-tests and Linux name them for word 1.
        let base = Orb::new(0).with_format1(false).with_lpm(0);
        let cases: [(Orb, u32); 19] = [
            (base.with_key(0xF), 0xF000_0000),
            (base.with_suspend_control(true), 0x0800_0000),
            (base.with_streaming_mode(true), 0x0400_0000),
            (base.with_modification_control(true), 0x0200_0000),
            (base.with_synchronization_control(true), 0x0100_0000),
            (base.with_format1(true), 0x0080_0000),
            (base.with_prefetch(true), 0x0040_0000),
            (base.with_initial_status_interruption(true), 0x0020_0000),
            (base.with_address_limit_checking(true), 0x0010_0000),
            (base.with_suppress_suspended_interruption(true), 0x0008_0000),
            (base.with_transport_mode(true), 0x0004_0000),
            (base.with_format2_idaws(true), 0x0002_0000),
            (base.with_2k_idaws(true), 0x0001_0000),
            (base.with_lpm(0x80), 0x0000_8000),
            (base.with_lpm(0xFF), 0x0000_FF00),
            (base.with_incorrect_length_suppression(true), 0x0000_0080),
            (base.with_mida(true), 0x0000_0040),
            (base.with_orb_extension(true), 0x0000_0001),
            (base, 0),
        ];
        for (orb, word1) in cases {
            assert_eq!(read_be32(orb.as_bytes(), WORD1), word1, "{orb:?}");
        }
    }

    #[test]
    fn getters_read_back_the_builders() {
        let orb = Orb::new(0x1234_5678)
            .with_interruption_parameter(0xDEAD_BEEF)
            .with_key(9)
            .with_suspend_control(true)
            .with_prefetch(true)
            .with_initial_status_interruption(true)
            .with_format2_idaws(true)
            .with_2k_idaws(true)
            .with_lpm(0x40)
            .with_incorrect_length_suppression(true)
            .with_mida(true)
            .with_orb_extension(true)
            .with_channel_subsystem_priority(3)
            .with_control_unit_priority(7);
        assert_eq!(orb.interruption_parameter(), 0xDEAD_BEEF);
        assert_eq!(orb.key(), 9);
        assert!(orb.suspend_control() && orb.prefetch() && orb.initial_status_interruption());
        assert!(orb.format2_idaws() && orb.idaws_2k() && orb.mida() && orb.orb_extension());
        assert!(orb.incorrect_length_suppression() && orb.is_format1());
        assert!(!orb.streaming_mode() && !orb.modification_control());
        assert!(!orb.synchronization_control() && !orb.address_limit_checking());
        assert!(!orb.suppress_suspended_interruption() && !orb.is_transport_mode());
        assert_eq!(orb.lpm(), 0x40);
        assert_eq!(orb.channel_program_address(), 0x1234_5678);
        assert_eq!(orb.channel_subsystem_priority(), 3);
        assert_eq!(orb.control_unit_priority(), 7);
        assert_eq!(orb.as_bytes()[12..16], [3, 0, 7, 0]);
        assert!(orb.reserved_bits_are_zero());
        let copy = Orb::from_byte_array(*orb.as_bytes());
        assert_eq!(copy, orb);
        assert_eq!(
            orb.with_channel_program_address(8)
                .channel_program_address(),
            8
        );
    }

    #[test]
    fn reserved_bits_are_detected() {
        let mut bytes = *Orb::new(0).as_bytes();
        bytes[7] = 0x02;
        assert!(!Orb::from_byte_array(bytes).reserved_bits_are_zero());
        let mut bytes = *Orb::new(0).as_bytes();
        bytes[31] = 1;
        assert!(!Orb::from_byte_array(bytes).reserved_bits_are_zero());
    }
}
