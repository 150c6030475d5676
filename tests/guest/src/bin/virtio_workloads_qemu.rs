//! The virtio-blk workloads on QEMU's disks (2 MiB images in the known
//! pattern that xtask writes afresh for each run, see
//! `xtask/src/programs.rs`): every sector read and checked, sixteen writes
//! in flight read back, the read-only disk, two disks at once, each
//! polled, interrupt-driven (classic indicators, status through the
//! mailbox of the I/O interruption handler) or async; the indicator
//! status as QEMU presents it, and a resize signalled through the
//! configuration indicator.
#![no_std]
#![deny(clippy::undocumented_unsafe_blocks)]
#![no_main]

use core::ptr::addr_of_mut;
use guest_tests::virtio::{
    blk_failure, close, fill_pattern, holds_pattern, install_io_handler, mailbox, memory, open,
    Area, Blk, DiskArea, DISK0, DISK1, DISK_RO, TEST_DISK_SECTORS,
};
use s390_cio::css::{ChannelSubsystem, Cpu};
use s390_cio::devices::virtio::blk::{BlkError, Completion, Token, MAX_IN_FLIGHT};
use s390_cio::devices::virtio::indicators::is_indicator_status;
use s390_cio::discovery;
use s390_cio::driver::{Clock, TodClock};
use s390_cio::executor;
use s390_cio::instructions::TestSubchannelResult;
use s390_cio::memory::ChannelMemory;
use s390_cio::structures::Irb;
use s390_cio_boot::interrupts;
use s390_cio_boot::println;
use s390_cio_boot::testing::{TestFailure, TestResult};
use s390_cio_boot::{check, check_eq, guest_tests};

/// Bytes per request.
const REQUEST: u32 = 4096;
/// Sectors per request.
const REQUEST_SECTORS: u64 = REQUEST as u64 / 512;
/// First sector the write tests use.
const WRITE_AREA: u64 = 2048;
/// The pattern the write tests write (no disk has it).
const WRITTEN_DISK: u8 = 9;

static mut STORAGE0: Area<{ DiskArea::bytes(REQUEST as usize) }> =
    Area([0; DiskArea::bytes(REQUEST as usize)]);
static mut STORAGE1: Area<{ DiskArea::bytes(REQUEST as usize) }> =
    Area([0; DiskArea::bytes(REQUEST as usize)]);

fn area0() -> DiskArea {
    DiskArea::new(addr_of_mut!(STORAGE0), REQUEST)
}

fn area1() -> DiskArea {
    DiskArea::new(addr_of_mut!(STORAGE1), REQUEST)
}

/// How a test waits for completions.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Mode {
    Polled,
    InterruptDriven,
    Async,
}

/// Opens disk `devno` in `area` for `mode`.
fn open_for(devno: u16, area: DiskArea, mode: Mode, first_tag: u32) -> Result<Blk, TestFailure> {
    if mode != Mode::Polled {
        install_io_handler();
    }
    open(devno, area, mode != Mode::Polled, first_tag)
}

/// The next request of `drv` to finish, waited for in `mode`; a request
/// that failed fails the test.
fn next(drv: &mut Blk, mode: Mode) -> Result<Token, TestFailure> {
    let done: Result<Completion, BlkError> = match mode {
        Mode::Polled => {
            let deadline = TodClock.now_us() + 2_000_000;
            loop {
                if let Some(done) = drv.poll_completion().map_err(|e| blk_failure("poll", e))? {
                    break Ok(done);
                }
                if TodClock.now_us() > deadline {
                    break Err(BlkError::TimedOut);
                }
            }
        }
        Mode::InterruptDriven => drv.wait_completion(mailbox(), interrupts::wait_for_io_until),
        Mode::Async => {
            let completion = drv.completion(mailbox());
            let deadline = completion.deadline();
            executor::block_on(completion, || interrupts::wait_for_io_until(deadline))
        }
    };
    let (token, result) = done.map_err(|e| blk_failure("wait", e))?;
    result.map_err(|e| TestFailure::new(format_args!("request failed: {e}")))?;
    Ok(token)
}

/// Requests in flight: each slot's token and first sector.
type InFlight = [Option<(Token, u64)>; MAX_IN_FLIGHT];

/// Starts reads of the next sectors below `end` into the free slots of
/// the first `depth`.
fn fill_reads(
    drv: &mut Blk,
    area: DiskArea,
    in_flight: &mut InFlight,
    depth: usize,
    next_sector: &mut u64,
    end: u64,
) -> TestResult {
    for (slot, entry) in in_flight.iter_mut().enumerate().take(depth) {
        if entry.is_none() && *next_sector < end {
            // SAFETY: buffer `slot` is this request's alone until its
            // completion is taken.
            let token = unsafe { drv.submit_read(*next_sector, area.buffer(slot, REQUEST)) }
                .map_err(|e| blk_failure("submit read", e))?;
            *entry = Some((token, *next_sector));
            *next_sector += REQUEST_SECTORS;
        }
    }
    Ok(())
}

/// Takes `token`'s entry from `in_flight` and checks its buffer against the
/// pattern of `disk`.
fn check_read(area: DiskArea, in_flight: &mut InFlight, token: Token, disk: u8) -> TestResult {
    let found = in_flight
        .iter()
        .enumerate()
        .find_map(|(slot, entry)| match entry {
            Some((t, sector)) if *t == token => Some((slot, *sector)),
            _ => None,
        });
    let Some((slot, sector)) = found else {
        return Err(TestFailure::new(format_args!(
            "token {:?} not in flight",
            token
        )));
    };
    in_flight[slot] = None;
    check!(
        holds_pattern(area.buffer(slot, REQUEST), disk, sector),
        "sectors from {} are not disk {}'s",
        sector,
        disk
    );
    Ok(())
}

/// Reads the whole of disk `devno` (pattern `disk`) with sixteen requests
/// in flight, checking each.
fn read_whole_disk(devno: u16, disk: u8, mode: Mode) -> TestResult {
    let area = area0();
    let mut drv = open_for(devno, area, mode, 0x7000)?;
    let mut in_flight: InFlight = [None; MAX_IN_FLIGHT];
    let mut next_sector = 0;
    let mut checked = 0;
    while checked < TEST_DISK_SECTORS {
        fill_reads(
            &mut drv,
            area,
            &mut in_flight,
            MAX_IN_FLIGHT,
            &mut next_sector,
            TEST_DISK_SECTORS,
        )?;
        let token = next(&mut drv, mode)?;
        check_read(area, &mut in_flight, token, disk)?;
        checked += REQUEST_SECTORS;
    }
    check_eq!(drv.in_flight(), 0, "requests left in flight");
    if mode != Mode::Polled {
        // The first completion made the subchannel status pending with an
        // indicator's status. When the device always kept ahead, the loop
        // never waited and its interruption is still pending: take it now.
        let deadline = TodClock.now_us() + 1_000_000;
        while drv.indicator_interruptions() == 0 && TodClock.now_us() < deadline {
            interrupts::wait_for_io_until(deadline);
            drv.take_interruptions(mailbox());
        }
        check!(
            drv.indicator_interruptions() > 0,
            "no indicator interruption"
        );
        check_eq!(mailbox().dropped(), 0, "statuses dropped");
    }
    close(drv)
}

fn polled_reads_every_sector() -> TestResult {
    read_whole_disk(DISK0, 0, Mode::Polled)
}

fn interrupt_driven_reads_every_sector() -> TestResult {
    read_whole_disk(DISK0, 0, Mode::InterruptDriven)
}

fn async_reads_every_sector() -> TestResult {
    read_whole_disk(DISK0, 0, Mode::Async)
}

/// Sixteen 4 KiB writes in flight, then sixteen reads of the same sectors:
/// each request completes once and the sectors hold what was written.
fn writes_then_reads_back(mode: Mode) -> TestResult {
    let area = area0();
    let mut drv = open_for(DISK0, area, mode, 0x7100)?;
    let sector_of = |slot: usize| WRITE_AREA + slot as u64 * REQUEST_SECTORS;
    let mut in_flight: InFlight = [None; MAX_IN_FLIGHT];
    for (slot, entry) in in_flight.iter_mut().enumerate() {
        let buffer = area.buffer(slot, REQUEST);
        fill_pattern(buffer, WRITTEN_DISK, sector_of(slot));
        // SAFETY: buffer `slot` is this request's alone until it completes.
        let token = unsafe { drv.submit_write(sector_of(slot), buffer) }
            .map_err(|e| blk_failure("submit write", e))?;
        *entry = Some((token, sector_of(slot)));
    }
    check_eq!(drv.in_flight(), MAX_IN_FLIGHT, "writes in flight");
    for _ in 0..MAX_IN_FLIGHT {
        let token = next(&mut drv, mode)?;
        let slot = in_flight
            .iter()
            .position(|e| e.is_some_and(|(t, _)| t == token));
        check!(slot.is_some(), "token {:?} not in flight", token);
        if let Some(slot) = slot {
            in_flight[slot] = None;
        }
    }
    let mut next_sector = WRITE_AREA;
    let end = WRITE_AREA + MAX_IN_FLIGHT as u64 * REQUEST_SECTORS;
    for slot in 0..MAX_IN_FLIGHT {
        memory().write(area.buffer(slot, REQUEST).address(), &[0; REQUEST as usize]);
    }
    fill_reads(
        &mut drv,
        area,
        &mut in_flight,
        MAX_IN_FLIGHT,
        &mut next_sector,
        end,
    )?;
    for _ in 0..MAX_IN_FLIGHT {
        let token = next(&mut drv, mode)?;
        check_read(area, &mut in_flight, token, WRITTEN_DISK)?;
    }
    close(drv)
}

fn polled_sixteen_writes_read_back() -> TestResult {
    writes_then_reads_back(Mode::Polled)
}

fn interrupt_driven_sixteen_writes_read_back() -> TestResult {
    writes_then_reads_back(Mode::InterruptDriven)
}

fn async_sixteen_writes_read_back() -> TestResult {
    writes_then_reads_back(Mode::Async)
}

/// The read-only drive: VIRTIO_BLK_F_RO, writes refused before they reach
/// the device, every sector reads back disk 2's pattern.
fn read_only_drive_refuses_writes_and_reads_its_pattern() -> TestResult {
    let area = area0();
    let mut drv = open_for(DISK_RO, area, Mode::InterruptDriven, 0x7200)?;
    check!(
        drv.info().read_only(),
        "features {:#x}",
        drv.info().features
    );
    // SAFETY: buffer 0 is ours; the write is refused before submission.
    let write = unsafe { drv.submit_write(0, area.buffer(0, REQUEST)) };
    check_eq!(write.err(), Some(BlkError::ReadOnly), "write");
    check_eq!(drv.in_flight(), 0, "requests in flight");
    close(drv)?;
    read_whole_disk(DISK_RO, 2, Mode::InterruptDriven)
}

/// Disks 0100 and 0101 at once, interrupt-driven with one mailbox: eight
/// reads in flight on each until both are read up to the write tests'
/// area, each sector its own disk's.
fn two_disks_at_once() -> TestResult {
    let areas = [area0(), area1()];
    let mut drvs = [
        open_for(DISK0, areas[0], Mode::InterruptDriven, 0x7300)?,
        open_for(DISK1, areas[1], Mode::InterruptDriven, 0x7400)?,
    ];
    let mut in_flight: [InFlight; 2] = [[None; MAX_IN_FLIGHT]; 2];
    let mut next_sector = [0u64; 2];
    let mut checked = [0u64; 2];
    while checked.iter().any(|&c| c < WRITE_AREA) {
        for disk in 0..2 {
            if checked[disk] >= WRITE_AREA {
                continue;
            }
            fill_reads(
                &mut drvs[disk],
                areas[disk],
                &mut in_flight[disk],
                8,
                &mut next_sector[disk],
                WRITE_AREA,
            )?;
            let token = next(&mut drvs[disk], Mode::InterruptDriven)?;
            check_read(areas[disk], &mut in_flight[disk], token, disk as u8)?;
            checked[disk] += REQUEST_SECTORS;
        }
    }
    check_eq!(mailbox().dropped(), 0, "statuses dropped");
    let [drv0, drv1] = drvs;
    close(drv0)?;
    close(drv1)
}

/// What QEMU presents when it sets an indicator: TSCH of the subchannel
/// after a completion (taken by polling, interruptions disabled) stores
/// alert status without a function, which the driver tells apart from a
/// request's end and from an attention; the queue's bit is set.
fn qemu_indicator_status_is_alert_status_without_a_function() -> TestResult {
    let area = area0();
    let mut drv = open_for(DISK0, area, Mode::InterruptDriven, 0x7500)?;
    // SAFETY: buffer 0 is ours until the completion.
    unsafe { drv.submit_read(3, area.buffer(0, REQUEST)) }
        .map_err(|e| blk_failure("submit read", e))?;
    next(&mut drv, Mode::Polled)?;
    let mut bits = [0u8; 8];
    memory().read(area.indicators().queue_indicators(), &mut bits);
    check_eq!(u64::from_be_bytes(bits), 1, "queue indicators");
    let Some((id, _)) = discovery::find_device(&Cpu, 0, DISK0) else {
        return Err(TestFailure::new(format_args!("disk 0100 gone")));
    };
    let mut irb = Irb::default();
    let cc = Cpu.test_subchannel(id, &mut irb);
    check_eq!(cc, TestSubchannelResult::StatusWasPending, "TSCH");
    let [w0, w1, w2] = irb.scsw.words();
    println!("indicator status: SCSW {w0:08x} {w1:08x} {w2:08x}");
    check!(
        is_indicator_status(&irb),
        "not indicator status: {:?}",
        irb.scsw
    );
    close(drv)
}

/// A resize of disk 0101 from the host (QMP `block_resize`, which the
/// runner sends when the guest asks on its console): the device signals a
/// configuration change through the configuration indicator (SET_CONF_IND)
/// and an I/O interruption, and the capacity read again is the new one.
fn resize_is_signalled_by_the_configuration_indicator() -> TestResult {
    let area = area1();
    let mut drv = open_for(DISK1, area, Mode::InterruptDriven, 0x7600)?;
    check_eq!(drv.capacity(), TEST_DISK_SECTORS, "capacity before");
    let doubled = 2 * TEST_DISK_SECTORS;
    println!("xtask-qmp: block_resize blk1-drive {}", doubled * 512);
    let deadline = TodClock.now_us() + 5_000_000;
    // QEMU sets the indicator before it makes the interruption: a wake-up
    // for an older interruption may find the bit first, so wait for both.
    let mut changed = false;
    while !(changed && drv.indicator_interruptions() > 0) && TodClock.now_us() < deadline {
        interrupts::wait_for_io_until(deadline);
        drv.take_interruptions(mailbox());
        changed |= drv.take_config_change();
    }
    check!(changed, "no configuration change signalled");
    check!(
        drv.indicator_interruptions() > 0,
        "no indicator interruption"
    );
    let capacity = drv
        .refresh_capacity()
        .map_err(|e| blk_failure("refresh", e))?;
    check_eq!(capacity, doubled, "capacity after the resize");
    close(drv)
}

guest_tests![
    polled_reads_every_sector,
    interrupt_driven_reads_every_sector,
    async_reads_every_sector,
    polled_sixteen_writes_read_back,
    interrupt_driven_sixteen_writes_read_back,
    async_sixteen_writes_read_back,
    read_only_drive_refuses_writes_and_reads_its_pattern,
    two_disks_at_once,
    qemu_indicator_status_is_alert_status_without_a_function,
    resize_is_signalled_by_the_configuration_indicator,
];
