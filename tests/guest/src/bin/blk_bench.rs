//! The guest side of `cargo xtask bench blk` (a benchmark, not a test):
//! sequential reads of the whole disk at 0100 (xtask's 256 MiB bench
//! image in the pattern of disk [`BENCH_DISK`]) with 4 KiB and 64 KiB
//! requests, 1 and 16 in flight, polled and interrupt-driven, timed with
//! the TOD clock. Each run prints `name: value` lines: throughput in MB/s
//! (10^6 bytes per second) and the mean and largest time from a request's
//! submission to its completion in microseconds. Each run checks its last
//! request's data against the pattern.
#![no_std]
#![deny(clippy::undocumented_unsafe_blocks)]
#![no_main]

use core::ptr::addr_of_mut;
use guest_tests::virtio::{
    blk_failure, close, holds_pattern, install_io_handler, mailbox, open, Area, Blk, DiskArea,
    DISK0,
};
use s390_cio::devices::virtio::blk::{BlkError, Completion, Token, MAX_IN_FLIGHT};
use s390_cio::driver::{Clock, TodClock};
use s390_cio_boot::guest_tests;
use s390_cio_boot::interrupts;
use s390_cio_boot::println;
use s390_cio_boot::testing::{TestFailure, TestResult};

/// The disk id of the bench image's pattern (`BENCH_DISK` in xtask).
const BENCH_DISK: u8 = 5;
/// The largest request.
const LARGEST: u32 = 64 * 1024;

static mut STORAGE: Area<{ DiskArea::bytes(LARGEST as usize) }> =
    Area([0; DiskArea::bytes(LARGEST as usize)]);

fn area() -> DiskArea {
    DiskArea::new(addr_of_mut!(STORAGE), LARGEST)
}

/// What a run measured.
struct Measured {
    bytes: u64,
    elapsed_us: u64,
    requests: u64,
    latency_sum_us: u64,
    latency_max_us: u64,
}

/// The next completion: polled, or interrupt-driven through the mailbox.
fn next(drv: &mut Blk, interrupt_driven: bool) -> Result<Completion, BlkError> {
    if interrupt_driven {
        return drv.wait_completion(mailbox(), interrupts::wait_for_io_until);
    }
    let deadline = TodClock.now_us() + 2_000_000;
    loop {
        if let Some(done) = drv.poll_completion()? {
            return Ok(done);
        }
        if TodClock.now_us() > deadline {
            return Err(BlkError::TimedOut);
        }
    }
}

/// Reads the whole disk in `request`-byte requests, `depth` in flight.
fn read_disk(request: u32, depth: usize, interrupt_driven: bool) -> Result<Measured, TestFailure> {
    if interrupt_driven {
        install_io_handler();
    }
    let area = area();
    let mut drv = open(DISK0, area, interrupt_driven, 0x8000)?;
    let sectors_per_request = u64::from(request) / 512;
    let capacity = drv.capacity();
    let mut in_flight: [Option<(Token, u64, u64)>; MAX_IN_FLIGHT] = [None; MAX_IN_FLIGHT];
    let mut next_sector = 0;
    let mut measured = Measured {
        bytes: 0,
        elapsed_us: 0,
        requests: 0,
        latency_sum_us: 0,
        latency_max_us: 0,
    };
    let mut last = (0, 0);
    let start = TodClock.now_us();
    while measured.bytes < capacity * 512 {
        for (slot, entry) in in_flight.iter_mut().enumerate().take(depth) {
            if entry.is_none() && next_sector < capacity {
                // SAFETY: buffer `slot` is this request's alone until its
                // completion is taken below.
                let token = unsafe { drv.submit_read(next_sector, area.buffer(slot, request)) }
                    .map_err(|e| blk_failure("submit read", e))?;
                *entry = Some((token, next_sector, TodClock.now_us()));
                next_sector += sectors_per_request;
            }
        }
        let (token, result) =
            next(&mut drv, interrupt_driven).map_err(|e| blk_failure("wait", e))?;
        let now = TodClock.now_us();
        result.map_err(|e| TestFailure::new(format_args!("request failed: {e}")))?;
        let found = in_flight
            .iter()
            .enumerate()
            .find_map(|(slot, entry)| match entry {
                Some((t, sector, submitted)) if *t == token => Some((slot, *sector, *submitted)),
                _ => None,
            });
        let Some((slot, sector, submitted)) = found else {
            return Err(TestFailure::new(format_args!(
                "token {:?} not in flight",
                token
            )));
        };
        in_flight[slot] = None;
        let latency = now - submitted;
        measured.latency_sum_us += latency;
        measured.latency_max_us = measured.latency_max_us.max(latency);
        measured.requests += 1;
        measured.bytes += u64::from(request);
        last = (slot, sector);
    }
    measured.elapsed_us = TodClock.now_us() - start;
    if !holds_pattern(area.buffer(last.0, request), BENCH_DISK, last.1) {
        return Err(TestFailure::new(format_args!(
            "sectors from {} are not the bench disk's",
            last.1
        )));
    }
    close(drv)?;
    Ok(measured)
}

/// Runs one configuration and prints its lines, named
/// `blk_guest_[irq_]read_<size>k_qd<depth>_...`.
fn bench(request: u32, depth: usize, interrupt_driven: bool) -> TestResult {
    let m = read_disk(request, depth, interrupt_driven)?;
    let mode = if interrupt_driven { "irq_" } else { "" };
    let kib = request / 1024;
    // Bytes per microsecond is MB/s; two decimals.
    let centi_mbps = m.bytes * 100 / m.elapsed_us.max(1);
    let (mbps, mbps_decimals) = (centi_mbps / 100, centi_mbps % 100);
    println!("blk_guest_{mode}read_{kib}k_qd{depth}_mbps: {mbps}.{mbps_decimals:02}");
    let deci_latency = m.latency_sum_us * 10 / m.requests.max(1);
    let (latency, latency_decimal) = (deci_latency / 10, deci_latency % 10);
    println!("blk_guest_{mode}read_{kib}k_qd{depth}_latency_us: {latency}.{latency_decimal}");
    let max = m.latency_max_us;
    println!("blk_guest_{mode}read_{kib}k_qd{depth}_max_latency_us: {max}");
    let requests = m.requests;
    println!("blk_guest_{mode}read_{kib}k_qd{depth}_requests: {requests}");
    Ok(())
}

fn read_4k_qd1() -> TestResult {
    bench(4096, 1, false)
}

fn read_4k_qd16() -> TestResult {
    bench(4096, 16, false)
}

fn read_64k_qd1() -> TestResult {
    bench(LARGEST, 1, false)
}

fn read_64k_qd16() -> TestResult {
    bench(LARGEST, 16, false)
}

fn irq_read_4k_qd1() -> TestResult {
    bench(4096, 1, true)
}

fn irq_read_4k_qd16() -> TestResult {
    bench(4096, 16, true)
}

fn irq_read_64k_qd1() -> TestResult {
    bench(LARGEST, 1, true)
}

fn irq_read_64k_qd16() -> TestResult {
    bench(LARGEST, 16, true)
}

guest_tests![
    read_4k_qd1,
    read_4k_qd16,
    read_64k_qd1,
    read_64k_qd16,
    irq_read_4k_qd1,
    irq_read_4k_qd16,
    irq_read_64k_qd1,
    irq_read_64k_qd16,
];
