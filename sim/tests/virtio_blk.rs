//! The virtio-ccw block device model on the simulator: channel commands
//! through SSCH and TSCH, requests through the split virtqueue and
//! `VirtioBlk::notify`, and the driver errors it must survive.

mod common;

use common::*;
use s390_cio::css::ChannelSubsystem;
use s390_cio::instructions::ModifyResult;
use s390_cio::structures::{
    commands as ccw_commands, Ccw1, CcwFlags, DeviceStatus, Irb, Orb, Schib, SenseId, SubchannelId,
    SubchannelStatus,
};
use s390_cio_sim::virtio_blk::{
    commands, features, request, status, Notified, QueueError, UsedRingFault, VirtioBlk,
    CONFIG_LEN, CU_TYPE, DEVICE_ID_BLOCK, QUEUE_SIZE,
};
use s390_cio_sim::{Simulator, DONE};

/// Descriptor table of the test queue.
const DESC: u64 = 0x10000;
/// Available ring.
const AVAIL: u64 = 0x11000;
/// Used ring.
const USED: u64 = 0x12000;
/// Queue indicators (SET_IND).
const IND: u64 = 0x13000;
/// Configuration-change indicators (SET_CONF_IND).
const CONF_IND: u64 = 0x13008;
/// Request headers, data and status bytes.
const BUF: u64 = 0x20000;
/// Entries of the test queue.
const NUM: u16 = 8;

const NEXT: u16 = 1;
const WRITE: u16 = 2;
const INDIRECT: u16 = 4;

struct Rig {
    sim: Simulator,
    id: SubchannelId,
    avail_idx: u16,
}

impl Rig {
    fn new(device: VirtioBlk) -> Self {
        let (sim, id) = sim_with(device);
        Rig {
            sim,
            id,
            avail_idx: 0,
        }
    }

    /// Runs one CCW with `data` at DATA; returns the IRB.
    fn run(&self, command: u8, flags: CcwFlags, count: u16, data: &[u8]) -> Irb {
        let mut memory = self.sim.memory_mut();
        memory.write(DATA.into(), data).unwrap();
        memory
            .write_ccw1(PROGRAM, Ccw1::new(command, flags, count, DATA))
            .unwrap();
        drop(memory);
        assert_eq!(
            ssch(&self.sim, self.id, &Orb::new(PROGRAM)).condition_code(),
            0
        );
        finish(&self.sim, self.id)
    }

    /// Runs `command` over exactly `data`, which must end normally.
    fn ok(&self, command: u8, data: &[u8]) {
        let irb = self.run(command, CcwFlags::empty(), data.len() as u16, data);
        assert_eq!(
            irb.scsw.device_status(),
            DONE,
            "{:02x}: {}",
            command,
            self.sim.trace()
        );
        assert!(
            irb.scsw.subchannel_status().is_empty(),
            "{}",
            self.sim.trace()
        );
    }

    /// Runs `command` over exactly `data`; it must end with command reject.
    fn rejected(&self, command: u8, data: &[u8]) {
        let irb = self.run(command, CcwFlags::SLI, data.len() as u16, data);
        assert_eq!(
            irb.scsw.device_status(),
            DONE | DeviceStatus::UNIT_CHECK,
            "{command:02x}"
        );
        let sense = self.run(ccw_commands::SENSE, CcwFlags::SLI, 1, &[0xFF]);
        assert_eq!(sense.scsw.device_status(), DONE);
        assert_eq!(self.data(1), [0x80]);
    }

    fn data(&self, len: usize) -> Vec<u8> {
        self.sim.memory().slice(DATA.into(), len).unwrap().to_vec()
    }

    fn read_feat(&self, index: u8) -> u32 {
        self.ok(commands::READ_FEAT, &[0xEE, 0xEE, 0xEE, 0xEE, index]);
        let d = self.data(5);
        assert_eq!(d[4], index, "the index byte stays");
        u32::from_le_bytes([d[0], d[1], d[2], d[3]])
    }

    fn write_feat(&self, index: u8, word: u32) {
        let w = word.to_le_bytes();
        self.ok(commands::WRITE_FEAT, &[w[0], w[1], w[2], w[3], index]);
    }

    fn set_vq(&self, index: u16, num: u16, desc: u64) {
        self.ok(commands::SET_VQ, &vq_info(index, num, desc));
    }

    /// SET_VIRTIO_REV 1 through DRIVER_OK, queue 0 with NUM entries,
    /// classic and configuration indicators.
    fn setup(&self) {
        self.setup_revision(1);
    }

    /// [`Rig::setup`] with revision `revision`.
    fn setup_revision(&self, revision: u8) {
        self.ok(commands::SET_VIRTIO_REV, &[0, revision, 0, 0]);
        self.ok(
            commands::WRITE_STATUS,
            &[status::ACKNOWLEDGE | status::DRIVER],
        );
        let offered = u64::from(self.read_feat(0)) | u64::from(self.read_feat(1)) << 32;
        self.write_feat(0, offered as u32);
        self.write_feat(1, (offered >> 32) as u32);
        let negotiating = status::ACKNOWLEDGE | status::DRIVER | status::FEATURES_OK;
        self.ok(commands::WRITE_STATUS, &[negotiating]);
        self.set_vq(0, NUM, DESC);
        self.ok(commands::SET_IND, &IND.to_be_bytes());
        self.ok(commands::SET_CONF_IND, &CONF_IND.to_be_bytes());
        self.ok(commands::WRITE_STATUS, &[negotiating | status::DRIVER_OK]);
    }

    /// CSCH: the clear signal resets the device.
    fn clear(&self) {
        self.sim.clear_subchannel(self.id);
        finish(&self.sim, self.id);
    }

    /// MSCH with the enabled bit off, then [`enable`] again.
    fn disable_and_enable(&self) {
        let mut schib = Schib::default();
        self.sim.store_subchannel(self.id, &mut schib);
        schib.pmcw.set_enabled(false);
        assert_eq!(
            self.sim.modify_subchannel(self.id, &schib),
            ModifyResult::Modified
        );
        enable(&self.sim, self.id);
    }

    fn device<R>(&self, f: impl FnOnce(&mut VirtioBlk) -> R) -> R {
        self.sim.with_device(self.id, f).unwrap()
    }

    /// DIAGNOSE 0x500 for queue 0, as the simulator would route it.
    fn notify(&self) -> Notified {
        let mut memory = self.sim.memory().clone();
        let notified = self.device(|d| d.notify(&mut memory, 0));
        *self.sim.memory_mut() = memory;
        notified
    }

    fn descriptor(&self, index: u16, address: u64, len: u32, flags: u16, next: u16) {
        let mut d = [0; 16];
        d[..8].copy_from_slice(&address.to_le_bytes());
        d[8..12].copy_from_slice(&len.to_le_bytes());
        d[12..14].copy_from_slice(&flags.to_le_bytes());
        d[14..].copy_from_slice(&next.to_le_bytes());
        self.sim
            .memory_mut()
            .write(DESC + 16 * u64::from(index), &d)
            .unwrap();
    }

    /// Makes the chain at `head` available.
    fn offer(&mut self, head: u16) {
        let slot = u64::from(self.avail_idx % NUM);
        self.avail_idx = self.avail_idx.wrapping_add(1);
        let mut memory = self.sim.memory_mut();
        memory
            .write(AVAIL + 4 + 2 * slot, &head.to_le_bytes())
            .unwrap();
        memory
            .write(AVAIL + 2, &self.avail_idx.to_le_bytes())
            .unwrap();
    }

    /// Builds a three-descriptor request at descriptors 0-2: header,
    /// data (device-writable for IN and GET_ID), status byte; offers it.
    fn request(&mut self, kind: u32, sector: u64, data: &[u8], data_writable: bool) {
        let mut header = [0; 16];
        header[..4].copy_from_slice(&kind.to_le_bytes());
        header[8..].copy_from_slice(&sector.to_le_bytes());
        let mut memory = self.sim.memory_mut();
        memory.write(BUF, &header).unwrap();
        memory.write(BUF + 0x100, data).unwrap();
        memory.write_u8(BUF + 0x10000, 0xFF).unwrap();
        drop(memory);
        let data_flags = if data_writable { NEXT | WRITE } else { NEXT };
        self.descriptor(0, BUF, 16, NEXT, 1);
        self.descriptor(1, BUF + 0x100, data.len() as u32, data_flags, 2);
        self.descriptor(2, BUF + 0x10000, 1, WRITE, 0);
        self.offer(0);
    }

    fn status_byte(&self) -> u8 {
        self.sim.memory().read_u8(BUF + 0x10000).unwrap()
    }

    fn buffer(&self, len: usize) -> Vec<u8> {
        self.sim.memory().slice(BUF + 0x100, len).unwrap().to_vec()
    }

    fn used_idx(&self) -> u16 {
        u16::from_le_bytes(self.sim.memory().read_array(USED + 2).unwrap())
    }

    /// Used-ring entry `slot`: (id, len).
    fn used(&self, slot: u16) -> (u32, u32) {
        let e: [u8; 8] = self
            .sim
            .memory()
            .read_array(USED + 4 + 8 * u64::from(slot))
            .unwrap();
        (
            u32::from_le_bytes([e[0], e[1], e[2], e[3]]),
            u32::from_le_bytes([e[4], e[5], e[6], e[7]]),
        )
    }

    fn indicators(&self, address: u64) -> u64 {
        self.sim.memory().read_u64(address).unwrap()
    }
}

fn vq_info(index: u16, num: u16, desc: u64) -> [u8; 32] {
    let mut b = [0; 32];
    b[..8].copy_from_slice(&desc.to_be_bytes());
    b[12..14].copy_from_slice(&index.to_be_bytes());
    b[14..16].copy_from_slice(&num.to_be_bytes());
    b[16..24].copy_from_slice(&AVAIL.to_be_bytes());
    b[24..].copy_from_slice(&USED.to_be_bytes());
    b
}

/// A disk whose sector `n` is filled with byte `n`.
fn patterned(sectors: usize) -> VirtioBlk {
    let image = (0..sectors).flat_map(|n| [n as u8; 512]).collect();
    VirtioBlk::from_image(image)
}

#[test]
fn sense_id_is_qemus_256_bytes() {
    let rig = Rig::new(VirtioBlk::new(8));
    let irb = rig.run(ccw_commands::SENSE_ID, CcwFlags::empty(), 256, &[0xAA; 256]);
    assert_eq!(irb.scsw.device_status(), DONE);
    assert!(irb.scsw.subchannel_status().is_empty());
    assert_eq!(irb.scsw.residual_count(), 0);
    let data = rig.data(256);
    assert_eq!(data[..8], [0xFF, 0x38, 0x32, 0x02, 0, 0, 0, 0]);
    assert!(data[8..].iter().all(|&b| b == 0));
    let id = SenseId::from_bytes(&data).unwrap();
    assert_eq!(id.control_unit_type(), CU_TYPE);
    assert_eq!(id.control_unit_model(), DEVICE_ID_BLOCK);
    assert_eq!(id.ciws().count(), 0);
    let short = rig.run(ccw_commands::SENSE_ID, CcwFlags::empty(), 8, &[0; 8]);
    assert!(short
        .scsw
        .subchannel_status()
        .contains(SubchannelStatus::INCORRECT_LENGTH));
}

#[test]
fn commands_before_set_virtio_rev_are_rejected_but_noop_is_not() {
    let rig = Rig::new(VirtioBlk::new(8));
    rig.rejected(commands::READ_FEAT, &[0; 5]);
    rig.rejected(commands::WRITE_STATUS, &[status::ACKNOWLEDGE]);
    rig.rejected(commands::SET_VQ, &vq_info(0, NUM, DESC));
    rig.ok(ccw_commands::NOOP, &[]);
    rig.rejected(commands::SET_VIRTIO_REV, &[0, 0, 0, 0]);
    rig.rejected(commands::SET_VIRTIO_REV, &[0, 3, 0, 0]);
    rig.ok(commands::SET_VIRTIO_REV, &[0, 2, 0, 0]);
    assert_eq!(rig.device(|d| d.revision()), Some(2));
    rig.rejected(commands::SET_VIRTIO_REV, &[0, 1, 0, 0]);
}

#[test]
fn set_virtio_rev_takes_its_data_and_needs_the_whole_block() {
    let rig = Rig::new(VirtioBlk::new(8));
    rig.rejected(commands::SET_VIRTIO_REV, &[0, 1]);
    rig.rejected(commands::SET_VIRTIO_REV, &[0, 1, 0, 4, 1, 2]);
    rig.ok(commands::SET_VIRTIO_REV, &[0, 1, 0, 2, 0xAB, 0xCD]);
    assert_eq!(rig.device(|d| d.revision()), Some(1));
}

#[test]
fn features_are_offered_little_endian_and_negotiated() {
    let rig = Rig::new(VirtioBlk::new(8));
    rig.ok(commands::SET_VIRTIO_REV, &[0, 1, 0, 0]);
    let low = rig.read_feat(0);
    assert_eq!(
        u64::from(low),
        features::SEG_MAX | features::BLK_SIZE | features::FLUSH
    );
    assert_eq!(rig.read_feat(1), 1, "VERSION_1 is bit 32");
    assert_eq!(rig.read_feat(2), 0);
    rig.write_feat(0, low | features::INDIRECT_DESC as u32);
    rig.write_feat(1, 1);
    rig.write_feat(7, 0xFFFF_FFFF);
    assert_eq!(
        rig.device(|d| d.driver_features()),
        features::VERSION_1 | u64::from(low),
        "bits not offered are dropped"
    );
    rig.rejected(commands::READ_FEAT, &[0; 4]);
}

#[test]
fn features_ok_needs_version_1() {
    let rig = Rig::new(VirtioBlk::new(8));
    rig.ok(commands::SET_VIRTIO_REV, &[0, 2, 0, 0]);
    rig.write_feat(0, features::FLUSH as u32);
    rig.rejected(commands::WRITE_STATUS, &[status::FEATURES_OK]);
    rig.ok(commands::READ_STATUS, &[0xFF]);
    assert_eq!(rig.data(1), [0]);
    rig.write_feat(1, 1);
    rig.ok(commands::WRITE_STATUS, &[status::FEATURES_OK]);
    rig.ok(commands::READ_STATUS, &[0xFF]);
    assert_eq!(rig.data(1), [status::FEATURES_OK]);
}

#[test]
fn read_status_needs_revision_2() {
    let rig = Rig::new(VirtioBlk::new(8));
    rig.ok(commands::SET_VIRTIO_REV, &[0, 1, 0, 0]);
    rig.rejected(commands::READ_STATUS, &[0]);
}

#[test]
fn read_feat_block_split_by_data_chaining() {
    let rig = Rig::new(VirtioBlk::new(8));
    rig.ok(commands::SET_VIRTIO_REV, &[0, 1, 0, 0]);
    let mut memory = rig.sim.memory_mut();
    memory.write(DATA.into(), &[0xEE, 0xEE, 0xEE]).unwrap();
    memory.write(u64::from(DATA) + 0x100, &[0xEE, 1]).unwrap();
    memory
        .write_ccw1s(
            PROGRAM,
            &[
                Ccw1::new(commands::READ_FEAT, CcwFlags::CD, 3, DATA),
                Ccw1::new(commands::READ_FEAT, CcwFlags::empty(), 2, DATA + 0x100),
            ],
        )
        .unwrap();
    drop(memory);
    ssch(&rig.sim, rig.id, &Orb::new(PROGRAM));
    let irb = finish(&rig.sim, rig.id);
    assert_eq!(irb.scsw.device_status(), DONE);
    assert!(
        irb.scsw.subchannel_status().is_empty(),
        "{}",
        rig.sim.trace()
    );
    assert_eq!(rig.data(3), [1, 0, 0], "VERSION_1, bit 32, first byte");
    let memory = rig.sim.memory();
    assert_eq!(memory.slice(u64::from(DATA) + 0x100, 2).unwrap(), [0, 1]);
}

#[test]
fn read_conf_reports_capacity_block_size_and_queues() {
    let rig = Rig::new(VirtioBlk::new(100).with_block_size(4096).unwrap());
    rig.ok(commands::SET_VIRTIO_REV, &[0, 1, 0, 0]);
    rig.ok(commands::READ_CONF, &[0xEE; CONFIG_LEN]);
    let c = rig.data(CONFIG_LEN);
    assert_eq!(u64::from_le_bytes(c[..8].try_into().unwrap()), 100);
    assert_eq!(
        u32::from_le_bytes(c[12..16].try_into().unwrap()),
        u32::from(QUEUE_SIZE) - 2
    );
    assert_eq!(u32::from_le_bytes(c[20..24].try_into().unwrap()), 4096);
    assert_eq!(u16::from_le_bytes(c[34..36].try_into().unwrap()), 1);
    rig.run(commands::READ_CONF, CcwFlags::empty(), 8, &[0xEE; 9]);
    assert_eq!(rig.data(9), [100, 0, 0, 0, 0, 0, 0, 0, 0xEE]);
    let long = rig.run(commands::READ_CONF, CcwFlags::SLI, 64, &[0; 64]);
    assert_eq!(long.scsw.device_status(), DONE);
    assert_eq!(long.scsw.residual_count(), 64 - CONFIG_LEN as u16);
    rig.ok(commands::WRITE_CONF, &[0; 8]);
    assert!(VirtioBlk::new(1).with_block_size(1000).is_err());
    assert!(VirtioBlk::new(1).with_block_size(256).is_err());
}

#[test]
fn read_vq_conf_and_set_vq() {
    let rig = Rig::new(VirtioBlk::new(8));
    rig.ok(commands::SET_VIRTIO_REV, &[0, 1, 0, 0]);
    rig.ok(commands::READ_VQ_CONF, &[0, 0, 0xEE, 0xEE]);
    assert_eq!(rig.data(4), [0, 0, 1, 0], "queue 0 holds 256");
    rig.ok(commands::READ_VQ_CONF, &[0, 1, 0xEE, 0xEE]);
    assert_eq!(rig.data(4), [0, 1, 0, 0], "queue 1 does not exist");
    rig.rejected(commands::READ_VQ_CONF, &[0x04, 0x00, 0, 0]);
    rig.rejected(commands::SET_VQ, &vq_info(0, 3, DESC));
    rig.rejected(commands::SET_VQ, &vq_info(0, 512, DESC));
    rig.rejected(commands::SET_VQ, &vq_info(1, 8, DESC));
    rig.rejected(commands::SET_VQ, &vq_info(0, 8, DESC)[..31]);
    rig.set_vq(0, NUM, DESC);
    let q = rig.device(|d| d.queue()).unwrap();
    assert_eq!(
        (q.desc, q.driver, q.device, q.num),
        (DESC, AVAIL, USED, NUM)
    );
    rig.set_vq(0, NUM, 0);
    assert_eq!(rig.device(|d| d.queue()), None);
}

#[test]
fn write_then_read_through_the_queue() {
    let mut rig = Rig::new(VirtioBlk::new(16));
    rig.setup();
    let payload: Vec<u8> = (0..1024).map(|i| (i * 7) as u8).collect();
    rig.request(request::OUT, 3, &payload, false);
    assert_eq!(
        rig.notify(),
        Notified::Processed {
            completed: 1,
            interrupt: true
        }
    );
    assert_eq!(rig.status_byte(), request::S_OK);
    assert_eq!(rig.used_idx(), 1);
    assert_eq!(rig.used(0), (0, 1), "only the status byte is writable");
    assert_eq!(rig.indicators(IND), 1, "queue 0's indicator bit");
    assert_eq!(rig.device(|d| d.disk()[3 * 512..5 * 512].to_vec()), payload);

    rig.request(request::IN, 3, &[0; 1024], true);
    assert!(rig.notify().interrupt());
    assert_eq!(rig.status_byte(), request::S_OK);
    assert_eq!(rig.buffer(1024), payload);
    assert_eq!(rig.used_idx(), 2);
    assert_eq!(rig.used(1), (0, 1025));
}

#[test]
fn read_of_a_patterned_disk_and_bad_ranges() {
    let mut rig = Rig::new(patterned(4));
    rig.setup();
    rig.request(request::IN, 2, &[0; 512], true);
    rig.notify();
    assert_eq!(rig.status_byte(), request::S_OK);
    assert_eq!(rig.buffer(512), vec![2; 512]);
    rig.request(request::IN, 3, &[0xAB; 1024], true);
    rig.notify();
    assert_eq!(rig.status_byte(), request::S_IOERR, "past the capacity");
    assert_eq!(rig.buffer(1024), vec![0xAB; 1024], "data untouched");
    rig.request(request::IN, 0, &[0; 100], true);
    rig.notify();
    assert_eq!(rig.status_byte(), request::S_IOERR, "not whole sectors");
    rig.request(request::IN, u64::MAX, &[0; 512], true);
    rig.notify();
    assert_eq!(rig.status_byte(), request::S_IOERR);
    rig.request(request::OUT, u64::MAX / 512, &[0; 512], false);
    rig.notify();
    assert_eq!(rig.status_byte(), request::S_IOERR);
    assert_eq!(rig.used_idx(), 5);
}

#[test]
fn block_size_alignment_is_enforced() {
    let mut rig = Rig::new(VirtioBlk::new(64).with_block_size(4096).unwrap());
    rig.setup();
    rig.request(request::IN, 8, &[0; 4096], true);
    rig.notify();
    assert_eq!(rig.status_byte(), request::S_OK);
    rig.request(request::IN, 1, &[0; 4096], true);
    rig.notify();
    assert_eq!(rig.status_byte(), request::S_IOERR);
    rig.request(request::IN, 8, &[0; 512], true);
    rig.notify();
    assert_eq!(rig.status_byte(), request::S_IOERR);
}

#[test]
fn flush_get_id_and_unsupported_types() {
    let mut rig = Rig::new(VirtioBlk::new(8).with_serial(b"DISK-0001"));
    rig.setup();
    rig.request(request::FLUSH, 0, &[], false);
    rig.notify();
    assert_eq!(rig.status_byte(), request::S_OK);
    assert_eq!(rig.device(|d| d.flushes()), 1);
    rig.request(request::GET_ID, 0, &[0xEE; 20], true);
    rig.notify();
    assert_eq!(rig.status_byte(), request::S_OK);
    let mut id = b"DISK-0001".to_vec();
    id.resize(20, 0);
    assert_eq!(rig.buffer(20), id);
    rig.request(request::GET_ID, 0, &[0xEE; 4], true);
    rig.notify();
    assert_eq!(rig.buffer(4), b"DISK");
    rig.request(11, 0, &[0; 16], false);
    rig.notify();
    assert_eq!(rig.status_byte(), request::S_UNSUPP);
    assert_eq!(rig.used_idx(), 4);
}

#[test]
fn read_only_device_offers_ro_and_fails_writes() {
    let mut rig = Rig::new(patterned(4).read_only(true));
    rig.ok(commands::SET_VIRTIO_REV, &[0, 1, 0, 0]);
    assert_ne!(u64::from(rig.read_feat(0)) & features::RO, 0);
    rig.disable_and_enable();
    rig.setup();
    assert_ne!(rig.device(|d| d.driver_features()) & features::RO, 0);
    rig.request(request::OUT, 1, &[0xFF; 512], false);
    rig.notify();
    assert_eq!(rig.status_byte(), request::S_IOERR);
    assert_eq!(rig.device(|d| d.disk()[512..1024].to_vec()), vec![1; 512]);
    rig.request(request::IN, 1, &[0; 512], true);
    rig.notify();
    assert_eq!(rig.status_byte(), request::S_OK);
    assert_eq!(rig.buffer(512), vec![1; 512]);
}

#[test]
fn several_requests_in_one_notification_and_ring_wrap() {
    let mut rig = Rig::new(patterned(8));
    rig.setup();
    for round in 0..3u16 {
        for n in 0..4u16 {
            let base = 2 * n;
            let data = BUF + 0x1000 * u64::from(n + 1);
            let header = BUF + 0x8000 + 0x100 * u64::from(n);
            let mut h = [0; 16];
            h[8..].copy_from_slice(&u64::from(n + round).to_le_bytes());
            rig.sim.memory_mut().write(header, &h).unwrap();
            rig.descriptor(base, header, 16, NEXT, base + 1);
            // Data and status byte share one descriptor.
            rig.descriptor(base + 1, data, 513, WRITE, 0);
            rig.offer(base);
        }
        assert_eq!(
            rig.notify(),
            Notified::Processed {
                completed: 4,
                interrupt: true
            },
            "round {round}"
        );
        for n in 0..4u16 {
            let data = BUF + 0x1000 * u64::from(n + 1);
            let memory = rig.sim.memory();
            assert_eq!(
                memory.slice(data, 512).unwrap(),
                vec![(n + round) as u8; 512]
            );
            assert_eq!(memory.read_u8(data + 512).unwrap(), request::S_OK);
        }
    }
    assert_eq!(rig.used_idx(), 12);
}

#[test]
fn no_interrupt_flag_suppresses_the_interrupt() {
    let mut rig = Rig::new(VirtioBlk::new(8));
    rig.setup();
    rig.sim
        .memory_mut()
        .write(AVAIL, &1u16.to_le_bytes())
        .unwrap();
    rig.request(request::FLUSH, 0, &[], false);
    assert_eq!(
        rig.notify(),
        Notified::Processed {
            completed: 1,
            interrupt: false
        }
    );
    assert_eq!(rig.indicators(IND), 0);
}

#[test]
fn no_indicators_no_interrupt() {
    let mut rig = Rig::new(VirtioBlk::new(8));
    rig.setup();
    rig.ok(commands::SET_IND, &u64::MAX.to_be_bytes());
    rig.request(request::FLUSH, 0, &[], false);
    assert_eq!(
        rig.notify(),
        Notified::Processed {
            completed: 1,
            interrupt: false
        },
        "indicators outside storage"
    );
    rig.ok(commands::WRITE_STATUS, &[0]);
    let mut memory = rig.sim.memory_mut();
    memory.write(AVAIL, &[0; 4]).unwrap();
    memory.write(USED, &[0; 4]).unwrap();
    drop(memory);
    rig.avail_idx = 0;
    rig.write_feat(1, 1);
    rig.ok(commands::WRITE_STATUS, &[status::FEATURES_OK]);
    rig.set_vq(0, NUM, DESC);
    rig.ok(
        commands::WRITE_STATUS,
        &[status::FEATURES_OK | status::DRIVER_OK],
    );
    rig.request(request::FLUSH, 0, &[], false);
    assert_eq!(
        rig.notify(),
        Notified::Processed {
            completed: 1,
            interrupt: false
        },
        "no SET_IND since the reset"
    );
    assert_eq!(rig.device(|d| d.indicators()), None);
}

#[test]
fn notifications_before_driver_ok_or_for_other_queues_are_ignored() {
    let mut rig = Rig::new(VirtioBlk::new(8));
    rig.ok(commands::SET_VIRTIO_REV, &[0, 1, 0, 0]);
    rig.set_vq(0, NUM, DESC);
    rig.request(request::FLUSH, 0, &[], false);
    assert_eq!(rig.notify(), Notified::Ignored);
    rig.disable_and_enable();
    rig.setup();
    let mut memory = rig.sim.memory().clone();
    assert_eq!(rig.device(|d| d.notify(&mut memory, 1)), Notified::Ignored);
    assert_eq!(rig.used_idx(), 0);
}

/// Sets the rig up and expects the next notification to fail with
/// `error`, raise the configuration indicator and leave the device
/// needing a reset.
fn expect_failure(rig: &Rig, error: QueueError) {
    let notified = rig.notify();
    assert_eq!(
        notified,
        Notified::Failed {
            error,
            completed: 0,
            interrupt: true
        }
    );
    assert!(rig.device(|d| d.needs_reset()));
    assert_eq!(rig.device(|d| d.error()), Some(error));
    assert_eq!(rig.indicators(CONF_IND), 1);
    assert_eq!(rig.indicators(IND), 0);
    assert_eq!(rig.used_idx(), 0);
    assert_eq!(rig.notify(), Notified::Ignored, "stopped until reset");
    rig.ok(commands::READ_STATUS, &[0]);
    assert_ne!(rig.data(1)[0] & status::DEVICE_NEEDS_RESET, 0);
}

fn failing_rig() -> Rig {
    let rig = Rig::new(VirtioBlk::new(8));
    rig.setup_revision(2);
    rig
}

#[test]
fn descriptor_loop_needs_reset() {
    let mut rig = failing_rig();
    rig.descriptor(0, BUF, 16, NEXT, 1);
    rig.descriptor(1, BUF + 0x100, 16, NEXT, 0);
    rig.offer(0);
    expect_failure(&rig, QueueError::ChainTooLong { head: 0 });
}

#[test]
fn descriptor_index_out_of_queue_needs_reset() {
    let mut rig = failing_rig();
    rig.offer(NUM);
    expect_failure(&rig, QueueError::DescriptorIndex(NUM));
    let mut rig = failing_rig();
    rig.descriptor(0, BUF, 16, NEXT, 200);
    rig.offer(0);
    expect_failure(&rig, QueueError::DescriptorIndex(200));
}

#[test]
fn buffer_outside_storage_needs_reset() {
    let mut rig = failing_rig();
    rig.descriptor(0, BUF, 16, NEXT, 1);
    rig.descriptor(1, u64::MAX - 4, 16, WRITE, 0);
    rig.offer(0);
    let error = rig.notify();
    assert!(matches!(
        error,
        Notified::Failed {
            error: QueueError::OutOfRange(_),
            ..
        }
    ));
    let mut rig = failing_rig();
    rig.descriptor(0, 0x7FFF_FFFF_0000, 0xFFFF_FFFF, 0, 0);
    rig.offer(0);
    assert!(matches!(rig.notify(), Notified::Failed { .. }));
}

#[test]
fn rings_outside_storage_need_reset() {
    let rig = failing_rig();
    rig.set_vq(0, NUM, u64::MAX - 8);
    assert!(matches!(
        rig.notify(),
        Notified::Failed {
            error: QueueError::OutOfRange(_),
            ..
        }
    ));
}

#[test]
fn indirect_and_misordered_descriptors_need_reset() {
    let mut rig = failing_rig();
    rig.descriptor(0, BUF, 64, INDIRECT, 0);
    rig.offer(0);
    expect_failure(&rig, QueueError::Indirect(0));
    let mut rig = failing_rig();
    rig.descriptor(0, BUF, 16, NEXT | WRITE, 1);
    rig.descriptor(1, BUF + 0x100, 16, 0, 0);
    rig.offer(0);
    expect_failure(&rig, QueueError::ReadableAfterWritable(1));
}

#[test]
fn requests_without_header_or_status_need_reset() {
    let mut rig = failing_rig();
    rig.descriptor(0, BUF, 8, NEXT, 1);
    rig.descriptor(1, BUF + 0x100, 1, WRITE, 0);
    rig.offer(0);
    expect_failure(&rig, QueueError::ShortRequest { head: 0 });
    let mut rig = failing_rig();
    rig.descriptor(0, BUF, 16, 0, 0);
    rig.offer(0);
    expect_failure(&rig, QueueError::ShortRequest { head: 0 });
}

#[test]
fn available_index_running_ahead_needs_reset() {
    let rig = failing_rig();
    rig.sim
        .memory_mut()
        .write(AVAIL + 2, &(NUM + 1).to_le_bytes())
        .unwrap();
    expect_failure(
        &rig,
        QueueError::AvailIndex {
            last: 0,
            avail: NUM + 1,
        },
    );
}

#[test]
fn reset_recovers_after_a_driver_error() {
    let mut rig = failing_rig();
    rig.offer(NUM);
    assert!(matches!(rig.notify(), Notified::Failed { .. }));
    rig.ok(commands::VDEV_RESET, &[]);
    assert!(!rig.device(|d| d.needs_reset()));
    assert_eq!(rig.device(|d| d.revision()), Some(2), "VDEV_RESET keeps it");
    assert_eq!(rig.device(|d| d.queue()), None);
    rig.clear();
    assert_eq!(rig.device(|d| d.revision()), Some(2), "clear keeps it");
    rig.rejected(commands::SET_VIRTIO_REV, &[0, 2, 0, 0]);
    rig.disable_and_enable();
    assert_eq!(rig.device(|d| d.revision()), None, "disabling forgets it");
    let mut memory = rig.sim.memory_mut();
    memory.write(AVAIL, &[0; 4]).unwrap();
    memory.write(USED, &[0; 4]).unwrap();
    drop(memory);
    rig.avail_idx = 0;
    rig.setup_revision(2);
    rig.request(request::FLUSH, 0, &[], false);
    assert!(matches!(
        rig.notify(),
        Notified::Processed { completed: 1, .. }
    ));
}

#[test]
fn write_status_zero_resets() {
    let rig = failing_rig();
    rig.ok(commands::WRITE_STATUS, &[0]);
    assert_eq!(rig.device(|d| d.status()), 0);
    assert_eq!(rig.device(|d| d.queue()), None);
    assert_eq!(rig.device(|d| d.indicators()), None);
    assert_eq!(rig.device(|d| d.config_indicators()), None);
}

#[test]
fn unknown_and_adapter_commands_are_rejected() {
    let rig = failing_rig();
    rig.rejected(commands::SET_IND_ADAPTER, &[0; 25]);
    rig.rejected(0x02, &[0; 4]);
    rig.rejected(0x01, &[0; 4]);
    rig.rejected(commands::SET_IND, &[0; 4]);
}

#[test]
fn used_ring_faults_spoil_one_entry_each() {
    let mut rig = Rig::new(VirtioBlk::new(8));
    rig.setup();
    rig.device(|d| {
        d.inject(UsedRingFault::LengthPastBuffer(4096));
        d.inject(UsedRingFault::WrongId(5));
        d.inject(UsedRingFault::IndexJump(3));
    });
    rig.request(request::IN, 0, &[0; 512], true);
    rig.notify();
    assert_eq!(rig.used(0), (0, 513 + 4096));
    assert_eq!(rig.used_idx(), 1);
    rig.request(request::FLUSH, 0, &[], false);
    rig.notify();
    assert_eq!(rig.used(1), (5, 1));
    rig.request(request::FLUSH, 0, &[], false);
    rig.notify();
    assert_eq!(rig.used(2), (0, 1));
    assert_eq!(rig.used_idx(), 6, "jumped three past the entry written");
    rig.request(request::FLUSH, 0, &[], false);
    rig.notify();
    assert_eq!(rig.used(6), (0, 1), "unspoiled again");
    assert_eq!(rig.used_idx(), 7);
}

#[test]
fn random_descriptor_tables_never_panic() {
    let mut seed: u64 = 0x5EED_1234_ABCD_0001;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let (mut failed, mut completed_total) = (0, 0);
    for _ in 0..200 {
        let rig = Rig::new(patterned(8));
        rig.setup();
        for i in 0..NUM {
            let r = next();
            // Mostly plausible values, so that some requests complete.
            let address = if r % 8 != 0 {
                BUF + (r >> 8) % 0x4000
            } else {
                r >> 4
            };
            let len = [16, 512, 513, 1, 0, (r >> 24) as u32 % 4096][(r >> 20) as usize % 6];
            let flags =
                [NEXT, NEXT | WRITE, WRITE, 0, (r >> 44) as u16 % 8][(r >> 40) as usize % 5];
            let to = ((r >> 48) % u64::from(NUM + 1)) as u16;
            rig.descriptor(i, address, len, flags, to);
        }
        let r = next();
        let mut memory = rig.sim.memory_mut();
        memory.write(BUF, &(r % 12).to_le_bytes()).unwrap();
        for slot in 0..NUM {
            memory
                .write(
                    AVAIL + 4 + 2 * u64::from(slot),
                    &((r >> (slot * 4)) as u16 % 10).to_le_bytes(),
                )
                .unwrap();
        }
        memory
            .write(AVAIL + 2, &((r >> 32) as u16 % 12).to_le_bytes())
            .unwrap();
        drop(memory);
        match rig.notify() {
            Notified::Failed { .. } => {
                failed += 1;
                assert!(rig.device(|d| d.needs_reset()));
            }
            Notified::Processed { completed, .. } => completed_total += completed,
            Notified::Ignored => panic!("the queue is ready"),
        }
        assert!(rig.used_idx() <= NUM);
    }
    assert!(
        failed > 0 && completed_total > 0,
        "{failed} {completed_total}"
    );
}
