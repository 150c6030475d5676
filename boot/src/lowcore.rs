//! The lowcore: the assigned storage locations of the z/Architecture
//! prefix area (PoP, chapter 3 "Storage", section "Assigned Storage
//! Locations").
//!
//! The CPU writes interruption codes and old PSWs here and loads new PSWs from
//! here; the program writes the new PSWs. Every access is volatile
//! (`volatile-register`), because the CPU changes these bytes behind the
//! compiler's back. Address 0 itself is never dereferenced (it is Rust's null
//! pointer): the structures below start at 0x80 and 0x1a0.

use crate::psw::Psw;
use volatile_register::{RO, RW};

/// Interruption codes stored by the CPU (real addresses 0x80-0xc3).
#[repr(C)]
pub struct InterruptionCodes {
    /// 0x80: external-interruption parameter (for a service signal: the
    /// SCCB address).
    pub external_parameter: RO<u32>,
    /// 0x84: CPU address of the external-interruption source.
    pub external_cpu_address: RO<u16>,
    /// 0x86: external-interruption code (0x2401: service signal).
    pub external_code: RO<u16>,
    /// 0x88: SVC interruption: ILC in bits 13-14 of this halfword.
    pub svc_ilc: RO<u16>,
    /// 0x8a: SVC interruption code.
    pub svc_code: RO<u16>,
    /// 0x8c: program interruption: ILC in bits 13-14 of this halfword.
    pub program_ilc: RO<u16>,
    /// 0x8e: program interruption code.
    pub program_code: RO<u16>,
    _reserved_90: [u32; 10],
    /// 0xb8: I/O interruption: subchannel identification word.
    pub subchannel_id: RO<u32>,
    /// 0xbc: I/O interruption parameter (the ORB's interruption parameter).
    pub io_interruption_parameter: RO<u32>,
    /// 0xc0: I/O interruption identification word (ISC, A bit).
    pub io_interruption_id: RO<u32>,
}

/// Real address of [`InterruptionCodes`].
pub const INTERRUPTION_CODES: usize = 0x80;
/// Real address of the machine-check interruption code (8 bytes).
pub const MACHINE_CHECK_CODE: usize = 0xe8;

/// The old PSWs (real addresses 0x120-0x17f), stored by the CPU.
#[repr(C)]
pub struct OldPsws {
    /// 0x120: restart old PSW.
    pub restart: RO<Psw>,
    /// 0x130: external old PSW.
    pub external: RW<Psw>,
    /// 0x140: supervisor-call old PSW.
    pub svc: RO<Psw>,
    /// 0x150: program old PSW.
    pub program: RO<Psw>,
    /// 0x160: machine-check old PSW.
    pub machine_check: RO<Psw>,
    /// 0x170: I/O old PSW.
    pub io: RW<Psw>,
}

/// Real address of [`OldPsws`].
pub const OLD_PSWS: usize = 0x120;

/// The new PSWs (real addresses 0x1a0-0x1ff), loaded by the CPU.
#[repr(C)]
pub struct NewPsws {
    /// 0x1a0: restart new PSW.
    pub restart: RW<Psw>,
    /// 0x1b0: external new PSW.
    pub external: RW<Psw>,
    /// 0x1c0: supervisor-call new PSW.
    pub svc: RW<Psw>,
    /// 0x1d0: program new PSW.
    pub program: RW<Psw>,
    /// 0x1e0: machine-check new PSW.
    pub machine_check: RW<Psw>,
    /// 0x1f0: I/O new PSW.
    pub io: RW<Psw>,
}

/// Real address of [`NewPsws`].
pub const NEW_PSWS: usize = 0x1a0;

const _: () = assert!(core::mem::size_of::<InterruptionCodes>() == 0xc4 - 0x80);
const _: () = assert!(core::mem::size_of::<OldPsws>() == 0x60);
const _: () = assert!(core::mem::size_of::<NewPsws>() == 0x60);

/// The interruption codes in this CPU's lowcore.
pub fn interruption_codes() -> &'static InterruptionCodes {
    // SAFETY: prefix is 0 on this single-CPU runtime, so real address 0x80 is
    // the lowcore's interruption-code area: always mapped (DAT is off),
    // aligned, and only ever accessed through the volatile cells.
    unsafe { &*(INTERRUPTION_CODES as *const InterruptionCodes) }
}

/// The old PSWs in this CPU's lowcore.
pub fn old_psws() -> &'static OldPsws {
    // SAFETY: as for `interruption_codes`: real address 0x120, volatile cells.
    unsafe { &*(OLD_PSWS as *const OldPsws) }
}

/// The new PSWs in this CPU's lowcore.
pub fn new_psws() -> &'static NewPsws {
    // SAFETY: as for `interruption_codes`: real address 0x1a0, volatile cells.
    unsafe { &*(NEW_PSWS as *const NewPsws) }
}

/// The machine-check interruption code the CPU stored with the last
/// machine-check interruption.
pub fn machine_check_code() -> u64 {
    // SAFETY: real address 0xe8 is the lowcore's doubleword-aligned
    // machine-check interruption code; read volatile because the CPU writes it.
    unsafe { core::ptr::read_volatile(MACHINE_CHECK_CODE as *const u64) }
}
