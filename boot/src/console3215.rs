//! A 3215 console reached with this library's own channel I/O (Hercules).
//!
//! Found by SENSE ID device type 0x3215 (Hercules answers `FF 3215 00 3215
//! 00`); each line is written by the library's unit-record
//! [`Console`] driver, polled to its end.

use core::ptr::addr_of;
use s390_cio::css::{ChannelSubsystem, Cpu};
use s390_cio::devices::unit_record::{Console, RecordArea, RecordChannel, DATA_CAPACITY};
use s390_cio::discovery;
use s390_cio::driver::{Subchannel, TodClock};
use s390_cio::memory::RealMemory;
use s390_cio::structures::{Isc, SubchannelId};

/// SENSE ID device type of the console.
const DEVICE_TYPE_3215: u16 = 0x3215;
/// Longest line Hercules' 3215-C writes as one line (it cuts at 150 bytes).
pub(crate) const MAX_LINE: usize = if DATA_CAPACITY < 149 {
    DATA_CAPACITY
} else {
    149
};
/// The subclass the console subchannel is enabled with; the runtime never
/// enables it in CR6, so console I/O never raises interruptions.
const CONSOLE_ISC: u8 = 7;

/// The console driver's record area: doubleword aligned, below 16 MiB
/// (.bss), used only under the console lock.
#[repr(C, align(8))]
struct ConsoleStorage([u8; RecordArea::SIZE]);

static mut STORAGE: ConsoleStorage = ConsoleStorage([0; RecordArea::SIZE]);

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
/// The caller has exclusive use of the console storage (the console lock).
pub(crate) unsafe fn write_line(id: SubchannelId, text: &[u8]) {
    let Some(area) = RecordArea::new(addr_of!(STORAGE) as u32) else {
        return;
    };
    // SAFETY: the only storage the driver touches is STORAGE, a static
    // below 2 GiB that only this function uses, under the console lock.
    let memory = unsafe { RealMemory::new() };
    let channel = RecordChannel::new(
        Subchannel::new(&Cpu, &memory, id, 0),
        &memory,
        &TodClock,
        area,
    );
    let mut console = Console::new(channel);
    // A failed write has nowhere to be reported.
    let _ = console.write_line(&text[..text.len().min(MAX_LINE)]);
}
