//! Ending a guest so that the host sees success or failure.
//!
//! A guest ends in a disabled wait (PoP, chapter 4 "Control", "Wait State").
//! QEMU exits with status 0 for a disabled wait at address 0xfff and with
//! status 1 for any other (with `-action panic=exit-failure`); Hercules logs
//! `HHCCP011I` and the PSW, which the host reads. The address is the exit
//! code; the codes are:
//!
//! | address | meaning                                    |
//! |---------|--------------------------------------------|
//! | 0xfff   | success                                    |
//! | 0x001   | the program reported failure (e.g. tests)  |
//! | 0x002   | Rust panic                                 |
//! | 0x003   | unexpected program interruption            |
//! | 0x004   | machine-check interruption                 |
//! | 0x005   | unexpected supervisor call                 |
//! | 0x1xx   | early crash before the runtime's handlers (set by the host's lowcore image under Hercules) |
//! | 0x2xx   | a program's own codes, given to [`stop`] (`examples/bootloader` documents its own) |

use crate::console;
use crate::psw::Psw;

/// How a guest program ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitCode {
    /// Disabled wait at 0xfff.
    Success,
    /// The program reports failure: disabled wait at 0x001.
    Failure,
    /// A Rust panic: disabled wait at 0x002.
    Panic,
    /// An unexpected program interruption: disabled wait at 0x003.
    ProgramCheck,
    /// A machine-check interruption: disabled wait at 0x004.
    MachineCheck,
    /// An unexpected supervisor call: disabled wait at 0x005.
    SupervisorCall,
}

impl ExitCode {
    /// The disabled-wait PSW address that encodes this exit code.
    pub const fn wait_address(self) -> u64 {
        match self {
            ExitCode::Success => 0xfff,
            ExitCode::Failure => 0x001,
            ExitCode::Panic => 0x002,
            ExitCode::ProgramCheck => 0x003,
            ExitCode::MachineCheck => 0x004,
            ExitCode::SupervisorCall => 0x005,
        }
    }
}

/// Flushes the console and stops the CPU in a disabled wait encoding `code`.
pub fn exit(code: ExitCode) -> ! {
    stop(code.wait_address())
}

/// Flushes the console and stops the CPU in a disabled wait at
/// `wait_address`: for a program's own codes (use 0x200-0x2ff, see the
/// table above), which hosts count as failure.
pub fn stop(wait_address: u64) -> ! {
    console::flush();
    let psw = Psw::disabled_wait(wait_address);
    // SAFETY: LPSWE loads a disabled-wait PSW: the CPU stops and never
    // returns here, and the operand is a valid, doubleword-aligned PSW on our
    // stack.
    unsafe {
        core::arch::asm!("lpswe 0({psw})", psw = in(reg_addr) &psw, options(noreturn));
    }
}
