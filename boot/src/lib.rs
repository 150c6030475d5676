//! Bare-metal runtime for s390-cio guest programs on QEMU and Hercules.
//!
//! It provides what a freestanding z/Architecture program needs before it can
//! do channel I/O: the entry point (stack, BSS), new PSWs for every
//! interruption class with Rust handlers, a console, an exit the host can
//! read, and a guest test harness.
//!
//! A program uses it like this:
//!
//! ```ignore
//! #![no_std]
//! #![no_main]
//! use s390_cio_boot::{entry, println, exit::ExitCode};
//!
//! fn main() -> ExitCode {
//!     println!("hello");
//!     ExitCode::Success
//! }
//! entry!(main);
//! ```
//!
//! Everything here runs on one CPU with prefix 0 (QEMU's `-kernel` start and
//! Hercules' `restart` both leave it so), in 64-bit mode with DAT off.
#![no_std]
#![warn(missing_docs)]
#![deny(unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks)]

pub mod console;
mod console3215;
pub mod exit;
pub mod interrupts;
pub mod lowcore;
mod panic;
pub mod psw;
mod sclp;
mod start;
pub mod testing;

/// Declares the program's `main`, which the runtime calls after setting up
/// the new PSWs and the console. Its [`exit::ExitCode`] becomes the final
/// disabled-wait PSW.
#[macro_export]
macro_rules! entry {
    ($main:path) => {
        #[export_name = "__boot_main"]
        fn __boot_main() -> $crate::exit::ExitCode {
            let main: fn() -> $crate::exit::ExitCode = $main;
            main()
        }
    };
}
