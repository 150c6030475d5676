//! The boot disk: found by device number or as the first virtio-blk
//! device, read through this library's virtio-blk driver (polled).

use crate::error::BootError;
use core::ptr::addr_of_mut;
use s390_cio::css::{ChannelSubsystem, Cpu};
use s390_cio::devices::virtio::blk::{
    BlkError, DataBuffer, RequestStorage, Token, VirtioBlk, MAX_IN_FLIGHT,
};
use s390_cio::devices::virtio::ccw::{ControlArea, Transport};
use s390_cio::devices::virtio::queue::QueueStorage;
use s390_cio::devices::virtio::Diagnose500;
use s390_cio::discovery::{self, Device};
use s390_cio::driver::{Clock, Subchannel, TodClock};
use s390_cio::instructions::{ModifyResult, StoreResult, TestSubchannelResult};
use s390_cio::memory::RealMemory;
use s390_cio::structures::{Irb, Isc, Schib, SubchannelId};
use s390_cio_boot::{interrupts, println};

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
/// Longest wait for the next completion (microseconds).
const COMPLETION_TIMEOUT_US: u64 = 10_000_000;
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
    /// Bytes read and TOD-clock time spent in [`Disk::read`].
    stats: ReadStats,
}

/// What the reads cost.
#[derive(Clone, Copy, Debug, Default)]
pub struct ReadStats {
    /// Bytes read.
    pub bytes: u64,
    /// Microseconds spent reading (TOD clock).
    pub micros: u64,
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
        let isc = Isc::new(3).ok_or(BootError::Storage("interruption subclass 3"))?;
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
        let placement = BootError::Storage("control area");
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
            QueueStorage::new(queue, QUEUE_CAPACITY).ok_or(BootError::Storage("queue storage"))?,
            RequestStorage::new(requests).ok_or(BootError::Storage("request storage"))?,
        )
        .map_err(BootError::DiskSetup)?;
        Ok(Disk {
            blk,
            device_number: device.device_number,
            enabled: devices.iter().map(|d| d.subchannel).collect(),
            stats: ReadStats::default(),
        })
    }

    /// The disk's device number.
    pub fn device_number(&self) -> u16 {
        self.device_number
    }

    /// Bytes read so far and the time it took.
    pub fn stats(&self) -> ReadStats {
        self.stats
    }

    /// Capacity in 512-byte sectors.
    pub fn capacity(&self) -> u64 {
        self.blk.capacity()
    }

    /// Reads `length` bytes (rounded up to whole sectors) from `sector` to
    /// real address `address`, in [`CHUNK`]-byte requests, as many in
    /// flight as the driver allows. On an error the bootloader stops, so
    /// requests still in flight only ever write the storage given here.
    ///
    /// # Safety
    /// `address .. address + length` rounded up to 512 bytes must be
    /// storage the program does not use, below 2 GiB.
    pub unsafe fn read(&mut self, sector: u64, address: u64, length: u64) -> Result<(), BootError> {
        let start = TodClock.now_us();
        let total = length.next_multiple_of(512);
        let depth = self.blk.info().max_in_flight.max(1);
        let mut in_flight: heapless::Vec<(Token, u64), MAX_IN_FLIGHT> = heapless::Vec::new();
        let mut submitted = 0;
        let mut deadline = TodClock.now_us() + COMPLETION_TIMEOUT_US;
        loop {
            while submitted < total && in_flight.len() < depth {
                let size = (total - submitted).min(u64::from(CHUNK));
                let at = sector + submitted / 512;
                let buffer = u32::try_from(address + submitted)
                    .ok()
                    .and_then(|a| DataBuffer::new(a, size as u32))
                    .ok_or(BootError::Storage("read buffer above 2 GiB"))?;
                // SAFETY: the caller gives us this storage; the device
                // writes it until the request completes, and nothing else
                // touches it.
                let token = unsafe { self.blk.submit_read(at, buffer) }
                    .map_err(|error| BootError::Read { sector: at, error })?;
                in_flight.push((token, at)).map_err(|_| BootError::Read {
                    sector: at,
                    error: BlkError::Busy,
                })?;
                submitted += size;
            }
            if in_flight.is_empty() {
                self.stats.bytes += total;
                self.stats.micros += TodClock.now_us() - start;
                return Ok(());
            }
            let first = in_flight[0].1;
            match self.blk.poll_completion() {
                Ok(Some((token, result))) => {
                    let Some(i) = in_flight.iter().position(|&(t, _)| t == token) else {
                        return Err(BootError::Read {
                            sector: first,
                            error: BlkError::Broken,
                        });
                    };
                    let (_, at) = in_flight.swap_remove(i);
                    result.map_err(|e| BootError::Read {
                        sector: at,
                        error: BlkError::Request(e),
                    })?;
                    deadline = TodClock.now_us() + COMPLETION_TIMEOUT_US;
                }
                Ok(None) if TodClock.now_us() > deadline => {
                    return Err(BootError::Read {
                        sector: first,
                        error: BlkError::TimedOut,
                    });
                }
                Ok(None) => {}
                Err(error) => {
                    return Err(BootError::Read {
                        sector: first,
                        error,
                    })
                }
            }
        }
    }

    /// Resets the device (VDEV_RESET), then leaves every subchannel
    /// discovery enabled as after a machine reset: status collected,
    /// disabled, and no I/O interruption request left pending (QEMU's
    /// TSCH does not withdraw one, so TPI takes them: the kernel would
    /// otherwise get interruptions carrying this program's interruption
    /// parameters). QEMU also forgets the virtio revision of a disabled
    /// subchannel, so the kernel negotiates afresh.
    pub fn close(self) {
        if let Err(error) = self.blk.reset() {
            println!("bootloader: warning: disk reset failed ({error}); the kernel resets it");
        }
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
                let result = Cpu.modify_subchannel(id, &schib);
                if result != ModifyResult::Modified {
                    println!("bootloader: warning: subchannel {id} stays enabled: MSCH {result:?}");
                }
            }
        }
        for isc in 0..8 {
            interrupts::enable_isc(isc);
        }
        while Cpu.test_pending_interruption().is_some() {}
    }
}
