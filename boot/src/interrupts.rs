//! New PSWs, interruption entry stubs and their Rust handlers
//! (PoP, chapter 6 "Interruptions").
//!
//! Every new PSW points at a small asm stub that saves all general registers
//! in the lowcore's programming area (external and I/O at 0x200, program at
//! 0x280, machine check and SVC at 0x300), switches to the interrupt stack and
//! calls a Rust handler. External and I/O handlers return: the stub clears the
//! wait bit and the I/O and external masks of the old PSW if it was waiting
//! (so [`wait_for_interrupt`] wakes up disabled) and resumes with LPSWE.
//! Program, machine-check and SVC interruptions are fatal: the handler prints
//! what happened and exits as a failure. New PSWs disable all interruptions,
//! so handlers never nest; floating-point registers need no saving (the
//! target is soft-float).

use crate::exit::{exit, ExitCode};
use crate::lowcore;
use crate::psw::Psw;
use core::sync::atomic::{AtomicU32, AtomicUsize, Ordering};

core::arch::global_asm!(
    r#"
    .macro returning_entry name, handler, old_psw
    .balign 8
\name:
    stmg    %r0, %r15, 0x200
    larl    %r15, __interrupt_stack_top
    aghi    %r15, -160
    xc      0(8,%r15), 0(%r15)
    brasl   %r14, \handler
    tm      \old_psw+1, 0x02
    jz      0f
    ni      \old_psw, 0xfc
    ni      \old_psw+1, 0xfd
0:
    lmg     %r0, %r15, 0x200
    lpswe   \old_psw
    .endm

    .macro fatal_entry name, handler, save_area
    .balign 8
\name:
    stmg    %r0, %r15, \save_area
    larl    %r15, __interrupt_stack_top
    aghi    %r15, -160
    xc      0(8,%r15), 0(%r15)
    brasl   %r14, \handler
0:
    j       0b
    .endm

    .section .text
    returning_entry __boot_external_entry, __boot_external_interrupt, 0x130
    returning_entry __boot_io_entry, __boot_io_interrupt, 0x170
    fatal_entry __boot_program_entry, __boot_program_interrupt, 0x280
    fatal_entry __boot_machine_check_entry, __boot_machine_check_interrupt, 0x300
    fatal_entry __boot_svc_entry, __boot_svc_interrupt, 0x300
    "#
);

extern "C" {
    fn __boot_external_entry();
    fn __boot_io_entry();
    fn __boot_program_entry();
    fn __boot_machine_check_entry();
    fn __boot_svc_entry();
}

/// Points every new PSW (except restart) at its entry stub, disabled for
/// everything, 64-bit mode.
pub(crate) fn install_new_psws() {
    let new = lowcore::new_psws();
    // SAFETY: the stubs above are complete interruption handlers (they save
    // and restore every general register and use their own stack), so the
    // CPU may enter them at any interruption from now on.
    unsafe {
        new.external
            .write(Psw::disabled(__boot_external_entry as *const () as u64));
        new.io
            .write(Psw::disabled(__boot_io_entry as *const () as u64));
        new.program
            .write(Psw::disabled(__boot_program_entry as *const () as u64));
        new.machine_check.write(Psw::disabled(
            __boot_machine_check_entry as *const () as u64,
        ));
        new.svc
            .write(Psw::disabled(__boot_svc_entry as *const () as u64));
    }
}

/// An I/O interruption as the CPU reported it in the lowcore
/// (PoP, chapter 6, "I/O Interruption").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IoInterruption {
    /// The subchannel identification word (as for general register 1).
    pub subchannel_id: u32,
    /// The interruption parameter of the subchannel.
    pub interruption_parameter: u32,
    /// The I/O interruption identification word (bits 2-4: the ISC).
    pub identification: u32,
}

/// The function called for each I/O interruption, with interruptions
/// disabled. It must not wait for anything the interrupted program holds.
pub type IoHandler = fn(IoInterruption);

static IO_HANDLER: AtomicUsize = AtomicUsize::new(0);
static IO_INTERRUPTIONS: AtomicU32 = AtomicU32::new(0);
static LAST_SERVICE_SIGNAL: AtomicU32 = AtomicU32::new(0);

/// Installs the function that handles I/O interruptions (replacing any
/// earlier one). Without a handler, I/O interruptions are only counted.
pub fn set_io_handler(handler: IoHandler) {
    IO_HANDLER.store(handler as usize, Ordering::SeqCst);
}

/// How many I/O interruptions this CPU has taken since boot.
pub fn io_interruption_count() -> u32 {
    IO_INTERRUPTIONS.load(Ordering::SeqCst)
}

/// Takes the SCCB address of the last service-signal external interruption,
/// or `None` if none arrived since the last call.
pub(crate) fn take_service_signal() -> Option<u32> {
    match LAST_SERVICE_SIGNAL.swap(0, Ordering::SeqCst) {
        0 => None,
        sccb => Some(sccb),
    }
}

/// External-interruption code of a service signal (PoP, chapter 6,
/// "External Interruption"; the SCLP raises it when an SCCB completes).
const SERVICE_SIGNAL: u16 = 0x2401;
/// External-interruption code of the clock comparator.
const CLOCK_COMPARATOR: u16 = 0x1004;
/// CR0 bit 52: clock-comparator subclass mask.
const CR0_CLOCK_COMPARATOR: u64 = 1 << (63 - 52);

#[no_mangle]
extern "C" fn __boot_external_interrupt() {
    let codes = lowcore::interruption_codes();
    match codes.external_code.read() {
        SERVICE_SIGNAL => {
            // Bits 0-28 of the parameter are the SCCB address (8-byte
            // aligned), bits 30-31 flag pending event buffers.
            let sccb = codes.external_parameter.read() & !0x7;
            LAST_SERVICE_SIGNAL.store(sccb.max(1), Ordering::SeqCst);
        }
        // The deadline passed: push the comparator out of reach, or the
        // condition stays pending and interrupts again at once.
        CLOCK_COMPARATOR => set_clock_comparator(u64::MAX),
        _ => {}
    }
}

#[no_mangle]
extern "C" fn __boot_io_interrupt() {
    let codes = lowcore::interruption_codes();
    let interruption = IoInterruption {
        subchannel_id: codes.subchannel_id.read(),
        interruption_parameter: codes.io_interruption_parameter.read(),
        identification: codes.io_interruption_id.read(),
    };
    IO_INTERRUPTIONS.fetch_add(1, Ordering::SeqCst);
    let handler = IO_HANDLER.load(Ordering::SeqCst);
    if handler != 0 {
        // SAFETY: the only non-zero value ever stored is an `IoHandler`
        // function pointer, by `set_io_handler`.
        let handler: IoHandler = unsafe { core::mem::transmute::<usize, IoHandler>(handler) };
        handler(interruption);
    }
}

#[no_mangle]
extern "C" fn __boot_program_interrupt() {
    let codes = lowcore::interruption_codes();
    let old = lowcore::old_psws().program.read();
    crate::println_fatal!(
        "PROGRAM CHECK: interruption code {:#06x}, ILC {}, old PSW {:016x} {:016x}",
        codes.program_code.read(),
        (codes.program_ilc.read() >> 1) & 0x3,
        old.mask,
        old.address
    );
    exit(ExitCode::ProgramCheck)
}

#[no_mangle]
extern "C" fn __boot_machine_check_interrupt() {
    let old = lowcore::old_psws().machine_check.read();
    crate::println_fatal!(
        "MACHINE CHECK: code {:016x}, old PSW {:016x} {:016x}",
        lowcore::machine_check_code(),
        old.mask,
        old.address
    );
    exit(ExitCode::MachineCheck)
}

#[no_mangle]
extern "C" fn __boot_svc_interrupt() {
    let old = lowcore::old_psws().svc.read();
    crate::println_fatal!(
        "SUPERVISOR CALL {}: old PSW {:016x} {:016x}",
        lowcore::interruption_codes().svc_code.read(),
        old.mask,
        old.address
    );
    exit(ExitCode::SupervisorCall)
}

/// Which interruption classes a wait may be ended by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InterruptClasses {
    /// I/O interruptions (for the subclasses enabled in CR6).
    pub io: bool,
    /// External interruptions (for the subclasses enabled in CR0).
    pub external: bool,
}

/// Enters an enabled wait for the given classes and returns, with I/O and
/// external interruptions disabled again, after one has been taken.
///
/// Enabling and waiting happen in one LPSWE, so an interruption that is
/// already pending cannot be missed.
pub fn wait_for_interrupt(classes: InterruptClasses) {
    let mut mask = Psw::MASK_WAIT | Psw::MASK_64BIT;
    if classes.io {
        mask |= Psw::MASK_IO;
    }
    if classes.external {
        mask |= Psw::MASK_EXTERNAL;
    }
    let mut psw = Psw { mask, address: 0 };
    // SAFETY: the PSW is a valid enabled-wait PSW whose address (filled in by
    // LARL) is the instruction after LPSWE; the handlers resume there with
    // the wait bit and the I/O and external masks cleared, every register
    // restored. The asm clobbers only `tmp` and may read and write memory (the
    // handlers run Rust code), so it has no `nomem`.
    unsafe {
        core::arch::asm!(
            "larl {tmp}, 0f",
            "stg {tmp}, 8({psw})",
            "lpswe 0({psw})",
            "0:",
            tmp = out(reg) _,
            psw = in(reg_addr) &mut psw,
        );
    }
}

/// Sets bits in control register 0 (external-interruption subclass masks;
/// PoP, chapter 4 "Control", "Control Registers").
pub fn set_cr0_bits(bits: u64) {
    let mut cr0: u64 = 0;
    // SAFETY: STCTG stores CR0 into a doubleword on our stack.
    unsafe {
        core::arch::asm!("stctg 0, 0, 0({p})", p = in(reg_addr) &mut cr0, options(nostack));
    }
    cr0 |= bits;
    // SAFETY: LCTLG reloads CR0 with only subclass-mask bits added; they
    // enable interruptions only while the PSW enables the external class,
    // which this runtime does in `wait_for_interrupt` alone.
    unsafe {
        core::arch::asm!("lctlg 0, 0, 0({p})", p = in(reg_addr) &cr0, options(nostack));
    }
}

/// Enables I/O interruptions for interruption subclass `isc` (0-7) in CR6
/// (PoP, chapter 4, "Control Registers": bits 32-39 are the I/O-interruption
/// subclass masks).
pub fn enable_isc(isc: u8) {
    let mut cr6: u64 = 0;
    // SAFETY: STCTG stores CR6 into a doubleword on our stack.
    unsafe {
        core::arch::asm!("stctg 6, 6, 0({p})", p = in(reg_addr) &mut cr6, options(nostack));
    }
    cr6 |= 1 << (63 - 32 - u64::from(isc & 7));
    // SAFETY: LCTLG reloads CR6 with one subclass mask added; I/O
    // interruptions still need the PSW's I/O mask, set only by
    // `wait_for_interrupt`.
    unsafe {
        core::arch::asm!("lctlg 6, 6, 0({p})", p = in(reg_addr) &cr6, options(nostack));
    }
}

/// SET CLOCK COMPARATOR (PoP, chapter 4, "Clock Comparator").
fn set_clock_comparator(tod: u64) {
    // SAFETY: SCKC loads the clock comparator from a doubleword on our
    // stack; it only decides when a clock-comparator interruption is made.
    unsafe {
        core::arch::asm!("sckc 0({t})", t = in(reg_addr) &tod, options(nostack));
    }
}

/// Waits, enabled for I/O interruptions, until one is taken or the TOD
/// clock passes `deadline_us` (microseconds, as `s390_cio::driver::TodClock`
/// counts), whichever comes first; returns disabled.
pub fn wait_for_io_until(deadline_us: u64) {
    set_clock_comparator(deadline_us.saturating_mul(1 << 12));
    set_cr0_bits(CR0_CLOCK_COMPARATOR);
    wait_for_interrupt(InterruptClasses {
        io: true,
        external: true,
    });
    set_clock_comparator(u64::MAX);
}
