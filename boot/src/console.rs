//! The guest console: `print!`/`println!` to whatever the machine offers.
//!
//! At start-up the runtime asks the SCLP for VT220 output (QEMU). Where the
//! SCLP has no VT220 console (Hercules 3.13: its Write Event Mask answer lacks
//! event type 0x1a), it looks for a 3215 console on the channel subsystem and
//! writes there with this library's own channel I/O. Output is buffered per
//! line and written on each newline.

use crate::{console3215, sclp};
use core::fmt::{self, Write};
use heapless::Vec;
use s390_cio::structures::SubchannelId;
use spin::Mutex;

/// Where console output goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// Nothing found yet, or no console at all: output is dropped.
    None,
    /// The SCLP VT220 console (QEMU).
    SclpVt220,
    /// A 3215 console on this subchannel (Hercules).
    Console3215(SubchannelId),
}

struct Console {
    backend: Backend,
    line: Vec<u8, { sclp::MAX_LINE }>,
}

static CONSOLE: Mutex<Console> = Mutex::new(Console {
    backend: Backend::None,
    line: Vec::new(),
});

impl Console {
    fn flush_line(&mut self) {
        match self.backend {
            Backend::None => {}
            // SAFETY: we hold the console lock, which owns the SCCB, and the
            // backend is only SclpVt220 after a successful `init_vt220`.
            Backend::SclpVt220 => unsafe { sclp::write_vt220(&self.line) },
            Backend::Console3215(id) => {
                let text = self.line.strip_suffix(b"\n").unwrap_or(&self.line);
                for chunk in text.chunks(console3215::MAX_LINE) {
                    // SAFETY: we hold the console lock, which owns the write
                    // program.
                    unsafe { console3215::write_line(id, chunk) };
                }
            }
        }
        self.line.clear();
    }
}

impl Write for Console {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for &byte in s.as_bytes() {
            if byte == b'\n' {
                self.line.push(b'\n').ok();
                self.flush_line();
            } else if self.line.push(byte).is_err() {
                self.flush_line();
                self.line.push(byte).ok();
            }
        }
        Ok(())
    }
}

/// Finds a console. Called once by the runtime before `main`.
pub(crate) fn init() {
    let mut console = CONSOLE.lock();
    // SAFETY: called once, with the console lock held.
    if unsafe { sclp::init_vt220() } {
        console.backend = Backend::SclpVt220;
    } else if let Some(id) = console3215::find() {
        console.backend = Backend::Console3215(id);
    }
}

/// The console in use.
pub fn backend() -> Backend {
    CONSOLE.lock().backend
}

/// Writes any partial line.
pub fn flush() {
    let mut console = lock_even_if_held();
    if !console.line.is_empty() {
        console.flush_line();
    }
}

/// Takes the console lock; if it is held (a program check or panic inside
/// console code), takes it anyway: the caller is about to stop the machine
/// and the interrupted holder never runs again.
fn lock_even_if_held() -> spin::MutexGuard<'static, Console> {
    if let Some(guard) = CONSOLE.try_lock() {
        return guard;
    }
    // SAFETY: only reached on the way to a disabled wait (`exit`), when the
    // holder was interrupted and will never resume; single CPU.
    unsafe { CONSOLE.force_unlock() };
    CONSOLE.lock()
}

#[doc(hidden)]
pub fn _print(args: fmt::Arguments<'_>) {
    CONSOLE.lock().write_fmt(args).ok();
}

#[doc(hidden)]
pub fn _print_fatal(args: fmt::Arguments<'_>) {
    lock_even_if_held().write_fmt(args).ok();
}

/// Prints to the guest console.
#[macro_export]
macro_rules! print {
    ($($arg:tt)*) => { $crate::console::_print(format_args!($($arg)*)) };
}

/// Prints a line to the guest console.
#[macro_export]
macro_rules! println {
    () => { $crate::print!("\n") };
    ($($arg:tt)*) => { $crate::console::_print(format_args!("{}\n", format_args!($($arg)*))) };
}

/// Prints a line from a fatal path (panic, program check), even if the
/// console lock is held by the code that failed.
#[macro_export]
macro_rules! println_fatal {
    ($($arg:tt)*) => { $crate::console::_print_fatal(format_args!("{}\n", format_args!($($arg)*))) };
}
