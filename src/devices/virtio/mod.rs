//! Virtio over channel I/O (virtio 1.x specification, "Virtio Over Channel
//! I/O", "Split Virtqueues", "Block Device").
//!
//! - [`ccw`]: the virtio-ccw transport: the control commands
//!   (SET_VIRTIO_REV, READ_FEAT, WRITE_STATUS, SET_VQ, ...) as small
//!   channel programs run by a polled [`Subchannel`](crate::driver::Subchannel),
//!   and feature negotiation.
//! - [`queue`]: a split virtqueue in storage the caller provides.
//! - [`indicators`]: the classic indicators through which the device
//!   signals used buffers with an I/O interruption.
//! - [`blk`]: a virtio-blk driver with up to
//!   [`blk::MAX_IN_FLIGHT`] requests in flight, polled, interrupt-driven
//!   or async.
//!
//! Byte order: the transport's channel data (VqInfoBlock, VqConfigBlock,
//! VirtioRevInfo) is big-endian, like every channel structure; feature
//! words, configuration space, rings and request headers are
//! little-endian (virtio 1).
//!
//! Everything the drivers put in storage goes through
//! [`ChannelMemory`](crate::memory::ChannelMemory), so the same code runs on
//! the machine (`RealMemory`) and on the host simulator. Queue
//! notifications go through [`Notify`]: DIAGNOSE 0x500 on the machine
//! (`Diagnose500`, on s390x), a call into the device model on the simulator.

pub mod blk;
pub mod ccw;
pub mod indicators;
pub mod queue;

use crate::structures::SubchannelId;

/// Feature bits this crate knows (bit numbers of the specification, as a
/// 64-bit mask).
pub mod features {
    /// VIRTIO_BLK_F_RO: the block device is read-only.
    pub const BLK_RO: u64 = 1 << 5;
    /// VIRTIO_BLK_F_BLK_SIZE: the configuration's `blk_size` is valid.
    pub const BLK_SIZE: u64 = 1 << 6;
    /// VIRTIO_BLK_F_FLUSH: the device takes FLUSH requests.
    pub const BLK_FLUSH: u64 = 1 << 9;
    /// VIRTIO_F_VERSION_1: the device speaks virtio 1 (the only version
    /// this crate drives).
    pub const VERSION_1: u64 = 1 << 32;
}

/// Device status bits (specification, "Device Status Field").
pub mod status {
    /// The driver found the device.
    pub const ACKNOWLEDGE: u8 = 1;
    /// The driver knows how to drive it.
    pub const DRIVER: u8 = 2;
    /// The driver is ready: the device may use the queues.
    pub const DRIVER_OK: u8 = 4;
    /// Feature negotiation is complete.
    pub const FEATURES_OK: u8 = 8;
    /// The driver gave up on the device.
    pub const FAILED: u8 = 0x80;
}

/// How a driver tells the device that a queue has new buffers ("available
/// buffer notification").
///
/// On the machine this is DIAGNOSE 0x500 (`Diagnose500`); a host test
/// implements it by calling the simulator's device model.
pub trait Notify {
    /// Notifies queue `queue` of the device on subchannel `id`. `cookie`
    /// is what the previous notification of this queue returned (0 at
    /// first). Returns the host's new cookie (not negative), or a negative
    /// error code.
    fn notify(&self, id: SubchannelId, queue: u16, cookie: i64) -> i64;
}

/// Queue notification by DIAGNOSE 0x500 (KVM and QEMU).
#[cfg(target_arch = "s390x")]
#[derive(Debug)]
pub struct Diagnose500 {
    _private: (),
}

#[cfg(target_arch = "s390x")]
impl Diagnose500 {
    /// A notifier for queues that drivers of this module set up.
    ///
    /// # Safety
    /// Only queues whose rings and available buffers are valid storage
    /// owned by the device may be notified: that holds for queues set up by
    /// [`blk::VirtioBlk`] (its request functions' contracts keep the
    /// buffers valid), so the notifier must not be used for other queues.
    pub const unsafe fn new() -> Self {
        Diagnose500 { _private: () }
    }
}

#[cfg(target_arch = "s390x")]
impl Notify for Diagnose500 {
    fn notify(&self, id: SubchannelId, queue: u16, cookie: i64) -> i64 {
        // SAFETY: `Diagnose500::new`'s contract: the queue's storage is
        // valid and owned by the device until it is used or reset. The
        // cookie is passed back as the host gave it.
        unsafe { crate::instructions::asm::diagnose_500_notify(id, queue, cookie as u64) }
    }
}
