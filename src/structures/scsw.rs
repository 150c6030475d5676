//! The subchannel-status word (SCSW).

use core::fmt;

use bitfield_struct::bitfield;

use super::{flag_set, pop_offset, read_be32, take_array, write_be32, DecodeError};

/// Word 0 of the command-mode SCSW, MSB first as PoP, chapter 16 "I/O
/// Interruptions", Figure "Subchannel-Status Word (command mode)" draws it.
#[bitfield(u32, order = Msb)]
struct Word0 {
    /// Bits 0-3: subchannel key.
    #[bits(4)]
    key: u8,
    /// Bit 4: suspend control (S).
    suspend_control: bool,
    /// Bit 5: ESW format (L).
    esw_format: bool,
    /// Bits 6-7: deferred condition code (CC).
    #[bits(2)]
    deferred_cc: u8,
    /// Bit 8: CCW format (F).
    format1: bool,
    /// Bit 9: prefetch (P).
    prefetch: bool,
    /// Bit 10: initial-status-interruption control (I).
    initial_status_interruption: bool,
    /// Bit 11: address-limit-checking control (A); in transport mode the
    /// IRB-format control (X).
    address_limit_checking: bool,
    /// Bit 12: suppress-suspended interruption (U); in transport mode
    /// interrogate complete (Q).
    suppress_suspended_interruption: bool,
    /// Bit 13: zero condition code (Z).
    zero_condition_code: bool,
    /// Bit 14: extended control (E).
    extended_control: bool,
    /// Bit 15: path not operational (N).
    path_not_operational: bool,
    /// Bit 16: reserved.
    #[bits(1)]
    __: u8,
    /// Bits 17-19: function control (FC).
    #[bits(3)]
    function_control: u8,
    /// Bits 20-26: activity control (AC).
    #[bits(7)]
    activity_control: u8,
    /// Bits 27-31: status control (SC).
    #[bits(5)]
    status_control: u8,
}

// The declarations above against the PoP bit numbers.
const _: () = {
    assert!(Word0::KEY_OFFSET == pop_offset(0, 4));
    assert!(Word0::SUSPEND_CONTROL_OFFSET == pop_offset(4, 1));
    assert!(Word0::ESW_FORMAT_OFFSET == pop_offset(5, 1));
    assert!(Word0::DEFERRED_CC_OFFSET == pop_offset(6, 2));
    assert!(Word0::FORMAT1_OFFSET == pop_offset(8, 1));
    assert!(Word0::PREFETCH_OFFSET == pop_offset(9, 1));
    assert!(Word0::INITIAL_STATUS_INTERRUPTION_OFFSET == pop_offset(10, 1));
    assert!(Word0::ADDRESS_LIMIT_CHECKING_OFFSET == pop_offset(11, 1));
    assert!(Word0::SUPPRESS_SUSPENDED_INTERRUPTION_OFFSET == pop_offset(12, 1));
    assert!(Word0::ZERO_CONDITION_CODE_OFFSET == pop_offset(13, 1));
    assert!(Word0::EXTENDED_CONTROL_OFFSET == pop_offset(14, 1));
    assert!(Word0::PATH_NOT_OPERATIONAL_OFFSET == pop_offset(15, 1));
    assert!(Word0::FUNCTION_CONTROL_OFFSET == pop_offset(17, 3));
    assert!(Word0::ACTIVITY_CONTROL_OFFSET == pop_offset(20, 7));
    assert!(Word0::STATUS_CONTROL_OFFSET == pop_offset(27, 5));
};

flag_set! {
    /// The function-control field of the SCSW (bits 17-19): which basic
    /// I/O functions are in progress or pending.
    pub struct FunctionControl: u8 {
        /// Bit 17: start function (SSCH, RSCH).
        const START = 0b100, start;
        /// Bit 18: halt function (HSCH).
        const HALT = 0b010, halt;
        /// Bit 19: clear function (CSCH).
        const CLEAR = 0b001, clear;
    }
}

flag_set! {
    /// The activity-control field of the SCSW (bits 20-26).
    pub struct ActivityControl: u8 {
        /// Bit 20: resume pending.
        const RESUME_PENDING = 0x40, resume_pending;
        /// Bit 21: start pending.
        const START_PENDING = 0x20, start_pending;
        /// Bit 22: halt pending.
        const HALT_PENDING = 0x10, halt_pending;
        /// Bit 23: clear pending.
        const CLEAR_PENDING = 0x08, clear_pending;
        /// Bit 24: subchannel active.
        const SUBCHANNEL_ACTIVE = 0x04, subchannel_active;
        /// Bit 25: device active.
        const DEVICE_ACTIVE = 0x02, device_active;
        /// Bit 26: suspended.
        const SUSPENDED = 0x01, suspended;
    }
}

flag_set! {
    /// The status-control field of the SCSW (bits 27-31): which kinds of
    /// status the SCSW holds.
    pub struct StatusControl: u8 {
        /// Bit 27: alert status.
        const ALERT = 0x10, alert;
        /// Bit 28: intermediate status.
        const INTERMEDIATE = 0x08, intermediate;
        /// Bit 29: primary status.
        const PRIMARY = 0x04, primary;
        /// Bit 30: secondary status.
        const SECONDARY = 0x02, secondary;
        /// Bit 31: status pending.
        const STATUS_PENDING = 0x01, status_pending;
    }
}

flag_set! {
    /// Device status (unit status): byte 0 of SCSW word 2, as the device
    /// reported it (PoP, chapter 16, "Device Status").
    pub struct DeviceStatus: u8 {
        /// Bit 0: attention.
        const ATTENTION = 0x80, attention;
        /// Bit 1: status modifier.
        const STATUS_MODIFIER = 0x40, status_modifier;
        /// Bit 2: control-unit end.
        const CONTROL_UNIT_END = 0x20, control_unit_end;
        /// Bit 3: busy.
        const BUSY = 0x10, busy;
        /// Bit 4: channel end.
        const CHANNEL_END = 0x08, channel_end;
        /// Bit 5: device end.
        const DEVICE_END = 0x04, device_end;
        /// Bit 6: unit check; sense data says why.
        const UNIT_CHECK = 0x02, unit_check;
        /// Bit 7: unit exception.
        const UNIT_EXCEPTION = 0x01, unit_exception;
    }
}

flag_set! {
    /// Subchannel status: byte 1 of SCSW word 2, as the channel subsystem
    /// reported it (PoP, chapter 16, "Subchannel Status").
    pub struct SubchannelStatus: u8 {
        /// Bit 8: program-controlled interruption.
        const PROGRAM_CONTROLLED_INTERRUPTION = 0x80, program_controlled_interruption;
        /// Bit 9: incorrect length.
        const INCORRECT_LENGTH = 0x40, incorrect_length;
        /// Bit 10: program check.
        const PROGRAM_CHECK = 0x20, program_check;
        /// Bit 11: protection check.
        const PROTECTION_CHECK = 0x10, protection_check;
        /// Bit 12: channel-data check.
        const CHANNEL_DATA_CHECK = 0x08, channel_data_check;
        /// Bit 13: channel-control check.
        const CHANNEL_CONTROL_CHECK = 0x04, channel_control_check;
        /// Bit 14: interface-control check.
        const INTERFACE_CONTROL_CHECK = 0x02, interface_control_check;
        /// Bit 15: chaining check.
        const CHAINING_CHECK = 0x01, chaining_check;
    }
}

/// Subchannel-status word: 12 bytes, word-aligned (PoP, chapter 16 "I/O
/// Interruptions", Figure "Subchannel-Status Word").
///
/// Word 0 holds the flags and the function, activity and status control;
/// word 1 the CCW address (command mode) or TCW address (transport mode);
/// word 2 the device status, the subchannel status and the residual count.
/// Stored big-endian whatever the host.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[repr(C, align(4))]
pub struct Scsw {
    bytes: [u8; 12],
}

const _: () = assert!(size_of::<Scsw>() == 12);
const _: () = assert!(align_of::<Scsw>() == 4);

impl Scsw {
    /// The size of an SCSW in bytes.
    pub const SIZE: usize = 12;

    /// An SCSW with every field zero.
    pub const fn new() -> Self {
        Self { bytes: [0; 12] }
    }

    /// The SCSW whose big-endian image is `bytes`.
    pub const fn from_byte_array(bytes: [u8; 12]) -> Self {
        Self { bytes }
    }

    /// Decodes the first 12 bytes of `bytes`.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        take_array(bytes).map(Self::from_byte_array)
    }

    /// The SCSW from its three words, as they read in the PoP.
    pub const fn from_words(words: [u32; 3]) -> Self {
        let mut bytes = [0; 12];
        write_be32(&mut bytes, 0, words[0]);
        write_be32(&mut bytes, 4, words[1]);
        write_be32(&mut bytes, 8, words[2]);
        Self { bytes }
    }

    /// The three words, as they read in the PoP.
    pub const fn words(&self) -> [u32; 3] {
        [
            read_be32(&self.bytes, 0),
            read_be32(&self.bytes, 4),
            read_be32(&self.bytes, 8),
        ]
    }

    /// The big-endian image of the SCSW.
    pub const fn as_bytes(&self) -> &[u8; 12] {
        &self.bytes
    }

    const fn word0(&self) -> Word0 {
        Word0::from_bits(read_be32(&self.bytes, 0))
    }

    const fn with_word0(mut self, word: Word0) -> Self {
        write_be32(&mut self.bytes, 0, word.into_bits());
        self
    }

    /// Subchannel key (bits 0-3): the storage key of the I/O operation.
    pub const fn key(&self) -> u8 {
        self.word0().key()
    }

    /// Suspend control (S, bit 4): the ORB allowed suspension.
    pub const fn suspend_control(&self) -> bool {
        self.word0().suspend_control()
    }

    /// ESW format (L, bit 5): the IRB holds a format-0 ESW.
    pub const fn has_format0_esw(&self) -> bool {
        self.word0().esw_format()
    }

    /// Deferred condition code (bits 6-7), meaningful when the start
    /// function is indicated together with status pending and alert
    /// status: 1 = status pending at initiation, 3 = path not operational.
    pub const fn deferred_cc(&self) -> u8 {
        self.word0().deferred_cc()
    }

    /// CCW format (F, bit 8): the channel program uses format-1 CCWs.
    pub const fn is_format1(&self) -> bool {
        self.word0().format1()
    }

    /// Prefetch (P, bit 9): the ORB allowed prefetching.
    pub const fn prefetch(&self) -> bool {
        self.word0().prefetch()
    }

    /// Initial-status-interruption control (I, bit 10).
    pub const fn initial_status_interruption(&self) -> bool {
        self.word0().initial_status_interruption()
    }

    /// Address-limit-checking control (A, bit 11, command mode).
    pub const fn address_limit_checking(&self) -> bool {
        self.word0().address_limit_checking()
    }

    /// Suppress-suspended interruption (U, bit 12, command mode).
    pub const fn suppress_suspended_interruption(&self) -> bool {
        self.word0().suppress_suspended_interruption()
    }

    /// Zero condition code (Z, bit 13): the initial status was presented
    /// with condition code 0 to SSCH/RSCH.
    pub const fn zero_condition_code(&self) -> bool {
        self.word0().zero_condition_code()
    }

    /// Extended control (E, bit 14): the ECW of the IRB holds information.
    pub const fn extended_control(&self) -> bool {
        self.word0().extended_control()
    }

    /// Path not operational (N, bit 15).
    pub const fn path_not_operational(&self) -> bool {
        self.word0().path_not_operational()
    }

    /// Whether the SCSW is in transport-mode format: bit 11 (the IRB-format
    /// control X in transport mode) is one and the fibre-channel-extensions
    /// facility is installed. Without that facility, bit 11 is the command
    /// mode's address-limit-checking control and the SCSW is always in
    /// command mode.
    pub const fn is_transport_mode(&self, fcx_installed: bool) -> bool {
        fcx_installed && self.word0().address_limit_checking()
    }

    /// Interrogate complete (Q, bit 12), transport mode only.
    pub const fn interrogate_complete(&self) -> bool {
        self.word0().suppress_suspended_interruption()
    }

    /// Function control (bits 17-19).
    pub const fn function_control(&self) -> FunctionControl {
        FunctionControl::from_bits(self.word0().function_control())
    }

    /// Activity control (bits 20-26).
    pub const fn activity_control(&self) -> ActivityControl {
        ActivityControl::from_bits(self.word0().activity_control())
    }

    /// Status control (bits 27-31).
    pub const fn status_control(&self) -> StatusControl {
        StatusControl::from_bits(self.word0().status_control())
    }

    /// Status pending: the subchannel has status for TSCH to take.
    pub const fn is_status_pending(&self) -> bool {
        self.status_control().status_pending()
    }

    /// Alert status: the status needs attention (errors, deferred cc, ...).
    pub const fn is_alert(&self) -> bool {
        self.status_control().alert()
    }

    /// Intermediate status (e.g. a PCI or a suspension).
    pub const fn is_intermediate(&self) -> bool {
        self.status_control().intermediate()
    }

    /// Primary status: the subchannel is done with the channel program.
    pub const fn is_primary(&self) -> bool {
        self.status_control().primary()
    }

    /// Secondary status: the device is done.
    pub const fn is_secondary(&self) -> bool {
        self.status_control().secondary()
    }

    /// Start pending.
    pub const fn is_start_pending(&self) -> bool {
        self.activity_control().start_pending()
    }

    /// Halt pending.
    pub const fn is_halt_pending(&self) -> bool {
        self.activity_control().halt_pending()
    }

    /// Clear pending.
    pub const fn is_clear_pending(&self) -> bool {
        self.activity_control().clear_pending()
    }

    /// Resume pending.
    pub const fn is_resume_pending(&self) -> bool {
        self.activity_control().resume_pending()
    }

    /// Subchannel active.
    pub const fn is_subchannel_active(&self) -> bool {
        self.activity_control().subchannel_active()
    }

    /// Device active.
    pub const fn is_device_active(&self) -> bool {
        self.activity_control().device_active()
    }

    /// Suspended: the channel program stopped at a CCW with the S flag.
    pub const fn is_suspended(&self) -> bool {
        self.activity_control().suspended()
    }

    /// The deferred condition code of a start function, where it is
    /// meaningful and not zero: the start function is indicated and the
    /// subchannel is status pending. 1 means the start was not performed
    /// because of pending status, 3 that no path was operational (QEMU with
    /// LPM 0 stores `03004411`: cc 3, start function, start pending, alert
    /// status, status pending).
    pub const fn deferred_condition(&self) -> Option<u8> {
        let cc = self.deferred_cc();
        if cc != 0 && self.function_control().start() && self.is_status_pending() {
            Some(cc)
        } else {
            None
        }
    }

    /// CCW address (word 1): in command mode, normally the address of the
    /// last CCW executed plus 8.
    pub const fn ccw_address(&self) -> u32 {
        read_be32(&self.bytes, 4)
    }

    /// TCW address (word 1), transport mode only.
    pub const fn tcw_address(&self) -> u32 {
        self.ccw_address()
    }

    /// Device status (byte 8).
    pub const fn device_status(&self) -> DeviceStatus {
        DeviceStatus::from_bits(self.bytes[8])
    }

    /// Subchannel status (byte 9).
    pub const fn subchannel_status(&self) -> SubchannelStatus {
        SubchannelStatus::from_bits(self.bytes[9])
    }

    /// Residual count (bytes 10-11, command mode): bytes of the last CCW
    /// that were not transferred.
    pub const fn residual_count(&self) -> u16 {
        u16::from_be_bytes([self.bytes[10], self.bytes[11]])
    }

    /// FCX status (byte 10, transport mode only).
    pub const fn fcx_status(&self) -> u8 {
        self.bytes[10]
    }

    /// With the subchannel key (low 4 bits of `key`).
    pub const fn with_key(self, key: u8) -> Self {
        self.with_word0(self.word0().with_key(key & 0xF))
    }

    /// With suspend control (S).
    pub const fn with_suspend_control(self, value: bool) -> Self {
        self.with_word0(self.word0().with_suspend_control(value))
    }

    /// With the ESW-format bit (L): a format-0 ESW is stored.
    pub const fn with_format0_esw(self, value: bool) -> Self {
        self.with_word0(self.word0().with_esw_format(value))
    }

    /// With the deferred condition code (low 2 bits of `cc`).
    pub const fn with_deferred_cc(self, cc: u8) -> Self {
        self.with_word0(self.word0().with_deferred_cc(cc & 0x3))
    }

    /// With the CCW-format bit (F).
    pub const fn with_format1(self, value: bool) -> Self {
        self.with_word0(self.word0().with_format1(value))
    }

    /// With the prefetch bit (P).
    pub const fn with_prefetch(self, value: bool) -> Self {
        self.with_word0(self.word0().with_prefetch(value))
    }

    /// With initial-status-interruption control (I).
    pub const fn with_initial_status_interruption(self, value: bool) -> Self {
        self.with_word0(self.word0().with_initial_status_interruption(value))
    }

    /// With address-limit-checking control (A); in transport mode the
    /// IRB-format control (X).
    pub const fn with_address_limit_checking(self, value: bool) -> Self {
        self.with_word0(self.word0().with_address_limit_checking(value))
    }

    /// With suppress-suspended interruption (U); in transport mode
    /// interrogate complete (Q).
    pub const fn with_suppress_suspended_interruption(self, value: bool) -> Self {
        self.with_word0(self.word0().with_suppress_suspended_interruption(value))
    }

    /// With zero condition code (Z).
    pub const fn with_zero_condition_code(self, value: bool) -> Self {
        self.with_word0(self.word0().with_zero_condition_code(value))
    }

    /// With extended control (E).
    pub const fn with_extended_control(self, value: bool) -> Self {
        self.with_word0(self.word0().with_extended_control(value))
    }

    /// With path not operational (N).
    pub const fn with_path_not_operational(self, value: bool) -> Self {
        self.with_word0(self.word0().with_path_not_operational(value))
    }

    /// With the function control.
    pub const fn with_function_control(self, value: FunctionControl) -> Self {
        self.with_word0(self.word0().with_function_control(value.bits()))
    }

    /// With the activity control.
    pub const fn with_activity_control(self, value: ActivityControl) -> Self {
        self.with_word0(self.word0().with_activity_control(value.bits()))
    }

    /// With the status control.
    pub const fn with_status_control(self, value: StatusControl) -> Self {
        self.with_word0(self.word0().with_status_control(value.bits()))
    }

    /// With the CCW (or TCW) address.
    pub const fn with_ccw_address(mut self, address: u32) -> Self {
        write_be32(&mut self.bytes, 4, address);
        self
    }

    /// With the device status.
    pub const fn with_device_status(mut self, status: DeviceStatus) -> Self {
        self.bytes[8] = status.bits();
        self
    }

    /// With the subchannel status.
    pub const fn with_subchannel_status(mut self, status: SubchannelStatus) -> Self {
        self.bytes[9] = status.bits();
        self
    }

    /// With the residual count.
    pub const fn with_residual_count(mut self, count: u16) -> Self {
        let b = count.to_be_bytes();
        self.bytes[10] = b[0];
        self.bytes[11] = b[1];
        self
    }
}

impl fmt::Debug for Scsw {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [w0, w1, w2] = self.words();
        f.debug_struct("Scsw")
            .field("words", &format_args!("{w0:08x} {w1:08x} {w2:08x}"))
            .field("key", &self.key())
            .field("deferred_cc", &self.deferred_cc())
            .field("function_control", &self.function_control())
            .field("activity_control", &self.activity_control())
            .field("status_control", &self.status_control())
            .field("ccw_address", &format_args!("{:#x}", self.ccw_address()))
            .field("device_status", &self.device_status())
            .field("subchannel_status", &self.subchannel_status())
            .field("residual_count", &self.residual_count())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qemu_deferred_cc3_for_path_mask_zero() {
        // QEMU, SSCH with LPM 0: SCSW word 0 = 03004411.
        let scsw = Scsw::from_words([0x0300_4411, 0, 0]);
        assert_eq!(scsw.key(), 0);
        assert!(!scsw.suspend_control());
        assert!(!scsw.has_format0_esw());
        assert_eq!(scsw.deferred_cc(), 3);
        assert!(!scsw.is_format1());
        assert_eq!(scsw.function_control(), FunctionControl::START);
        assert_eq!(scsw.activity_control(), ActivityControl::START_PENDING);
        assert_eq!(
            scsw.status_control(),
            StatusControl::ALERT | StatusControl::STATUS_PENDING
        );
        assert!(scsw.is_start_pending());
        assert!(scsw.is_alert() && scsw.is_status_pending());
        assert!(!scsw.is_primary() && !scsw.is_secondary() && !scsw.is_intermediate());
        assert_eq!(scsw.deferred_condition(), Some(3));
        assert_eq!(scsw.as_bytes()[..4], [0x03, 0x00, 0x44, 0x11]);
    }

    #[test]
    fn normal_completion() {
        // Word 0 00404007, device status CE+DE.
        let scsw = Scsw::from_words([0x0040_4007, 0x0000_1238, 0x0C00_0000]);
        assert!(scsw.prefetch());
        assert!(!scsw.is_format1());
        assert_eq!(scsw.deferred_cc(), 0);
        assert_eq!(scsw.deferred_condition(), None);
        assert_eq!(scsw.function_control(), FunctionControl::START);
        assert!(scsw.activity_control().is_empty());
        assert!(scsw.is_primary() && scsw.is_secondary() && scsw.is_status_pending());
        assert!(!scsw.is_alert());
        assert_eq!(
            scsw.device_status(),
            DeviceStatus::CHANNEL_END | DeviceStatus::DEVICE_END
        );
        assert!(scsw.device_status().device_end() && scsw.device_status().channel_end());
        assert!(!scsw.device_status().unit_check());
        assert!(scsw.subchannel_status().is_empty());
        assert_eq!(scsw.ccw_address(), 0x1238);
        assert_eq!(scsw.residual_count(), 0);
    }

    #[test]
    fn builders_set_the_pop_bits() {
        let cases: [(Scsw, u32); 12] = [
            (Scsw::new().with_key(0xF), 0xF000_0000),
            (Scsw::new().with_suspend_control(true), 0x0800_0000),
            (Scsw::new().with_format0_esw(true), 0x0400_0000),
            (Scsw::new().with_deferred_cc(1), 0x0100_0000),
            (Scsw::new().with_format1(true), 0x0080_0000),
            (Scsw::new().with_prefetch(true), 0x0040_0000),
            (
                Scsw::new().with_initial_status_interruption(true),
                0x0020_0000,
            ),
            (Scsw::new().with_address_limit_checking(true), 0x0010_0000),
            (
                Scsw::new().with_suppress_suspended_interruption(true),
                0x0008_0000,
            ),
            (Scsw::new().with_zero_condition_code(true), 0x0004_0000),
            (Scsw::new().with_extended_control(true), 0x0002_0000),
            (Scsw::new().with_path_not_operational(true), 0x0001_0000),
        ];
        for (scsw, word0) in cases {
            assert_eq!(scsw.words()[0], word0);
        }
        let scsw = Scsw::new()
            .with_function_control(FunctionControl::HALT)
            .with_activity_control(ActivityControl::SUSPENDED)
            .with_status_control(StatusControl::INTERMEDIATE);
        assert_eq!(scsw.words()[0], 0x0000_2028);
    }

    #[test]
    fn round_trip_over_field_values() {
        for key in [0u8, 5, 15] {
            for cc in 0..4u8 {
                for fc in 0..8u8 {
                    for sc in [0u8, 1, 0x15, 0x1F] {
                        let scsw = Scsw::new()
                            .with_key(key)
                            .with_deferred_cc(cc)
                            .with_format1(cc & 1 != 0)
                            .with_function_control(FunctionControl::from_bits(fc))
                            .with_activity_control(ActivityControl::from_bits(sc << 2))
                            .with_status_control(StatusControl::from_bits(sc))
                            .with_ccw_address(0x7FFF_FFF8)
                            .with_device_status(DeviceStatus::from_bits(sc << 3))
                            .with_subchannel_status(SubchannelStatus::from_bits(fc << 5))
                            .with_residual_count(u16::from(sc) << 8 | 0x12);
                        let back = Scsw::from_bytes(scsw.as_bytes()).unwrap();
                        assert_eq!(back, scsw);
                        assert_eq!(back.key(), key);
                        assert_eq!(back.deferred_cc(), cc);
                        assert_eq!(back.is_format1(), cc & 1 != 0);
                        assert_eq!(back.function_control().bits(), fc);
                        assert_eq!(back.activity_control().bits(), (sc << 2) & 0x7F);
                        assert_eq!(back.status_control().bits(), sc);
                        assert_eq!(back.ccw_address(), 0x7FFF_FFF8);
                        assert_eq!(back.device_status().bits(), sc << 3);
                        assert_eq!(back.subchannel_status().bits(), fc << 5);
                        assert_eq!(back.residual_count(), u16::from(sc) << 8 | 0x12);
                    }
                }
            }
        }
    }

    #[test]
    fn out_of_range_builder_values_are_masked() {
        assert_eq!(Scsw::new().with_key(0x1F).key(), 0xF);
        assert_eq!(Scsw::new().with_deferred_cc(7).deferred_cc(), 3);
    }

    #[test]
    fn from_bytes_is_total() {
        for len in 0..12 {
            assert_eq!(
                Scsw::from_bytes(&[0xFF; 16][..len]),
                Err(DecodeError::TooShort {
                    needed: 12,
                    got: len
                })
            );
        }
        assert!(Scsw::from_bytes(&[0xFF; 16]).is_ok());
    }

    #[test]
    fn transport_mode_needs_the_facility() {
        let scsw = Scsw::new().with_address_limit_checking(true);
        assert!(scsw.is_transport_mode(true));
        assert!(!scsw.is_transport_mode(false));
        assert!(!Scsw::new().is_transport_mode(true));
    }

    #[test]
    fn debug_lists_the_flags() {
        let scsw = Scsw::from_words([0x0040_4007, 0, 0x0C00_0000]);
        let text = format!("{scsw:?}");
        assert!(text.contains("CHANNEL_END | DEVICE_END"), "{text}");
        assert!(
            text.contains("PRIMARY | SECONDARY | STATUS_PENDING"),
            "{text}"
        );
    }
}
