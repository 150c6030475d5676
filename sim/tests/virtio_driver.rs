//! The virtio-ccw driver (`s390_cio::devices::virtio`) on the simulator's
//! virtio-blk model: negotiation, requests, many in flight, a read-only
//! device, and a device that breaks the rules of the used ring.

mod common;

use common::virtio::*;
use common::*;
use s390_cio::devices::virtio::blk::{BlkError, RequestError, MAX_IN_FLIGHT};
use s390_cio::devices::virtio::ccw::{commands, TransportError};
use s390_cio::devices::virtio::queue::QueueError;
use s390_cio::devices::virtio::{features, status};
use s390_cio_sim::virtio_blk::{self as model, UsedRingFault};
use s390_cio_sim::{Response, ScriptedDevice};

#[test]
fn negotiation_reaches_driver_ok_with_version_1_and_the_features_implemented() {
    let (sim, id) = sim_with(patterned_disk());
    let (clock, notify) = (clock(&sim), SimNotify::new(&sim));
    let drv = blk(&sim, &clock, &notify, id, 64).unwrap();
    let info = drv.info();
    assert_eq!(
        info.features,
        features::VERSION_1 | features::BLK_SIZE | features::BLK_FLUSH
    );
    assert_eq!(info.capacity, u64::from(SECTORS));
    assert_eq!(info.block_size, 512);
    assert!(!info.read_only());
    assert_eq!(info.queue_size, 64, "capped to the storage's capacity");
    assert_eq!(info.max_in_flight, MAX_IN_FLIGHT);
    device(&sim, id, |d| {
        assert_eq!(d.revision(), Some(1));
        assert_eq!(d.driver_features(), info.features);
        assert_eq!(
            d.status(),
            status::ACKNOWLEDGE | status::DRIVER | status::FEATURES_OK | status::DRIVER_OK
        );
        let queue = d.queue().unwrap();
        assert_eq!(queue.num, 64);
        assert_eq!(queue.desc, u64::from(QUEUE));
    });
}

#[test]
fn the_queue_size_is_the_devices_maximum_when_the_storage_is_larger() {
    let (sim, id) = sim_with(patterned_disk());
    let (clock, notify) = (clock(&sim), SimNotify::new(&sim));
    let drv = blk(&sim, &clock, &notify, id, 1024).unwrap();
    assert_eq!(drv.info().queue_size, model::QUEUE_SIZE);
}

#[test]
fn a_small_queue_limits_the_requests_in_flight() {
    let (sim, id) = sim_with(patterned_disk());
    let (clock, notify) = (clock(&sim), SimNotify::new(&sim));
    let drv = blk(&sim, &clock, &notify, id, 8).unwrap();
    assert_eq!(drv.info().max_in_flight, 2);
}

#[test]
fn a_device_without_version_1_is_refused_and_marked_failed() {
    let mut legacy = ScriptedDevice::new(test_id());
    legacy.respond_always(commands::READ_FEAT, Response::data(&[0x44, 0, 0, 0, 0]));
    let (sim, id) = sim_with(legacy);
    let (clock, notify) = (clock(&sim), SimNotify::new(&sim));
    let result = blk(&sim, &clock, &notify, id, 64).err();
    assert_eq!(
        result,
        Some(BlkError::Transport(TransportError::NoVersion1 {
            offered: 0x44 | 0x44 << 32
        }))
    );
    let last = sim
        .with_device(id, |d: &mut ScriptedDevice| d.received().last().cloned())
        .unwrap();
    assert_eq!(last, Some((commands::WRITE_STATUS, vec![status::FAILED])));
}

#[test]
fn a_second_revision_is_a_typed_command_reject() {
    let (sim, id) = sim_with(patterned_disk());
    let clock = clock(&sim);
    let mut first = transport(&sim, &clock, id);
    first.set_revision(1).unwrap();
    let mut second = transport(&sim, &clock, id);
    assert!(matches!(
        second.negotiate(features::VERSION_1),
        Err(TransportError::Command { command: 0x83, .. })
    ));
}

#[test]
fn a_read_brings_the_sectors() {
    let (sim, id) = sim_with(patterned_disk());
    let (clock, notify) = (clock(&sim), SimNotify::new(&sim));
    let mut drv = blk(&sim, &clock, &notify, id, 64).unwrap();
    let buf = buffer(0, 1024);
    // SAFETY: the buffer is simulated storage nothing else uses.
    unsafe { drv.read(5, buf) }.unwrap();
    let data = bytes(&sim, buf);
    assert!(data[..512].iter().all(|&b| b == 5));
    assert!(data[512..].iter().all(|&b| b == 6));
}

#[test]
fn a_write_lands_on_the_disk_and_reads_back() {
    let (sim, id) = sim_with(patterned_disk());
    let (clock, notify) = (clock(&sim), SimNotify::new(&sim));
    let mut drv = blk(&sim, &clock, &notify, id, 64).unwrap();
    let out = buffer(0, 512);
    let pattern: Vec<u8> = (0..512u32).map(|i| (i * 7 + 3) as u8).collect();
    sim.memory_mut()
        .write(out.address().into(), &pattern)
        .unwrap();
    // SAFETY: simulated storage.
    unsafe { drv.write(9, out) }.unwrap();
    assert_eq!(
        device(&sim, id, |d| d.disk()[9 * 512..10 * 512].to_vec()),
        pattern
    );
    let back = buffer(1, 512);
    // SAFETY: simulated storage.
    unsafe { drv.read(9, back) }.unwrap();
    assert_eq!(bytes(&sim, back), pattern);
}

#[test]
fn flush_reaches_the_device() {
    let (sim, id) = sim_with(patterned_disk());
    let (clock, notify) = (clock(&sim), SimNotify::new(&sim));
    let mut drv = blk(&sim, &clock, &notify, id, 64).unwrap();
    drv.flush().unwrap();
    assert_eq!(device(&sim, id, |d| d.flushes()), 1);
}

#[test]
fn get_id_reads_the_serial() {
    let device = patterned_disk().with_serial(b"DISK-0042");
    let (sim, id) = sim_with(device);
    let (clock, notify) = (clock(&sim), SimNotify::new(&sim));
    let mut drv = blk(&sim, &clock, &notify, id, 64).unwrap();
    let buf = buffer(0, 20);
    // SAFETY: simulated storage.
    unsafe { drv.get_id(buf) }.unwrap();
    assert_eq!(&bytes(&sim, buf)[..10], b"DISK-0042\0");
}

#[test]
fn sixteen_requests_are_in_flight_at_once_and_each_completes_once() {
    let (sim, id) = sim_with(patterned_disk());
    let (clock, notify) = (clock(&sim), SimNotify::new(&sim));
    let mut drv = blk(&sim, &clock, &notify, id, 64).unwrap();
    notify.held.set(true);
    let mut tokens = Vec::new();
    for n in 0..MAX_IN_FLIGHT as u32 {
        // SAFETY: each request has its own page of simulated storage.
        tokens.push(unsafe { drv.submit_read(u64::from(n) * 2, buffer(n, 512)) }.unwrap());
    }
    assert_eq!(drv.in_flight(), MAX_IN_FLIGHT);
    // SAFETY: as above; refused before anything is made available.
    let full = unsafe { drv.submit_read(0, buffer(16, 512)) };
    assert_eq!(full, Err(BlkError::Full));
    assert_eq!(drv.poll_completion(), Ok(None));
    assert_eq!(drv.flush(), Err(BlkError::Busy));
    notify.release(id);
    let mut seen = Vec::new();
    while let Some((token, result)) = drv.poll_completion().unwrap() {
        result.unwrap();
        let n = tokens
            .iter()
            .position(|t| *t == token)
            .expect("unknown token");
        assert!(!seen.contains(&n), "token {n} completed twice");
        seen.push(n);
        assert!(bytes(&sim, buffer(n as u32, 512))
            .iter()
            .all(|&b| b == 2 * n as u8));
    }
    assert_eq!(seen.len(), MAX_IN_FLIGHT);
    assert_eq!(drv.in_flight(), 0);
    // The slots are free again, and the rings wrap (66 requests through 64
    // entries).
    for round in 0..50u32 {
        let sector = u64::from(round % SECTORS);
        // SAFETY: simulated storage.
        unsafe { drv.read(sector, buffer(0, 512)) }.unwrap();
        assert!(bytes(&sim, buffer(0, 512))
            .iter()
            .all(|&b| b == sector as u8));
    }
}

#[test]
fn a_reused_slot_gets_a_new_token() {
    let (sim, id) = sim_with(patterned_disk());
    let (clock, notify) = (clock(&sim), SimNotify::new(&sim));
    let mut drv = blk(&sim, &clock, &notify, id, 64).unwrap();
    let first = drv.submit_flush().unwrap();
    assert_eq!(next_completion(&mut drv), (first, Ok(())));
    let second = drv.submit_flush().unwrap();
    assert_ne!(first, second);
    assert_eq!(next_completion(&mut drv), (second, Ok(())));
}

#[test]
fn an_ioerr_status_is_a_typed_request_error() {
    let (sim, id) = sim_with(patterned_disk());
    let (clock, notify) = (clock(&sim), SimNotify::new(&sim));
    let mut drv = blk(&sim, &clock, &notify, id, 64).unwrap();
    // The medium turns read-only behind the driver's back: the device
    // answers the write with VIRTIO_BLK_S_IOERR.
    device(&sim, id, |d| *d = d.clone().read_only(true));
    // SAFETY: simulated storage.
    let result = unsafe { drv.write(0, buffer(0, 512)) };
    assert_eq!(result, Err(BlkError::Request(RequestError::IoError)));
    assert!(!drv.is_broken());
    // SAFETY: simulated storage.
    unsafe { drv.read(0, buffer(0, 512)) }.unwrap();
}

#[test]
fn requests_past_the_capacity_or_not_whole_blocks_are_refused() {
    let (sim, id) = sim_with(patterned_disk());
    let (clock, notify) = (clock(&sim), SimNotify::new(&sim));
    let mut drv = blk(&sim, &clock, &notify, id, 64).unwrap();
    // SAFETY: simulated storage; refused before use.
    let past = unsafe { drv.read(u64::from(SECTORS) - 1, buffer(0, 1024)) };
    assert_eq!(
        past,
        Err(BlkError::OutOfRange {
            sector: u64::from(SECTORS) - 1,
            sectors: 2,
            capacity: u64::from(SECTORS),
        })
    );
    // SAFETY: as above.
    let odd = unsafe { drv.read(0, buffer(0, 100)) };
    assert_eq!(odd, Err(BlkError::BadLength(100)));
    assert_eq!(drv.in_flight(), 0);
}

#[test]
fn a_read_only_device_refuses_writes_but_reads() {
    let (sim, id) = sim_with(patterned_disk().read_only(true));
    let (clock, notify) = (clock(&sim), SimNotify::new(&sim));
    let mut drv = blk(&sim, &clock, &notify, id, 64).unwrap();
    assert!(drv.info().read_only());
    // SAFETY: simulated storage; refused before use.
    let refused = unsafe { drv.write(0, buffer(0, 512)) };
    assert_eq!(refused, Err(BlkError::ReadOnly));
    // SAFETY: simulated storage.
    unsafe { drv.read(3, buffer(0, 512)) }.unwrap();
    assert!(bytes(&sim, buffer(0, 512)).iter().all(|&b| b == 3));
}

#[test]
fn a_used_index_jumping_ahead_is_a_typed_error_and_stops_the_driver() {
    let (sim, id) = sim_with(patterned_disk());
    let (clock, notify) = (clock(&sim), SimNotify::new(&sim));
    let mut drv = blk(&sim, &clock, &notify, id, 64).unwrap();
    device(&sim, id, |d| d.inject(UsedRingFault::IndexJump(3)));
    // SAFETY: simulated storage.
    let result = unsafe { drv.read(0, buffer(0, 512)) };
    assert_eq!(
        result,
        Err(BlkError::Queue(QueueError::UsedIndexJump {
            last_used: 0,
            used_idx: 4,
            in_flight: 1,
        }))
    );
    assert!(drv.is_broken());
    assert_eq!(drv.poll_completion(), Err(BlkError::Broken));
    assert_eq!(drv.submit_flush(), Err(BlkError::Broken));
    drv.reset().unwrap();
    device(&sim, id, |d| assert_eq!(d.status(), 0));
}

#[test]
fn a_used_length_past_the_buffer_fails_that_request_only() {
    let (sim, id) = sim_with(patterned_disk());
    let (clock, notify) = (clock(&sim), SimNotify::new(&sim));
    let mut drv = blk(&sim, &clock, &notify, id, 64).unwrap();
    device(&sim, id, |d| d.inject(UsedRingFault::LengthPastBuffer(100)));
    // SAFETY: simulated storage.
    let result = unsafe { drv.read(0, buffer(0, 512)) };
    assert_eq!(
        result,
        Err(BlkError::Request(RequestError::LengthPastBuffer {
            len: 513 + 100,
            writable: 513,
        }))
    );
    // SAFETY: simulated storage.
    unsafe { drv.read(1, buffer(0, 512)) }.unwrap();
}

#[test]
fn a_used_id_not_in_flight_is_a_typed_error() {
    for wrong in [3, 1, 0xFFFF_FFFF] {
        let (sim, id) = sim_with(patterned_disk());
        let (clock, notify) = (clock(&sim), SimNotify::new(&sim));
        let mut drv = blk(&sim, &clock, &notify, id, 64).unwrap();
        device(&sim, id, |d| d.inject(UsedRingFault::WrongId(wrong)));
        // SAFETY: simulated storage.
        let result = unsafe { drv.read(0, buffer(0, 512)) };
        assert_eq!(result, Err(BlkError::UnknownId(wrong)));
        assert!(drv.is_broken());
    }
}

#[test]
fn a_fault_among_many_in_flight_leaves_earlier_completions_intact() {
    let (sim, id) = sim_with(patterned_disk());
    let (clock, notify) = (clock(&sim), SimNotify::new(&sim));
    let mut drv = blk(&sim, &clock, &notify, id, 64).unwrap();
    notify.held.set(true);
    for n in 0..4u32 {
        // SAFETY: one page of simulated storage per request.
        unsafe { drv.submit_read(u64::from(n), buffer(n, 512)) }.unwrap();
    }
    device(&sim, id, |d| {
        d.inject(UsedRingFault::LengthPastBuffer(0));
        d.inject(UsedRingFault::WrongId(6));
    });
    notify.release(id);
    let (_, first) = next_completion(&mut drv);
    assert_eq!(first, Ok(()));
    // The second entry names descriptor 6, the head of the third request,
    // which is in flight: the driver cannot tell a misattributed id from a
    // real one, but that request completes once only, and when the real
    // entry for it follows, its id is no longer in flight.
    let (_, second) = next_completion(&mut drv);
    assert_eq!(second, Ok(()));
    assert_eq!(drv.poll_completion(), Err(BlkError::UnknownId(6)));
    assert_eq!(drv.poll_completion(), Err(BlkError::Broken));
}

#[test]
fn read_status_gives_the_status_at_revision_2_and_is_rejected_at_revision_1() {
    let (sim, id) = sim_with(patterned_disk());
    let clock = clock(&sim);
    let mut at_2 = transport(&sim, &clock, id);
    at_2.set_revision(2).unwrap();
    at_2.negotiate(features::VERSION_1).unwrap();
    assert_eq!(
        at_2.read_status(),
        Ok(status::ACKNOWLEDGE | status::DRIVER | status::FEATURES_OK)
    );

    let (sim, id) = sim_with(patterned_disk());
    let clock = self::clock(&sim);
    let mut at_1 = transport(&sim, &clock, id);
    at_1.negotiate(features::VERSION_1).unwrap();
    assert!(matches!(
        at_1.read_status(),
        Err(TransportError::Command {
            command: commands::READ_STATUS,
            ..
        })
    ));
}
