//! The virtio-blk world of the tests: the simulator's model behind the
//! crate's virtio driver, with a clock and a DIAGNOSE 0x500 stand-in.

use super::SimClock;
use s390_cio::devices::virtio::blk::{
    BlkError, DataBuffer, RequestError, RequestStorage, Token, VirtioBlk,
};
use s390_cio::devices::virtio::ccw::{ControlArea, Transport};
use s390_cio::devices::virtio::queue::QueueStorage;
use s390_cio::devices::virtio::Notify;
use s390_cio::driver::Subchannel;
use s390_cio::structures::SubchannelId;
use s390_cio_sim::virtio_blk as model;
use s390_cio_sim::Simulator;
use std::cell::{Cell, RefCell};

/// The transport's control area.
pub const CONTROL: u32 = 0x3000;
/// The queue's storage.
pub const QUEUE: u32 = 0x10000;
/// Request headers and status bytes.
pub const REQUESTS: u32 = 0x18000;
/// Data buffers, one 4 KiB page per request.
pub const BUFFERS: u32 = 0x20000;
/// Sectors of the test disk.
pub const SECTORS: u32 = 128;

/// DIAGNOSE 0x500 as the simulator would route it: the model's `notify`
/// with the simulator's storage, and the indicator interruption QEMU
/// raises after it. While `held`, notifications are only noted, so
/// requests pile up in flight until [`SimNotify::release`] or
/// [`SimNotify::work`] (a device working on its own time).
pub struct SimNotify<'a> {
    sim: &'a Simulator,
    /// While set, notifications are only noted.
    pub held: Cell<bool>,
    noted: RefCell<Vec<SubchannelId>>,
}

impl<'a> SimNotify<'a> {
    pub fn new(sim: &'a Simulator) -> Self {
        SimNotify {
            sim,
            held: Cell::new(false),
            noted: RefCell::new(Vec::new()),
        }
    }

    /// The devices notified while held work through their queues now.
    pub fn work(&self) {
        let noted = std::mem::take(&mut *self.noted.borrow_mut());
        for id in noted {
            self.deliver(id, 0);
        }
    }

    fn deliver(&self, id: SubchannelId, queue: u16) -> i64 {
        let mut memory = self.sim.memory().clone();
        let notified = self
            .sim
            .with_device(id, |d: &mut model::VirtioBlk| d.notify(&mut memory, queue));
        *self.sim.memory_mut() = memory;
        match notified {
            Some(notified) => {
                if notified.interrupt() {
                    self.sim.conditional_io_interruption(id);
                }
                0
            }
            None => -22,
        }
    }

    pub fn release(&self, id: SubchannelId) {
        self.held.set(false);
        self.deliver(id, 0);
    }
}

impl Notify for &SimNotify<'_> {
    fn notify(&self, id: SubchannelId, queue: u16, _cookie: i64) -> i64 {
        if self.held.get() {
            let mut noted = self.noted.borrow_mut();
            if !noted.contains(&id) {
                noted.push(id);
            }
            return 0;
        }
        self.deliver(id, queue)
    }
}

pub type Blk<'a> = VirtioBlk<'a, Simulator, Simulator, SimClock<'a>, &'a SimNotify<'a>>;

/// A disk whose sector `n` is filled with byte `n`.
pub fn patterned_disk() -> model::VirtioBlk {
    let mut device = model::VirtioBlk::new(SECTORS);
    for (n, sector) in device.disk_mut().chunks_mut(512).enumerate() {
        sector.fill(n as u8);
    }
    device
}

pub fn transport<'a>(
    sim: &'a Simulator,
    clock: &'a SimClock<'a>,
    id: SubchannelId,
) -> Transport<'a, Simulator, Simulator, SimClock<'a>> {
    let subchannel = Subchannel::new(sim, sim, id, 0x1000);
    Transport::new(subchannel, sim, clock, ControlArea::new(CONTROL).unwrap())
}

pub fn blk<'a>(
    sim: &'a Simulator,
    clock: &'a SimClock<'a>,
    notify: &'a SimNotify<'a>,
    id: SubchannelId,
    capacity: u16,
) -> Result<Blk<'a>, BlkError> {
    VirtioBlk::new(
        transport(sim, clock, id),
        notify,
        QueueStorage::new(QUEUE, capacity).unwrap(),
        RequestStorage::new(REQUESTS).unwrap(),
    )
}

pub fn clock(sim: &Simulator) -> SimClock<'_> {
    SimClock::new(sim)
}

pub fn buffer(n: u32, len: u32) -> DataBuffer {
    DataBuffer::new(BUFFERS + n * 0x1000, len).unwrap()
}

pub fn bytes(sim: &Simulator, buffer: DataBuffer) -> Vec<u8> {
    sim.memory()
        .slice(buffer.address().into(), buffer.size() as usize)
        .unwrap()
        .to_vec()
}

pub fn device<R>(
    sim: &Simulator,
    id: SubchannelId,
    f: impl FnOnce(&mut model::VirtioBlk) -> R,
) -> R {
    sim.with_device(id, f).unwrap()
}

/// Polls until a completion arrives.
pub fn next_completion(drv: &mut Blk<'_>) -> (Token, Result<(), RequestError>) {
    for _ in 0..1000 {
        if let Some(done) = drv.poll_completion().unwrap() {
            return done;
        }
    }
    panic!("no completion");
}
