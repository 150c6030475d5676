//! The workloads of the QEMU guest tests (`tests/guest/src/bin/virtio_qemu.rs`)
//! on the simulator's virtio-blk model, with disks in the known pattern
//! (`disk-pattern`): every sector read and checked, write then read back,
//! sixteen requests in flight, a read-only disk, two disks at once; polled,
//! interrupt-driven (classic indicators, status through a
//! `StatusMailbox`) and async.

mod common;

use common::enable;
use common::virtio::{clock, SimNotify};
use common::SimClock;
use s390_cio::css::ChannelSubsystem;
use s390_cio::devices::virtio::blk::{
    BlkError, Completion, DataBuffer, RequestStorage, Token, VirtioBlk, MAX_IN_FLIGHT,
};
use s390_cio::devices::virtio::ccw::{ControlArea, Transport};
use s390_cio::devices::virtio::indicators::{is_indicator_status, IndicatorArea};
use s390_cio::devices::virtio::queue::QueueStorage;
use s390_cio::driver::{StatusMailbox, Subchannel};
use s390_cio::executor;
use s390_cio::structures::{DeviceStatus, Isc, SubchannelId};
use s390_cio_sim::virtio_blk as model;
use s390_cio_sim::{Options, Simulator};
use std::cell::Cell;

/// Sectors of each test disk (1 MiB).
const SECTORS: u64 = 2048;
/// Bytes per request of the whole-disk reads.
const REQUEST: u32 = 4096;
/// Entries of each queue.
const QUEUE_CAPACITY: u16 = 64;
/// The ISC the subchannels interrupt on.
const ISC: u8 = 3;

type Blk<'a> = VirtioBlk<'a, Simulator, Simulator, SimClock<'a>, &'a SimNotify<'a>>;
type Mailbox = StatusMailbox<8>;

/// A simulator with a small storage (the notifier copies it per
/// notification) and ISC 3 enabled.
fn simulator() -> Simulator {
    let sim = Simulator::with_options(Options {
        memory_size: 4 << 20,
        ..Options::default()
    });
    sim.enable_isc(Isc::new(ISC).unwrap());
    sim
}

/// A disk of [`SECTORS`] in the pattern of disk `disk`.
fn pattern_disk(disk: u8) -> model::VirtioBlk {
    let mut image = vec![0u8; SECTORS as usize * disk_pattern::SECTOR_SIZE];
    for (n, sector) in image
        .chunks_exact_mut(disk_pattern::SECTOR_SIZE)
        .enumerate()
    {
        disk_pattern::fill_sector(disk, n as u64, sector.try_into().unwrap());
    }
    model::VirtioBlk::from_image(image)
}

/// Adds `device` at device number `devno`, enabled on ISC 3.
fn attach(sim: &Simulator, devno: u16, device: model::VirtioBlk) -> SubchannelId {
    let id = sim.add_device(devno, device);
    enable(sim, id);
    id
}

/// Where disk `n`'s driver keeps its storage: 512 KiB apart, the data
/// buffers (one [`REQUEST`] per slot) at +64 KiB.
struct Layout {
    base: u32,
}

impl Layout {
    fn of(n: u32) -> Self {
        Layout {
            base: 0x10_0000 + n * 0x8_0000,
        }
    }

    fn buffer(&self, slot: usize) -> DataBuffer {
        DataBuffer::new(self.base + 0x1_0000 + slot as u32 * REQUEST, REQUEST).unwrap()
    }

    fn indicators(&self) -> IndicatorArea {
        IndicatorArea::new(self.base + 0x3000).unwrap()
    }
}

/// Opens disk `id`'s driver; with `interrupts`, interrupt-driven. From
/// then on the device works on its own time: between the driver's
/// notification and the tests' waits ([`SimNotify::work`]).
fn open<'a>(
    sim: &'a Simulator,
    clock: &'a SimClock<'a>,
    notify: &'a SimNotify<'a>,
    id: SubchannelId,
    layout: &Layout,
    interrupts: bool,
) -> Blk<'a> {
    let subchannel = Subchannel::new(sim, sim, id, layout.base);
    let control = ControlArea::new(layout.base).unwrap();
    let transport = Transport::new(subchannel, sim, clock, control);
    let queue = QueueStorage::new(layout.base + 0x1000, QUEUE_CAPACITY).unwrap();
    let requests = RequestStorage::new(layout.base + 0x2000).unwrap();
    let opened = if interrupts {
        VirtioBlk::new_interrupt_driven(transport, notify, queue, requests, layout.indicators())
    } else {
        VirtioBlk::new(transport, notify, queue, requests)
    };
    notify.held.set(true);
    opened.unwrap()
}

/// Stands for the I/O new PSW: every pending interruption goes through the
/// mailbox's handler entry.
fn deliver_interruptions(sim: &Simulator, mailbox: &Mailbox) {
    while let Some(code) = sim.test_pending_interruption() {
        mailbox.on_interruption(sim, code);
    }
}

/// The "enabled wait" of the tests: the channel and the devices work,
/// then pending interruptions are taken.
fn wait(sim: &Simulator, notify: &SimNotify<'_>, mailbox: &Mailbox, waits: &Cell<u32>) {
    waits.set(waits.get() + 1);
    notify.work();
    sim.step();
    deliver_interruptions(sim, mailbox);
}

/// How a test waits for completions.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Mode {
    Polled,
    InterruptDriven,
    Async,
}

/// What a test waits with: the simulator, the devices' notifier, the
/// mailbox the "I/O interruption handler" fills, and a count of waits.
struct Waiting<'a> {
    sim: &'a Simulator,
    notify: &'a SimNotify<'a>,
    mailbox: &'a Mailbox,
    waits: Cell<u32>,
}

impl<'a> Waiting<'a> {
    fn new(sim: &'a Simulator, notify: &'a SimNotify<'a>, mailbox: &'a Mailbox) -> Self {
        Waiting {
            sim,
            notify,
            mailbox,
            waits: Cell::new(0),
        }
    }
}

/// The next completion of `drv`, waited for in `mode`.
fn next(w: &Waiting<'_>, drv: &mut Blk<'_>, mode: Mode) -> Completion {
    let (sim, notify, mailbox, waits) = (w.sim, w.notify, w.mailbox, &w.waits);
    let done = match mode {
        Mode::Polled => (0..100_000)
            .find_map(|_| {
                notify.work();
                drv.poll_completion().unwrap()
            })
            .ok_or(BlkError::TimedOut),
        Mode::InterruptDriven => {
            drv.wait_completion(mailbox, |_| wait(sim, notify, mailbox, waits))
        }
        Mode::Async => executor::block_on(drv.completion(mailbox), || {
            wait(sim, notify, mailbox, waits)
        }),
    };
    done.unwrap_or_else(|e| panic!("{mode:?}: {e}\n{}", sim.trace()))
}

/// Reads the whole disk with up to sixteen [`REQUEST`]-byte reads in
/// flight, checking each against the pattern of disk `disk`.
fn read_whole_disk(w: &Waiting<'_>, drv: &mut Blk<'_>, layout: &Layout, disk: u8, mode: Mode) {
    let sim = w.sim;
    let per_request = u64::from(REQUEST) / 512;
    let mut in_flight: [Option<(Token, u64)>; MAX_IN_FLIGHT] = [None; MAX_IN_FLIGHT];
    let mut next_sector = 0;
    let mut checked = 0;
    while checked < SECTORS {
        for (slot, entry) in in_flight.iter_mut().enumerate() {
            if entry.is_none() && next_sector < SECTORS {
                // SAFETY: buffer `slot` is this request's alone until its
                // completion is taken below.
                let token = unsafe { drv.submit_read(next_sector, layout.buffer(slot)) }.unwrap();
                *entry = Some((token, next_sector));
                next_sector += per_request;
            }
        }
        let (token, result) = next(w, drv, mode);
        result.unwrap();
        let slot = in_flight
            .iter()
            .position(|e| e.is_some_and(|(t, _)| t == token))
            .expect("a token in flight");
        let (_, sector) = in_flight[slot].take().unwrap();
        let buffer = layout.buffer(slot);
        let data = sim
            .memory()
            .slice(buffer.address().into(), buffer.size() as usize)
            .unwrap()
            .to_vec();
        assert!(
            disk_pattern::is_sectors(disk, sector, &data),
            "{mode:?}: sectors from {sector} are not disk {disk}'s"
        );
        checked += per_request;
    }
    assert_eq!(drv.in_flight(), 0);
}

fn read_every_sector(mode: Mode) -> (u32, u32) {
    let sim = simulator();
    let id = attach(&sim, 0x0100, pattern_disk(0));
    let (clock, notify) = (clock(&sim), SimNotify::new(&sim));
    let mailbox = Mailbox::new();
    let layout = Layout::of(0);
    let mut drv = open(&sim, &clock, &notify, id, &layout, mode != Mode::Polled);
    let w = Waiting::new(&sim, &notify, &mailbox);
    read_whole_disk(&w, &mut drv, &layout, 0, mode);
    assert_eq!(mailbox.dropped(), 0);
    (drv.indicator_interruptions(), w.waits.get())
}

#[test]
fn polled_every_sector_reads_back_its_pattern() {
    let (interruptions, _) = read_every_sector(Mode::Polled);
    assert_eq!(interruptions, 0);
}

#[test]
fn interrupt_driven_every_sector_reads_back_its_pattern_on_indicator_interruptions() {
    let (interruptions, waits) = read_every_sector(Mode::InterruptDriven);
    assert!(interruptions > 0, "no indicator interruption taken");
    assert!(waits > 0, "never waited for an interruption");
}

#[test]
fn async_every_sector_reads_back_its_pattern_woken_by_the_mailbox() {
    let (interruptions, waits) = read_every_sector(Mode::Async);
    assert!(interruptions > 0, "no indicator interruption taken");
    assert!(waits > 0, "never waited for an interruption");
}

#[test]
fn the_interrupt_driven_driver_hands_the_device_its_indicators_and_wants_interruptions() {
    let sim = simulator();
    let id = attach(&sim, 0x0100, pattern_disk(0));
    let (clock, notify) = (clock(&sim), SimNotify::new(&sim));
    let layout = Layout::of(0);
    let drv = open(&sim, &clock, &notify, id, &layout, true);
    assert!(drv.is_interrupt_driven());
    sim.with_device(id, |d: &mut model::VirtioBlk| {
        let area = layout.indicators();
        assert_eq!(d.indicators(), Some(u64::from(area.queue_indicators())));
        assert_eq!(
            d.config_indicators(),
            Some(u64::from(area.config_indicator()))
        );
    })
    .unwrap();
}

/// Sixteen writes in flight, then sixteen reads, in each mode: every
/// request completes once and reads back what was written.
fn write_then_read_back(mode: Mode) {
    let sim = simulator();
    let id = attach(&sim, 0x0100, pattern_disk(0));
    let (clock, notify) = (clock(&sim), SimNotify::new(&sim));
    let mailbox = Mailbox::new();
    let layout = Layout::of(0);
    let mut drv = open(&sim, &clock, &notify, id, &layout, mode != Mode::Polled);
    let w = Waiting::new(&sim, &notify, &mailbox);
    let sector_of = |slot: usize| 1024 + slot as u64 * 8;
    let mut tokens = Vec::new();
    for slot in 0..MAX_IN_FLIGHT {
        let buffer = layout.buffer(slot);
        let mut data = vec![0u8; REQUEST as usize];
        for (k, sector) in data.chunks_exact_mut(512).enumerate() {
            disk_pattern::fill_sector(7, sector_of(slot) + k as u64, sector.try_into().unwrap());
        }
        sim.memory_mut()
            .write(buffer.address().into(), &data)
            .unwrap();
        // SAFETY: buffer `slot` is this request's alone until it completes.
        tokens.push(unsafe { drv.submit_write(sector_of(slot), buffer) }.unwrap());
    }
    assert_eq!(drv.in_flight(), MAX_IN_FLIGHT);
    for _ in 0..MAX_IN_FLIGHT {
        let (token, result) = next(&w, &mut drv, mode);
        result.unwrap();
        let at = tokens.iter().position(|t| *t == token).expect("token once");
        tokens.remove(at);
    }
    for slot in 0..MAX_IN_FLIGHT {
        let buffer = layout.buffer(slot);
        sim.memory_mut()
            .write(buffer.address().into(), &vec![0; REQUEST as usize])
            .unwrap();
        // SAFETY: as above.
        unsafe { drv.submit_read(sector_of(slot), buffer) }.unwrap();
    }
    for _ in 0..MAX_IN_FLIGHT {
        next(&w, &mut drv, mode).1.unwrap();
    }
    for slot in 0..MAX_IN_FLIGHT {
        let buffer = layout.buffer(slot);
        let data = sim
            .memory()
            .slice(buffer.address().into(), REQUEST as usize)
            .unwrap()
            .to_vec();
        assert!(
            disk_pattern::is_sectors(7, sector_of(slot), &data),
            "{mode:?}: slot {slot}"
        );
    }
}

#[test]
fn polled_sixteen_writes_in_flight_read_back() {
    write_then_read_back(Mode::Polled);
}

#[test]
fn interrupt_driven_sixteen_writes_in_flight_read_back() {
    write_then_read_back(Mode::InterruptDriven);
}

#[test]
fn async_sixteen_writes_in_flight_read_back() {
    write_then_read_back(Mode::Async);
}

#[test]
fn a_read_only_pattern_disk_refuses_writes_and_reads_its_pattern() {
    let sim = simulator();
    let id = attach(&sim, 0x0102, pattern_disk(2).read_only(true));
    let (clock, notify) = (clock(&sim), SimNotify::new(&sim));
    let mailbox = Mailbox::new();
    let layout = Layout::of(0);
    let mut drv = open(&sim, &clock, &notify, id, &layout, true);
    assert!(drv.info().read_only());
    // SAFETY: the buffer is ours; the write is refused before submission.
    let write = unsafe { drv.submit_write(0, layout.buffer(0)) };
    assert_eq!(write, Err(BlkError::ReadOnly));
    assert_eq!(drv.in_flight(), 0);
    let w = Waiting::new(&sim, &notify, &mailbox);
    read_whole_disk(&w, &mut drv, &layout, 2, Mode::InterruptDriven);
}

#[test]
fn two_disks_at_once_share_one_mailbox_and_each_reads_its_own_pattern() {
    let sim = simulator();
    let ids = [
        attach(&sim, 0x0100, pattern_disk(0)),
        attach(&sim, 0x0101, pattern_disk(1)),
    ];
    let clock = clock(&sim);
    let notify = SimNotify::new(&sim);
    let mailbox = Mailbox::new();
    let layouts = [Layout::of(0), Layout::of(1)];
    let mut drvs = [
        open(&sim, &clock, &notify, ids[0], &layouts[0], true),
        open(&sim, &clock, &notify, ids[1], &layouts[1], true),
    ];
    // Eight reads on each disk in flight together, both disks' status in
    // the one mailbox.
    let mut expected = Vec::new();
    for (disk, drv) in drvs.iter_mut().enumerate() {
        for slot in 0..8 {
            let sector = slot as u64 * 100;
            // SAFETY: each slot's buffer is its request's alone.
            let token = unsafe { drv.submit_read(sector, layouts[disk].buffer(slot)) }.unwrap();
            expected.push((disk, token, slot, sector));
        }
    }
    let w = Waiting::new(&sim, &notify, &mailbox);
    while !expected.is_empty() {
        for (disk, drv) in drvs.iter_mut().enumerate() {
            if drv.in_flight() == 0 {
                continue;
            }
            let (token, result) = next(&w, drv, Mode::InterruptDriven);
            result.unwrap();
            let at = expected
                .iter()
                .position(|&(d, t, _, _)| d == disk && t == token)
                .expect("a token of this disk, once");
            let (_, _, slot, sector) = expected.remove(at);
            let buffer = layouts[disk].buffer(slot);
            let data = sim
                .memory()
                .slice(buffer.address().into(), REQUEST as usize)
                .unwrap()
                .to_vec();
            assert!(
                disk_pattern::is_sectors(disk as u8, sector, &data),
                "disk {disk}"
            );
        }
    }
    assert!(drvs.iter().all(|d| d.indicator_interruptions() > 0));
    assert_eq!(mailbox.dropped(), 0);
}

#[test]
fn indicator_status_is_told_apart_from_an_attention_and_neither_is_lost() {
    let sim = simulator();
    let id = attach(&sim, 0x0100, pattern_disk(0));
    let (clock, notify) = (clock(&sim), SimNotify::new(&sim));
    let mailbox = Mailbox::new();
    let layout = Layout::of(0);
    let mut drv = open(&sim, &clock, &notify, id, &layout, true);
    // SAFETY: buffer 0 is ours until the completion.
    let token = unsafe { drv.submit_read(5, layout.buffer(0)) }.unwrap();
    // The device does the read: its indicator status is pending, and an
    // attention comes after it.
    notify.work();
    sim.inject_unsolicited_status(id, DeviceStatus::ATTENTION);
    let w = Waiting::new(&sim, &notify, &mailbox);
    let (done, result) = next(&w, &mut drv, Mode::InterruptDriven);
    assert_eq!(done, token);
    result.unwrap();
    for _ in 0..10 {
        wait(&sim, &notify, &mailbox, &w.waits);
    }
    drv.take_interruptions(&mailbox);
    let attention = drv
        .take_unsolicited()
        .unwrap_or_else(|| panic!("the attention, kept\n{}", sim.trace()));
    assert!(attention.scsw.device_status().attention());
    assert!(!is_indicator_status(&attention));
    assert!(drv.take_unsolicited().is_none());
    assert_eq!(drv.indicator_interruptions(), 1);
}

#[test]
fn waiting_without_interrupts_or_without_requests_is_a_typed_error() {
    let sim = simulator();
    let ids = [
        attach(&sim, 0x0100, pattern_disk(0)),
        attach(&sim, 0x0101, pattern_disk(1)),
    ];
    let (clock, notify) = (clock(&sim), SimNotify::new(&sim));
    let mailbox = Mailbox::new();
    let mut polled = open(&sim, &clock, &notify, ids[0], &Layout::of(0), false);
    // SAFETY: the buffer is ours until the driver is reset.
    unsafe { polled.submit_read(0, Layout::of(0).buffer(0)) }.unwrap();
    assert_eq!(
        polled.wait_completion(&mailbox, |_| {}).err(),
        Some(BlkError::NoInterrupts)
    );
    let mut idle = open(&sim, &clock, &notify, ids[1], &Layout::of(1), true);
    assert_eq!(
        idle.wait_completion(&mailbox, |_| {}).err(),
        Some(BlkError::Idle)
    );
    let async_idle = executor::block_on(idle.completion(&mailbox), || {});
    assert_eq!(async_idle.err(), Some(BlkError::Idle));
}

#[test]
fn a_request_the_device_never_completes_times_out_and_resets_the_device() {
    let sim = simulator();
    let id = attach(&sim, 0x0100, pattern_disk(0));
    let (clock, notify) = (clock(&sim), SimNotify::new(&sim));
    let mailbox = Mailbox::new();
    let layout = Layout::of(0);
    let mut drv = open(&sim, &clock, &notify, id, &layout, true).with_timeout(50);
    // SAFETY: the buffer is ours until the reset the timeout makes.
    unsafe { drv.submit_read(0, layout.buffer(0)) }.unwrap();
    // Waits in which the device never works.
    let result = drv.wait_completion(&mailbox, |_| {
        sim.step();
        deliver_interruptions(&sim, &mailbox);
    });
    assert_eq!(result.err(), Some(BlkError::TimedOut));
    assert!(drv.is_broken());
    let status = sim
        .with_device(id, |d: &mut model::VirtioBlk| d.status())
        .unwrap();
    assert_eq!(status, 0, "the device was reset");
}

/// QEMU raises no indicator interruption while the subchannel is status
/// pending: a completion that happens behind an attention comes with no
/// interruption of its own, and is found all the same.
#[test]
fn a_completion_behind_a_pending_attention_is_found_without_its_own_interruption() {
    let sim = simulator();
    let id = attach(&sim, 0x0100, pattern_disk(0));
    let (clock, notify) = (clock(&sim), SimNotify::new(&sim));
    let mailbox = Mailbox::new();
    let layout = Layout::of(0);
    let mut drv = open(&sim, &clock, &notify, id, &layout, true);
    // SAFETY: buffer 0 is ours until the completion.
    let token = unsafe { drv.submit_read(9, layout.buffer(0)) }.unwrap();
    sim.inject_unsolicited_status(id, DeviceStatus::ATTENTION);
    sim.step();
    let w = Waiting::new(&sim, &notify, &mailbox);
    let (done, result) = next(&w, &mut drv, Mode::InterruptDriven);
    assert_eq!(done, token);
    result.unwrap();
    assert_eq!(drv.indicator_interruptions(), 0, "{}", sim.trace());
    let attention = drv.take_unsolicited().expect("the attention, kept");
    assert!(attention.scsw.device_status().attention());
}

/// A device that finds the driver broke a rule needs a reset and says so
/// through the configuration indicator (SET_CONF_IND) with an I/O
/// interruption; the driver notes the configuration change.
#[test]
fn a_device_error_is_signalled_through_the_configuration_indicator() {
    let sim = simulator();
    let id = attach(&sim, 0x0100, pattern_disk(0));
    let (clock, notify) = (clock(&sim), SimNotify::new(&sim));
    let mailbox = Mailbox::new();
    let layout = Layout::of(0);
    let mut drv = open(&sim, &clock, &notify, id, &layout, true);
    // SAFETY: buffer 0 is ours until the driver is reset.
    unsafe { drv.submit_read(0, layout.buffer(0)) }.unwrap();
    // Before the device looks, the data descriptor (1) is made to chain to
    // a descriptor the queue does not have.
    let next_of_descriptor_1 = u64::from(layout.base) + 0x1000 + 16 + 14;
    sim.memory_mut()
        .write(next_of_descriptor_1, &999u16.to_le_bytes())
        .unwrap();
    let w = Waiting::new(&sim, &notify, &mailbox);
    wait(&sim, &notify, &mailbox, &w.waits);
    drv.take_interruptions(&mailbox);
    assert!(drv.take_config_change(), "{}", sim.trace());
    assert!(!drv.take_config_change(), "taken once");
    assert_eq!(drv.indicator_interruptions(), 1);
    let needs_reset = sim
        .with_device(id, |d: &mut model::VirtioBlk| d.needs_reset())
        .unwrap();
    assert!(needs_reset);
}
