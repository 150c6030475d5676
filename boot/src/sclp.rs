//! The SCLP VT220 console (QEMU): Write Event Mask once, then Write Event
//! Data of event type 0x1a per line.
//!
//! The service-call logical processor is reached with SERVC; it completes
//! each SCCB asynchronously and signals with a service-signal external
//! interruption, which we wait for before touching the SCCB again.

use crate::interrupts::{self, InterruptClasses};
use core::ptr::{addr_of, addr_of_mut};

const WRITE_EVENT_MASK: u32 = 0x0078_0005;
const WRITE_EVENT_DATA: u32 = 0x0076_0005;
const NORMAL_COMPLETION: u16 = 0x0020;
const EVENT_TYPE_VT220: u8 = 0x1a;
const VT220_MASK: u32 = 0x8000_0000 >> (EVENT_TYPE_VT220 - 1);
/// CR0 bit 54: service-signal external-interruption subclass mask.
const CR0_SERVICE_SIGNAL: u64 = 1 << (63 - 54);
/// SERVC condition code 2: the SCLP is busy with another SCCB.
const SERVC_BUSY: u32 = 2;
const HEADER_LEN: usize = 8;
const EVENT_HEADER_LEN: usize = 6;
/// Room for one line of text in the event buffer.
pub(crate) const MAX_LINE: usize = 512;

/// An SCCB: 8-byte aligned, below 2 GiB, within one page and outside the
/// first 8 KiB (it lives in .bss, above the lowcore, below 16 MiB).
#[repr(C, align(4096))]
struct Sccb {
    bytes: [u8; HEADER_LEN + EVENT_HEADER_LEN + MAX_LINE],
}

static mut SCCB: Sccb = Sccb {
    bytes: [0; HEADER_LEN + EVENT_HEADER_LEN + MAX_LINE],
};

/// Issues SERVC for the SCCB and waits for its service signal; returns the
/// SCCB's response code.
///
/// # Safety
/// The caller has exclusive use of `SCCB` (the console lock) and has filled
/// in a valid request.
unsafe fn service_call(command: u32) -> u16 {
    let sccb = addr_of_mut!(SCCB) as u64;
    loop {
        let cc: u32;
        // SAFETY: SERVC with a valid command and a page-aligned SCCB below
        // 2 GiB that nothing else touches until the service signal arrives;
        // the SCLP writes the SCCB, hence no `nomem`.
        unsafe {
            core::arch::asm!(
                ".insn rre,0xb2200000,{cmd},{sccb}",
                "ipm {cc}",
                "srl {cc}, 28",
                cmd = in(reg) u64::from(command),
                sccb = in(reg) sccb,
                cc = out(reg) cc,
                options(nostack),
            );
        }
        if cc == SERVC_BUSY {
            continue;
        }
        if cc != 0 {
            return 0;
        }
        while interrupts::take_service_signal().is_none() {
            interrupts::wait_for_interrupt(InterruptClasses {
                io: false,
                external: true,
            });
        }
        // SAFETY: the SCLP finished with the SCCB (service signal taken).
        let response = unsafe { addr_of!(SCCB.bytes[6]).cast::<[u8; 2]>().read_volatile() };
        return u16::from_be_bytes(response);
    }
}

/// Fills the SCCB header.
///
/// # Safety
/// As for [`service_call`].
unsafe fn write_header(length: usize) {
    // SAFETY: exclusive use of SCCB per the caller's contract.
    let bytes = unsafe { &mut *addr_of_mut!(SCCB.bytes) };
    bytes.fill(0);
    bytes[0..2].copy_from_slice(&(length as u16).to_be_bytes());
}

/// Registers for VT220 output; returns whether the SCLP accepts VT220 events.
///
/// # Safety
/// As for [`service_call`]: called once, under the console lock.
pub(crate) unsafe fn init_vt220() -> bool {
    interrupts::set_cr0_bits(CR0_SERVICE_SIGNAL);
    const MASK_LEN: usize = 4;
    let length = HEADER_LEN + 4 + 4 * MASK_LEN;
    // SAFETY: the caller holds the console lock.
    unsafe { write_header(length) };
    // SAFETY: as above.
    let bytes = unsafe { &mut *addr_of_mut!(SCCB.bytes) };
    bytes[10..12].copy_from_slice(&(MASK_LEN as u16).to_be_bytes());
    // cp_receive_mask (12..16) stays 0: we read nothing; cp_send_mask:
    bytes[16..20].copy_from_slice(&VT220_MASK.to_be_bytes());
    // SAFETY: the SCCB holds a complete Write Event Mask request.
    let response = unsafe { service_call(WRITE_EVENT_MASK) };
    // SAFETY: the call is complete; the SCCB is ours again.
    let bytes = unsafe { &*addr_of!(SCCB.bytes) };
    let sclp_receive_mask = u32::from_be_bytes([bytes[20], bytes[21], bytes[22], bytes[23]]);
    response == NORMAL_COMPLETION && sclp_receive_mask & VT220_MASK != 0
}

/// Writes `text` (at most [`MAX_LINE`] bytes; the rest is cut) as one VT220
/// event.
///
/// # Safety
/// As for [`service_call`], after a successful [`init_vt220`].
pub(crate) unsafe fn write_vt220(text: &[u8]) {
    let text = &text[..text.len().min(MAX_LINE)];
    let length = HEADER_LEN + EVENT_HEADER_LEN + text.len();
    // SAFETY: the caller holds the console lock.
    unsafe { write_header(length) };
    // SAFETY: as above.
    let bytes = unsafe { &mut *addr_of_mut!(SCCB.bytes) };
    bytes[8..10].copy_from_slice(&((EVENT_HEADER_LEN + text.len()) as u16).to_be_bytes());
    bytes[10] = EVENT_TYPE_VT220;
    bytes[HEADER_LEN + EVENT_HEADER_LEN..length].copy_from_slice(text);
    // SAFETY: the SCCB holds a complete Write Event Data request.
    unsafe { service_call(WRITE_EVENT_DATA) };
}
