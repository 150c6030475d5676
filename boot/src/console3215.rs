//! A 3215 console reached with this library's own channel I/O (Hercules).
//!
//! Found by SENSE ID device type 0x3215 (Hercules answers `FF 3215 00 3215
//! 00`); each line is one WRITE, CARRIER RETURN CCW (command 0x09) with SLI,
//! EBCDIC data, run polled to its end.

use crate::ebcdic;
use core::ptr::addr_of_mut;
use s390_cio::css::{ChannelSubsystem, Cpu};
use s390_cio::discovery;
use s390_cio::driver;
use s390_cio::structures::{Ccw1, CcwFlags, Isc, Orb, SubchannelId};

/// SENSE ID device type of the console.
const DEVICE_TYPE_3215: u16 = 0x3215;
/// WRITE with automatic carrier return.
const WRITE_CARRIER_RETURN: u8 = 0x09;
/// Longest line Hercules' 3215-C writes as one line (it cuts at 150 bytes).
pub(crate) const MAX_LINE: usize = 149;
/// The subclass the console subchannel is enabled with; the runtime never
/// enables it in CR6, so console I/O never raises interruptions.
const CONSOLE_ISC: u8 = 7;

/// The write's CCW and data, doubleword aligned, below 16 MiB (.bss).
#[repr(C, align(8))]
struct WriteProgram {
    ccw: Ccw1,
    data: [u8; MAX_LINE],
}

static mut PROGRAM: WriteProgram = WriteProgram {
    ccw: Ccw1::new(WRITE_CARRIER_RETURN, CcwFlags::SLI, 0, 0),
    data: [0; MAX_LINE],
};

/// Finds and enables the first 3215 in subchannel set 0. Subchannels it
/// enabled only to ask SENSE ID are disabled again.
pub(crate) fn find() -> Option<SubchannelId> {
    let isc = Isc::new(CONSOLE_ISC)?;
    for (id, schib) in discovery::enumerate(&Cpu, 0) {
        if discovery::enable(&Cpu, id, isc).is_err() {
            continue;
        }
        if let Ok(identity) = discovery::sense_id(&Cpu, id) {
            if identity.device_type == Some(DEVICE_TYPE_3215) {
                return Some(id);
            }
        }
        if !schib.pmcw.is_enabled() {
            Cpu.modify_subchannel(id, &schib);
        }
    }
    None
}

/// Writes one line (without its newline; longer lines are cut).
///
/// # Safety
/// The caller has exclusive use of the write program (the console lock).
pub(crate) unsafe fn write_line(id: SubchannelId, text: &[u8]) {
    // SAFETY: exclusive use per the caller's contract.
    let program = unsafe { &mut *addr_of_mut!(PROGRAM) };
    let text = &text[..text.len().min(MAX_LINE)];
    // A zero count is a program check: an empty line is one blank.
    let length = text.len().max(1);
    program.data[0] = ebcdic::from_ascii(b' ');
    for (to, &from) in program.data.iter_mut().zip(text) {
        *to = ebcdic::from_ascii(from);
    }
    let data_address = program.data.as_ptr() as u32;
    program.ccw = Ccw1::new(
        WRITE_CARRIER_RETURN,
        CcwFlags::SLI,
        length as u16,
        data_address,
    );
    let orb = Orb::new(&program.ccw as *const Ccw1 as u32);
    // SAFETY: PROGRAM is a static below 16 MiB that only this function
    // touches, under the console lock, and `run_once` returns only when the
    // channel is done with it. A failed write has nowhere to be reported.
    let _ = unsafe { driver::run_once(&Cpu, id, orb) };
}
