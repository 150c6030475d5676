//! The virtio-ccw transport (virtio 1.x specification, "Virtio Over Channel
//! I/O"): each control operation is one CCW, run to its end by a polled
//! [`Subchannel`], with its data in a [`ControlArea`] of the caller's
//! storage.
//!
//! The commands and their data, as QEMU's `hw/s390x/virtio-ccw.c` checks
//! them (each CCW is sent without SLI and with exactly the length QEMU
//! expects):
//!
//! | command          | code | data                                         |
//! |------------------|------|----------------------------------------------|
//! | SET_VIRTIO_REV   | 0x83 | be16 revision, be16 length (0): 4 bytes      |
//! | READ_FEAT        | 0x12 | le32 feature bits, u8 index: 5 bytes         |
//! | WRITE_FEAT       | 0x11 | le32 feature bits, u8 index: 5 bytes         |
//! | READ_CONF        | 0x22 | configuration space from offset 0            |
//! | WRITE_STATUS     | 0x31 | u8 device status                             |
//! | READ_VQ_CONF     | 0x32 | be16 queue index, be16 maximum size: 4 bytes |
//! | SET_VQ           | 0x13 | be64 desc, be32 0, be16 index, be16 size, be64 avail, be64 used |
//! | VDEV_RESET       | 0x33 | none                                         |
//! | SET_IND          | 0x43 | be64 address of the queue indicators         |
//! | SET_CONF_IND     | 0x53 | be64 address of the configuration indicator  |
//! | READ_STATUS      | 0x72 | u8 device status (revision 2 or later)       |
//!
//! SET_VIRTIO_REV must be the first command: QEMU rejects every other
//! command before it (and a device left without it would use legacy
//! big-endian rings). QEMU takes it once per enablement of the subchannel:
//! it forgets the revision only when the subchannel is disabled (MSCH), so
//! a second driver on the same device disables and re-enables the
//! subchannel first. A command the device refuses ends with unit check
//! (command reject): [`TransportError::Command`].

use super::{features, status};
use crate::css::ChannelSubsystem;
use crate::driver::{Clock, IoError, Subchannel};
use crate::memory::{is_channel_area, ChannelMemory};
use crate::structures::{Ccw1, CcwFlags, Orb, SubchannelId};
use core::fmt;

/// Command codes of the virtio-ccw transport.
pub mod commands {
    /// SET_VQ: a queue's ring addresses and size.
    pub const SET_VQ: u8 = 0x13;
    /// VDEV_RESET: reset the virtio device.
    pub const VDEV_RESET: u8 = 0x33;
    /// READ_FEAT: one 32-bit word of the device's features.
    pub const READ_FEAT: u8 = 0x12;
    /// WRITE_FEAT: one 32-bit word of the driver's features.
    pub const WRITE_FEAT: u8 = 0x11;
    /// READ_CONF: the configuration space from offset 0.
    pub const READ_CONF: u8 = 0x22;
    /// WRITE_STATUS: the device status byte.
    pub const WRITE_STATUS: u8 = 0x31;
    /// READ_VQ_CONF: a queue's maximum size.
    pub const READ_VQ_CONF: u8 = 0x32;
    /// SET_IND: the address of the classic queue indicators.
    pub const SET_IND: u8 = 0x43;
    /// SET_CONF_IND: the address of the configuration-change indicator.
    pub const SET_CONF_IND: u8 = 0x53;
    /// READ_STATUS: the device status byte (revision 2 or later).
    pub const READ_STATUS: u8 = 0x72;
    /// SET_VIRTIO_REV: the transport revision.
    pub const SET_VIRTIO_REV: u8 = 0x83;
}

/// The transport revision this driver asks for: 1 (virtio 1 rings and
/// features, without the READ_STATUS of revision 2).
pub const REVISION: u16 = 1;

/// Bytes of the control data a command may carry (the 32-byte VqInfoBlock
/// and configuration reads up to this size).
pub const CONTROL_DATA_CAPACITY: usize = 64;

/// Channel-addressable storage for the transport's own channel programs:
/// the CCW at `address`, its data (up to [`CONTROL_DATA_CAPACITY`] bytes)
/// right after it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ControlArea {
    address: u32,
}

impl ControlArea {
    /// Bytes of storage the area needs.
    pub const SIZE: usize = 8 + CONTROL_DATA_CAPACITY;

    /// An area at `address`; `None` unless it is doubleword aligned and
    /// ends below 2 GiB.
    pub const fn new(address: u32) -> Option<Self> {
        if is_channel_area(address, Self::SIZE, 8) {
            Some(ControlArea { address })
        } else {
            None
        }
    }

    /// Where the CCW goes.
    pub const fn address(self) -> u32 {
        self.address
    }

    const fn data(self) -> u32 {
        self.address + 8
    }
}

/// Where a queue's three parts are, for SET_VQ (virtio-1 layout).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct QueueAddresses {
    /// The queue's index.
    pub index: u16,
    /// Its size (entries), a power of two.
    pub size: u16,
    /// The descriptor table.
    pub desc: u64,
    /// The available (driver) ring.
    pub avail: u64,
    /// The used (device) ring.
    pub used: u64,
}

/// Why a transport operation failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum TransportError {
    /// The command's channel program failed: a unit check is the device's
    /// command reject (an unknown or refused command, a wrong length, a
    /// status or revision the device does not take).
    Command {
        /// The virtio-ccw command code.
        command: u8,
        /// What the subchannel driver reported.
        error: IoError,
    },
    /// The device does not offer VIRTIO_F_VERSION_1: it is a legacy device
    /// this driver does not drive.
    NoVersion1 {
        /// The feature bits it offers.
        offered: u64,
    },
    /// Data longer than the control area holds.
    TooLong(usize),
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TransportError::Command { command, error } => {
                write!(f, "virtio-ccw command {command:#04x} failed: {error}")
            }
            TransportError::NoVersion1 { offered } => {
                write!(
                    f,
                    "device offers no VIRTIO_F_VERSION_1 (features {offered:#x})"
                )
            }
            TransportError::TooLong(len) => {
                write!(f, "{len} bytes of control data exceed the control area")
            }
        }
    }
}

/// The virtio-ccw transport of one device: its subchannel, driven by
/// polling, and a control area for the commands.
pub struct Transport<'a, C: ChannelSubsystem, M: ChannelMemory, K: Clock> {
    subchannel: Subchannel<'a, C, M>,
    memory: &'a M,
    clock: &'a K,
    area: ControlArea,
    revision: Option<u16>,
}

impl<'a, C: ChannelSubsystem, M: ChannelMemory, K: Clock> Transport<'a, C, M, K> {
    /// The transport over `subchannel` (an enabled, idle subchannel of a
    /// virtio-ccw device, control-unit type 0x3832). Its commands use
    /// `area` in `memory`, and `clock` for the subchannel driver's
    /// deadlines.
    ///
    /// The control area must be reserved for this transport: its commands
    /// write there and the channel reads and writes it.
    pub fn new(
        subchannel: Subchannel<'a, C, M>,
        memory: &'a M,
        clock: &'a K,
        area: ControlArea,
    ) -> Self {
        Transport {
            subchannel,
            memory,
            clock,
            area,
            revision: None,
        }
    }

    /// The device's subchannel.
    pub fn id(&self) -> SubchannelId {
        self.subchannel.id()
    }

    /// The subchannel driver, for status the device presents on its own
    /// (indicator interruptions, see [`super::indicators`]).
    pub fn subchannel(&mut self) -> &mut Subchannel<'a, C, M> {
        &mut self.subchannel
    }

    /// The storage the transport and its queues use.
    pub fn memory(&self) -> &'a M {
        self.memory
    }

    /// The clock of the subchannel driver's deadlines.
    pub fn clock(&self) -> &'a K {
        self.clock
    }

    /// Runs `command` with `len` bytes of data at the area's data address
    /// (already written for a write command).
    fn run(&mut self, command: u8, len: usize) -> Result<(), TransportError> {
        if len > CONTROL_DATA_CAPACITY {
            return Err(TransportError::TooLong(len));
        }
        let ccw = Ccw1::new(command, CcwFlags::empty(), len as u16, self.area.data());
        self.memory.write(self.area.address, ccw.as_bytes());
        let orb = Orb::new(self.area.address);
        // SAFETY: the control area is reserved for this transport (`new`'s
        // contract) and `run_polled` returns only when the channel is done
        // with it.
        let result = unsafe { self.subchannel.run_polled(orb, self.clock) };
        result
            .map(|_| ())
            .map_err(|error| TransportError::Command { command, error })
    }

    /// Runs a command that sends `data` to the device.
    fn send(&mut self, command: u8, data: &[u8]) -> Result<(), TransportError> {
        if data.len() > CONTROL_DATA_CAPACITY {
            return Err(TransportError::TooLong(data.len()));
        }
        self.memory.write(self.area.data(), data);
        self.run(command, data.len())
    }

    /// SET_VIRTIO_REV: the transport revision, the first command after the
    /// subchannel is enabled (the device takes it once).
    pub fn set_revision(&mut self, revision: u16) -> Result<(), TransportError> {
        let [r0, r1] = revision.to_be_bytes();
        self.send(commands::SET_VIRTIO_REV, &[r0, r1, 0, 0])?;
        self.revision = Some(revision);
        Ok(())
    }

    /// The revision this transport set, if it did.
    pub fn revision(&self) -> Option<u16> {
        self.revision
    }

    /// VDEV_RESET: the device forgets features, status and queues; the
    /// buffers of its queues are no longer used when this returns.
    pub fn reset(&mut self) -> Result<(), TransportError> {
        self.run(commands::VDEV_RESET, 0)
    }

    /// WRITE_STATUS: sets the device status byte ([`status`]).
    pub fn write_status(&mut self, value: u8) -> Result<(), TransportError> {
        self.send(commands::WRITE_STATUS, &[value])
    }

    /// READ_STATUS: the device status byte as the device holds it (it may
    /// have set DEVICE_NEEDS_RESET). The specification has it from
    /// revision 2 on: set that with [`Transport::set_revision`] before
    /// [`Transport::negotiate`]; a device may reject it at revision 1
    /// (QEMU 7.2 answers it there too).
    pub fn read_status(&mut self) -> Result<u8, TransportError> {
        self.run(commands::READ_STATUS, 1)?;
        let mut value = [0u8];
        self.memory.read(self.area.data(), &mut value);
        Ok(value[0])
    }

    /// READ_FEAT of both 32-bit words: the 64 feature bits the device
    /// offers.
    pub fn read_features(&mut self) -> Result<u64, TransportError> {
        let mut offered = 0u64;
        for index in 0..2u8 {
            self.send(commands::READ_FEAT, &[0, 0, 0, 0, index])?;
            let mut word = [0u8; 4];
            self.memory.read(self.area.data(), &mut word);
            offered |= u64::from(u32::from_le_bytes(word)) << (32 * u32::from(index));
        }
        Ok(offered)
    }

    /// WRITE_FEAT of both 32-bit words: the features the driver accepts.
    pub fn write_features(&mut self, accepted: u64) -> Result<(), TransportError> {
        for index in 0..2u8 {
            let word = (accepted >> (32 * u32::from(index))) as u32;
            let [b0, b1, b2, b3] = word.to_le_bytes();
            self.send(commands::WRITE_FEAT, &[b0, b1, b2, b3, index])?;
        }
        Ok(())
    }

    /// READ_CONF: the first `out.len()` bytes of the configuration space
    /// (at most [`CONTROL_DATA_CAPACITY`], and no more than the device's
    /// configuration has).
    pub fn read_config(&mut self, out: &mut [u8]) -> Result<(), TransportError> {
        self.run(commands::READ_CONF, out.len())?;
        self.memory.read(self.area.data(), out);
        Ok(())
    }

    /// READ_VQ_CONF: the largest size of queue `index` (0: no such queue).
    pub fn queue_size(&mut self, index: u16) -> Result<u16, TransportError> {
        let [i0, i1] = index.to_be_bytes();
        self.send(commands::READ_VQ_CONF, &[i0, i1, 0, 0])?;
        let mut block = [0u8; 4];
        self.memory.read(self.area.data(), &mut block);
        Ok(u16::from_be_bytes([block[2], block[3]]))
    }

    /// SET_VQ with a virtio-1 VqInfoBlock: the device uses the queue from
    /// DRIVER_OK on.
    pub fn set_queue(&mut self, queue: QueueAddresses) -> Result<(), TransportError> {
        let mut block = [0u8; 32];
        block[0..8].copy_from_slice(&queue.desc.to_be_bytes());
        block[12..14].copy_from_slice(&queue.index.to_be_bytes());
        block[14..16].copy_from_slice(&queue.size.to_be_bytes());
        block[16..24].copy_from_slice(&queue.avail.to_be_bytes());
        block[24..32].copy_from_slice(&queue.used.to_be_bytes());
        self.send(commands::SET_VQ, &block)
    }

    /// SET_IND: the device sets bit `1 << q` of the doubleword at
    /// `address` when it uses buffers of queue `q`, and makes the
    /// subchannel status pending (see [`super::indicators`]). The device
    /// forgets it at reset.
    pub fn set_indicators(&mut self, address: u32) -> Result<(), TransportError> {
        self.send(commands::SET_IND, &u64::from(address).to_be_bytes())
    }

    /// SET_CONF_IND: the device sets bit 0 of the doubleword at `address`
    /// when its configuration changes, and makes the subchannel status
    /// pending.
    pub fn set_config_indicator(&mut self, address: u32) -> Result<(), TransportError> {
        self.send(commands::SET_CONF_IND, &u64::from(address).to_be_bytes())
    }

    /// The first steps of device initialization (specification, "Device
    /// Initialization"): SET_VIRTIO_REV 1 (unless this transport already
    /// set it: after [`Transport::reset`] the device keeps it), reset, ACKNOWLEDGE and DRIVER,
    /// the device's features, VIRTIO_F_VERSION_1 checked, the features of
    /// `supported` the device offers accepted, FEATURES_OK. Returns the
    /// negotiated features; the caller sets up its queues and then calls
    /// [`Transport::driver_ok`].
    ///
    /// On failure after the revision, the device status is set to FAILED
    /// (best effort).
    pub fn negotiate(&mut self, supported: u64) -> Result<u64, TransportError> {
        if self.revision.is_none() {
            self.set_revision(REVISION)?;
        }
        let result = self.negotiate_features(supported);
        if result.is_err() {
            self.fail();
        }
        result
    }

    fn negotiate_features(&mut self, supported: u64) -> Result<u64, TransportError> {
        self.reset()?;
        self.write_status(status::ACKNOWLEDGE)?;
        self.write_status(status::ACKNOWLEDGE | status::DRIVER)?;
        let offered = self.read_features()?;
        if offered & features::VERSION_1 == 0 {
            return Err(TransportError::NoVersion1 { offered });
        }
        let accepted = offered & (supported | features::VERSION_1);
        self.write_features(accepted)?;
        self.write_status(status::ACKNOWLEDGE | status::DRIVER | status::FEATURES_OK)?;
        Ok(accepted)
    }

    /// DRIVER_OK: the driver is ready, the device may use its queues.
    pub fn driver_ok(&mut self) -> Result<(), TransportError> {
        self.write_status(
            status::ACKNOWLEDGE | status::DRIVER | status::FEATURES_OK | status::DRIVER_OK,
        )
    }

    /// Sets FAILED in the device status; the result is ignored, as there
    /// is nothing left to do if even that fails.
    pub fn fail(&mut self) {
        self.write_status(status::FAILED).ok();
    }
}
