//! Running one channel program to its end by polling TSCH.
//!
//! This is the smallest way to do I/O: no interruption handler, no driver
//! state. Device discovery and the boot console use it; it knows nothing of
//! unsolicited status beyond ignoring what is not the final status of its own
//! start.

use crate::css::ChannelSubsystem;
use crate::instructions::{StartResult, TestSubchannelResult};
use crate::structures::{DeviceStatus, Irb, Orb, SubchannelId, SubchannelStatus};
use core::fmt;

/// How often TSCH is tried before a channel program counts as hung. Each
/// poll is one instruction; emulated devices finish within a few polls.
pub const POLL_LIMIT: u32 = 1_000_000;
/// How often SSCH is retried after status pending or busy.
pub const RETRY_LIMIT: u32 = 16;

/// Why a polled channel program failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum PolledError {
    /// The subchannel is not operational (cc 3).
    NotOperational(SubchannelId),
    /// SSCH kept answering busy or status pending.
    StartFailed(StartResult),
    /// No final status arrived within [`POLL_LIMIT`] polls; the program was
    /// cleared.
    TimedOut(SubchannelId),
    /// The device ended with unit check (or unit exception).
    DeviceError(DeviceStatus),
    /// The channel subsystem reported an error (program check, protection
    /// check, channel-control check, ...).
    ChannelError(SubchannelStatus),
}

impl fmt::Display for PolledError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PolledError::NotOperational(id) => write!(f, "subchannel {id} not operational"),
            PolledError::StartFailed(cc) => write!(f, "SSCH failed: {cc:?}"),
            PolledError::TimedOut(id) => write!(f, "no final status from subchannel {id}"),
            PolledError::DeviceError(status) => write!(f, "device error {status:?}"),
            PolledError::ChannelError(status) => write!(f, "channel error {status:?}"),
        }
    }
}

/// Starts `orb` on `id` and polls TSCH until the start's primary status;
/// returns that IRB.
///
/// Status pending at SSCH time is collected and dropped, and SSCH retried
/// (up to [`RETRY_LIMIT`] times, as for busy). Status that is not primary
/// (intermediate or unsolicited) is skipped. If no final status arrives, the
/// program is cleared with CSCH before returning.
///
/// # Safety
/// As for [`ChannelSubsystem::start_subchannel`]: the channel program and its
/// data areas must stay valid until this returns; when it returns, the
/// channel no longer uses them.
pub unsafe fn run<C: ChannelSubsystem>(
    css: &C,
    id: SubchannelId,
    orb: &Orb,
) -> Result<Irb, PolledError> {
    let mut irb = Irb::default();
    let mut last = StartResult::Busy;
    for _ in 0..RETRY_LIMIT {
        // SAFETY: forwarded from the caller.
        last = unsafe { css.start_subchannel(id, orb) };
        match last {
            StartResult::Started => break,
            StartResult::StatusPending => {
                css.test_subchannel(id, &mut irb);
            }
            StartResult::Busy => {}
            StartResult::NotOperational => return Err(PolledError::NotOperational(id)),
        }
    }
    if last != StartResult::Started {
        return Err(PolledError::StartFailed(last));
    }
    for _ in 0..POLL_LIMIT {
        match css.test_subchannel(id, &mut irb) {
            TestSubchannelResult::StatusWasPending if irb.scsw.is_primary() => {
                return check_final_status(irb);
            }
            TestSubchannelResult::StatusWasPending | TestSubchannelResult::NoStatusPending => {}
            TestSubchannelResult::NotOperational => return Err(PolledError::NotOperational(id)),
        }
    }
    // The program must not outlive this call: clear it and collect the
    // clear's status.
    css.clear_subchannel(id);
    for _ in 0..POLL_LIMIT {
        if css.test_subchannel(id, &mut irb) != TestSubchannelResult::NoStatusPending {
            break;
        }
    }
    Err(PolledError::TimedOut(id))
}

fn check_final_status(irb: Irb) -> Result<Irb, PolledError> {
    let subchannel_status = irb.scsw.subchannel_status();
    if !subchannel_status.is_empty() {
        return Err(PolledError::ChannelError(subchannel_status));
    }
    let device_status = irb.scsw.device_status();
    if device_status.unit_check() || device_status.unit_exception() {
        return Err(PolledError::DeviceError(device_status));
    }
    Ok(irb)
}
