//! The z/Architecture program-status word (PoP, chapter 4 "Control",
//! "Program-Status Word", Figure 4-1 PSW Format in the z/Architecture
//! Architectural Mode).

/// A 16-byte PSW as it is stored in the lowcore and loaded by LPSWE.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(C, align(8))]
pub struct Psw {
    /// Bits 0-63: the mask (interruption masks, key, wait state, mode).
    pub mask: u64,
    /// Bits 64-127: the instruction address.
    pub address: u64,
}

impl Psw {
    /// Bit 6: I/O interruptions enabled (subject to CR6).
    pub const MASK_IO: u64 = 1 << (63 - 6);
    /// Bit 7: external interruptions enabled (subject to CR0).
    pub const MASK_EXTERNAL: u64 = 1 << (63 - 7);
    /// Bit 13: machine-check interruptions enabled.
    pub const MASK_MACHINE_CHECK: u64 = 1 << (63 - 13);
    /// Bit 14: wait state.
    pub const MASK_WAIT: u64 = 1 << (63 - 14);
    /// Bits 31 and 32: extended and basic addressing, i.e. 64-bit mode.
    pub const MASK_64BIT: u64 = (1 << (63 - 31)) | (1 << (63 - 32));

    /// A disabled-wait PSW whose address carries `code`: the way a program
    /// without an operating system stops and tells the operator why.
    pub const fn disabled_wait(code: u64) -> Self {
        Psw {
            mask: Self::MASK_WAIT | Self::MASK_64BIT,
            address: code,
        }
    }

    /// A PSW that runs `address` in 64-bit mode with all interruptions off.
    pub const fn disabled(address: u64) -> Self {
        Psw {
            mask: Self::MASK_64BIT,
            address,
        }
    }
}
