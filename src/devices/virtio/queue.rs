//! A split virtqueue (virtio 1.x specification, "Split Virtqueues") in
//! storage the caller provides: descriptor table, available ring and used
//! ring, all little-endian.
//!
//! # Design: through `ChannelMemory`
//! The rings are read and written through
//! [`ChannelMemory`], as the rest of the
//! crate's channel storage is, rather than through raw pointers: the same
//! queue code then runs on the machine (`RealMemory`: volatile accesses at
//! real addresses, which is what the device sees) and on the host
//! simulator, whose storage is an array the device model reads. The cost
//! is byte-wise copies, negligible next to a DIAGNOSE and the I/O.
//!
//! `RealMemory` copies byte by byte, so a 16-bit index the device updates
//! while the driver reads it can be read torn. The driver never reads the
//! available ring the device does not write, and the used index only
//! grows: a torn read of it is always one that shows the new high byte
//! with the old low byte, which lands at least 255 entries ahead, far past
//! the requests in flight. [`SplitQueue::pop_used`] therefore reads the
//! used index again when it looks implausible and reports an error only if
//! the second read agrees that it is.
//!
//! # Memory ordering
//! The specification asks for a write barrier between filling the ring
//! entry and publishing the available index, and a read barrier between
//! reading the used index and reading the used entry (and the data). s390
//! orders normal storage accesses strongly: stores become visible to other
//! CPUs (and to the channel and the host) in program order, and loads are
//! not reordered with older loads, so Linux's `virt_wmb()`/`virt_rmb()`
//! reduce to a compiler barrier there (`barrier()`). The same holds here:
//! a `compiler_fence(SeqCst)` keeps the compiler from moving the index
//! access across the ring accesses. The notification itself (DIAGNOSE)
//! is intercepted by the hypervisor, which sees every store before it.

use super::ccw::QueueAddresses;
use crate::memory::{is_channel_area, ChannelMemory};
use core::fmt;
use core::sync::atomic::{compiler_fence, Ordering};

/// Descriptor flag: the chain continues at `next`.
pub const DESC_F_NEXT: u16 = 1;
/// Descriptor flag: the buffer is device-writable.
pub const DESC_F_WRITE: u16 = 2;
/// Available-ring flag: the driver polls and wants no used-buffer
/// notifications.
pub const AVAIL_F_NO_INTERRUPT: u16 = 1;

/// Bytes of one descriptor.
const DESC_SIZE: u32 = 16;
/// Bytes of one used-ring entry.
const USED_ELEM_SIZE: u32 = 8;

/// Caller-provided storage for a queue of up to `capacity` entries: the
/// descriptor table at `address`, the available ring after it, the used
/// ring after that (aligned as virtio 1 requires: 16, 2 and 4 bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct QueueStorage {
    address: u32,
    capacity: u16,
}

impl QueueStorage {
    /// Bytes a queue of `capacity` entries needs.
    pub const fn size(capacity: u16) -> usize {
        let n = capacity as usize;
        Self::used_offset(capacity) as usize + 6 + 8 * n
    }

    /// Offset of the available ring: after the descriptor table.
    const fn avail_offset(capacity: u16) -> u32 {
        DESC_SIZE * capacity as u32
    }

    /// Offset of the used ring: after the available ring (flags, index,
    /// ring, used_event), 4-byte aligned.
    const fn used_offset(capacity: u16) -> u32 {
        let end = Self::avail_offset(capacity) + 6 + 2 * capacity as u32;
        (end + 3) & !3
    }

    /// Storage at `address` for up to `capacity` entries; `None` unless
    /// `address` is 16-byte aligned, `capacity` a power of two of at most
    /// 32768, and the storage ends below 2 GiB.
    pub const fn new(address: u32, capacity: u16) -> Option<Self> {
        if !capacity.is_power_of_two() || capacity > 0x8000 {
            return None;
        }
        if !is_channel_area(address, Self::size(capacity), 16) {
            return None;
        }
        Some(QueueStorage { address, capacity })
    }

    /// Where the storage starts.
    pub const fn address(self) -> u32 {
        self.address
    }

    /// The most entries a queue in this storage can have.
    pub const fn capacity(self) -> u16 {
        self.capacity
    }
}

/// One descriptor: a buffer the device reads (or, with
/// [`DESC_F_WRITE`], writes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Descriptor {
    /// The buffer's address.
    pub address: u64,
    /// Its length in bytes.
    pub len: u32,
    /// [`DESC_F_NEXT`], [`DESC_F_WRITE`].
    pub flags: u16,
    /// The next descriptor of the chain, with [`DESC_F_NEXT`].
    pub next: u16,
}

/// An entry of the used ring: a chain the device is done with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct UsedElem {
    /// The head of the chain, as the device reported it (not checked).
    pub id: u32,
    /// Bytes the device says it wrote into the chain (not checked).
    pub len: u32,
}

/// What a queue found wrong with its setup or with the device.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum QueueError {
    /// The device has no such queue (READ_VQ_CONF gave size 0).
    Unavailable {
        /// The queue's index.
        index: u16,
    },
    /// The used index moved past the chains in flight: the device claims
    /// to have used buffers it was never given.
    UsedIndexJump {
        /// The used index the driver expected next.
        last_used: u16,
        /// The used index the device published.
        used_idx: u16,
        /// Chains in flight.
        in_flight: u16,
    },
    /// More chains made available than the queue has entries.
    Full,
}

impl fmt::Display for QueueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QueueError::Unavailable { index } => write!(f, "queue {index} does not exist"),
            QueueError::UsedIndexJump {
                last_used,
                used_idx,
                in_flight,
            } => write!(
                f,
                "used index {used_idx} jumped past {last_used} + {in_flight} in flight"
            ),
            QueueError::Full => write!(f, "queue full"),
        }
    }
}

/// A split virtqueue in [`QueueStorage`], driven through `memory`.
#[derive(Debug)]
pub struct SplitQueue<'a, M: ChannelMemory> {
    memory: &'a M,
    index: u16,
    size: u16,
    desc: u32,
    avail: u32,
    used: u32,
    avail_idx: u16,
    last_used: u16,
    in_flight: u16,
}

impl<'a, M: ChannelMemory> SplitQueue<'a, M> {
    /// Queue `index` in `storage`, of the device's maximum size
    /// `device_max` (READ_VQ_CONF) capped to the storage's capacity (both
    /// are powers of two in practice; the size is rounded down to one).
    /// The rings are zeroed, and the available ring asks for no
    /// used-buffer notifications until [`SplitQueue::set_interrupts`].
    ///
    /// `storage` must be reserved for this queue while the device may use
    /// it (until the device is reset).
    pub fn new(
        memory: &'a M,
        storage: QueueStorage,
        index: u16,
        device_max: u16,
    ) -> Result<Self, QueueError> {
        let limit = device_max.min(storage.capacity);
        if limit == 0 {
            return Err(QueueError::Unavailable { index });
        }
        let size = 1u16 << (15 - limit.leading_zeros() as u16);
        let base = storage.address;
        let queue = SplitQueue {
            memory,
            index,
            size,
            desc: base,
            avail: base + QueueStorage::avail_offset(size),
            used: base + QueueStorage::used_offset(size),
            avail_idx: 0,
            last_used: 0,
            in_flight: 0,
        };
        let zeros = [0u8; 64];
        let mut at = 0;
        let total = QueueStorage::size(size);
        while at < total {
            let n = (total - at).min(zeros.len());
            memory.write(base + at as u32, &zeros[..n]);
            at += n;
        }
        memory.write(queue.avail, &AVAIL_F_NO_INTERRUPT.to_le_bytes());
        Ok(queue)
    }

    /// Whether the device is to signal used buffers (its indicator and an
    /// I/O interruption): clears or sets `VIRTQ_AVAIL_F_NO_INTERRUPT`.
    pub fn set_interrupts(&self, wanted: bool) {
        let flags = if wanted { 0 } else { AVAIL_F_NO_INTERRUPT };
        self.memory.write(self.avail, &flags.to_le_bytes());
    }

    /// The queue's entries.
    pub fn size(&self) -> u16 {
        self.size
    }

    /// The queue's index on its device.
    pub fn index(&self) -> u16 {
        self.index
    }

    /// Chains made available and not yet used.
    pub fn in_flight(&self) -> u16 {
        self.in_flight
    }

    /// The addresses SET_VQ gives the device.
    pub fn addresses(&self) -> QueueAddresses {
        QueueAddresses {
            index: self.index,
            size: self.size,
            desc: u64::from(self.desc),
            avail: u64::from(self.avail),
            used: u64::from(self.used),
        }
    }

    /// Writes descriptor `i` (`i` below the size; higher ones are ignored).
    pub fn set_descriptor(&self, i: u16, descriptor: Descriptor) {
        if i >= self.size {
            return;
        }
        let mut bytes = [0u8; 16];
        bytes[0..8].copy_from_slice(&descriptor.address.to_le_bytes());
        bytes[8..12].copy_from_slice(&descriptor.len.to_le_bytes());
        bytes[12..14].copy_from_slice(&descriptor.flags.to_le_bytes());
        bytes[14..16].copy_from_slice(&descriptor.next.to_le_bytes());
        self.memory
            .write(self.desc + DESC_SIZE * u32::from(i), &bytes);
    }

    /// Makes the chain at `head` available: the ring entry first, then
    /// (after a write barrier) the index. The device learns of it with the
    /// next notification.
    pub fn make_available(&mut self, head: u16) -> Result<(), QueueError> {
        if self.in_flight >= self.size {
            return Err(QueueError::Full);
        }
        let slot = u32::from(self.avail_idx % self.size);
        self.memory
            .write(self.avail + 4 + 2 * slot, &head.to_le_bytes());
        self.avail_idx = self.avail_idx.wrapping_add(1);
        // virt_wmb(): the entry must be visible before the index that
        // publishes it (see the module documentation for why a compiler
        // barrier is enough on s390).
        compiler_fence(Ordering::SeqCst);
        self.memory
            .write(self.avail + 2, &self.avail_idx.to_le_bytes());
        compiler_fence(Ordering::SeqCst);
        self.in_flight += 1;
        Ok(())
    }

    fn read_used_idx(&self) -> u16 {
        let mut bytes = [0u8; 2];
        self.memory.read(self.used + 2, &mut bytes);
        u16::from_le_bytes(bytes)
    }

    /// The next entry of the used ring, if the device published one.
    ///
    /// A used index more entries ahead than there are chains in flight is
    /// [`QueueError::UsedIndexJump`]; the entry's id and length are the
    /// device's word, for the caller to check against what it made
    /// available.
    pub fn pop_used(&mut self) -> Result<Option<UsedElem>, QueueError> {
        let mut used_idx = self.read_used_idx();
        if used_idx.wrapping_sub(self.last_used) > self.in_flight {
            // Possibly a torn read (see the module documentation): the
            // second read decides.
            used_idx = self.read_used_idx();
        }
        let ahead = used_idx.wrapping_sub(self.last_used);
        if ahead == 0 {
            return Ok(None);
        }
        if ahead > self.in_flight {
            return Err(QueueError::UsedIndexJump {
                last_used: self.last_used,
                used_idx,
                in_flight: self.in_flight,
            });
        }
        // virt_rmb(): the entry (and the buffers) are read only after the
        // index that published them.
        compiler_fence(Ordering::SeqCst);
        let slot = u32::from(self.last_used % self.size);
        let mut bytes = [0u8; 8];
        self.memory
            .read(self.used + 4 + USED_ELEM_SIZE * slot, &mut bytes);
        self.last_used = self.last_used.wrapping_add(1);
        self.in_flight -= 1;
        Ok(Some(UsedElem {
            id: u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]),
            len: u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]),
        }))
    }
}
