//! The async front end of [`VirtioBlk`]: the next completion as a
//! [`Future`], woken by the [`StatusMailbox`] when the I/O interruption
//! handler delivers the device's indicator status (see the `interrupt`
//! module).

use super::{BlkError, Completion, VirtioBlk};
use crate::css::ChannelSubsystem;
use crate::devices::virtio::Notify;
use crate::driver::{Clock, StatusMailbox};
use crate::memory::ChannelMemory;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

/// The next request of a [`VirtioBlk`] to finish. Dropping it leaves the
/// requests in flight as they are (their buffers stay the device's, as the
/// `submit_*` contracts say).
pub struct NextCompletion<
    't,
    'a,
    C: ChannelSubsystem,
    M: ChannelMemory,
    K: Clock,
    N: Notify,
    const Q: usize,
> {
    blk: &'t mut VirtioBlk<'a, C, M, K, N>,
    mailbox: &'t StatusMailbox<Q>,
    deadline: u64,
}

impl<'a, C: ChannelSubsystem, M: ChannelMemory, K: Clock, N: Notify> VirtioBlk<'a, C, M, K, N> {
    /// A future of the next finished request of an interrupt-driven
    /// driver, woken through `mailbox`. Its deadline (the driver's timeout
    /// from now) is checked whenever it is polled, so the executor must
    /// poll it by [`NextCompletion::deadline`]; it fails as
    /// [`VirtioBlk::wait_completion`] does.
    pub fn completion<'t, const Q: usize>(
        &'t mut self,
        mailbox: &'t StatusMailbox<Q>,
    ) -> NextCompletion<'t, 'a, C, M, K, N, Q> {
        let deadline = self
            .transport
            .clock()
            .now_us()
            .saturating_add(self.timeout_us);
        NextCompletion {
            blk: self,
            mailbox,
            deadline,
        }
    }
}

impl<C: ChannelSubsystem, M: ChannelMemory, K: Clock, N: Notify, const Q: usize>
    NextCompletion<'_, '_, C, M, K, N, Q>
{
    /// When the future gives up (microseconds on the transport's clock).
    pub fn deadline(&self) -> u64 {
        self.deadline
    }
}

impl<C: ChannelSubsystem, M: ChannelMemory, K: Clock, N: Notify, const Q: usize> Future
    for NextCompletion<'_, '_, C, M, K, N, Q>
{
    type Output = Result<Completion, BlkError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if let Err(error) = this.blk.check_waitable() {
            return Poll::Ready(Err(error));
        }
        // Register first: status arriving after the look below still wakes.
        this.mailbox.register(this.blk.transport.id(), cx.waker());
        this.blk.take_interruptions(this.mailbox);
        match this.blk.poll_completion() {
            Ok(Some(done)) => Poll::Ready(Ok(done)),
            Err(error) => Poll::Ready(Err(error)),
            Ok(None) if this.blk.transport.clock().now_us() >= this.deadline => {
                Poll::Ready(Err(this.blk.time_out()))
            }
            Ok(None) => Poll::Pending,
        }
    }
}
