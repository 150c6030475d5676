//! The IPL device, from the IPL parameter block that DIAGNOSE 0x308
//! subcode 6 ("store IPL parameters") stores (the block's layout is Linux's
//! `arch/s390/include/uapi/asm/ipl.h`; QEMU stores a CCW-type block naming
//! the device of `bootindex=1`).

use core::ptr::addr_of_mut;

/// Subcode 6 of DIAGNOSE 0x308: store the IPL parameter block.
const STORE_IPL_PARAMETERS: u64 = 6;
/// Response code: the block was stored.
const RESPONSE_STORED: u64 = 0x0001;
/// Parameter block type of a CCW (channel-attached device) IPL.
const BLOCK_TYPE_CCW: u8 = 2;
/// Offset of the parameter block type (after the list header and the
/// block's length).
const BLOCK_TYPE_OFFSET: usize = 12;
/// Offset of the subchannel-set id and device number in a CCW block
/// (0x18 + 85 and + 86).
const SSID_OFFSET: usize = 0x6d;
const DEVNO_OFFSET: usize = 0x6e;

/// The page DIAGNOSE 0x308 stores into (it must be page aligned).
#[repr(C, align(4096))]
struct Page([u8; 4096]);

static mut IPL_BLOCK: Page = Page([0; 4096]);

/// The IPL device's number (subchannel set 0), if the machine has a CCW
/// IPL parameter block.
pub fn ipl_device_number() -> Option<u16> {
    let page = addr_of_mut!(IPL_BLOCK);
    let response: u64;
    // SAFETY: DIAGNOSE 0x308 subcode 6 stores at most 4 KiB at the
    // page-aligned address in r2 and sets r3; it changes nothing else.
    unsafe {
        core::arch::asm!(
            "diag %r2, %r4, 0x308",
            in("r2") page as u64,
            inout("r3") 0u64 => response,
            in("r4") STORE_IPL_PARAMETERS,
            options(nostack),
        );
    }
    if response != RESPONSE_STORED {
        return None;
    }
    // SAFETY: the store is complete; nothing else writes the page.
    let block = unsafe { &(*page).0 };
    if block[BLOCK_TYPE_OFFSET] != BLOCK_TYPE_CCW || block[SSID_OFFSET] != 0 {
        return None;
    }
    Some(u16::from_be_bytes([
        block[DEVNO_OFFSET],
        block[DEVNO_OFFSET + 1],
    ]))
}
