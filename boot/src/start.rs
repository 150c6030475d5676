//! Program entry: stack, BSS, new PSWs, console, then the program's `main`.

use crate::exit::{self, ExitCode};
use crate::{console, interrupts};

core::arch::global_asm!(
    r#"
    .section .text.entry,"ax"
    .globl _start
_start:
    larl    %r15, __stack_top
    aghi    %r15, -160
    xc      0(8,%r15), 0(%r15)
    larl    %r2, __bss_start
    larl    %r3, __bss_end
0:
    clgr    %r2, %r3
    jhe     1f
    mvi     0(%r2), 0
    la      %r2, 1(%r2)
    j       0b
1:
    brasl   %r14, __boot_start
2:
    j       2b
    "#
);

extern "Rust" {
    /// The program's `main`, declared with [`crate::entry!`].
    fn __boot_main() -> ExitCode;
}

/// First Rust code: runs on the program stack with BSS zeroed and all
/// interruptions disabled.
#[no_mangle]
extern "C" fn __boot_start() -> ! {
    interrupts::install_new_psws();
    console::init();
    // SAFETY: `__boot_main` is defined by the `entry!` macro in the program,
    // with exactly this signature; the linker fails if it is missing.
    let code = unsafe { __boot_main() };
    exit::exit(code)
}
