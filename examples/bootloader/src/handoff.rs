//! Linux's s390 boot protocol: the kernel image at 0, its parameter area
//! at 0x10400 (`arch/s390/include/asm/setup.h`: initrd start at 0x10408,
//! initrd size at 0x10410, the command-line size limit at 0x10430, the
//! command line at 0x10480), entry at 0x10000 in 64-bit mode with DAT and
//! every interruption off (as QEMU's own `-kernel` starts it).

use s390_cio_boot::psw::Psw;

/// Where the kernel image starts.
pub const KERNEL_ADDRESS: u64 = 0;
/// The kernel's entry point.
pub const ENTRY: u64 = 0x10000;
/// Bytes of the kernel kept in the bootloader's buffer until the jump
/// (lowcore, where the runtime's new PSWs live, and the rest up to the
/// entry).
pub const STAGED_BYTES: usize = 0x10000;
/// Where the `S390EP` mark of a Linux image is.
pub const EP_MARK_ADDRESS: u64 = 0x10008;
/// The mark.
pub const EP_MARK: [u8; 6] = *b"S390EP";
const INITRD_START: u64 = 0x10408;
const INITRD_SIZE: u64 = 0x10410;
const COMMAND_LINE_LIMIT: u64 = 0x10430;
const COMMAND_LINE: u64 = 0x10480;
/// The limit of kernels whose parameter area has no size field.
const LEGACY_COMMAND_LINE_LIMIT: u64 = 896;

/// The kernel's command-line limit (including the terminating zero).
///
/// # Safety
/// The kernel image must be loaded from 0x10000 up.
pub unsafe fn command_line_limit() -> u64 {
    // SAFETY: the caller says the parameter area is loaded.
    let limit = unsafe { core::ptr::read_volatile(COMMAND_LINE_LIMIT as *const u64) };
    if limit == 0 {
        LEGACY_COMMAND_LINE_LIMIT
    } else {
        limit
    }
}

/// Fills the parameter area, copies the staged first 64 KiB of the
/// kernel to 0 and jumps to the kernel's entry.
///
/// # Safety
/// The kernel image must be loaded from 0x10000 up, its first
/// [`STAGED_BYTES`] in `staged`, the initrd at `initrd_start` for
/// `initrd_size` bytes, and `command_line` shorter than
/// [`command_line_limit`]. Every interruption must be disabled: the copy
/// overwrites the new PSWs.
pub unsafe fn start_linux(
    staged: &[u8; STAGED_BYTES],
    initrd_start: u64,
    initrd_size: u64,
    command_line: &[u8],
) -> ! {
    // SAFETY: the parameter area lies in the loaded kernel image, which
    // nothing else uses any more; the caller checked the command line's
    // length against the kernel's limit.
    unsafe {
        core::ptr::write_volatile(INITRD_START as *mut u64, initrd_start);
        core::ptr::write_volatile(INITRD_SIZE as *mut u64, initrd_size);
        let line = COMMAND_LINE as *mut u8;
        core::ptr::copy_nonoverlapping(command_line.as_ptr(), line, command_line.len());
        core::ptr::write_volatile(line.add(command_line.len()), 0);
    }
    let psw = Psw::disabled(ENTRY);
    // SAFETY: MVCLE copies the staged bytes to real address 0 (where Rust
    // cannot write: a null pointer), replacing lowcore; every interruption
    // is off, so no new PSW is fetched before LPSWE loads the kernel's
    // PSW from our stack, which lies far above the copy.
    unsafe {
        core::arch::asm!(
            "0: mvcle %r2, %r4, 0",
            "jo 0b",
            "lpswe 0({psw})",
            in("r2") KERNEL_ADDRESS,
            in("r3") STAGED_BYTES as u64,
            in("r4") staged.as_ptr(),
            in("r5") STAGED_BYTES as u64,
            psw = in(reg_addr) &psw,
            options(noreturn),
        );
    }
}
