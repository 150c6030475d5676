//! The virtio-ccw block driver (`s390_cio::devices::virtio`), polled, on
//! QEMU's virtio-blk disk at device number 0100 (a 2 MiB raw image in the
//! pattern of disk 0, see `xtask/src/programs.rs`): negotiation, capacity,
//! read, write and read back, flush, GET_ID and many requests in flight,
//! notified with DIAGNOSE 0x500; READ_STATUS at transport revisions 2 and 1.
#![no_std]
#![deny(clippy::undocumented_unsafe_blocks)]
#![no_main]

use core::ptr::addr_of_mut;
use guest_tests::virtio::{
    blk_failure as fail, close, holds_pattern, memory, open, transport_failure, transport_of, Area,
    Blk, DiskArea, DISK0, QUEUE_CAPACITY, TEST_DISK_SECTORS,
};
use s390_cio::devices::virtio::blk::{DataBuffer, Token, MAX_IN_FLIGHT, SUPPORTED_FEATURES};
use s390_cio::devices::virtio::{features, status};
use s390_cio::driver::{Clock, TodClock};
use s390_cio::memory::ChannelMemory;
use s390_cio_boot::testing::{TestFailure, TestResult};
use s390_cio_boot::{check, check_eq, guest_tests};

/// First sector the write tests use (the read test stays below).
const WRITE_AREA: u64 = 1024;

/// The storage the driver shares with the device: 512-byte buffers.
static mut STORAGE: Area<{ DiskArea::bytes(512) }> = Area([0; DiskArea::bytes(512)]);

fn area() -> DiskArea {
    DiskArea::new(addr_of_mut!(STORAGE), 512)
}

/// Data buffer `n` (512 bytes).
fn buffer(n: usize) -> DataBuffer {
    area().buffer(n, 512)
}

fn read_buffer(n: usize) -> [u8; 512] {
    let mut bytes = [0; 512];
    memory().read(buffer(n).address(), &mut bytes);
    bytes
}

/// A pattern that differs per sector and per run (salted with the TOD
/// clock), so data already on the image cannot pass.
fn pattern(sector: u64, salt: u64) -> [u8; 512] {
    let mut bytes = [0; 512];
    for (i, byte) in bytes.iter_mut().enumerate() {
        *byte = (sector.wrapping_mul(31) ^ salt ^ (i as u64).wrapping_mul(7)) as u8;
    }
    bytes
}

/// The polled driver of disk 0100.
fn open_polled() -> Result<Blk, TestFailure> {
    open(DISK0, area(), false, 0x6000)
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
/// image's 4096 sectors.
fn negotiates_and_reports_capacity() -> TestResult {
    let drv = open_polled()?;
    let info = drv.info();
    check!(
        info.features & features::VERSION_1 != 0,
        "features {:#x}",
        info.features
    );
    check_eq!(info.capacity, TEST_DISK_SECTORS, "capacity");
    check_eq!(info.block_size, 512, "block size");
    check!(!info.read_only(), "read-only");
    check_eq!(info.queue_size, QUEUE_CAPACITY, "queue size");
    check_eq!(info.max_in_flight, MAX_IN_FLIGHT, "requests in flight");
    close(drv)
}

/// A read of the last sector (never written by these tests: the pattern
/// of disk 0).
fn reads_a_block() -> TestResult {
    let mut drv = open_polled()?;
    memory().write(buffer(0).address(), &[0xEE; 512]);
    // SAFETY: buffer 0 is ours and untouched during the call.
    let result = unsafe { drv.read(TEST_DISK_SECTORS - 1, buffer(0)) };
    check!(result.is_ok(), "read: {:?}", result);
    check!(
        holds_pattern(buffer(0), 0, TEST_DISK_SECTORS - 1),
        "last sector is not disk 0's"
    );
    close(drv)
}

/// A pattern written reads back, through a second driver instance.
fn write_then_read_back() -> TestResult {
    let salt = TodClock.now_us();
    let expected = pattern(WRITE_AREA, salt);
    let mut drv = open_polled()?;
    memory().write(buffer(0).address(), &expected);
    // SAFETY: buffer 0 is ours and unchanged during the call.
    let written = unsafe { drv.write(WRITE_AREA, buffer(0)) };
    check!(written.is_ok(), "write: {:?}", written);
    close(drv)?;
    let mut drv = open_polled()?;
    memory().write(buffer(1).address(), &[0; 512]);
    // SAFETY: buffer 1 is ours and untouched during the call.
    let read = unsafe { drv.read(WRITE_AREA, buffer(1)) };
    check!(read.is_ok(), "read: {:?}", read);
    check!(read_buffer(1) == expected, "data read back differs");
    close(drv)
}

/// FLUSH completes (QEMU offers VIRTIO_BLK_F_FLUSH).
fn flush_completes() -> TestResult {
    let mut drv = open_polled()?;
    check!(drv.info().has_flush(), "no flush feature");
    let result = drv.flush();
    check!(result.is_ok(), "flush: {:?}", result);
    close(drv)
}

/// GET_ID completes (QEMU's disk has no serial: zeros).
fn get_id_completes() -> TestResult {
    let mut drv = open_polled()?;
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
    let mut drv = open_polled()?;
    let mut tokens = [None; MAX_IN_FLIGHT];
    for (n, token) in tokens.iter_mut().enumerate() {
        let sector = WRITE_AREA + 8 + n as u64;
        memory().write(buffer(n).address(), &pattern(sector, salt));
        // SAFETY: buffer `n` is this request's alone until it completes.
        let submitted = unsafe { drv.submit_write(sector, buffer(n)) };
        *token = Some(submitted.map_err(|e| fail("submit write", e))?);
    }
    check_eq!(drv.in_flight(), MAX_IN_FLIGHT, "writes in flight");
    collect(&mut drv, &mut tokens)?;
    for (n, token) in tokens.iter_mut().enumerate() {
        memory().write(buffer(n).address(), &[0; 512]);
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

/// At transport revision 2 READ_STATUS gives the status the driver set.
fn read_status_at_revision_2_gives_the_status() -> TestResult {
    let mut transport = transport_of(DISK0, area(), 0x6100)?;
    transport
        .set_revision(2)
        .map_err(|e| transport_failure("SET_VIRTIO_REV 2", e))?;
    transport
        .negotiate(SUPPORTED_FEATURES)
        .map_err(|e| transport_failure("negotiate", e))?;
    let read = transport.read_status();
    let negotiated = status::ACKNOWLEDGE | status::DRIVER | status::FEATURES_OK;
    check_eq!(read, Ok(negotiated), "READ_STATUS at revision 2");
    transport.reset().map_err(|e| transport_failure("reset", e))
}

/// The specification has READ_STATUS from revision 2 on (the simulator's
/// model rejects it before); QEMU 7.2 answers it at revision 1 too.
fn qemu_quirk_read_status_answered_at_revision_1() -> TestResult {
    let mut transport = transport_of(DISK0, area(), 0x6200)?;
    transport
        .negotiate(SUPPORTED_FEATURES)
        .map_err(|e| transport_failure("negotiate", e))?;
    check_eq!(transport.revision(), Some(1), "revision");
    let read = transport.read_status();
    let negotiated = status::ACKNOWLEDGE | status::DRIVER | status::FEATURES_OK;
    check_eq!(read, Ok(negotiated), "READ_STATUS at revision 1");
    transport.reset().map_err(|e| transport_failure("reset", e))
}

guest_tests![
    negotiates_and_reports_capacity,
    reads_a_block,
    write_then_read_back,
    flush_completes,
    get_id_completes,
    sixteen_requests_in_flight,
    read_status_at_revision_2_gives_the_status,
    qemu_quirk_read_status_answered_at_revision_1,
];
