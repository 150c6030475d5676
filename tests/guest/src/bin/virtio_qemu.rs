//! The virtio-ccw block driver (`s390_cio::devices::virtio`) on QEMU's
//! virtio-blk disk at device number 0100 (a 1 MiB raw image, see
//! `xtask/src/programs.rs`): negotiation, capacity, read, write and read
//! back, flush, GET_ID and many requests in flight, notified with
//! DIAGNOSE 0x500.
#![no_std]
#![deny(clippy::undocumented_unsafe_blocks)]
#![no_main]

use core::ptr::addr_of_mut;
use guest_tests::subchannel_of;
use s390_cio::css::{ChannelSubsystem, Cpu};
use s390_cio::devices::virtio::blk::{
    BlkError, DataBuffer, RequestStorage, Token, VirtioBlk, MAX_IN_FLIGHT,
};
use s390_cio::devices::virtio::ccw::{ControlArea, Transport};
use s390_cio::devices::virtio::queue::QueueStorage;
use s390_cio::devices::virtio::{features, Diagnose500};
use s390_cio::driver::{Clock, Subchannel, TodClock};
use s390_cio::instructions::ModifyResult;
use s390_cio::memory::{ChannelMemory, RealMemory};
use s390_cio::structures::{Schib, SubchannelId};
use s390_cio_boot::testing::{TestFailure, TestResult};
use s390_cio_boot::{check, check_eq, guest_tests};

const DISK: u16 = 0x0100;
/// 1 MiB image in 512-byte sectors.
const CAPACITY: u64 = 2048;
/// Entries of the queue storage (QEMU's queue has 256; this caps it).
const QUEUE_CAPACITY: u16 = 64;
/// First sector the write tests use (the read test stays below).
const WRITE_AREA: u64 = 1024;

/// `N` bytes, 16-byte aligned.
#[repr(C, align(16))]
struct Aligned<const N: usize>([u8; N]);

/// Everything the driver and the device share, in one static (DAT off,
/// below 2 GiB: addresses are channel addresses).
#[repr(C, align(4096))]
struct Storage {
    queue: Aligned<{ QueueStorage::size(QUEUE_CAPACITY) }>,
    requests: Aligned<{ RequestStorage::SIZE }>,
    control: Aligned<{ ControlArea::SIZE }>,
    data: [Aligned<512>; MAX_IN_FLIGHT],
}

static mut STORAGE: Storage = Storage {
    queue: Aligned([0; QueueStorage::size(QUEUE_CAPACITY)]),
    requests: Aligned([0; RequestStorage::SIZE]),
    control: Aligned([0; ControlArea::SIZE]),
    data: [const { Aligned([0; 512]) }; MAX_IN_FLIGHT],
};

// SAFETY: the driver and these tests touch only `STORAGE` through it, and
// only one driver exists at a time (tests run one after another and each
// resets its device before returning).
static MEMORY: RealMemory = unsafe { RealMemory::new() };

type Blk = VirtioBlk<'static, Cpu, RealMemory, TodClock, Diagnose500>;

fn fail(what: &str, error: BlkError) -> TestFailure {
    TestFailure::new(format_args!("{what}: {error}"))
}

/// The disk's subchannel, disabled and enabled again: QEMU forgets the
/// virtio revision when the subchannel is disabled, so every test can
/// negotiate from the start.
fn fresh_disk() -> Result<SubchannelId, TestFailure> {
    let id = subchannel_of(DISK)?;
    let mut schib = Schib::default();
    Cpu.store_subchannel(id, &mut schib);
    schib.pmcw.set_enabled(false);
    let disabled = Cpu.modify_subchannel(id, &schib);
    check_eq!(disabled, ModifyResult::Modified, "disabling {:04x}", DISK);
    subchannel_of(DISK)
}

fn queue_storage() -> QueueStorage {
    // SAFETY: only the address is taken, no reference is made.
    let address = unsafe { addr_of_mut!(STORAGE.queue) } as u32;
    QueueStorage::new(address, QUEUE_CAPACITY).expect("queue storage placement")
}

fn request_storage() -> RequestStorage {
    // SAFETY: as in `queue_storage`.
    let address = unsafe { addr_of_mut!(STORAGE.requests) } as u32;
    RequestStorage::new(address).expect("request storage placement")
}

fn control_area() -> ControlArea {
    // SAFETY: as in `queue_storage`.
    let address = unsafe { addr_of_mut!(STORAGE.control) } as u32;
    ControlArea::new(address).expect("control area placement")
}

/// Data buffer `n` (512 bytes).
fn buffer(n: usize) -> DataBuffer {
    // SAFETY: as in `queue_storage`.
    let address = unsafe { addr_of_mut!(STORAGE.data[n]) } as u32;
    DataBuffer::new(address, 512).expect("buffer placement")
}

fn read_buffer(n: usize) -> [u8; 512] {
    let mut bytes = [0; 512];
    MEMORY.read(buffer(n).address(), &mut bytes);
    bytes
}

/// A pattern that differs per sector and per run (salted with the TOD
/// clock), so data left on the image by an earlier run cannot pass.
fn pattern(sector: u64, salt: u64) -> [u8; 512] {
    let mut bytes = [0; 512];
    for (i, byte) in bytes.iter_mut().enumerate() {
        *byte = (sector.wrapping_mul(31) ^ salt ^ (i as u64).wrapping_mul(7)) as u8;
    }
    bytes
}

fn open() -> Result<Blk, TestFailure> {
    let id = fresh_disk()?;
    let subchannel = Subchannel::new(&Cpu, &MEMORY, id, 0x6000);
    let transport = Transport::new(subchannel, &MEMORY, &TodClock, control_area());
    // SAFETY: the driver's queue only names its own storage and the
    // buffers its callers keep valid (the `submit_*` contracts).
    let notify = unsafe { Diagnose500::new() };
    VirtioBlk::new(transport, notify, queue_storage(), request_storage())
        .map(|drv| drv.with_timeout(2_000_000))
        .map_err(|e| fail("setup", e))
}

/// Resets the device, which releases every buffer.
fn close(drv: Blk) -> TestResult {
    drv.reset().map_err(|e| fail("reset", e))?;
    Ok(())
}

/// Polls until the next completion, up to a second.
fn next_completion(drv: &mut Blk) -> Result<Token, TestFailure> {
    let deadline = TodClock.now_us() + 1_000_000;
    while TodClock.now_us() < deadline {
        match drv.poll_completion() {
            Ok(Some((token, Ok(())))) => return Ok(token),
            Ok(Some((_, Err(e)))) => {
                return Err(TestFailure::new(format_args!("request failed: {e}")))
            }
            Ok(None) => {}
            Err(e) => return Err(fail("poll", e)),
        }
    }
    Err(TestFailure::new(format_args!("no completion in a second")))
}

/// Negotiation reaches DRIVER_OK with VERSION_1; the capacity is the
/// image's 2048 sectors.
fn negotiates_and_reports_capacity() -> TestResult {
    let drv = open()?;
    let info = drv.info();
    check!(
        info.features & features::VERSION_1 != 0,
        "features {:#x}",
        info.features
    );
    check_eq!(info.capacity, CAPACITY, "capacity");
    check_eq!(info.block_size, 512, "block size");
    check!(!info.read_only(), "read-only");
    check_eq!(info.queue_size, QUEUE_CAPACITY, "queue size");
    check_eq!(info.max_in_flight, MAX_IN_FLIGHT, "requests in flight");
    close(drv)
}

/// A read of the last sector (never written by these tests: zeros).
fn reads_a_block() -> TestResult {
    let mut drv = open()?;
    MEMORY.write(buffer(0).address(), &[0xEE; 512]);
    // SAFETY: buffer 0 is ours and untouched during the call.
    let result = unsafe { drv.read(CAPACITY - 1, buffer(0)) };
    check!(result.is_ok(), "read: {:?}", result);
    check!(
        read_buffer(0).iter().all(|&b| b == 0),
        "last sector not zero"
    );
    close(drv)
}

/// A pattern written reads back, through a second driver instance.
fn write_then_read_back() -> TestResult {
    let salt = TodClock.now_us();
    let expected = pattern(WRITE_AREA, salt);
    let mut drv = open()?;
    MEMORY.write(buffer(0).address(), &expected);
    // SAFETY: buffer 0 is ours and unchanged during the call.
    let written = unsafe { drv.write(WRITE_AREA, buffer(0)) };
    check!(written.is_ok(), "write: {:?}", written);
    close(drv)?;
    let mut drv = open()?;
    MEMORY.write(buffer(1).address(), &[0; 512]);
    // SAFETY: buffer 1 is ours and untouched during the call.
    let read = unsafe { drv.read(WRITE_AREA, buffer(1)) };
    check!(read.is_ok(), "read: {:?}", read);
    check!(read_buffer(1) == expected, "data read back differs");
    close(drv)
}

/// FLUSH completes (QEMU offers VIRTIO_BLK_F_FLUSH).
fn flush_completes() -> TestResult {
    let mut drv = open()?;
    check!(drv.info().has_flush(), "no flush feature");
    let result = drv.flush();
    check!(result.is_ok(), "flush: {:?}", result);
    close(drv)
}

/// GET_ID completes (QEMU's disk has no serial: zeros).
fn get_id_completes() -> TestResult {
    let mut drv = open()?;
    let id_buffer = DataBuffer::new(buffer(0).address(), 20).expect("id buffer");
    // SAFETY: buffer 0 is ours and untouched during the call.
    let result = unsafe { drv.get_id(id_buffer) };
    check!(result.is_ok(), "GET_ID: {:?}", result);
    close(drv)
}

/// Sixteen writes in flight at once, then sixteen reads: every request
/// completes once, and each sector reads back its own pattern.
fn sixteen_requests_in_flight() -> TestResult {
    let salt = TodClock.now_us();
    let mut drv = open()?;
    let mut tokens = [None; MAX_IN_FLIGHT];
    for (n, token) in tokens.iter_mut().enumerate() {
        let sector = WRITE_AREA + 8 + n as u64;
        MEMORY.write(buffer(n).address(), &pattern(sector, salt));
        // SAFETY: buffer `n` is this request's alone until it completes.
        let submitted = unsafe { drv.submit_write(sector, buffer(n)) };
        *token = Some(submitted.map_err(|e| fail("submit write", e))?);
    }
    check_eq!(drv.in_flight(), MAX_IN_FLIGHT, "writes in flight");
    collect(&mut drv, &mut tokens)?;
    for (n, token) in tokens.iter_mut().enumerate() {
        MEMORY.write(buffer(n).address(), &[0; 512]);
        // SAFETY: as above.
        let submitted = unsafe { drv.submit_read(WRITE_AREA + 8 + n as u64, buffer(n)) };
        *token = Some(submitted.map_err(|e| fail("submit read", e))?);
    }
    collect(&mut drv, &mut tokens)?;
    for n in 0..MAX_IN_FLIGHT {
        check!(
            read_buffer(n) == pattern(WRITE_AREA + 8 + n as u64, salt),
            "sector {} read back differs",
            WRITE_AREA + 8 + n as u64
        );
    }
    close(drv)
}

/// Waits for every token in `tokens`, each exactly once.
fn collect(drv: &mut Blk, tokens: &mut [Option<Token>; MAX_IN_FLIGHT]) -> TestResult {
    for _ in 0..MAX_IN_FLIGHT {
        let token = next_completion(drv)?;
        let slot = tokens.iter_mut().find(|t| **t == Some(token));
        check!(slot.is_some(), "token {:?} not in flight", token);
        if let Some(slot) = slot {
            *slot = None;
        }
    }
    check_eq!(drv.in_flight(), 0, "requests left in flight");
    Ok(())
}

guest_tests![
    negotiates_and_reports_capacity,
    reads_a_block,
    write_then_read_back,
    flush_completes,
    get_id_completes,
    sixteen_requests_in_flight,
];
