//! Thin wrappers, one per I/O instruction. Each puts the subchannel id in
//! general register 1, passes its storage operand with a `reg_addr` base
//! register (never r0, which would mean "no base") and reads the condition
//! code with IPM.
//!
//! None of them has `nomem`: they read and write their operands, and SSCH,
//! RSCH, HSCH, CSCH and TSCH change what the channel does with main storage,
//! so the compiler must not move memory accesses across them.

use super::{
    CancelResult, ClearResult, HaltResult, InterruptionCode, ModifyResult, ResumeResult,
    StartResult, StoreResult, TestSubchannelResult,
};
use crate::structures::{Crw, Irb, Orb, Schib, SubchannelId};
use core::arch::asm;

/// Maps the condition code of an instruction that cannot set `cc` to the
/// enum, or stops: the CPU gave a code the PoP rules out for it.
macro_rules! decode {
    ($ty:ty, $cc:expr) => {
        match <$ty>::from_condition_code($cc as u8) {
            Some(result) => result,
            None => unreachable!(),
        }
    };
}

/// Issues an I/O instruction and gives its condition code (IPM, SRL). The
/// subchannel id goes in general register 1 (`id =`), the storage operand's
/// address in a `reg_addr` base register (`operand =`); either may be
/// absent. Expands to the asm alone: the caller's `unsafe` block states why
/// it is sound.
macro_rules! io_instruction {
    ($mnemonic:literal, id = $id:expr) => {{
        let cc: u32;
        asm!(
            $mnemonic,
            "ipm {cc}",
            "srl {cc}, 28",
            cc = lateout(reg) cc,
            in("r1") u64::from($id.raw()),
            options(nostack),
        );
        cc
    }};
    ($mnemonic:literal, id = $id:expr, operand = $operand:expr) => {{
        let cc: u32;
        asm!(
            concat!($mnemonic, " 0({operand})"),
            "ipm {cc}",
            "srl {cc}, 28",
            operand = in(reg_addr) $operand,
            cc = lateout(reg) cc,
            in("r1") u64::from($id.raw()),
            options(nostack),
        );
        cc
    }};
    ($mnemonic:literal, operand = $operand:expr) => {{
        let cc: u32;
        asm!(
            concat!($mnemonic, " 0({operand})"),
            "ipm {cc}",
            "srl {cc}, 28",
            operand = in(reg_addr) $operand,
            cc = lateout(reg) cc,
            options(nostack),
        );
        cc
    }};
}

/// START SUBCHANNEL with `orb` (PoP, chapter 14, "START SUBCHANNEL").
///
/// # Safety
/// On cc 0 the channel subsystem runs the channel program at the ORB's
/// address: every CCW, IDAW and data area it names must stay valid and must
/// not be used by the program in a conflicting way until the subchannel's
/// final status for this start (primary status, or the end of a halt or
/// clear) has been collected with TSCH. The ORB's reserved fields must be
/// zero (else an operand exception).
#[inline]
pub unsafe fn ssch(id: SubchannelId, orb: &Orb) -> StartResult {
    // SAFETY: the caller keeps the channel program alive (see above); the ORB
    // is a valid, word-aligned operand and r1 holds a valid subchannel id.
    let cc = unsafe { io_instruction!("ssch", id = id, operand = orb) };
    decode!(StartResult, cc)
}

/// RESUME SUBCHANNEL (PoP, chapter 14, "RESUME SUBCHANNEL").
///
/// # Safety
/// The suspended channel program goes on: its storage must still be valid,
/// exactly as for [`ssch`].
#[inline]
pub unsafe fn rsch(id: SubchannelId) -> ResumeResult {
    // SAFETY: the caller keeps the suspended channel program alive.
    let cc = unsafe { io_instruction!("rsch", id = id) };
    decode!(ResumeResult, cc)
}

/// HALT SUBCHANNEL (PoP, chapter 14, "HALT SUBCHANNEL").
///
/// Halting never makes the channel touch new storage, but the channel
/// program's storage stays in use until TSCH collects the halt's status.
#[inline]
pub fn hsch(id: SubchannelId) -> HaltResult {
    // SAFETY: HSCH only ends I/O; r1 holds a valid subchannel id.
    let cc = unsafe { io_instruction!("hsch", id = id) };
    decode!(HaltResult, cc)
}

/// CLEAR SUBCHANNEL (PoP, chapter 14, "CLEAR SUBCHANNEL").
#[inline]
pub fn csch(id: SubchannelId) -> ClearResult {
    // SAFETY: CSCH only ends I/O; r1 holds a valid subchannel id.
    let cc = unsafe { io_instruction!("csch", id = id) };
    decode!(ClearResult, cc)
}

/// CANCEL SUBCHANNEL (PoP, chapter 14, "CANCEL SUBCHANNEL").
#[inline]
pub fn xsch(id: SubchannelId) -> CancelResult {
    // SAFETY: XSCH only withdraws a pending start; r1 holds a valid id.
    let cc = unsafe { io_instruction!("xsch", id = id) };
    decode!(CancelResult, cc)
}

/// MODIFY SUBCHANNEL from `schib` (PoP, chapter 14, "MODIFY SUBCHANNEL").
///
/// Only the PMCW's modifiable fields are used; the SCHIB usually comes from
/// [`stsch`].
#[inline]
pub fn msch(id: SubchannelId, schib: &Schib) -> ModifyResult {
    // SAFETY: MSCH reads the word-aligned SCHIB; r1 holds a valid id.
    let cc = unsafe { io_instruction!("msch", id = id, operand = schib) };
    decode!(ModifyResult, cc)
}

/// STORE SUBCHANNEL into `schib` (PoP, chapter 14, "STORE SUBCHANNEL").
#[inline]
pub fn stsch(id: SubchannelId, schib: &mut Schib) -> StoreResult {
    // SAFETY: STSCH writes the 52-byte, word-aligned SCHIB we borrow
    // mutably; r1 holds a valid id.
    let cc = unsafe { io_instruction!("stsch", id = id, operand = schib) };
    decode!(StoreResult, cc)
}

/// TEST SUBCHANNEL into `irb` (PoP, chapter 14, "TEST SUBCHANNEL").
///
/// Clears the subchannel's status and any pending I/O interruption for it.
#[inline]
pub fn tsch(id: SubchannelId, irb: &mut Irb) -> TestSubchannelResult {
    // SAFETY: TSCH writes the 96-byte, word-aligned IRB we borrow mutably;
    // r1 holds a valid id.
    let cc = unsafe { io_instruction!("tsch", id = id, operand = irb) };
    decode!(TestSubchannelResult, cc)
}

/// TEST PENDING INTERRUPTION (PoP, chapter 14): clears one pending I/O
/// interruption enabled by CR6 and returns its code, or `None` if none was
/// pending.
#[inline]
pub fn tpi() -> Option<InterruptionCode> {
    let mut code = InterruptionCode::default();
    // SAFETY: TPI with a non-zero operand address stores two words into the
    // word-aligned `code`.
    let cc = unsafe { io_instruction!("tpi", operand = &mut code) };
    (cc == 1).then_some(code)
}

/// STORE CHANNEL REPORT WORD (PoP, chapter 14): takes the next pending CRW,
/// or `None` if none is pending (cc 1: zeros stored).
#[inline]
pub fn stcrw() -> Option<Crw> {
    let mut crw = Crw::default();
    // SAFETY: STCRW stores one word into the word-aligned `crw`.
    let cc = unsafe { io_instruction!("stcrw", operand = &mut crw) };
    (cc == 0).then_some(crw)
}

/// STORE CLOCK (PoP, chapter 4 "Control", "TOD Clock"): the TOD clock, whose
/// bit 51 ticks once a microsecond. The condition code (clock not set, in
/// error, stopped) is not reported: emulators always give cc 0, and a
/// timeout only needs a value that advances.
#[inline]
pub fn stck() -> u64 {
    let mut clock = 0u64;
    // SAFETY: STCK stores one doubleword into `clock`.
    unsafe {
        asm!("stck 0({clock})", clock = in(reg_addr) &mut clock, options(nostack));
    }
    clock
}

/// Runs `f` with I/O and external interruptions disabled, then restores the
/// PSW's previous masks (STORE THEN AND SYSTEM MASK, SET SYSTEM MASK; PoP,
/// chapter 10 "Control Instructions"): a critical section against this
/// CPU's interruption handlers.
#[inline]
pub fn without_interruptions<R>(f: impl FnOnce() -> R) -> R {
    let mut saved_mask = 0u8;
    // SAFETY: STNSM stores PSW bits 0-7 into `saved_mask` and clears the I/O
    // (bit 6) and external (bit 7) masks; it changes no other state. Not
    // `nomem`: memory accesses must not move out of the critical section.
    unsafe {
        asm!("stnsm 0({m}), 0xfc", m = in(reg_addr) &mut saved_mask, options(nostack));
    }
    let result = f();
    // SAFETY: SSM reloads PSW bits 0-7 as they were before the critical
    // section (supervisor state, which STNSM above already required).
    unsafe {
        asm!("ssm 0({m})", m = in(reg_addr) &saved_mask, options(nostack));
    }
    result
}

/// DIAGNOSE 0x500, function code 3: the virtio-ccw queue notification of
/// KVM and QEMU ("Virtio Over Channel I/O", "Guest -> Host Notification").
/// r1 = 3, r2 = the subchannel id, r3 = the queue index, r4 = the cookie
/// the host returned for this queue last time (0 at first); the host
/// leaves its new cookie in r2, or a negative errno (unknown subchannel,
/// queue index out of range).
///
/// LLVM has no mnemonic for DIAGNOSE (it is privileged and
/// hypervisor-defined), so it is emitted with `.insn rs` (opcode 0x83,
/// R1 = 2, R3 = 4, displacement 0x500), exactly `diag %r2,%r4,0x500`.
///
/// # Safety
/// The device then reads the queue's rings and uses every buffer made
/// available on it: they must be valid storage, unused by the program in
/// a conflicting way, until the device returns them in the used ring (or
/// the device is reset).
#[inline]
pub unsafe fn diagnose_500_notify(id: SubchannelId, queue: u16, cookie: u64) -> i64 {
    let result: i64;
    // SAFETY: the caller keeps the queue's storage valid (see above); the
    // hypervisor changes only r2. Not `nomem`: the device reads what the
    // program stored before the notification and writes buffers behind
    // it.
    unsafe {
        asm!(
            ".insn rs,0x83000000,%r2,%r4,0x500(%r0)",
            in("r1") 3u64,
            inout("r2") u64::from(id.raw()) => result,
            in("r3") u64::from(queue),
            in("r4") cookie,
            options(nostack),
        );
    }
    result
}
