//! Stage 2 of the IPL from DASD: Hercules IPLs the 3390 at 0120 that
//! `xtask/src/volumes.rs` (`ipl_volume`) builds; its IPL records load
//! this program (dataset S390CIO.STAGE2) at its link address and enter it
//! through a stub that stored the TOD clock at `IPL_TOD_ADDRESS` and
//! switched to z/Architecture. It then finds the dataset S390CIO.PAYLOAD
//! in the VTOC with the ECKD driver, reads it, checks its header and
//! checksum, and runs its code. The time from the first instruction after
//! the IPL to the payload's return is printed as a measurement.
#![no_std]
#![deny(clippy::undocumented_unsafe_blocks)]
#![no_main]

use core::ptr::addr_of_mut;
use guest_tests::subchannel_of;
use s390_cio::css::Cpu;
use s390_cio::devices::eckd::{Buffer, DataPath, EckdDasd, EckdError, ProgramArea, MAX_RECORDS};
use s390_cio::discovery;
use s390_cio::driver::{Clock, SenseArea, Subchannel, TodClock};
use s390_cio::memory::{ChannelMemory, RealMemory};
use s390_cio_boot::testing::{TestFailure, TestResult};
use s390_cio_boot::{check, check_eq, guest_tests, println};

/// The IPL device.
const IPL_DEVICE: u16 = 0x0120;
/// Where the start stub stored the TOD clock (`volumes::IPL_TOD_ADDRESS`).
const IPL_TOD_ADDRESS: usize = 0x3F8;
/// Where the IPL stored the IPL device's subsystem-identification word
/// (PoP, chapter 17 "Operator Facilities", "Initial Program Loading").
const IPL_SUBSYSTEM_ID_ADDRESS: usize = 0xB8;
/// The payload: 16 blocks of 4096 bytes at most, with a 32-byte header
/// (`volumes::payload`): "S390PAYL", body length, FNV-1a 32 of the body,
/// the value the body's code returns.
const PAYLOAD_CAPACITY: usize = 16 * 4096;
const HEADER: usize = 32;
const BLOCK: u16 = 4096;
const BLOCKS_PER_TRACK: u32 = 12;

const AREA_SIZE: usize = ProgramArea::size_for(MAX_RECORDS, DataPath::Midaw) as usize;

/// What the channel reads and writes (DAT off: addresses are channel
/// addresses).
#[repr(C, align(4096))]
struct Storage {
    payload: [u8; PAYLOAD_CAPACITY],
    area: [u8; AREA_SIZE],
    sense: [u8; SenseArea::SIZE],
}

static mut STORAGE: Storage = Storage {
    payload: [0; PAYLOAD_CAPACITY],
    area: [0; AREA_SIZE],
    sense: [0; SenseArea::SIZE],
};

// SAFETY: the driver touches only `STORAGE` through it.
static MEMORY: RealMemory = unsafe { RealMemory::new() };

fn fail(what: &str, error: impl core::fmt::Display) -> TestFailure {
    TestFailure::new(format_args!("{what}: {error}"))
}

/// FNV-1a, 32 bits (as `volumes::fnv1a`), continued from `hash` over
/// `bytes` (start with 0x811C9DC5).
fn fnv1a(hash: u32, bytes: &[u8]) -> u32 {
    bytes
        .iter()
        .fold(hash, |h, &b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193))
}

/// The IPL stored the subsystem-identification word of 0120's
/// subchannel.
fn ipl_device_is_0120() -> TestResult {
    // SAFETY: a word of the lowcore the IPL wrote, aligned; only read.
    let word = unsafe { (IPL_SUBSYSTEM_ID_ADDRESS as *const u32).read_volatile() };
    let (id, _) = discovery::find_device(&Cpu, 0, IPL_DEVICE)
        .ok_or_else(|| TestFailure::new(format_args!("no device 0120")))?;
    check_eq!(word, id.raw(), "subsystem-identification word");
    Ok(())
}

/// Finds, reads, checks and runs the payload.
fn loads_checks_and_runs_the_payload() -> TestResult {
    let id = subchannel_of(IPL_DEVICE)?;
    // SAFETY: only the addresses are taken, no reference is made.
    let (area, sense, payload) = unsafe {
        (
            addr_of_mut!(STORAGE.area) as u32,
            addr_of_mut!(STORAGE.sense) as u32,
            addr_of_mut!(STORAGE.payload) as u64,
        )
    };
    let sense = SenseArea::new(sense).expect("sense area placement");
    let subchannel = Subchannel::new(&Cpu, &MEMORY, id, 0x8000).with_sense_area(sense);
    let area = ProgramArea::new(area, AREA_SIZE as u32).expect("program area placement");
    let mut dasd = EckdDasd::new(subchannel, &MEMORY, &TodClock, area)
        .map_err(|e| fail("Read Device Characteristics", e))?
        .with_data_path(DataPath::Midaw);
    let started = TodClock.now_us();
    let dataset = dasd
        .find_dataset("S390CIO.PAYLOAD")
        .map_err(|e| fail("VTOC", e))?;
    let extent = dataset.extents[0].ok_or_else(|| fail("payload", "no extent"))?;
    let read = |dasd: &mut EckdDasd<'_, Cpu, RealMemory, TodClock>, blocks: u32| {
        let records = extent.records(BLOCKS_PER_TRACK, blocks, BLOCK);
        let buffer = Buffer::new(payload, blocks * u32::from(BLOCK)).expect("payload buffer");
        // SAFETY: the buffer is `STORAGE.payload`, which nothing else uses
        // while the driver runs.
        unsafe { dasd.read_records(records, buffer) }
    };
    read(&mut dasd, 1).map_err(|e: EckdError| fail("payload header", e))?;
    // The channel wrote the payload behind the compiler's back: it is read
    // through `MEMORY` (volatile), never through a reference.
    let mut header = [0u8; HEADER];
    MEMORY.read(payload as u32, &mut header);
    check_eq!(&header[..8], b"S390PAYL", "payload magic");
    let field = |at: usize| {
        u32::from_be_bytes([header[at], header[at + 1], header[at + 2], header[at + 3]])
    };
    let (len, checksum) = (field(8) as usize, field(12));
    let result = (u64::from(field(16)) << 32) | u64::from(field(20));
    check!(HEADER + len <= PAYLOAD_CAPACITY, "payload of {} bytes", len);
    let blocks = (HEADER + len).div_ceil(usize::from(BLOCK)) as u32;
    read(&mut dasd, blocks).map_err(|e| fail("payload", e))?;
    let body = payload as u32 + HEADER as u32;
    let mut hash = 0x811C_9DC5;
    let mut chunk = [0u8; 256];
    for offset in (0..len).step_by(chunk.len()) {
        let piece = &mut chunk[..(len - offset).min(256)];
        MEMORY.read(body + offset as u32, piece);
        hash = fnv1a(hash, piece);
    }
    check_eq!(hash, checksum, "payload checksum");
    // SAFETY: the body starts with code that follows the C calling
    // convention (result in r2, return by r14) and touches nothing; its
    // checksum matched what xtask wrote, and storage is executable with
    // DAT off.
    let code: extern "C" fn() -> u64 = unsafe { core::mem::transmute(body as usize as *const ()) };
    let returned = code();
    let now = TodClock.now_us();
    check_eq!(returned, result, "payload result");
    // SAFETY: the doubleword the start stub stored with STCK; aligned, only
    // read.
    let ipl_tod = unsafe { (IPL_TOD_ADDRESS as *const u64).read_volatile() };
    check!(ipl_tod != 0, "the start stub stored no TOD clock");
    println!(
        "measure ipl_to_payload_us: {} (first instruction after the IPL to the payload's return)",
        now.saturating_sub(ipl_tod >> 12)
    );
    println!(
        "measure payload_load_us: {} (VTOC lookup, {} bytes read and checked)",
        now.saturating_sub(started),
        HEADER + len
    );
    Ok(())
}

guest_tests![ipl_device_is_0120, loads_checks_and_runs_the_payload];
