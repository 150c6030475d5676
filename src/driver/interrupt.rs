//! The interrupt-driven front end: the I/O interruption handler collects
//! status with TSCH into a [`StatusMailbox`]; the waiting driver takes it
//! from there and sleeps in an enabled wait in between.
//!
//! ```ignore
//! static MAILBOX: StatusMailbox<16> = StatusMailbox::new();
//!
//! // The runtime's I/O interruption handler (boot: `set_io_handler`):
//! fn on_io(code: InterruptionCode) {
//!     MAILBOX.on_interruption(&Cpu, code);
//! }
//! ```

use super::{Clock, Completion, Event, IoError, Subchannel};
use crate::css::ChannelSubsystem;
use crate::instructions::{InterruptionCode, TestSubchannelResult};
use crate::memory::ChannelMemory;
use crate::structures::{Irb, Orb, SubchannelId};
use core::sync::atomic::{AtomicU32, Ordering};
use core::task::Waker;
use heapless::Deque;
use spin::Mutex;

/// IRBs the I/O interruption handler collected, in arrival order, until the
/// owning driver takes them; and the wakers of drivers waiting for them.
///
/// The handler and the mainline share it through a spin lock; the mainline
/// takes the lock only with interruptions disabled (see
/// [`StatusMailbox::take`]), so the handler never spins on it.
pub struct StatusMailbox<const N: usize> {
    inner: Mutex<Inner<N>>,
    dropped: AtomicU32,
}

struct Inner<const N: usize> {
    statuses: Deque<(SubchannelId, Irb), N>,
    wakers: Deque<(SubchannelId, Waker), N>,
}

impl<const N: usize> Default for StatusMailbox<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> StatusMailbox<N> {
    /// An empty mailbox.
    pub const fn new() -> Self {
        StatusMailbox {
            inner: Mutex::new(Inner {
                statuses: Deque::new(),
                wakers: Deque::new(),
            }),
            dropped: AtomicU32::new(0),
        }
    }

    /// For the I/O interruption handler: TSCH the interrupting subchannel
    /// and keep its IRB (a TSCH with nothing pending, as after QEMU's stale
    /// interruptions, keeps nothing). Wakes a future waiting for it.
    pub fn on_interruption<C: ChannelSubsystem>(&self, css: &C, code: InterruptionCode) {
        let Ok(id) = SubchannelId::from_raw(code.subchannel_id) else {
            return;
        };
        let mut irb = Irb::default();
        if css.test_subchannel(id, &mut irb) != TestSubchannelResult::StatusWasPending {
            return;
        }
        self.deliver(id, irb);
    }

    /// Keeps `irb` for subchannel `id` (for handlers that ran TSCH
    /// themselves). When full, the oldest IRB is dropped and counted.
    pub fn deliver(&self, id: SubchannelId, irb: Irb) {
        let waker = with_lock(&self.inner, |inner| {
            if inner.statuses.is_full() {
                inner.statuses.pop_front();
                self.dropped.fetch_add(1, Ordering::Relaxed);
            }
            inner.statuses.push_back((id, irb)).ok();
            take_waker(&mut inner.wakers, id)
        });
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// Takes the oldest IRB for `id`. Takes the lock with I/O and external
    /// interruptions disabled on s390x, so the handler cannot interrupt the
    /// holder.
    pub fn take(&self, id: SubchannelId) -> Option<Irb> {
        with_lock(&self.inner, |inner| {
            let position = inner.statuses.iter().position(|(owner, _)| *owner == id)?;
            remove_at(&mut inner.statuses, position).map(|(_, irb)| irb)
        })
    }

    /// Registers `waker` to be woken when status for `id` arrives.
    pub fn register(&self, id: SubchannelId, waker: &Waker) {
        with_lock(&self.inner, |inner| {
            take_waker(&mut inner.wakers, id);
            if inner.wakers.is_full() {
                inner.wakers.pop_front();
            }
            inner.wakers.push_back((id, waker.clone())).ok();
        });
    }

    /// IRBs dropped because the mailbox was full.
    pub fn dropped(&self) -> u32 {
        self.dropped.load(Ordering::Relaxed)
    }
}

/// Runs `f` on the locked data, with interruptions disabled on s390x.
fn with_lock<T, R>(lock: &Mutex<T>, f: impl FnOnce(&mut T) -> R) -> R {
    #[cfg(target_arch = "s390x")]
    {
        crate::instructions::asm::without_interruptions(|| f(&mut lock.lock()))
    }
    #[cfg(not(target_arch = "s390x"))]
    {
        f(&mut lock.lock())
    }
}

fn take_waker<const N: usize>(
    wakers: &mut Deque<(SubchannelId, Waker), N>,
    id: SubchannelId,
) -> Option<Waker> {
    let position = wakers.iter().position(|(owner, _)| *owner == id)?;
    remove_at(wakers, position).map(|(_, waker)| waker)
}

/// Removes element `index` of `deque`, keeping the order of the rest.
pub(super) fn remove_at<T, const N: usize>(deque: &mut Deque<T, N>, index: usize) -> Option<T> {
    let mut kept = Deque::<T, N>::new();
    let mut removed = None;
    let mut i = 0;
    while let Some(item) = deque.pop_front() {
        if i == index {
            removed = Some(item);
        } else {
            kept.push_back(item).ok();
        }
        i += 1;
    }
    *deque = kept;
    removed
}

impl<C: ChannelSubsystem, M: ChannelMemory> Subchannel<'_, C, M> {
    /// Feeds every IRB waiting in `mailbox` for this subchannel to the state
    /// machine; returns the first event that is not [`Event::Pending`].
    pub fn take_from<const N: usize>(&mut self, mailbox: &StatusMailbox<N>) -> Event {
        while let Some(irb) = mailbox.take(self.id) {
            let event = self.on_status(&irb);
            if event != Event::Pending {
                return event;
            }
        }
        Event::Pending
    }

    /// Runs `orb`'s program to its end on status from `mailbox`, filled by
    /// the I/O interruption handler. Between checks it calls `wait`, which
    /// must return after the next interruption or at the deadline it is
    /// given (microseconds on `clock`): on a machine, an enabled wait with
    /// the clock comparator set.
    ///
    /// # Safety
    /// As for [`Subchannel::start`]; when this returns, the channel no
    /// longer uses the program.
    pub unsafe fn run_interrupt_driven<K: Clock, const N: usize>(
        &mut self,
        orb: Orb,
        clock: &K,
        mailbox: &StatusMailbox<N>,
        mut wait: impl FnMut(u64),
    ) -> Result<Completion, IoError> {
        // SAFETY: forwarded from the caller.
        unsafe { self.start(orb, clock.now_us()) }?;
        loop {
            if let Event::Done(result) = self.take_from(mailbox) {
                return result;
            }
            let now = clock.now_us();
            match self.deadline() {
                Some(deadline) if now >= deadline => {
                    if let Event::Done(result) = self.on_deadline(now) {
                        return result;
                    }
                }
                Some(deadline) => wait(deadline),
                None => return Err(IoError::NotOperational),
            }
        }
    }
}
