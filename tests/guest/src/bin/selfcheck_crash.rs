//! A planted program check for `cargo xtask test --self-check`: the runtime's
//! program-interruption handler must print the interruption code and old PSW
//! and stop the guest, and the host must report the test by name.
#![no_std]
#![no_main]
#![deny(clippy::undocumented_unsafe_blocks)]

use s390_cio_boot::guest_tests;
use s390_cio_boot::testing::TestResult;

/// Executes an invalid instruction (opcode 0x0000): operation exception,
/// program interruption code 0x0001.
fn planted_program_check() -> TestResult {
    // SAFETY: not safe on purpose: the operation exception ends the guest in
    // the runtime's program-check handler, which is what this test shows.
    unsafe { core::arch::asm!(".insn e,0x0000") };
    Ok(())
}

guest_tests![planted_program_check];
