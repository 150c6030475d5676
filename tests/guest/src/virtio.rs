//! The virtio-blk disks of the QEMU machine (`xtask/src/programs.rs`):
//! opening a driver on one, in storage the program reserves, polled or
//! interrupt-driven; the I/O interruption handler that fills the mailbox;
//! the pattern checks.

use crate::subchannel_of;
use s390_cio::css::{ChannelSubsystem, Cpu};
use s390_cio::devices::virtio::blk::{BlkError, DataBuffer, RequestStorage, VirtioBlk};
use s390_cio::devices::virtio::ccw::{ControlArea, Transport, TransportError};
use s390_cio::devices::virtio::indicators::IndicatorArea;
use s390_cio::devices::virtio::queue::QueueStorage;
use s390_cio::devices::virtio::Diagnose500;
use s390_cio::driver::{StatusMailbox, Subchannel, TodClock};
use s390_cio::instructions::{InterruptionCode, ModifyResult, TestSubchannelResult};
use s390_cio::memory::{ChannelMemory, RealMemory};
use s390_cio::structures::{Irb, Schib, SubchannelId};
use s390_cio_boot::interrupts::{self, IoInterruption};
use s390_cio_boot::testing::TestFailure;

/// The read-write disk in the pattern of disk 0.
pub const DISK0: u16 = 0x0100;
/// The read-write disk in the pattern of disk 1.
pub const DISK1: u16 = 0x0101;
/// The read-only disk in the pattern of disk 2.
pub const DISK_RO: u16 = 0x0102;
/// Sectors of each test disk (`TEST_DISK_SECTORS` in xtask).
pub const TEST_DISK_SECTORS: u64 = 4096;
/// Entries of each queue (QEMU's queues have 128 or more; this caps them).
pub const QUEUE_CAPACITY: u16 = 64;

/// The driver type of the guests.
pub type Blk = VirtioBlk<'static, Cpu, RealMemory, TodClock, Diagnose500>;
/// The transport type of the guests.
pub type BlkTransport = Transport<'static, Cpu, RealMemory, TodClock>;

/// Status the I/O interruption handler collected, for every disk.
static MAILBOX: StatusMailbox<16> = StatusMailbox::new();

// SAFETY: the drivers made here touch only the storage their callers
// reserve for them (a `DiskArea` each) and the buffers they are given.
static MEMORY: RealMemory = unsafe { RealMemory::new() };

/// The mailbox of [`install_io_handler`]. Not inlined: generic code of a
/// program must not reference this crate's statics directly (GNU ld).
#[inline(never)]
pub fn mailbox() -> &'static StatusMailbox<16> {
    &MAILBOX
}

/// The guests' channel memory.
#[inline(never)]
pub fn memory() -> &'static RealMemory {
    &MEMORY
}

fn on_io_interruption(interruption: IoInterruption) {
    MAILBOX.on_interruption(
        &Cpu,
        InterruptionCode {
            subchannel_id: interruption.subchannel_id,
            interruption_parameter: interruption.interruption_parameter,
        },
    );
}

/// Makes the I/O interruption handler put status into [`mailbox`] and
/// enables the test ISC.
pub fn install_io_handler() {
    interrupts::set_io_handler(on_io_interruption);
    interrupts::enable_isc(crate::ISC);
}

/// `N` bytes, page aligned: a program's static storage for one disk.
#[repr(C, align(4096))]
pub struct Area<const N: usize>(pub [u8; N]);

/// The layout of the storage one driver shares with its device: queue,
/// request headers, control area and indicators in the first 8 KiB, then
/// [`s390_cio::devices::virtio::blk::MAX_IN_FLIGHT`] data buffers of
/// `buffer_size` bytes.
#[derive(Clone, Copy, Debug)]
pub struct DiskArea {
    base: u32,
    buffer_size: u32,
}

impl DiskArea {
    /// Bytes of storage for buffers of `buffer_size` bytes.
    pub const fn bytes(buffer_size: usize) -> usize {
        0x2000 + 16 * buffer_size
    }

    /// The layout over `area` (an [`Area`] of [`DiskArea::bytes`]
    /// `(buffer_size)` bytes, below 2 GiB as every guest static is).
    pub fn new<const N: usize>(area: *mut Area<N>, buffer_size: u32) -> Self {
        assert!(
            N >= Self::bytes(buffer_size as usize),
            "disk area too small"
        );
        DiskArea {
            base: area as u32,
            buffer_size,
        }
    }

    fn queue(&self) -> QueueStorage {
        QueueStorage::new(self.base, QUEUE_CAPACITY).expect("queue placement")
    }

    fn requests(&self) -> RequestStorage {
        RequestStorage::new(self.base + 0x1000).expect("request placement")
    }

    fn control(&self) -> ControlArea {
        ControlArea::new(self.base + 0x1400).expect("control placement")
    }

    /// The indicator doublewords.
    pub fn indicators(&self) -> IndicatorArea {
        IndicatorArea::new(self.base + 0x1800).expect("indicator placement")
    }

    /// Data buffer `slot`, `len` bytes of it (at most the buffer size).
    pub fn buffer(&self, slot: usize, len: u32) -> DataBuffer {
        assert!(len <= self.buffer_size, "buffer too short");
        DataBuffer::new(self.base + 0x2000 + slot as u32 * self.buffer_size, len)
            .expect("buffer placement")
    }
}

/// The disk's subchannel, disabled and enabled again: QEMU forgets the
/// virtio revision when the subchannel is disabled, so every driver can
/// negotiate from the start. Status an earlier driver left pending (an
/// indicator's) is cleared first, as MSCH refuses a status-pending
/// subchannel.
fn fresh_subchannel(devno: u16) -> Result<SubchannelId, TestFailure> {
    let id = subchannel_of(devno)?;
    let mut irb = Irb::default();
    while Cpu.test_subchannel(id, &mut irb) == TestSubchannelResult::StatusWasPending {}
    let mut schib = Schib::default();
    Cpu.store_subchannel(id, &mut schib);
    schib.pmcw.set_enabled(false);
    if Cpu.modify_subchannel(id, &schib) != ModifyResult::Modified {
        return Err(TestFailure::new(format_args!("disabling {devno:04x}")));
    }
    subchannel_of(devno)
}

/// The transport of disk `devno` on a freshly enabled subchannel, its
/// control area in `area`. Request tags start at `first_tag`.
pub fn transport_of(
    devno: u16,
    area: DiskArea,
    first_tag: u32,
) -> Result<BlkTransport, TestFailure> {
    let id = fresh_subchannel(devno)?;
    let subchannel = Subchannel::new(&Cpu, memory(), id, first_tag);
    Ok(Transport::new(
        subchannel,
        memory(),
        &TodClock,
        area.control(),
    ))
}

/// A driver for disk `devno` in `area`; interrupt-driven with
/// `interrupts`. Request tags start at `first_tag`.
pub fn open(
    devno: u16,
    area: DiskArea,
    interrupts: bool,
    first_tag: u32,
) -> Result<Blk, TestFailure> {
    let transport = transport_of(devno, area, first_tag)?;
    // SAFETY: the driver's queue names only its own storage and the
    // buffers its callers keep valid (the `submit_*` contracts).
    let notify = unsafe { Diagnose500::new() };
    let opened = if interrupts {
        VirtioBlk::new_interrupt_driven(
            transport,
            notify,
            area.queue(),
            area.requests(),
            area.indicators(),
        )
    } else {
        VirtioBlk::new(transport, notify, area.queue(), area.requests())
    };
    opened
        .map(|drv| drv.with_timeout(2_000_000))
        .map_err(|e| blk_failure("setup", e))
}

/// Resets the device, which releases every buffer.
pub fn close(drv: Blk) -> Result<(), TestFailure> {
    drv.reset().map_err(|e| blk_failure("reset", e))?;
    Ok(())
}

/// A test failure for a transport error.
pub fn transport_failure(what: &str, error: TransportError) -> TestFailure {
    TestFailure::new(format_args!("{what}: {error}"))
}

/// A test failure for a driver error.
pub fn blk_failure(what: &str, error: BlkError) -> TestFailure {
    TestFailure::new(format_args!("{what}: {error}"))
}

/// Whether `buffer` holds the pattern of disk `disk` from `sector` on.
pub fn holds_pattern(buffer: DataBuffer, disk: u8, sector: u64) -> bool {
    let mut sector_bytes = [0u8; disk_pattern::SECTOR_SIZE];
    let sectors = buffer.size() as usize / disk_pattern::SECTOR_SIZE;
    (0..sectors).all(|k| {
        MEMORY.read(
            buffer.address() + (k * disk_pattern::SECTOR_SIZE) as u32,
            &mut sector_bytes,
        );
        disk_pattern::is_sector(disk, sector + k as u64, &sector_bytes)
    })
}

/// Fills `buffer` with the pattern of disk `disk` from `sector` on.
pub fn fill_pattern(buffer: DataBuffer, disk: u8, sector: u64) {
    let mut sector_bytes = [0u8; disk_pattern::SECTOR_SIZE];
    let sectors = buffer.size() as usize / disk_pattern::SECTOR_SIZE;
    for k in 0..sectors {
        disk_pattern::fill_sector(disk, sector + k as u64, &mut sector_bytes);
        MEMORY.write(
            buffer.address() + (k * disk_pattern::SECTOR_SIZE) as u32,
            &sector_bytes,
        );
    }
}
