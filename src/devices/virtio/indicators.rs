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

use crate::memory::{is_channel_area, ChannelMemory};
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
        if is_channel_area(address, Self::SIZE, 8) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::structures::Scsw;
    use core::cell::RefCell;

    fn irb(words: [u32; 3]) -> Irb {
        Irb {
            scsw: Scsw::from_words(words),
            ..Irb::default()
        }
    }

    #[test]
    fn qemus_indicator_status_is_recognised() {
        // Measured on QEMU 7.2 after a completion with SET_IND.
        assert!(is_indicator_status(&irb([
            0x0080_0011,
            0x0003_2408,
            0x0c00_0000
        ])));
        // Without the last request's device status, as the simulator has it.
        assert!(is_indicator_status(&irb([0x0080_0011, 0, 0])));
    }

    #[test]
    fn attention_and_request_status_are_not_indicator_status() {
        // An attention: alert status without a function, but the device's.
        assert!(!is_indicator_status(&irb([0x0080_0011, 0, 0x8000_0000])));
        // A unit check or unit exception the same way.
        assert!(!is_indicator_status(&irb([0x0080_0011, 0, 0x0200_0000])));
        assert!(!is_indicator_status(&irb([0x0080_0011, 0, 0x0100_0000])));
        // A request's end: start function, primary and secondary status.
        assert!(!is_indicator_status(&irb([0x0080_4007, 0, 0x0c00_0000])));
        // A halt's status: halt function.
        assert!(!is_indicator_status(&irb([0x0080_2001, 0, 0])));
        // Alert with primary status and no function (an unsolicited end).
        assert!(!is_indicator_status(&irb([0x0080_0015, 0, 0x0c00_0000])));
    }

    /// Storage of 32 bytes at address 0x100.
    struct Small(RefCell<[u8; 32]>);

    impl ChannelMemory for Small {
        fn write(&self, address: u32, data: &[u8]) {
            let at = (address - 0x100) as usize;
            self.0.borrow_mut()[at..at + data.len()].copy_from_slice(data);
        }
        fn read(&self, address: u32, out: &mut [u8]) {
            let at = (address - 0x100) as usize;
            out.copy_from_slice(&self.0.borrow()[at..at + out.len()]);
        }
    }

    #[test]
    fn the_bits_are_big_endian_doublewords_taken_once() {
        let memory = Small(RefCell::new([0; 32]));
        let area = IndicatorArea::new(0x100).unwrap();
        // Queue 0's bit as QEMU stores it (`1 << 0` of a big-endian
        // doubleword) and queue 9's; bit 0 of the configuration indicator.
        memory.write(0x100, &((1u64 << 9) | 1).to_be_bytes());
        memory.write(0x108, &1u64.to_be_bytes());
        assert_eq!(area.take_queue_bits(&memory), (1 << 9) | 1);
        assert_eq!(area.take_queue_bits(&memory), 0);
        assert!(area.take_config_change(&memory));
        assert!(!area.take_config_change(&memory));
    }

    #[test]
    fn an_area_is_doubleword_aligned_below_2_gib() {
        assert!(IndicatorArea::new(0x104).is_none());
        assert!(IndicatorArea::new(0x7fff_fff8).is_none());
        assert_eq!(
            IndicatorArea::new(0x7fff_fff0).map(IndicatorArea::config_indicator),
            Some(0x7fff_fff8)
        );
    }
}
