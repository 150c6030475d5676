//! The boot disk: found by device number or as the first virtio-blk
//! device, read through this library's virtio-blk driver (polled).

use crate::error::BootError;
use core::ptr::addr_of_mut;
use s390_cio::css::{ChannelSubsystem, Cpu};
use s390_cio::devices::virtio::blk::{DataBuffer, RequestStorage, VirtioBlk};
use s390_cio::devices::virtio::ccw::{ControlArea, Transport};
use s390_cio::devices::virtio::queue::QueueStorage;
use s390_cio::devices::virtio::Diagnose500;
use s390_cio::discovery::{self, Device};
use s390_cio::driver::{Subchannel, TodClock};
use s390_cio::instructions::{StoreResult, TestSubchannelResult};
use s390_cio::memory::RealMemory;
use s390_cio::structures::{Irb, Isc, Schib, SubchannelId};
use s390_cio_boot::interrupts;

/// Control-unit type of virtio-ccw devices.
const VIRTIO_CU_TYPE: u16 = 0x3832;
/// Control-unit model of a virtio-blk device (the virtio device id).
const VIRTIO_BLK_MODEL: u8 = 2;
/// Devices looked at (a small machine's).
const MAX_DEVICES: usize = 64;
/// Entries of the queue storage (QEMU's queue has 256; this caps it).
const QUEUE_CAPACITY: u16 = 64;
/// Interruption parameter of the disk's subchannel.
const INTERRUPTION_PARAMETER: u32 = 0xb007;
/// Most status collections per subchannel before it is disabled.
const STATUS_COLLECTIONS: usize = 16;
/// Bytes per read request.
pub const CHUNK: u32 = 128 * 1024;

#[repr(C, align(16))]
struct Aligned<const N: usize>([u8; N]);

/// What the driver and the device share (DAT off, below 2 GiB).
#[repr(C, align(4096))]
struct Storage {
    queue: Aligned<{ QueueStorage::size(QUEUE_CAPACITY) }>,
    requests: Aligned<{ RequestStorage::SIZE }>,
    control: Aligned<{ ControlArea::SIZE }>,
}

static mut STORAGE: Storage = Storage {
    queue: Aligned([0; QueueStorage::size(QUEUE_CAPACITY)]),
    requests: Aligned([0; RequestStorage::SIZE]),
    control: Aligned([0; ControlArea::SIZE]),
};

// SAFETY: only the one disk driver uses this memory, and it touches only
// `STORAGE` and the buffers its reads name.
static MEMORY: RealMemory = unsafe { RealMemory::new() };

type Blk = VirtioBlk<'static, Cpu, RealMemory, TodClock, Diagnose500>;

/// The boot disk.
pub struct Disk {
    blk: Blk,
    device_number: u16,
    /// Every subchannel discovery enabled, to disable before Linux starts.
    enabled: heapless::Vec<SubchannelId, MAX_DEVICES>,
}

fn is_virtio_blk(device: &Device) -> bool {
    device.identity.is_ok_and(|identity| {
        identity.control_unit_type == VIRTIO_CU_TYPE
            && identity.control_unit_model == VIRTIO_BLK_MODEL
    })
}

impl Disk {
    /// Enables and identifies every device of subchannel set 0, then opens
    /// the IPL device `ipl_device` if given, else the first virtio-blk
    /// device.
    pub fn open(ipl_device: Option<u16>) -> Result<Disk, BootError> {
        let isc = Isc::new(3).ok_or(BootError::NoDisk("no interruption subclass 3"))?;
        let devices = discovery::discover::<_, MAX_DEVICES>(&Cpu, 0, isc);
        let device = match ipl_device {
            Some(number) => devices
                .iter()
                .find(|d| d.device_number == number)
                .filter(|d| is_virtio_blk(d))
                .ok_or(BootError::IplDeviceUnusable(number))?,
            None => devices
                .iter()
                .find(|d| is_virtio_blk(d))
                .ok_or(BootError::NoDisk("no IPL device and no virtio-blk device"))?,
        };
        let subchannel = Subchannel::new(&Cpu, &MEMORY, device.subchannel, INTERRUPTION_PARAMETER);
        // SAFETY: only the address is taken, no reference is made; the
        // storage is reserved for this driver.
        let control = unsafe { addr_of_mut!(STORAGE.control) } as u32;
        // SAFETY: as above.
        let queue = unsafe { addr_of_mut!(STORAGE.queue) } as u32;
        // SAFETY: as above.
        let requests = unsafe { addr_of_mut!(STORAGE.requests) } as u32;
        let placement = BootError::NoDisk("driver storage above 2 GiB");
        let transport = Transport::new(
            subchannel,
            &MEMORY,
            &TodClock,
            ControlArea::new(control).ok_or(placement)?,
        );
        // SAFETY: the notifier is only used for the queue this driver sets
        // up, whose buffers the read contracts below keep valid.
        let notify = unsafe { Diagnose500::new() };
        let blk = VirtioBlk::new(
            transport,
            notify,
            QueueStorage::new(queue, QUEUE_CAPACITY)
                .ok_or(BootError::NoDisk("queue storage above 2 GiB"))?,
            RequestStorage::new(requests)
                .ok_or(BootError::NoDisk("request storage above 2 GiB"))?,
        )
        .map_err(BootError::DiskSetup)?;
        Ok(Disk {
            blk,
            device_number: device.device_number,
            enabled: devices.iter().map(|d| d.subchannel).collect(),
        })
    }

    /// The disk's device number.
    pub fn device_number(&self) -> u16 {
        self.device_number
    }

    /// Capacity in 512-byte sectors.
    pub fn capacity(&self) -> u64 {
        self.blk.capacity()
    }

    /// Reads `length` bytes (rounded up to whole sectors) from `sector` to
    /// real address `address`, [`CHUNK`] bytes per request.
    ///
    /// # Safety
    /// `address .. address + length` rounded up to 512 bytes must be
    /// storage the program does not use, below 2 GiB.
    pub unsafe fn read(&mut self, sector: u64, address: u64, length: u64) -> Result<(), BootError> {
        let total = length.next_multiple_of(512);
        let mut done = 0;
        while done < total {
            let size = (total - done).min(u64::from(CHUNK));
            let at = sector + done / 512;
            let buffer = u32::try_from(address + done)
                .ok()
                .and_then(|a| DataBuffer::new(a, size as u32))
                .ok_or(BootError::NoDisk("read buffer above 2 GiB"))?;
            // SAFETY: the caller gives us this storage for the call; `read`
            // returns only when the device is done with it.
            unsafe { self.blk.read(at, buffer) }
                .map_err(|error| BootError::Read { sector: at, error })?;
            done += size;
        }
        Ok(())
    }

    /// Resets the device (VDEV_RESET), then leaves every subchannel
    /// discovery enabled as after a machine reset: status collected,
    /// disabled, and no I/O interruption request left pending (QEMU's
    /// TSCH does not withdraw one, so TPI takes them: the kernel would
    /// otherwise get interruptions carrying this program's interruption
    /// parameters). QEMU also forgets the virtio revision of a disabled
    /// subchannel, so the kernel negotiates afresh.
    pub fn close(self) {
        // A failed reset leaves the device to the kernel's own reset.
        let _ = self.blk.reset();
        for &id in &self.enabled {
            let mut irb = Irb::default();
            for _ in 0..STATUS_COLLECTIONS {
                if Cpu.test_subchannel(id, &mut irb) != TestSubchannelResult::StatusWasPending {
                    break;
                }
            }
            let mut schib = Schib::default();
            if Cpu.store_subchannel(id, &mut schib) == StoreResult::Stored {
                schib.pmcw.set_enabled(false);
                Cpu.modify_subchannel(id, &schib);
            }
        }
        for isc in 0..8 {
            interrupts::enable_isc(isc);
        }
        while Cpu.test_pending_interruption().is_some() {}
    }
}
