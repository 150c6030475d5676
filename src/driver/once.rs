//! One channel program run to its end without any setup: for code that
//! runs before it has a clock or storage for the driver (device discovery,
//! a boot console). It is the driver's polling front end with a clock that
//! counts polls, and no sense area.

use super::{Clock, Completion, Config, IoError, Subchannel};
use crate::css::ChannelSubsystem;
use crate::memory::ChannelMemory;
use crate::structures::{Orb, SubchannelId};
use core::cell::Cell;

/// How many polls (TSCH) a program run by [`run_once`] may take before it
/// is halted; as many again for the halt and for the clear. Emulated
/// devices finish within a few polls.
pub const POLL_LIMIT: u64 = 1_000_000;

/// A clock whose every reading is one tick later: deadlines in polls.
struct PollCounter(Cell<u64>);

impl Clock for PollCounter {
    fn now_us(&self) -> u64 {
        let now = self.0.get() + 1;
        self.0.set(now);
        now
    }
}

/// Storage for a driver without a sense area: it is never accessed.
struct NoStorage;

impl ChannelMemory for NoStorage {
    fn write(&self, _address: u32, _data: &[u8]) {}

    fn read(&self, _address: u32, out: &mut [u8]) {
        out.fill(0);
    }
}

/// Runs `orb`'s channel program on subchannel `id` to its end by polling
/// TSCH, with the driver's retries and escalation, deadlines counted in
/// polls ([`POLL_LIMIT`]). Unsolicited status that turns up is dropped:
/// callers that care run a [`Subchannel`] of their own. A unit check comes
/// back without sense data.
///
/// # Safety
/// As for [`Subchannel::start`]: the channel program and its data areas
/// must stay valid until this returns; then the channel no longer uses
/// them.
pub unsafe fn run_once<C: ChannelSubsystem>(
    css: &C,
    id: SubchannelId,
    orb: Orb,
) -> Result<Completion, IoError> {
    let mut driver = Subchannel::new(css, &NoStorage, id, 0).with_config(Config {
        timeout_us: POLL_LIMIT,
        halt_timeout_us: POLL_LIMIT,
        clear_timeout_us: POLL_LIMIT,
        ..Config::default()
    });
    // SAFETY: forwarded from the caller.
    unsafe { driver.run_polled(orb, &PollCounter(Cell::new(0))) }
}
