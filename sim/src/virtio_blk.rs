//! A virtio block device on a channel subsystem: `virtio-blk-ccw` as QEMU
//! 7.2 presents it (virtio 1.x specification, "Virtio Over Channel I/O",
//! "Split Virtqueues" and "Block Device").
//!
//! [`VirtioBlk`] is a [`Device`]: the channel hands it the virtio-ccw
//! commands (SET_VIRTIO_REV, READ_FEAT, SET_VQ, ...) through
//! [`Device::execute`], and the guest's queue notification, DIAGNOSE 0x500
//! (r1 = 3, r2 = subchannel id, r3 = queue index), reaches it through
//! [`VirtioBlk::notify`], which the simulator calls with its storage.
//!
//! Byte order follows the transport: the channel command blocks (VqInfoBlock,
//! VqConfigBlock, VirtioRevInfo, indicator addresses, the indicators
//! themselves) are big-endian; the feature words, the configuration space,
//! the rings and the request headers are little-endian.
//!
//! Only virtio 1 is modelled: the first command after a reset must be
//! SET_VIRTIO_REV with revision 1 or 2, and every other command before it is
//! rejected (QEMU's `force-revision-1` behaviour), so legacy drivers see a
//! command reject rather than big-endian legacy rings. Classic (per
//! subchannel) indicators are supported; adapter interruptions
//! (SET_IND_ADAPTER) are rejected, which makes drivers fall back to them.
//!
//! The model trusts nothing it reads from storage: a descriptor loop, an
//! index or address out of range, an indirect descriptor (the feature is not
//! offered) or a request without its header or status byte stops the queue,
//! sets DEVICE_NEEDS_RESET in the device status and raises the
//! configuration-change indicator, as the specification asks of a device
//! that finds the driver broke the rules. For a driver's bad-device tests,
//! [`VirtioBlk::inject`] makes the device itself break them on the used
//! ring.

use core::fmt;
use std::collections::VecDeque;

use s390_cio::structures::{DeviceStatus, SenseFlags, SenseId};

use crate::device::{Device, DONE};
use crate::memory::{Memory, OutOfRange};
use crate::stream::DataStream;

/// The DIAGNOSE 0x500 function code (r1) of a virtio-ccw queue
/// notification: r2 holds the subchannel id, r3 the queue index.
pub const DIAGNOSE_NOTIFY: u64 = 3;
/// Control-unit type of every virtio-ccw device.
pub const CU_TYPE: u16 = 0x3832;
/// The virtio device id of a block device, reported as control-unit model.
pub const DEVICE_ID_BLOCK: u8 = 2;
/// Highest virtio-ccw revision the model accepts (2 adds READ_STATUS).
pub const MAX_REVISION: u16 = 2;
/// Bytes per sector: the unit of the capacity and of request sectors.
pub const SECTOR_SIZE: usize = 512;
/// Size of queue 0, the only queue, as READ_VQ_CONF reports it.
pub const QUEUE_SIZE: u16 = 256;
/// Queue indices from here on are out of the transport's range (QEMU's
/// `VIRTIO_QUEUE_MAX`); lower ones other than 0 exist with size 0.
pub const QUEUE_INDEX_LIMIT: u16 = 1024;
/// Length of the configuration space READ_CONF returns: `struct
/// virtio_blk_config` up to and including `num_queues`.
pub const CONFIG_LEN: usize = 36;
/// Length of the GET_ID answer (`VIRTIO_BLK_ID_BYTES`).
pub const ID_BYTES: usize = 20;
/// The serial number GET_ID returns unless [`VirtioBlk::with_serial`] sets
/// another.
pub const DEFAULT_SERIAL: &[u8] = b"S390-CIO-SIM-VBLK";

/// Command codes of the virtio-ccw transport.
pub mod commands {
    /// SET_VQ: a queue's ring addresses and size (32-byte VqInfoBlock).
    pub const SET_VQ: u8 = 0x13;
    /// VDEV_RESET: reset the virtio device.
    pub const VDEV_RESET: u8 = 0x33;
    /// READ_FEAT: one 32-bit word of the device's features.
    pub const READ_FEAT: u8 = 0x12;
    /// WRITE_FEAT: one 32-bit word of the driver's features.
    pub const WRITE_FEAT: u8 = 0x11;
    /// READ_CONF: the configuration space from offset 0.
    pub const READ_CONF: u8 = 0x22;
    /// WRITE_CONF: the configuration space from offset 0.
    pub const WRITE_CONF: u8 = 0x21;
    /// WRITE_STATUS: the device status byte.
    pub const WRITE_STATUS: u8 = 0x31;
    /// READ_VQ_CONF: a queue's maximum size (4-byte VqConfigBlock).
    pub const READ_VQ_CONF: u8 = 0x32;
    /// SET_IND: address of the classic queue indicators.
    pub const SET_IND: u8 = 0x43;
    /// SET_CONF_IND: address of the configuration-change indicators.
    pub const SET_CONF_IND: u8 = 0x53;
    /// READ_STATUS: the device status byte (revision 2).
    pub const READ_STATUS: u8 = 0x72;
    /// SET_IND_ADAPTER: adapter interruption indicators (not supported).
    pub const SET_IND_ADAPTER: u8 = 0x73;
    /// SET_VIRTIO_REV: the transport revision, first command after reset.
    pub const SET_VIRTIO_REV: u8 = 0x83;
}

/// Feature bits (bit numbers as in the specification, as a 64-bit mask).
pub mod features {
    /// VIRTIO_BLK_F_SEG_MAX: `seg_max` in the configuration is valid.
    pub const SEG_MAX: u64 = 1 << 2;
    /// VIRTIO_BLK_F_RO: the device is read-only.
    pub const RO: u64 = 1 << 5;
    /// VIRTIO_BLK_F_BLK_SIZE: `blk_size` in the configuration is valid.
    pub const BLK_SIZE: u64 = 1 << 6;
    /// VIRTIO_BLK_F_FLUSH: the FLUSH request is supported.
    pub const FLUSH: u64 = 1 << 9;
    /// VIRTIO_F_INDIRECT_DESC (never offered: indirect descriptors are a
    /// driver error here).
    pub const INDIRECT_DESC: u64 = 1 << 28;
    /// VIRTIO_F_VERSION_1: the driver speaks virtio 1 (required).
    pub const VERSION_1: u64 = 1 << 32;
}

/// Device status bits (specification, "Device Status Field").
pub mod status {
    /// The guest found the device.
    pub const ACKNOWLEDGE: u8 = 1;
    /// The guest has a driver for it.
    pub const DRIVER: u8 = 2;
    /// The driver is ready: the device may use the queues.
    pub const DRIVER_OK: u8 = 4;
    /// Feature negotiation is complete.
    pub const FEATURES_OK: u8 = 8;
    /// The device met an error it cannot recover from without a reset.
    pub const DEVICE_NEEDS_RESET: u8 = 0x40;
    /// The guest gave up on the device.
    pub const FAILED: u8 = 0x80;
}

/// Request types and request status values of the block device.
pub mod request {
    /// VIRTIO_BLK_T_IN: read sectors.
    pub const IN: u32 = 0;
    /// VIRTIO_BLK_T_OUT: write sectors.
    pub const OUT: u32 = 1;
    /// VIRTIO_BLK_T_FLUSH: write back caches.
    pub const FLUSH: u32 = 4;
    /// VIRTIO_BLK_T_GET_ID: read the serial number.
    pub const GET_ID: u32 = 8;
    /// Length of the request header (type, reserved, sector).
    pub const HEADER_LEN: usize = 16;
    /// VIRTIO_BLK_S_OK.
    pub const S_OK: u8 = 0;
    /// VIRTIO_BLK_S_IOERR: bad range or alignment, or a write to a
    /// read-only device.
    pub const S_IOERR: u8 = 1;
    /// VIRTIO_BLK_S_UNSUPP: unknown request type.
    pub const S_UNSUPP: u8 = 2;
}

/// Descriptor flag: the chain continues at `next`.
const DESC_NEXT: u16 = 1;
/// Descriptor flag: the buffer is device-writable.
const DESC_WRITE: u16 = 2;
/// Descriptor flag: the buffer is a table of descriptors.
const DESC_INDIRECT: u16 = 4;
/// Available-ring flag: the driver wants no used-buffer notification.
const AVAIL_NO_INTERRUPT: u16 = 1;

/// Where queue 0 lives, as SET_VQ gave it (virtio-1 format).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueConfig {
    /// Address of the descriptor table.
    pub desc: u64,
    /// Address of the available (driver) ring.
    pub driver: u64,
    /// Address of the used (device) ring.
    pub device: u64,
    /// Number of entries, a power of two up to [`QUEUE_SIZE`].
    pub num: u16,
}

/// A `block_size` that is not a power of two of at least [`SECTOR_SIZE`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidBlockSize(pub u32);

impl fmt::Display for InvalidBlockSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "block size {:#x} is not a power of two of at least 512",
            self.0
        )
    }
}

impl std::error::Error for InvalidBlockSize {}

/// A rule of the split virtqueue the driver broke; the device needs a reset
/// after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueError {
    /// The available index ran more than the queue size ahead of the last
    /// entry the device took.
    AvailIndex {
        /// The index of the next entry the device would take.
        last: u16,
        /// The available ring's index.
        avail: u16,
    },
    /// A descriptor index (a head or a `next`) of at least the queue size.
    DescriptorIndex(u16),
    /// A chain with more descriptors than the queue has: a loop.
    ChainTooLong {
        /// The chain's head.
        head: u16,
    },
    /// A descriptor with the INDIRECT flag, a feature not negotiated.
    Indirect(u16),
    /// A device-readable descriptor after a device-writable one.
    ReadableAfterWritable(u16),
    /// A request without its 16-byte header or its status byte.
    ShortRequest {
        /// The chain's head.
        head: u16,
    },
    /// A ring, a buffer or the indicators outside storage.
    OutOfRange(OutOfRange),
}

impl fmt::Display for QueueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::AvailIndex { last, avail } => write!(
                f,
                "available index {avail} more than a queue ahead of {last}"
            ),
            Self::DescriptorIndex(i) => write!(f, "descriptor index {i} out of the queue"),
            Self::ChainTooLong { head } => {
                write!(f, "descriptor chain from {head} longer than the queue")
            }
            Self::Indirect(i) => write!(f, "descriptor {i} is indirect, not negotiated"),
            Self::ReadableAfterWritable(i) => {
                write!(f, "descriptor {i} is device-readable after a writable one")
            }
            Self::ShortRequest { head } => {
                write!(f, "request at {head} lacks its header or status byte")
            }
            Self::OutOfRange(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for QueueError {}

impl From<OutOfRange> for QueueError {
    fn from(e: OutOfRange) -> Self {
        Self::OutOfRange(e)
    }
}

/// What a notification did, and whether the caller must raise an I/O
/// interruption for the subchannel.
///
/// When [`Notified::interrupt`] is true the device has set an indicator
/// bit (a queue's bit in the SET_IND doubleword, or bit 0 of the
/// SET_CONF_IND doubleword) and, as QEMU's `css_conditional_io_interrupt`
/// does, the subchannel should become status pending with alert status and
/// no device status, unless it is status pending already.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notified {
    /// Nothing was done: the queue is not queue 0, is not set up, the
    /// driver has not set DRIVER_OK, or the device needs a reset.
    Ignored,
    /// The available ring was processed.
    Processed {
        /// Used-ring entries written.
        completed: u16,
        /// An indicator was set: raise the interruption.
        interrupt: bool,
    },
    /// The driver broke a rule; the device now needs a reset. Requests
    /// before the bad one were completed.
    Failed {
        /// The rule broken.
        error: QueueError,
        /// Used-ring entries written before it.
        completed: u16,
        /// An indicator was set: raise the interruption.
        interrupt: bool,
    },
}

impl Notified {
    /// Whether the caller must raise an I/O interruption for the
    /// subchannel.
    pub fn interrupt(&self) -> bool {
        match *self {
            Self::Ignored => false,
            Self::Processed { interrupt, .. } | Self::Failed { interrupt, .. } => interrupt,
        }
    }
}

/// A deliberate error of the device on the used ring, for testing a
/// driver's defences. Each armed fault spoils one used-ring entry, in the
/// order armed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UsedRingFault {
    /// The used index advances by one plus this much: entries the device
    /// never wrote appear used.
    IndexJump(u16),
    /// The used length is this much past the chain's writable bytes.
    LengthPastBuffer(u32),
    /// The used entry names this descriptor id instead of the chain's
    /// head (choose one not in flight, or one out of the queue).
    WrongId(u32),
}

/// One buffer of a descriptor chain.
#[derive(Debug, Clone, Copy)]
struct Segment {
    address: u64,
    len: usize,
    writable: bool,
}

/// The command could not be executed: unit check, command reject.
struct Rejected;

/// A virtio-ccw block device with an in-memory disk of 512-byte sectors.
///
/// It offers VERSION_1, SEG_MAX, BLK_SIZE and FLUSH, and RO when built
/// read-only; a driver must accept VERSION_1 (WRITE_STATUS with
/// FEATURES_OK is rejected otherwise). Requests: IN, OUT (IOERR when
/// read-only), FLUSH, GET_ID; other types end with UNSUPP. An IN or OUT
/// whose length is not a multiple of the block size, whose sector is not
/// block-aligned, or which runs past the capacity ends with IOERR.
///
/// # Resets
/// VDEV_RESET, WRITE_STATUS of 0 and the clear signal ([`Device::reset`])
/// reset the virtio device (features, status, queue, indicators) but keep
/// the revision, as QEMU does; only disabling the subchannel
/// ([`Device::disabled`]) forgets the revision, so a new driver must
/// disable and re-enable before its SET_VIRTIO_REV. The disk keeps its
/// contents through all of them.
#[derive(Debug, Clone)]
pub struct VirtioBlk {
    disk: Vec<u8>,
    read_only: bool,
    block_size: u32,
    serial: [u8; ID_BYTES],
    revision: Option<u16>,
    driver_features: u64,
    status: u8,
    queue: Option<QueueConfig>,
    last_avail: u16,
    used_idx: u16,
    indicators: Option<u64>,
    config_indicators: Option<u64>,
    sense: u8,
    faults: VecDeque<UsedRingFault>,
    flushes: usize,
    error: Option<QueueError>,
}

impl VirtioBlk {
    /// A writable device of `sectors` zeroed 512-byte sectors, held in
    /// host memory.
    pub fn new(sectors: u32) -> Self {
        Self::from_image(vec![0; sectors as usize * SECTOR_SIZE])
    }

    /// A writable device holding `image`, padded with zeros to whole
    /// sectors.
    pub fn from_image(mut image: Vec<u8>) -> Self {
        let tail = image.len() % SECTOR_SIZE;
        if tail != 0 {
            image.resize(image.len() + SECTOR_SIZE - tail, 0);
        }
        let mut serial = [0; ID_BYTES];
        serial[..DEFAULT_SERIAL.len()].copy_from_slice(DEFAULT_SERIAL);
        Self {
            disk: image,
            read_only: false,
            block_size: SECTOR_SIZE as u32,
            serial,
            revision: None,
            driver_features: 0,
            status: 0,
            queue: None,
            last_avail: 0,
            used_idx: 0,
            indicators: None,
            config_indicators: None,
            sense: 0,
            faults: VecDeque::new(),
            flushes: 0,
            error: None,
        }
    }

    /// The device, read-only (offering VIRTIO_BLK_F_RO) or not.
    pub fn read_only(mut self, read_only: bool) -> Self {
        self.read_only = read_only;
        self
    }

    /// The device with logical block size `size` (the configuration's
    /// `blk_size`); requests must be aligned to it.
    pub fn with_block_size(mut self, size: u32) -> Result<Self, InvalidBlockSize> {
        if !size.is_power_of_two() || (size as usize) < SECTOR_SIZE {
            return Err(InvalidBlockSize(size));
        }
        self.block_size = size;
        Ok(self)
    }

    /// The device with serial number `serial` for GET_ID (cut to
    /// [`ID_BYTES`], zero-padded).
    pub fn with_serial(mut self, serial: &[u8]) -> Self {
        self.serial = [0; ID_BYTES];
        let n = serial.len().min(ID_BYTES);
        self.serial[..n].copy_from_slice(&serial[..n]);
        self
    }

    /// The disk's bytes.
    pub fn disk(&self) -> &[u8] {
        &self.disk
    }

    /// The disk's bytes, writable (to prepare an image).
    pub fn disk_mut(&mut self) -> &mut [u8] {
        &mut self.disk
    }

    /// The capacity in 512-byte sectors.
    pub fn capacity(&self) -> u64 {
        (self.disk.len() / SECTOR_SIZE) as u64
    }

    /// The features the device offers.
    pub fn offered_features(&self) -> u64 {
        let ro = if self.read_only { features::RO } else { 0 };
        features::VERSION_1 | features::SEG_MAX | features::BLK_SIZE | features::FLUSH | ro
    }

    /// The features the driver accepted (masked to those offered).
    pub fn driver_features(&self) -> u64 {
        self.driver_features
    }

    /// The revision SET_VIRTIO_REV chose, if any.
    pub fn revision(&self) -> Option<u16> {
        self.revision
    }

    /// The device status byte.
    pub fn status(&self) -> u8 {
        self.status
    }

    /// Whether the device found a driver error and needs a reset.
    pub fn needs_reset(&self) -> bool {
        self.status & status::DEVICE_NEEDS_RESET != 0
    }

    /// The driver error that made the device need a reset.
    pub fn error(&self) -> Option<QueueError> {
        self.error
    }

    /// Queue 0's configuration, if SET_VQ gave one.
    pub fn queue(&self) -> Option<QueueConfig> {
        self.queue
    }

    /// The address SET_IND gave for the queue indicators.
    pub fn indicators(&self) -> Option<u64> {
        self.indicators
    }

    /// The address SET_CONF_IND gave for the configuration indicators.
    pub fn config_indicators(&self) -> Option<u64> {
        self.config_indicators
    }

    /// How many FLUSH requests completed.
    pub fn flushes(&self) -> usize {
        self.flushes
    }

    /// Arms `fault` for the next used-ring entry not yet spoiled by an
    /// earlier one.
    pub fn inject(&mut self, fault: UsedRingFault) {
        self.faults.push_back(fault);
    }

    /// The configuration space (`struct virtio_blk_config`, little-endian)
    /// up to `num_queues`.
    pub fn config_space(&self) -> [u8; CONFIG_LEN] {
        let mut c = [0; CONFIG_LEN];
        c[0..8].copy_from_slice(&self.capacity().to_le_bytes());
        c[12..16].copy_from_slice(&u32::from(QUEUE_SIZE - 2).to_le_bytes());
        c[20..24].copy_from_slice(&self.block_size.to_le_bytes());
        c[34..36].copy_from_slice(&1u16.to_le_bytes());
        c
    }

    /// The guest's notification of queue `queue` (DIAGNOSE 0x500, function
    /// code 3, with this device's subchannel id): takes every request the
    /// available ring holds, performs it on the disk, writes its status
    /// byte and a used-ring entry, and sets the queue's indicator bit unless
    /// the driver suppressed interruptions (VIRTQ_AVAIL_F_NO_INTERRUPT).
    ///
    /// The caller raises the I/O interruption when
    /// [`Notified::interrupt`] says so; an indicator address outside
    /// storage is not set and raises nothing. A driver error stops the queue
    /// and makes the device need a reset ([`Notified::Failed`]); nothing
    /// the driver put in storage makes this panic.
    ///
    /// QEMU answers the DIAGNOSE with 0 in r2, or a negative value for a
    /// queue index of [`QUEUE_INDEX_LIMIT`] or more or a subchannel that is
    /// not enabled; that part is the caller's.
    pub fn notify(&mut self, memory: &mut Memory, queue: u16) -> Notified {
        let Some(q) = self.queue else {
            return Notified::Ignored;
        };
        let ready = self.status & status::DRIVER_OK != 0;
        if queue != 0 || !ready || self.needs_reset() {
            return Notified::Ignored;
        }
        let mut completed = 0;
        let result = self.process(memory, q, &mut completed);
        let suppressed =
            read_le16(memory, q.driver).is_ok_and(|flags| flags & AVAIL_NO_INTERRUPT != 0);
        let mut interrupt = false;
        if completed > 0 && !suppressed {
            if let Some(address) = self.indicators {
                interrupt |= set_indicator(memory, address, u32::from(queue)).is_ok();
            }
        }
        match result {
            Ok(()) => Notified::Processed {
                completed,
                interrupt,
            },
            Err(error) => {
                self.status |= status::DEVICE_NEEDS_RESET;
                self.error = Some(error);
                if let Some(address) = self.config_indicators {
                    interrupt |= set_indicator(memory, address, 0).is_ok();
                }
                Notified::Failed {
                    error,
                    completed,
                    interrupt,
                }
            }
        }
    }

    /// Works through the available ring, counting used entries written.
    fn process(
        &mut self,
        memory: &mut Memory,
        q: QueueConfig,
        completed: &mut u16,
    ) -> Result<(), QueueError> {
        let num = u64::from(q.num);
        // Every ring offset below stays inside these checked regions, so no
        // address arithmetic can overflow.
        memory.slice(q.desc, 16 * num as usize)?;
        memory.slice(q.driver, 4 + 2 * num as usize)?;
        memory.slice(q.device, 4 + 8 * num as usize)?;
        let avail = read_le16(memory, q.driver + 2)?;
        if avail.wrapping_sub(self.last_avail) > q.num {
            return Err(QueueError::AvailIndex {
                last: self.last_avail,
                avail,
            });
        }
        while self.last_avail != avail {
            let slot = u64::from(self.last_avail % q.num);
            let head = read_le16(memory, q.driver + 4 + 2 * slot)?;
            let chain = chain(memory, q, head)?;
            let written = self.serve(memory, head, &chain)?;
            self.push_used(memory, q, head, written)?;
            self.last_avail = self.last_avail.wrapping_add(1);
            *completed += 1;
        }
        Ok(())
    }

    /// Performs the request in `chain`; returns the chain's writable
    /// length, the used length QEMU reports.
    fn serve(
        &mut self,
        memory: &mut Memory,
        head: u16,
        chain: &[Segment],
    ) -> Result<u32, QueueError> {
        let split = chain.iter().position(|s| s.writable).unwrap_or(chain.len());
        let (readable, writable) = chain.split_at(split);
        let mut out = Vec::new();
        for s in readable {
            out.extend_from_slice(memory.slice(s.address, s.len)?);
        }
        let in_len: usize = writable.iter().map(|s| s.len).sum();
        if out.len() < request::HEADER_LEN || in_len == 0 {
            return Err(QueueError::ShortRequest { head });
        }
        let kind = u32::from_le_bytes([out[0], out[1], out[2], out[3]]);
        let mut sector = [0; 8];
        sector.copy_from_slice(&out[8..16]);
        let sector = u64::from_le_bytes(sector);
        let data_len = in_len - 1;
        let (status, data) = match kind {
            request::IN => match self.range(sector, data_len) {
                Some(range) => (request::S_OK, self.disk[range].to_vec()),
                None => (request::S_IOERR, Vec::new()),
            },
            request::OUT => {
                let payload = &out[request::HEADER_LEN..];
                match self.range(sector, payload.len()) {
                    Some(range) if !self.read_only => {
                        self.disk[range].copy_from_slice(payload);
                        (request::S_OK, Vec::new())
                    }
                    _ => (request::S_IOERR, Vec::new()),
                }
            }
            request::FLUSH => {
                self.flushes += 1;
                (request::S_OK, Vec::new())
            }
            request::GET_ID => (
                request::S_OK,
                self.serial[..data_len.min(ID_BYTES)].to_vec(),
            ),
            _ => (request::S_UNSUPP, Vec::new()),
        };
        scatter(memory, writable, 0, &data)?;
        scatter(memory, writable, data_len, &[status])?;
        Ok(u32::try_from(in_len).unwrap_or(u32::MAX))
    }

    /// The disk bytes of `len` bytes from `sector`, if aligned to the block
    /// size and inside the disk.
    fn range(&self, sector: u64, len: usize) -> Option<core::ops::Range<usize>> {
        let block = self.block_size as usize;
        let sectors_per_block = u64::from(self.block_size) / SECTOR_SIZE as u64;
        if !len.is_multiple_of(block) || !sector.is_multiple_of(sectors_per_block) {
            return None;
        }
        let start = usize::try_from(sector).ok()?.checked_mul(SECTOR_SIZE)?;
        let end = start.checked_add(len)?;
        (end <= self.disk.len()).then_some(start..end)
    }

    /// Writes the used-ring entry for `head` and advances the used index,
    /// spoiled by the next armed fault if any.
    fn push_used(
        &mut self,
        memory: &mut Memory,
        q: QueueConfig,
        head: u16,
        len: u32,
    ) -> Result<(), QueueError> {
        let (mut id, mut len, mut step) = (u32::from(head), len, 1u16);
        match self.faults.pop_front() {
            Some(UsedRingFault::IndexJump(n)) => step = step.wrapping_add(n),
            Some(UsedRingFault::LengthPastBuffer(n)) => len = len.saturating_add(n),
            Some(UsedRingFault::WrongId(other)) => id = other,
            None => {}
        }
        let slot = u64::from(self.used_idx % q.num);
        let mut entry = [0; 8];
        entry[..4].copy_from_slice(&id.to_le_bytes());
        entry[4..].copy_from_slice(&len.to_le_bytes());
        memory.write(q.device + 4 + 8 * slot, &entry)?;
        self.used_idx = self.used_idx.wrapping_add(step);
        memory.write(q.device + 2, &self.used_idx.to_le_bytes())?;
        Ok(())
    }

    /// Resets the virtio device: everything but the revision and the disk.
    fn reset_virtio(&mut self) {
        self.driver_features = 0;
        self.status = 0;
        self.queue = None;
        self.last_avail = 0;
        self.used_idx = 0;
        self.indicators = None;
        self.config_indicators = None;
        self.error = None;
    }

    /// Performs one channel command.
    fn command(&mut self, command: u8, data: &mut DataStream<'_>) -> Result<(), Rejected> {
        if command == s390_cio::structures::commands::NOOP {
            return Ok(());
        }
        if command == commands::SET_VIRTIO_REV {
            return self.set_revision(data);
        }
        let Some(revision) = self.revision else {
            return Err(Rejected);
        };
        match command {
            commands::READ_FEAT => {
                let block: [u8; 5] = read_block(data)?;
                let word = match block[4] {
                    0 => self.offered_features() as u32,
                    1 => (self.offered_features() >> 32) as u32,
                    _ => 0,
                };
                data.rewind();
                data.write(&word.to_le_bytes());
                data.read(&mut [0]);
            }
            commands::WRITE_FEAT => {
                let block: [u8; 5] = read_block(data)?;
                let word = u64::from(u32::from_le_bytes([block[0], block[1], block[2], block[3]]));
                let (shift, keep) = match block[4] {
                    0 => (0, 0xFFFF_FFFF_0000_0000),
                    1 => (32, 0x0000_0000_FFFF_FFFF),
                    _ => return Ok(()),
                };
                if self.status & status::FEATURES_OK == 0 {
                    self.driver_features =
                        (self.driver_features & keep) | ((word << shift) & self.offered_features());
                }
            }
            commands::READ_CONF => {
                let config = self.config_space();
                let n = CONFIG_LEN.min(data.remaining_in_ccw());
                data.write(&config[..n]);
            }
            commands::WRITE_CONF => {
                // Nothing in the configuration is writable without
                // VIRTIO_BLK_F_CONFIG_WCE, which is not offered.
                let n = CONFIG_LEN.min(data.remaining_in_ccw());
                data.read(&mut [0; CONFIG_LEN][..n]);
            }
            commands::WRITE_STATUS => {
                let [value] = read_block(data)?;
                self.write_status(value)?;
            }
            commands::READ_STATUS if revision >= 2 => {
                data.write(&[self.status]);
            }
            commands::READ_VQ_CONF => {
                let index = u16::from_be_bytes(read_block(data)?);
                let size = match index {
                    0 => QUEUE_SIZE,
                    i if i < QUEUE_INDEX_LIMIT => 0,
                    _ => return Err(Rejected),
                };
                data.write(&size.to_be_bytes());
            }
            commands::SET_VQ => {
                let block: [u8; 32] = read_block(data)?;
                self.set_vq(&block)?;
            }
            commands::SET_IND => {
                self.indicators = Some(u64::from_be_bytes(read_block(data)?));
            }
            commands::SET_CONF_IND => {
                self.config_indicators = Some(u64::from_be_bytes(read_block(data)?));
            }
            commands::VDEV_RESET => self.reset_virtio(),
            _ => return Err(Rejected),
        }
        Ok(())
    }

    /// SET_VIRTIO_REV: a revision from 1 to [`MAX_REVISION`], once.
    fn set_revision(&mut self, data: &mut DataStream<'_>) -> Result<(), Rejected> {
        let block: [u8; 4] = read_block(data)?;
        let revision = u16::from_be_bytes([block[0], block[1]]);
        let length = usize::from(u16::from_be_bytes([block[2], block[3]]));
        // No revision up to 2 defines data; it is taken and ignored.
        let mut extra = vec![0; length];
        if data.read(&mut extra) < length
            || self.revision.is_some()
            || revision == 0
            || revision > MAX_REVISION
        {
            return Err(Rejected);
        }
        self.revision = Some(revision);
        Ok(())
    }

    /// WRITE_STATUS: 0 resets; FEATURES_OK needs VERSION_1 accepted.
    fn write_status(&mut self, value: u8) -> Result<(), Rejected> {
        if value == 0 {
            self.reset_virtio();
            return Ok(());
        }
        let setting_features_ok =
            value & status::FEATURES_OK != 0 && self.status & status::FEATURES_OK == 0;
        if setting_features_ok && self.driver_features & features::VERSION_1 == 0 {
            return Err(Rejected);
        }
        self.status = value | (self.status & status::DEVICE_NEEDS_RESET);
        Ok(())
    }

    /// SET_VQ with a virtio-1 VqInfoBlock: desc, res0, index, num, driver,
    /// device. A zero descriptor address disables the queue.
    fn set_vq(&mut self, block: &[u8; 32]) -> Result<(), Rejected> {
        let be64 = |at: usize| {
            let mut b = [0; 8];
            b.copy_from_slice(&block[at..at + 8]);
            u64::from_be_bytes(b)
        };
        let desc = be64(0);
        let index = u16::from_be_bytes([block[12], block[13]]);
        let num = u16::from_be_bytes([block[14], block[15]]);
        if index >= QUEUE_INDEX_LIMIT {
            return Err(Rejected);
        }
        if desc == 0 {
            if index == 0 {
                self.queue = None;
            }
            return Ok(());
        }
        if index != 0 || num == 0 || num > QUEUE_SIZE || !num.is_power_of_two() {
            return Err(Rejected);
        }
        self.queue = Some(QueueConfig {
            desc,
            driver: be64(16),
            device: be64(24),
            num,
        });
        self.last_avail = 0;
        self.used_idx = 0;
        Ok(())
    }
}

impl Device for VirtioBlk {
    /// QEMU's reply: control unit 0x3832 model 2, device type and model 0,
    /// no CIWs, 256 bytes long (QEMU checks a SENSE ID without SLI against
    /// that length).
    fn sense_id(&self) -> SenseId {
        let mut bytes = [0; SenseId::BUFFER_LEN];
        bytes[0] = 0xFF;
        bytes[1..3].copy_from_slice(&CU_TYPE.to_be_bytes());
        bytes[3] = DEVICE_ID_BLOCK;
        SenseId::from_bytes(&bytes).unwrap_or(SenseId::new(CU_TYPE, DEVICE_ID_BLOCK, 0, 0))
    }

    /// The virtio-ccw commands above and NOOP; anything else, any command
    /// but SET_VIRTIO_REV and NOOP before a revision is set, a block
    /// shorter than the command needs, or a value the command cannot take
    /// ends with unit check and command reject.
    fn execute(&mut self, command: u8, data: &mut DataStream<'_>) -> DeviceStatus {
        match self.command(command, data) {
            Ok(()) => DONE,
            Err(Rejected) => {
                self.sense = SenseFlags::COMMAND_REJECT.bits();
                DONE | DeviceStatus::UNIT_CHECK
            }
        }
    }

    fn sense(&mut self) -> Vec<u8> {
        vec![core::mem::take(&mut self.sense)]
    }

    /// The clear signal: the virtio device resets and the revision is
    /// forgotten, so SET_VIRTIO_REV must come first again.
    fn reset(&mut self) {
        self.reset_virtio();
        self.sense = 0;
    }

    fn disabled(&mut self) {
        self.revision = None;
    }
}

/// Reads exactly `N` bytes of the program's data, or rejects the command.
fn read_block<const N: usize>(data: &mut DataStream<'_>) -> Result<[u8; N], Rejected> {
    let mut block = [0; N];
    if data.read(&mut block) < N {
        return Err(Rejected);
    }
    Ok(block)
}

/// The little-endian halfword at `address`.
fn read_le16(memory: &Memory, address: u64) -> Result<u16, OutOfRange> {
    memory.read_array(address).map(u16::from_le_bytes)
}

/// Sets bit `bit` (counted from the least significant) of the big-endian
/// indicator doubleword at `address`.
fn set_indicator(memory: &mut Memory, address: u64, bit: u32) -> Result<(), OutOfRange> {
    let value = memory.read_u64(address)?;
    memory.write_u64(address, value | (1 << bit))
}

/// The descriptor chain from `head`, every buffer checked to lie in
/// storage.
fn chain(memory: &Memory, q: QueueConfig, head: u16) -> Result<Vec<Segment>, QueueError> {
    let mut segments: Vec<Segment> = Vec::new();
    let mut index = head;
    loop {
        if index >= q.num {
            return Err(QueueError::DescriptorIndex(index));
        }
        if segments.len() >= usize::from(q.num) {
            return Err(QueueError::ChainTooLong { head });
        }
        let d: [u8; 16] = memory.read_array(q.desc + 16 * u64::from(index))?;
        let mut address = [0; 8];
        address.copy_from_slice(&d[0..8]);
        let address = u64::from_le_bytes(address);
        let len = u32::from_le_bytes([d[8], d[9], d[10], d[11]]) as usize;
        let flags = u16::from_le_bytes([d[12], d[13]]);
        let next = u16::from_le_bytes([d[14], d[15]]);
        if flags & DESC_INDIRECT != 0 {
            return Err(QueueError::Indirect(index));
        }
        let writable = flags & DESC_WRITE != 0;
        if !writable && segments.last().is_some_and(|s| s.writable) {
            return Err(QueueError::ReadableAfterWritable(index));
        }
        memory.slice(address, len)?;
        segments.push(Segment {
            address,
            len,
            writable,
        });
        if flags & DESC_NEXT == 0 {
            return Ok(segments);
        }
        index = next;
    }
}

/// Copies `bytes` into the concatenation of `segments` from `offset` on
/// (the caller keeps it inside them).
fn scatter(
    memory: &mut Memory,
    segments: &[Segment],
    mut offset: usize,
    mut bytes: &[u8],
) -> Result<(), OutOfRange> {
    for s in segments {
        if bytes.is_empty() {
            break;
        }
        if offset >= s.len {
            offset -= s.len;
            continue;
        }
        let n = (s.len - offset).min(bytes.len());
        memory.write(s.address + offset as u64, &bytes[..n])?;
        bytes = &bytes[n..];
        offset = 0;
    }
    Ok(())
}
