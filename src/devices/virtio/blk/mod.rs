//! A virtio-blk driver (virtio 1.x specification, "Block Device") over the
//! virtio-ccw [`Transport`] and one [`SplitQueue`].
//!
//! Requests are start/complete pairs: `submit_*` makes a request available
//! and returns its [`Token`]; each finished request comes back once, with
//! its token and outcome, from whichever front end the caller uses:
//!
//! - polled: [`VirtioBlk::poll_completion`] looks at the used ring;
//! - interrupt-driven ([`VirtioBlk::new_interrupt_driven`]): the device
//!   signals used buffers through its classic indicators and an I/O
//!   interruption, which the I/O interruption handler collects into a
//!   [`StatusMailbox`](crate::driver::StatusMailbox) like any other
//!   status; [`VirtioBlk::wait_completion`] sleeps in an enabled wait in
//!   between (module `interrupt`);
//! - async: [`VirtioBlk::completion`] is a future of the next completion,
//!   woken from the same mailbox (module `future`), for
//!   [`executor::block_on`](crate::executor::block_on).
//!
//! Up to [`MAX_IN_FLIGHT`] requests (fewer if the queue is small) are in
//! flight at once. The blocking calls ([`VirtioBlk::read`],
//! [`VirtioBlk::write`], [`VirtioBlk::flush`], [`VirtioBlk::get_id`])
//! submit one request and poll until it ends.
//!
//! Each request slot `k` owns descriptors `3k` (the 16-byte request
//! header), `3k + 1` (the caller's data) and `3k + 2` (the status byte),
//! and 32 bytes of [`RequestStorage`] for its header and status byte.
//!
//! Nothing the device writes to the rings is trusted: a used index ahead
//! of the requests in flight, a used id that names no request in flight,
//! a notification the host refuses, each stops the driver
//! ([`BlkError::Broken`] from then on; [`VirtioBlk::reset`] releases the
//! buffers), and a used length past a request's writable buffers fails
//! that request ([`RequestError::LengthPastBuffer`]). The driver itself
//! only writes to its rings and its request storage, never to a caller's
//! buffer.

mod future;
mod interrupt;

pub use future::NextCompletion;

use super::ccw::{Transport, TransportError};
use super::indicators::IndicatorArea;
use super::queue::{Descriptor, QueueError, QueueStorage, SplitQueue, DESC_F_NEXT, DESC_F_WRITE};
use super::{features, Notify};
use crate::css::ChannelSubsystem;
use crate::driver::Clock;
use crate::memory::{is_channel_area, ChannelMemory};
use core::fmt;

/// Most requests in flight at once.
pub const MAX_IN_FLIGHT: usize = 16;
/// Bytes per sector, the unit of capacity and request positions.
pub const SECTOR_SIZE: u32 = 512;
/// Length of the GET_ID answer (`VIRTIO_BLK_ID_BYTES`).
pub const ID_BYTES: u32 = 20;
/// Features this driver implements (VERSION_1 is always required).
pub const SUPPORTED_FEATURES: u64 =
    features::VERSION_1 | features::BLK_RO | features::BLK_SIZE | features::BLK_FLUSH;

/// Request types (`virtio_blk_req.type`).
mod request_type {
    pub const IN: u32 = 0;
    pub const OUT: u32 = 1;
    pub const FLUSH: u32 = 4;
    pub const GET_ID: u32 = 8;
}

/// Request status values.
mod request_status {
    pub const OK: u8 = 0;
    pub const IOERR: u8 = 1;
    pub const UNSUPP: u8 = 2;
}

/// The status byte before the device writes it: not a status the
/// specification defines, so a request the device "completes" without
/// writing its status is caught.
const STATUS_UNWRITTEN: u8 = 0xFF;
/// Bytes of request storage per slot: the header, the status byte, padding.
const SLOT_BYTES: u32 = 32;
/// Bytes of the request header (type, reserved, sector).
const HEADER_BYTES: u32 = 16;
/// How long a blocking call waits by default (microseconds).
const DEFAULT_TIMEOUT_US: u64 = 10_000_000;
/// Bytes of the configuration space read: up to and including `blk_size`.
const CONFIG_BYTES: usize = 24;

/// Channel-addressable storage for the request headers and status bytes of
/// [`MAX_IN_FLIGHT`] requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct RequestStorage {
    address: u32,
}

impl RequestStorage {
    /// Bytes of storage needed.
    pub const SIZE: usize = MAX_IN_FLIGHT * SLOT_BYTES as usize;

    /// Storage at `address`; `None` unless it is 16-byte aligned and ends
    /// below 2 GiB.
    pub const fn new(address: u32) -> Option<Self> {
        if is_channel_area(address, Self::SIZE, 16) {
            Some(RequestStorage { address })
        } else {
            None
        }
    }

    /// Where the storage starts.
    pub const fn address(self) -> u32 {
        self.address
    }

    const fn header(self, slot: usize) -> u32 {
        self.address + slot as u32 * SLOT_BYTES
    }

    const fn status(self, slot: usize) -> u32 {
        self.header(slot) + HEADER_BYTES
    }
}

/// A caller's data buffer in channel-addressable storage.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct DataBuffer {
    address: u32,
    len: u32,
}

impl DataBuffer {
    /// `len` bytes at `address`; `None` if empty or not ending below
    /// 2 GiB.
    pub const fn new(address: u32, len: u32) -> Option<Self> {
        if len > 0 && is_channel_area(address, len as usize, 1) {
            Some(DataBuffer { address, len })
        } else {
            None
        }
    }

    /// The buffer `bytes` occupies, where channel addresses are this
    /// program's addresses (DAT off); `None` if it does not lie below
    /// 2 GiB. Only the address is taken: the buffer must still be kept as
    /// the `submit_*` functions require.
    pub fn of_slice(bytes: &mut [u8]) -> Option<Self> {
        let address = u32::try_from(bytes.as_mut_ptr() as usize).ok()?;
        Self::new(address, u32::try_from(bytes.len()).ok()?)
    }

    /// Where the buffer starts.
    pub const fn address(self) -> u32 {
        self.address
    }

    /// Its length in bytes.
    pub const fn size(self) -> u32 {
        self.len
    }
}

/// What a request does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum RequestKind {
    /// VIRTIO_BLK_T_IN: sectors into the buffer.
    Read,
    /// VIRTIO_BLK_T_OUT: the buffer onto sectors.
    Write,
    /// VIRTIO_BLK_T_FLUSH: the device's write cache to its medium.
    Flush,
    /// VIRTIO_BLK_T_GET_ID: the serial number into the buffer.
    GetId,
}

/// Names a request in flight; unique among the driver's requests until the
/// serial counter wraps (2^32 requests).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Token {
    slot: u8,
    serial: u32,
}

/// A finished request: its token and how it ended.
pub type Completion = (Token, Result<(), RequestError>);

/// Why a request that the device completed failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum RequestError {
    /// VIRTIO_BLK_S_IOERR: the device could not do it.
    IoError,
    /// VIRTIO_BLK_S_UNSUPP: the device does not know the request.
    Unsupported,
    /// A status byte the specification does not define (0xFF: the device
    /// never wrote it).
    BadStatus(u8),
    /// The device claims to have written more than the request's writable
    /// buffers hold.
    LengthPastBuffer {
        /// The used length the device reported.
        len: u32,
        /// The request's device-writable bytes.
        writable: u32,
    },
}

impl fmt::Display for RequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RequestError::IoError => write!(f, "device I/O error"),
            RequestError::Unsupported => write!(f, "request not supported by the device"),
            RequestError::BadStatus(status) => write!(f, "undefined request status {status:#04x}"),
            RequestError::LengthPastBuffer { len, writable } => write!(
                f,
                "used length {len} past the request's {writable} writable bytes"
            ),
        }
    }
}

/// Why the driver refused or failed an operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum BlkError {
    /// A transport command failed (negotiation, setup, reset).
    Transport(TransportError),
    /// The queue could not be set up, or the device broke its rules on
    /// the used ring (the driver is broken after that).
    Queue(QueueError),
    /// The queue has fewer than the 3 entries one request needs.
    QueueTooSmall(u16),
    /// The configuration's `blk_size` is not a power of two of at least
    /// 512.
    BadBlockSize(u32),
    /// A write to a device that offers VIRTIO_BLK_F_RO.
    ReadOnly,
    /// The device has no FLUSH (VIRTIO_BLK_F_FLUSH not offered).
    FlushUnsupported,
    /// Sectors past the device's capacity.
    OutOfRange {
        /// The first sector.
        sector: u64,
        /// Sectors the buffer covers.
        sectors: u64,
        /// The device's capacity in sectors.
        capacity: u64,
    },
    /// A data length that is not a whole number of blocks.
    BadLength(u32),
    /// Every request slot is in flight.
    Full,
    /// A blocking call while requests are in flight.
    Busy,
    /// The host refused the queue notification (its negative code).
    NotifyFailed(i64),
    /// The used ring named descriptor `id`, which heads no request in
    /// flight.
    UnknownId(u32),
    /// A request did not end within the timeout; the device was reset,
    /// which released every buffer in flight.
    TimedOut,
    /// A wait for a completion with no request in flight.
    Idle,
    /// An interrupt-driven wait on a driver set up for polling
    /// ([`VirtioBlk::new`]).
    NoInterrupts,
    /// A blocking call's request ended with an error.
    Request(RequestError),
    /// An earlier device error stopped the driver; only
    /// [`VirtioBlk::reset`] is left.
    Broken,
}

impl fmt::Display for BlkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BlkError::Transport(e) => write!(f, "transport: {e}"),
            BlkError::Queue(e) => write!(f, "queue: {e}"),
            BlkError::QueueTooSmall(size) => write!(f, "queue of {size} entries is too small"),
            BlkError::BadBlockSize(size) => write!(f, "bad block size {size:#x}"),
            BlkError::ReadOnly => write!(f, "device is read-only"),
            BlkError::FlushUnsupported => write!(f, "device has no flush"),
            BlkError::OutOfRange {
                sector,
                sectors,
                capacity,
            } => write!(
                f,
                "{sectors} sectors from {sector} past the capacity of {capacity}"
            ),
            BlkError::BadLength(len) => write!(f, "length {len} is not a whole number of blocks"),
            BlkError::Full => write!(f, "all request slots in flight"),
            BlkError::Busy => write!(f, "requests in flight"),
            BlkError::NotifyFailed(code) => write!(f, "queue notification failed: {code}"),
            BlkError::UnknownId(id) => write!(f, "used id {id} is no request in flight"),
            BlkError::TimedOut => write!(f, "request timed out; device reset"),
            BlkError::Idle => write!(f, "no request in flight to wait for"),
            BlkError::NoInterrupts => write!(f, "driver set up for polling, not interrupts"),
            BlkError::Request(e) => write!(f, "{e}"),
            BlkError::Broken => write!(f, "driver stopped after a device error"),
        }
    }
}

impl From<TransportError> for BlkError {
    fn from(error: TransportError) -> Self {
        BlkError::Transport(error)
    }
}

impl From<QueueError> for BlkError {
    fn from(error: QueueError) -> Self {
        BlkError::Queue(error)
    }
}

/// What the device told the driver at setup.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct BlkInfo {
    /// Capacity in 512-byte sectors.
    pub capacity: u64,
    /// The logical block size (512 unless VIRTIO_BLK_F_BLK_SIZE says
    /// otherwise); request lengths are multiples of it.
    pub block_size: u32,
    /// The negotiated features.
    pub features: u64,
    /// Entries of the request queue.
    pub queue_size: u16,
    /// Requests that can be in flight at once.
    pub max_in_flight: usize,
}

impl BlkInfo {
    /// Whether the device is read-only (VIRTIO_BLK_F_RO).
    pub fn read_only(&self) -> bool {
        self.features & features::BLK_RO != 0
    }

    /// Whether the device takes FLUSH (VIRTIO_BLK_F_FLUSH).
    pub fn has_flush(&self) -> bool {
        self.features & features::BLK_FLUSH != 0
    }
}

/// A request in flight.
#[derive(Clone, Copy, Debug)]
struct Slot {
    token: Token,
    writable: u32,
}

/// A virtio-blk device driven through its transport and queue 0.
pub struct VirtioBlk<'a, C: ChannelSubsystem, M: ChannelMemory, K: Clock, N: Notify> {
    transport: Transport<'a, C, M, K>,
    queue: SplitQueue<'a, M>,
    notify: N,
    cookie: i64,
    requests: RequestStorage,
    slots: [Option<Slot>; MAX_IN_FLIGHT],
    info: BlkInfo,
    serial: u32,
    broken: bool,
    timeout_us: u64,
    indicators: Option<IndicatorArea>,
    indicator_interruptions: u32,
    config_changed: bool,
}

impl<'a, C: ChannelSubsystem, M: ChannelMemory, K: Clock, N: Notify> VirtioBlk<'a, C, M, K, N> {
    /// Initializes the device behind `transport` for polling (specification,
    /// "Device Initialization"): negotiates [`SUPPORTED_FEATURES`]
    /// (VERSION_1 required), reads the capacity and block size, sets up
    /// queue 0 in `queue` (its size: the device's maximum capped to the
    /// storage's capacity) with used-buffer notifications suppressed, sets
    /// DRIVER_OK. On failure the device status is FAILED.
    ///
    /// `queue` and `requests` must be storage reserved for this driver
    /// until the device is reset ([`VirtioBlk::reset`]).
    pub fn new(
        transport: Transport<'a, C, M, K>,
        notify: N,
        queue: QueueStorage,
        requests: RequestStorage,
    ) -> Result<Self, BlkError> {
        Self::open(transport, notify, queue, requests, None)
    }

    /// As [`VirtioBlk::new`], and before DRIVER_OK gives the device the
    /// classic indicators in `indicators` (SET_IND, SET_CONF_IND) and asks
    /// for used-buffer notifications: each batch of completions sets the
    /// queue's indicator and makes the subchannel status pending, an I/O
    /// interruption for the interrupt-driven and async front ends.
    ///
    /// `indicators` must be reserved for this driver like `queue`.
    pub fn new_interrupt_driven(
        transport: Transport<'a, C, M, K>,
        notify: N,
        queue: QueueStorage,
        requests: RequestStorage,
        indicators: IndicatorArea,
    ) -> Result<Self, BlkError> {
        Self::open(transport, notify, queue, requests, Some(indicators))
    }

    fn open(
        mut transport: Transport<'a, C, M, K>,
        notify: N,
        queue: QueueStorage,
        requests: RequestStorage,
        indicators: Option<IndicatorArea>,
    ) -> Result<Self, BlkError> {
        let features = transport.negotiate(SUPPORTED_FEATURES)?;
        match Self::set_up(&mut transport, features, queue, indicators) {
            Ok((queue, info)) => Ok(VirtioBlk {
                transport,
                queue,
                notify,
                cookie: 0,
                requests,
                slots: [None; MAX_IN_FLIGHT],
                info,
                serial: 0,
                broken: false,
                timeout_us: DEFAULT_TIMEOUT_US,
                indicators,
                indicator_interruptions: 0,
                config_changed: false,
            }),
            Err(error) => {
                transport.fail();
                Err(error)
            }
        }
    }

    fn set_up(
        transport: &mut Transport<'a, C, M, K>,
        features: u64,
        storage: QueueStorage,
        indicators: Option<IndicatorArea>,
    ) -> Result<(SplitQueue<'a, M>, BlkInfo), BlkError> {
        let mut config = [0u8; CONFIG_BYTES];
        transport.read_config(&mut config)?;
        let mut capacity = [0u8; 8];
        capacity.copy_from_slice(&config[0..8]);
        let capacity = u64::from_le_bytes(capacity);
        let block_size = if features & features::BLK_SIZE != 0 {
            u32::from_le_bytes([config[20], config[21], config[22], config[23]])
        } else {
            SECTOR_SIZE
        };
        if !block_size.is_power_of_two() || block_size < SECTOR_SIZE {
            return Err(BlkError::BadBlockSize(block_size));
        }
        let device_max = transport.queue_size(0)?;
        let queue = SplitQueue::new(transport.memory(), storage, 0, device_max)?;
        if queue.size() < 3 {
            return Err(BlkError::QueueTooSmall(queue.size()));
        }
        transport.set_queue(queue.addresses())?;
        if let Some(area) = indicators {
            area.clear(transport.memory());
            transport.set_indicators(area.queue_indicators())?;
            transport.set_config_indicator(area.config_indicator())?;
            queue.set_interrupts(true);
        }
        transport.driver_ok()?;
        let info = BlkInfo {
            capacity,
            block_size,
            features,
            queue_size: queue.size(),
            max_in_flight: MAX_IN_FLIGHT.min(usize::from(queue.size() / 3)),
        };
        Ok((queue, info))
    }

    /// Reads the capacity again from the configuration space (after the
    /// device signalled a configuration change, e.g. a resize:
    /// [`VirtioBlk::take_config_change`]) and returns it; requests in
    /// flight are not disturbed.
    pub fn refresh_capacity(&mut self) -> Result<u64, BlkError> {
        // The capacity is the configuration's first field, little-endian.
        let mut capacity = [0u8; 8];
        self.transport.read_config(&mut capacity)?;
        self.info.capacity = u64::from_le_bytes(capacity);
        Ok(self.info.capacity)
    }

    /// Uses `timeout_us` for the blocking calls (default 10 s).
    pub fn with_timeout(mut self, timeout_us: u64) -> Self {
        self.timeout_us = timeout_us;
        self
    }

    /// What the device told the driver.
    pub fn info(&self) -> BlkInfo {
        self.info
    }

    /// Capacity in 512-byte sectors.
    pub fn capacity(&self) -> u64 {
        self.info.capacity
    }

    /// The logical block size in bytes.
    pub fn block_size(&self) -> u32 {
        self.info.block_size
    }

    /// Requests in flight.
    pub fn in_flight(&self) -> usize {
        self.slots.iter().flatten().count()
    }

    /// Whether the device signals completions with indicators and I/O
    /// interruptions ([`VirtioBlk::new_interrupt_driven`]).
    pub fn is_interrupt_driven(&self) -> bool {
        self.indicators.is_some()
    }

    /// Whether a device error stopped the driver.
    pub fn is_broken(&self) -> bool {
        self.broken
    }

    /// Resets the device (VDEV_RESET): every buffer in flight is released.
    /// Returns the transport, whose device keeps its revision, for a new
    /// [`VirtioBlk::new`].
    pub fn reset(mut self) -> Result<Transport<'a, C, M, K>, BlkError> {
        self.transport.reset()?;
        Ok(self.transport)
    }

    /// Checks a read or write of `buffer` at `sector`.
    fn check_range(&self, sector: u64, buffer: DataBuffer) -> Result<(), BlkError> {
        if !buffer.len.is_multiple_of(self.info.block_size) {
            return Err(BlkError::BadLength(buffer.len));
        }
        let sectors = u64::from(buffer.len / SECTOR_SIZE);
        let sectors_per_block = u64::from(self.info.block_size / SECTOR_SIZE);
        let in_range = sector
            .checked_add(sectors)
            .is_some_and(|end| end <= self.info.capacity);
        if !in_range || !sector.is_multiple_of(sectors_per_block) {
            return Err(BlkError::OutOfRange {
                sector,
                sectors,
                capacity: self.info.capacity,
            });
        }
        Ok(())
    }

    /// Starts a read of `buffer.size()` bytes from `sector`.
    ///
    /// # Safety
    /// `buffer` must be valid storage that the program neither reads nor
    /// writes from this call until [`VirtioBlk::poll_completion`] returns
    /// the token, or [`VirtioBlk::reset`] returns: the device writes it
    /// behind the program's back.
    pub unsafe fn submit_read(
        &mut self,
        sector: u64,
        buffer: DataBuffer,
    ) -> Result<Token, BlkError> {
        self.check_range(sector, buffer)?;
        self.submit(request_type::IN, sector, Some((buffer, true)))
    }

    /// Starts a write of `buffer` onto the disk from `sector`.
    ///
    /// # Safety
    /// `buffer` must be valid storage that the program does not write from
    /// this call until [`VirtioBlk::poll_completion`] returns the token, or
    /// [`VirtioBlk::reset`] returns: the device reads it.
    pub unsafe fn submit_write(
        &mut self,
        sector: u64,
        buffer: DataBuffer,
    ) -> Result<Token, BlkError> {
        if self.info.read_only() {
            return Err(BlkError::ReadOnly);
        }
        self.check_range(sector, buffer)?;
        self.submit(request_type::OUT, sector, Some((buffer, false)))
    }

    /// Starts a flush of the device's write cache.
    pub fn submit_flush(&mut self) -> Result<Token, BlkError> {
        if !self.info.has_flush() {
            return Err(BlkError::FlushUnsupported);
        }
        self.submit(request_type::FLUSH, 0, None)
    }

    /// Starts reading the device's serial number (up to [`ID_BYTES`]
    /// bytes, zero-padded, not necessarily zero-terminated) into `buffer`.
    ///
    /// # Safety
    /// As for [`VirtioBlk::submit_read`].
    pub unsafe fn submit_get_id(&mut self, buffer: DataBuffer) -> Result<Token, BlkError> {
        self.submit(request_type::GET_ID, 0, Some((buffer, true)))
    }

    /// Makes a request available and notifies the device. `data` is the
    /// caller's buffer and whether the device writes it.
    fn submit(
        &mut self,
        kind: u32,
        sector: u64,
        data: Option<(DataBuffer, bool)>,
    ) -> Result<Token, BlkError> {
        if self.broken {
            return Err(BlkError::Broken);
        }
        let Some(k) = self.slots[..self.info.max_in_flight]
            .iter()
            .position(Option::is_none)
        else {
            return Err(BlkError::Full);
        };
        let memory = self.transport.memory();
        let mut header = [0u8; HEADER_BYTES as usize];
        header[0..4].copy_from_slice(&kind.to_le_bytes());
        header[8..16].copy_from_slice(&sector.to_le_bytes());
        memory.write(self.requests.header(k), &header);
        memory.write(self.requests.status(k), &[STATUS_UNWRITTEN]);

        let head = 3 * k as u16;
        let status = head + 2;
        let mut writable = 1;
        let first_next = match data {
            Some((buffer, device_writes)) => {
                let flags = if device_writes {
                    writable += buffer.len;
                    DESC_F_NEXT | DESC_F_WRITE
                } else {
                    DESC_F_NEXT
                };
                self.queue.set_descriptor(
                    head + 1,
                    Descriptor {
                        address: u64::from(buffer.address),
                        len: buffer.len,
                        flags,
                        next: status,
                    },
                );
                head + 1
            }
            None => status,
        };
        self.queue.set_descriptor(
            head,
            Descriptor {
                address: u64::from(self.requests.header(k)),
                len: HEADER_BYTES,
                flags: DESC_F_NEXT,
                next: first_next,
            },
        );
        self.queue.set_descriptor(
            status,
            Descriptor {
                address: u64::from(self.requests.status(k)),
                len: 1,
                flags: DESC_F_WRITE,
                next: 0,
            },
        );
        self.queue.make_available(head)?;
        self.serial = self.serial.wrapping_add(1);
        let token = Token {
            slot: k as u8,
            serial: self.serial,
        };
        self.slots[k] = Some(Slot { token, writable });
        let cookie = self
            .notify
            .notify(self.transport.id(), self.queue.index(), self.cookie);
        if cookie < 0 {
            self.broken = true;
            return Err(BlkError::NotifyFailed(cookie));
        }
        self.cookie = cookie;
        Ok(token)
    }

    /// The next finished request and its outcome, if one finished.
    ///
    /// `Err` means the device broke the rules of the used ring (the
    /// driver is broken from then on: [`BlkError::Queue`] for a used
    /// index that jumped ahead, [`BlkError::UnknownId`] for an id not in
    /// flight), or it already was ([`BlkError::Broken`]).
    pub fn poll_completion(&mut self) -> Result<Option<Completion>, BlkError> {
        if self.broken {
            return Err(BlkError::Broken);
        }
        let used = match self.queue.pop_used() {
            Ok(Some(used)) => used,
            Ok(None) => return Ok(None),
            Err(error) => {
                self.broken = true;
                return Err(BlkError::Queue(error));
            }
        };
        let k = used.id as usize / 3;
        let slot = if used.id % 3 == 0 && k < self.info.max_in_flight {
            self.slots[k].take()
        } else {
            None
        };
        let Some(slot) = slot else {
            self.broken = true;
            return Err(BlkError::UnknownId(used.id));
        };
        if used.len > slot.writable {
            return Ok(Some((
                slot.token,
                Err(RequestError::LengthPastBuffer {
                    len: used.len,
                    writable: slot.writable,
                }),
            )));
        }
        let mut status = [0u8];
        self.transport
            .memory()
            .read(self.requests.status(k), &mut status);
        let result = match status[0] {
            request_status::OK => Ok(()),
            request_status::IOERR => Err(RequestError::IoError),
            request_status::UNSUPP => Err(RequestError::Unsupported),
            other => Err(RequestError::BadStatus(other)),
        };
        Ok(Some((slot.token, result)))
    }

    /// Polls until `token`'s request ends (nothing else is in flight), or
    /// the timeout passes (then the device is reset and the driver broken).
    fn wait(&mut self, token: Token) -> Result<(), BlkError> {
        let clock = self.transport.clock();
        let deadline = clock.now_us().saturating_add(self.timeout_us);
        loop {
            if let Some((done, result)) = self.poll_completion()? {
                if done == token {
                    return result.map_err(BlkError::Request);
                }
            }
            if clock.now_us() >= deadline {
                return Err(self.time_out());
            }
        }
    }

    /// A request outlived its deadline: the device is reset, which
    /// releases every buffer in flight, and the driver is broken.
    fn time_out(&mut self) -> BlkError {
        self.broken = true;
        match self.transport.reset() {
            Ok(()) => BlkError::TimedOut,
            Err(error) => BlkError::Transport(error),
        }
    }

    fn ensure_idle(&self) -> Result<(), BlkError> {
        if self.broken {
            Err(BlkError::Broken)
        } else if self.in_flight() > 0 {
            Err(BlkError::Busy)
        } else {
            Ok(())
        }
    }

    /// Reads `buffer.size()` bytes from `sector`, waiting for the end.
    ///
    /// # Safety
    /// `buffer` must be valid storage the program does not use during the
    /// call.
    pub unsafe fn read(&mut self, sector: u64, buffer: DataBuffer) -> Result<(), BlkError> {
        self.ensure_idle()?;
        // SAFETY: the buffer is kept for the whole call, and `wait` returns
        // only when the device is done with it (completed, or reset).
        let token = unsafe { self.submit_read(sector, buffer) }?;
        self.wait(token)
    }

    /// Writes `buffer` onto the disk from `sector`, waiting for the end.
    ///
    /// # Safety
    /// `buffer` must be valid storage the program does not write during
    /// the call.
    pub unsafe fn write(&mut self, sector: u64, buffer: DataBuffer) -> Result<(), BlkError> {
        self.ensure_idle()?;
        // SAFETY: as in `read`.
        let token = unsafe { self.submit_write(sector, buffer) }?;
        self.wait(token)
    }

    /// Flushes the device's write cache, waiting for the end.
    pub fn flush(&mut self) -> Result<(), BlkError> {
        self.ensure_idle()?;
        let token = self.submit_flush()?;
        self.wait(token)
    }

    /// Reads the serial number into `buffer`, waiting for the end.
    ///
    /// # Safety
    /// As for [`VirtioBlk::read`].
    pub unsafe fn get_id(&mut self, buffer: DataBuffer) -> Result<(), BlkError> {
        self.ensure_idle()?;
        // SAFETY: as in `read`.
        let token = unsafe { self.submit_get_id(buffer) }?;
        self.wait(token)
    }
}
