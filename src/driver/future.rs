//! The async front end: a request as a [`Future`] completed from the I/O
//! interruption handler through its waker.

use super::interrupt::StatusMailbox;
use super::{Clock, Completion, Event, IoError, Subchannel};
use crate::css::ChannelSubsystem;
use crate::instructions::TestSubchannelResult;
use crate::memory::ChannelMemory;
use crate::structures::{Irb, Orb};
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

/// How often TSCH is tried while a dropped transfer's clear completes.
const CLEAR_POLLS: u32 = 1_000_000;

/// A started request, ready when the driver reports its end. Dropping it
/// before then ends the channel program (HSCH, then CSCH, waiting for the
/// clear), so the program's storage is free again when the drop returns.
pub struct Transfer<'t, 'a, C: ChannelSubsystem, M: ChannelMemory, K: Clock, const N: usize> {
    driver: &'t mut Subchannel<'a, C, M>,
    mailbox: &'t StatusMailbox<N>,
    clock: &'t K,
    finished: bool,
}

impl<'a, C: ChannelSubsystem, M: ChannelMemory> Subchannel<'a, C, M> {
    /// Starts `orb`'s program; the returned future completes with its end.
    /// Status comes from `mailbox` (filled by the I/O interruption
    /// handler), deadlines from `clock` (checked whenever the future is
    /// polled, so the executor must poll it now and then).
    ///
    /// # Safety
    /// As for [`Subchannel::start`], until the future completes or is
    /// dropped; it must not be leaked (`mem::forget`) while the program
    /// runs.
    pub unsafe fn transfer<'t, K: Clock, const N: usize>(
        &'t mut self,
        orb: Orb,
        clock: &'t K,
        mailbox: &'t StatusMailbox<N>,
    ) -> Result<Transfer<'t, 'a, C, M, K, N>, IoError> {
        // SAFETY: forwarded from the caller.
        unsafe { self.start(orb, clock.now_us()) }?;
        Ok(Transfer {
            driver: self,
            mailbox,
            clock,
            finished: false,
        })
    }
}

impl<C: ChannelSubsystem, M: ChannelMemory, K: Clock, const N: usize> Future
    for Transfer<'_, '_, C, M, K, N>
{
    type Output = Result<Completion, IoError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        // Register first: status arriving after the check below still wakes.
        this.mailbox.register(this.driver.id(), cx.waker());
        let mut event = this.driver.take_from(this.mailbox);
        if event == Event::Pending {
            let now = this.clock.now_us();
            if this
                .driver
                .deadline()
                .is_some_and(|deadline| now >= deadline)
            {
                event = this.driver.on_deadline(now);
            }
        }
        match event {
            Event::Done(result) => {
                this.finished = true;
                Poll::Ready(result)
            }
            _ => Poll::Pending,
        }
    }
}

impl<C: ChannelSubsystem, M: ChannelMemory, K: Clock, const N: usize> Drop
    for Transfer<'_, '_, C, M, K, N>
{
    fn drop(&mut self) {
        if self.finished || self.driver.is_idle() {
            return;
        }
        // The channel may still use the program: clear the subchannel and
        // wait for the clear's status before the storage is given back.
        let id = self.driver.id();
        self.driver.abandon();
        let mut irb = Irb::default();
        for _ in 0..CLEAR_POLLS {
            match self.driver.css().test_subchannel(id, &mut irb) {
                TestSubchannelResult::StatusWasPending if irb.scsw.function_control().clear() => {
                    break
                }
                TestSubchannelResult::NotOperational => break,
                _ => {}
            }
        }
        while self.mailbox.take(id).is_some() {}
    }
}
