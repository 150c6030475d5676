//! The interrupt-driven front end of [`VirtioBlk`]: the device signals used
//! buffers through its queue indicator and an I/O interruption (see
//! [`indicators`](super::super::indicators)); the runtime's I/O
//! interruption handler collects the subchannel's status into a
//! [`StatusMailbox`] as for any channel program, and the waiting driver
//! sleeps in an enabled wait in between.
//!
//! Indicator status belongs to no request: the subchannel driver keeps it
//! in its unsolicited queue, from which [`VirtioBlk::take_interruptions`]
//! takes it (other unsolicited status stays there, for
//! [`VirtioBlk::take_unsolicited`]). Completions are always read from the
//! used ring after the indicator is taken, so a completion is never lost
//! to a coalesced or spurious interruption (QEMU raises no new
//! interruption while the subchannel is status pending, and its TSCH
//! leaves a stale interruption behind).

use super::{BlkError, Completion, VirtioBlk};
use crate::css::ChannelSubsystem;
use crate::devices::virtio::indicators::is_indicator_status;
use crate::devices::virtio::Notify;
use crate::driver::{Clock, Event, StatusMailbox};
use crate::memory::ChannelMemory;
use crate::structures::Irb;

impl<C: ChannelSubsystem, M: ChannelMemory, K: Clock, N: Notify> VirtioBlk<'_, C, M, K, N> {
    /// Takes this device's status that the I/O interruption handler left
    /// in `mailbox` (through the subchannel driver), takes the indicator
    /// interruptions among it and then the indicators themselves, noting a
    /// configuration change ([`VirtioBlk::take_config_change`]). Returns
    /// how many indicator interruptions were taken.
    pub fn take_interruptions<const Q: usize>(&mut self, mailbox: &StatusMailbox<Q>) -> u32 {
        let subchannel = self.transport.subchannel();
        // No channel program runs between the transport's commands, so
        // every status fed here is unsolicited and queued as such.
        while subchannel.take_from(mailbox) != Event::Pending {}
        let mut taken = 0;
        while subchannel
            .take_unsolicited_if(is_indicator_status)
            .is_some()
        {
            taken += 1;
        }
        if let Some(area) = self.indicators {
            let memory = self.transport.memory();
            // One queue: its bit only says "look at the used ring", which
            // the caller does next in any case.
            area.take_queue_bits(memory);
            if area.take_config_change(memory) {
                self.config_changed = true;
            }
        }
        self.indicator_interruptions = self.indicator_interruptions.wrapping_add(taken);
        taken
    }

    /// Waits for the next finished request of an interrupt-driven driver:
    /// takes the interruptions in `mailbox`, looks at the used ring, and
    /// between the two calls `wait`, which must return after the next I/O
    /// interruption or at the deadline it is given (microseconds on the
    /// transport's clock): on a machine, an enabled wait with the clock
    /// comparator set.
    ///
    /// Fails with [`BlkError::Idle`] when nothing is in flight,
    /// [`BlkError::NoInterrupts`] on a polled driver, and
    /// [`BlkError::TimedOut`] (device reset, driver broken) when nothing
    /// finishes within the timeout.
    pub fn wait_completion<const Q: usize>(
        &mut self,
        mailbox: &StatusMailbox<Q>,
        mut wait: impl FnMut(u64),
    ) -> Result<Completion, BlkError> {
        self.check_waitable()?;
        let clock = self.transport.clock();
        let deadline = clock.now_us().saturating_add(self.timeout_us);
        loop {
            self.take_interruptions(mailbox);
            if let Some(done) = self.poll_completion()? {
                return Ok(done);
            }
            if clock.now_us() >= deadline {
                return Err(self.time_out());
            }
            wait(deadline);
        }
    }

    /// Why a wait for a completion cannot succeed, if it cannot.
    pub(super) fn check_waitable(&self) -> Result<(), BlkError> {
        if self.broken {
            Err(BlkError::Broken)
        } else if self.indicators.is_none() {
            Err(BlkError::NoInterrupts)
        } else if self.in_flight() == 0 {
            Err(BlkError::Idle)
        } else {
            Ok(())
        }
    }

    /// Indicator interruptions taken so far.
    pub fn indicator_interruptions(&self) -> u32 {
        self.indicator_interruptions
    }

    /// Whether the device signalled a configuration change (its
    /// configuration indicator) since the last call.
    pub fn take_config_change(&mut self) -> bool {
        core::mem::take(&mut self.config_changed)
    }

    /// The oldest unsolicited status of the device's subchannel that is not
    /// an indicator interruption (attention, device end, ...).
    pub fn take_unsolicited(&mut self) -> Option<Irb> {
        self.transport
            .subchannel()
            .take_unsolicited_if(|irb| !is_indicator_status(irb))
    }
}
