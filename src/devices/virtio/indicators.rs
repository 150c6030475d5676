//! Classic (subchannel) indicators of the virtio-ccw transport (virtio 1.x
//! specification, "Virtio Over Channel I/O", "Setting Up Indicators" and
//! "Notifications from the Device to the Driver").
//!
//! The driver gives the device two doublewords with SET_IND (queue
//! indicators) and SET_CONF_IND (configuration-change indicator). When the
//! device uses buffers of queue `q` (and the driver did not suppress
//! notifications with `VIRTQ_AVAIL_F_NO_INTERRUPT`), it sets bit `q` of the
//! queue indicators (`1 << q` of the doubleword, big-endian in storage as
//! QEMU's `address_space_stq` writes it) and, unless the subchannel is
//! already status pending, makes the subchannel status pending with alert
//! status and no function (QEMU's `css_conditional_io_interrupt`): an
//! I/O interruption (PoP, chapter 16 "I/O Interruptions") whose status
//! belongs to no request. A configuration change sets bit 0 of the
//! configuration indicator the same way.
//!
//! The subchannel driver therefore keeps such status in its unsolicited
//! queue, never taking it for a request's end; [`is_indicator_status`]
//! tells it apart from other unsolicited status (attention, device end).
//!
//! Adapter interruptions (SET_IND_ADAPTER, summary indicators) are not
//! driven here: they arrive as I/O interruptions without a subchannel,
//! which the runtimes' I/O handlers do not route.

use crate::memory::ChannelMemory;
use crate::structures::{Irb, StatusControl};

/// Channel-addressable storage for the two indicator doublewords: the
/// queue indicators at `address`, the configuration-change indicator at
/// `address + 8`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct IndicatorArea {
    address: u32,
}

impl IndicatorArea {
    /// Bytes of storage the area needs.
    pub const SIZE: usize = 16;

    /// An area at `address`; `None` unless it is doubleword aligned and
    /// ends below 2 GiB.
    pub const fn new(address: u32) -> Option<Self> {
        if address.is_multiple_of(8) && address as u64 + Self::SIZE as u64 <= 0x8000_0000 {
            Some(IndicatorArea { address })
        } else {
            None
        }
    }

    /// The queue indicators' doubleword (for SET_IND).
    pub const fn queue_indicators(self) -> u32 {
        self.address
    }

    /// The configuration-change indicator's doubleword (for SET_CONF_IND).
    pub const fn config_indicator(self) -> u32 {
        self.address + 8
    }

    /// Zeroes both doublewords.
    pub fn clear<M: ChannelMemory>(self, memory: &M) {
        memory.write(self.queue_indicators(), &[0; 8]);
        memory.write(self.config_indicator(), &[0; 8]);
    }

    /// Takes (reads and zeroes) the queue indicators: bit `1 << q` for
    /// each queue `q` with new used buffers.
    ///
    /// The read and the zeroing are two accesses, so a bit the device sets
    /// in between is lost; callers therefore look at the used rings after
    /// taking the bits, never only at the bits (the device publishes the
    /// used entry before it sets the bit).
    pub fn take_queue_bits<M: ChannelMemory>(self, memory: &M) -> u64 {
        take(memory, self.queue_indicators())
    }

    /// Takes the configuration-change indicator: whether bit 0 was set.
    pub fn take_config_change<M: ChannelMemory>(self, memory: &M) -> bool {
        take(memory, self.config_indicator()) & 1 != 0
    }
}

fn take<M: ChannelMemory>(memory: &M, address: u32) -> u64 {
    let mut bytes = [0u8; 8];
    memory.read(address, &mut bytes);
    let bits = u64::from_be_bytes(bytes);
    if bits != 0 {
        memory.write(address, &[0; 8]);
    }
    bits
}

/// Whether `irb` is the status a device presents with an indicator: no
/// function (no start, halt or clear), alert status alone (not primary,
/// secondary or intermediate), and a device status without attention,
/// unit check or unit exception. QEMU leaves the last request's device
/// status (channel end, device end) in the SCSW (measured on QEMU 7.2:
/// SCSW `00800011 00032408 0c000000`); an attention, also
/// alert status without a function, is the device's own and not an
/// indicator's.
pub fn is_indicator_status(irb: &Irb) -> bool {
    let scsw = irb.scsw;
    let device = scsw.device_status();
    scsw.function_control().is_empty()
        && scsw
            .status_control()
            .difference(StatusControl::STATUS_PENDING)
            == StatusControl::ALERT
        && !(device.attention() || device.unit_check() || device.unit_exception())
}
