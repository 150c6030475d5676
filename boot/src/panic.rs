//! The panic handler: print the message and location, exit as a failure.

use crate::exit::{exit, ExitCode};

#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    crate::println_fatal!("PANIC: {}", info);
    exit(ExitCode::Panic)
}
