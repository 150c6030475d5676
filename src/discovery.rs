//! Finding devices: enumerate subchannels (STSCH), enable them (MSCH) and
//! ask each device what it is (SENSE ID).
//!
//! This runs before the caller has set up a driver, so its one channel
//! program (SENSE ID) runs with [`crate::driver::run_once`], deadlines
//! counted in polls.
//! Everything else in the crate finds its devices by device number through
//! these functions, never by subchannel position.
//!
//! ```ignore
//! use s390_cio::{css::Cpu, discovery, structures::Isc};
//! let devices = discovery::discover::<_, 32>(&Cpu, 0, Isc::new(3).unwrap());
//! for device in &devices {
//!     // device.device_number, device.identity ...
//! }
//! ```

use crate::css::ChannelSubsystem;
use crate::driver::{self, IoError};
use crate::instructions::{ModifyResult, StoreResult};
use crate::structures::{
    commands, Ccw1, CcwFlags, DecodeError, Irb, Isc, Orb, Schib, SenseId, SubchannelId,
    SubchannelType,
};
use core::fmt;

/// How often MSCH is retried after status pending or busy.
pub const RETRY_LIMIT: u32 = 16;

/// Why discovering, enabling or identifying a device failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum DiscoveryError {
    /// The subchannel is not operational (cc 3).
    NotOperational(SubchannelId),
    /// MSCH kept answering status pending or busy.
    ModifyFailed(ModifyResult),
    /// MSCH succeeded but STSCH shows the subchannel still disabled.
    NotEnabled(SubchannelId),
    /// SENSE ID failed (a device that rejects it ends with unit check).
    Io(IoError),
    /// A buffer is above 2 GiB, out of reach of format-1 CCWs.
    AddressNotReachable(u64),
    /// The SENSE ID data did not decode.
    BadSenseId(DecodeError),
}

impl fmt::Display for DiscoveryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DiscoveryError::NotOperational(id) => write!(f, "subchannel {id} not operational"),
            DiscoveryError::ModifyFailed(cc) => write!(f, "MSCH failed: {cc:?}"),
            DiscoveryError::NotEnabled(id) => write!(f, "subchannel {id} did not enable"),
            DiscoveryError::Io(error) => write!(f, "SENSE ID: {error}"),
            DiscoveryError::AddressNotReachable(address) => {
                write!(f, "buffer at {address:#x} is above 2 GiB")
            }
            DiscoveryError::BadSenseId(error) => write!(f, "bad SENSE ID data: {error}"),
        }
    }
}

/// What SENSE ID said a device is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Identity {
    /// Control-unit type, e.g. 0x3990 or 0x3832 (virtio).
    pub control_unit_type: u16,
    /// Control-unit model.
    pub control_unit_model: u8,
    /// Device type, e.g. 0x3390; `None` if the device sent too few bytes.
    pub device_type: Option<u16>,
    /// Device model; `None` if the device sent too few bytes.
    pub device_model: Option<u8>,
}

/// One device found on a subchannel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Device {
    /// The subchannel the device is reached through.
    pub subchannel: SubchannelId,
    /// The device number from the subchannel's PMCW.
    pub device_number: u16,
    /// What SENSE ID said, or why it could not be asked.
    pub identity: Result<Identity, DiscoveryError>,
}

/// Every I/O subchannel with a valid device number in subchannel set `set`,
/// with its SCHIB, in subchannel-number order.
pub fn enumerate<C: ChannelSubsystem>(
    css: &C,
    set: u8,
) -> impl Iterator<Item = (SubchannelId, Schib)> + '_ {
    (0..=u16::MAX).filter_map(move |number| {
        let id = SubchannelId::new(set, number).ok()?;
        let mut schib = Schib::default();
        match css.store_subchannel(id, &mut schib) {
            StoreResult::Stored => {}
            StoreResult::NotOperational => return None,
        }
        let is_device = schib.pmcw.subchannel_type() == SubchannelType::Io
            && schib.pmcw.is_device_number_valid();
        is_device.then_some((id, schib))
    })
}

/// The subchannel of device number `device_number` in set `set`.
pub fn find_device<C: ChannelSubsystem>(
    css: &C,
    set: u8,
    device_number: u16,
) -> Option<(SubchannelId, Schib)> {
    enumerate(css, set).find(|(_, schib)| schib.pmcw.device_number() == device_number)
}

/// Enables subchannel `id` for I/O with interruption subclass `isc`, then
/// checks with STSCH that it took. A status-pending subchannel has its status
/// collected (and dropped: nothing was started on it yet) and MSCH is
/// retried; so is busy, up to [`RETRY_LIMIT`] times.
pub fn enable<C: ChannelSubsystem>(
    css: &C,
    id: SubchannelId,
    isc: Isc,
) -> Result<Schib, DiscoveryError> {
    let mut last = ModifyResult::Busy;
    for _ in 0..RETRY_LIMIT {
        let mut schib = store(css, id)?;
        if schib.pmcw.is_enabled() && schib.pmcw.isc() == isc {
            return Ok(schib);
        }
        schib.pmcw.set_enabled(true);
        schib.pmcw.set_isc(isc);
        last = css.modify_subchannel(id, &schib);
        match last {
            ModifyResult::Modified => {
                let stored = store(css, id)?;
                return if stored.pmcw.is_enabled() {
                    Ok(stored)
                } else {
                    Err(DiscoveryError::NotEnabled(id))
                };
            }
            ModifyResult::StatusPending => {
                let mut irb = Irb::default();
                css.test_subchannel(id, &mut irb);
            }
            ModifyResult::Busy => {}
            ModifyResult::NotOperational => return Err(DiscoveryError::NotOperational(id)),
        }
    }
    Err(DiscoveryError::ModifyFailed(last))
}

fn store<C: ChannelSubsystem>(css: &C, id: SubchannelId) -> Result<Schib, DiscoveryError> {
    let mut schib = Schib::default();
    match css.store_subchannel(id, &mut schib) {
        StoreResult::Stored => Ok(schib),
        StoreResult::NotOperational => Err(DiscoveryError::NotOperational(id)),
    }
}

/// The channel program and data area of one SENSE ID, kept together so one
/// address check covers both.
#[repr(C, align(8))]
struct SenseIdProgram {
    ccw: Ccw1,
    data: [u8; SenseId::BUFFER_LEN],
}

/// Asks the device on enabled subchannel `id` what it is (SENSE ID, command
/// 0xE4, with SLI so shorter replies are fine).
pub fn sense_id<C: ChannelSubsystem>(
    css: &C,
    id: SubchannelId,
) -> Result<Identity, DiscoveryError> {
    let mut program = SenseIdProgram {
        ccw: Ccw1::new(commands::SENSE_ID, CcwFlags::empty(), 0, 0),
        data: [0xff; SenseId::BUFFER_LEN],
    };
    program.data[0] = 0;
    let data_address = address31(program.data.as_ptr() as u64)?;
    program.ccw = Ccw1::new(
        commands::SENSE_ID,
        CcwFlags::SLI,
        SenseId::BUFFER_LEN as u16,
        data_address,
    );
    let orb = Orb::new(address31(&program.ccw as *const Ccw1 as u64)?);
    // SAFETY: the CCW and its data area live in `program` on our stack until
    // `run_once` returns, when the channel no longer uses them.
    let irb = unsafe { driver::run_once(css, id, orb) }
        .map_err(DiscoveryError::Io)?
        .irb;
    let received =
        SenseId::BUFFER_LEN - usize::from(irb.scsw.residual_count()).min(SenseId::BUFFER_LEN);
    let sense =
        SenseId::from_bytes(&program.data[..received]).map_err(DiscoveryError::BadSenseId)?;
    Ok(Identity {
        control_unit_type: sense.control_unit_type(),
        control_unit_model: sense.control_unit_model(),
        device_type: sense.device_type(),
        device_model: sense.device_model(),
    })
}

/// Converts an address for a format-1 CCW or ORB (31 bits).
pub(crate) fn address31(address: u64) -> Result<u32, DiscoveryError> {
    u32::try_from(address)
        .ok()
        .filter(|a| a & 0x8000_0000 == 0)
        .ok_or(DiscoveryError::AddressNotReachable(address))
}

/// Finds every device in subchannel set `set`, enables it with `isc` and
/// identifies it, up to `N` devices (the rest are left out).
pub fn discover<C: ChannelSubsystem, const N: usize>(
    css: &C,
    set: u8,
    isc: Isc,
) -> heapless::Vec<Device, N> {
    let mut devices = heapless::Vec::new();
    for (id, schib) in enumerate(css, set) {
        let identity = enable(css, id, isc).and_then(|_| sense_id(css, id));
        let device = Device {
            subchannel: id,
            device_number: schib.pmcw.device_number(),
            identity,
        };
        if devices.push(device).is_err() {
            break;
        }
    }
    devices
}
