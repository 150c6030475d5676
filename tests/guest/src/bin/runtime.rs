//! Guest tests of the bare-metal runtime itself (`boot/`), on every emulator.
#![no_std]
#![deny(clippy::undocumented_unsafe_blocks)]
#![no_main]

use s390_cio_boot::psw::Psw;
use s390_cio_boot::testing::TestResult;
use s390_cio_boot::{check, check_eq, guest_tests, lowcore};

/// Every new PSW but restart points into the image, 64-bit, disabled.
fn new_psws_point_at_handlers() -> TestResult {
    let new = lowcore::new_psws();
    for (name, psw) in [
        ("external", new.external.read()),
        ("svc", new.svc.read()),
        ("program", new.program.read()),
        ("machine check", new.machine_check.read()),
        ("io", new.io.read()),
    ] {
        check_eq!(psw.mask, Psw::MASK_64BIT, "{} new PSW mask", name);
        check!(
            (0x20000..0x100_0000).contains(&psw.address),
            "{} new PSW address {:#x} outside the image",
            name,
            psw.address
        );
    }
    Ok(())
}

/// BSS starts zeroed (the entry code clears it).
fn bss_is_zeroed() -> TestResult {
    static mut ZEROED: [u64; 64] = [0; 64];
    // SAFETY: single-threaded test code; nothing else touches ZEROED.
    let words = unsafe { &*core::ptr::addr_of!(ZEROED) };
    check!(words.iter().all(|&w| w == 0), "BSS not zeroed");
    Ok(())
}

/// The stack is inside the image's stack area and doubleword aligned.
fn stack_is_in_image() -> TestResult {
    let local = 0u64;
    let address = core::ptr::addr_of!(local) as u64;
    check!(
        (0x20000..0x100_0000).contains(&address),
        "stack address {:#x}",
        address
    );
    check_eq!(address % 8, 0, "stack alignment");
    Ok(())
}

guest_tests![new_psws_point_at_handlers, bss_is_zeroed, stack_is_in_image];
