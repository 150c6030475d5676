//! Planted failures for `cargo xtask test --self-check`: the host must report
//! `planted_failure` and `planted_hang` as failed, by name.
#![no_std]
#![deny(clippy::undocumented_unsafe_blocks)]
#![no_main]

use s390_cio_boot::testing::TestResult;
use s390_cio_boot::{check_eq, guest_tests};

/// Passes, so the report shows results on both sides of the failures.
fn control_passes() -> TestResult {
    check_eq!(2 + 2, 4, "arithmetic");
    Ok(())
}

/// Fails on purpose.
fn planted_failure() -> TestResult {
    check_eq!(2 + 2, 5, "this test is planted to fail");
    Ok(())
}

/// Hangs on purpose: the host's timeout must catch it.
fn planted_hang() -> TestResult {
    loop {
        core::hint::spin_loop();
    }
}

guest_tests![control_passes, planted_failure, planted_hang];
