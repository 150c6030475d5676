//! A tiny allocation-free executor for one future at a time, for bare-metal
//! examples: poll, and when the future is pending and nothing woke it, call
//! the caller's `wait` (an enabled wait on a machine).
//!
//! ```ignore
//! let result = executor::block_on(transfer, || wait_for_interrupt_until(deadline));
//! ```

use core::future::Future;
use core::pin::pin;
use core::sync::atomic::{AtomicBool, Ordering};
use core::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};

/// Set by the waker, cleared by the executor. One executor runs at a time
/// (single CPU), and wakers may outlive `block_on` (a mailbox keeps them),
/// so the flag is static rather than on the executor's stack.
static WOKEN: AtomicBool = AtomicBool::new(false);

const VTABLE: RawWakerVTable = RawWakerVTable::new(clone, wake, wake, drop_waker);

fn clone(_: *const ()) -> RawWaker {
    RawWaker::new(core::ptr::null(), &VTABLE)
}

fn wake(_: *const ()) {
    WOKEN.store(true, Ordering::SeqCst);
}

fn drop_waker(_: *const ()) {}

/// The executor's waker.
///
/// Not inlined, like [`take_woken`]: `block_on` is generic and so compiled
/// into the caller's crate, and a direct reference from there to this
/// crate's statics goes through a GOT entry, which GNU ld for s390x cannot
/// resolve in our static, GOT-less guest images.
#[inline(never)]
fn waker() -> Waker {
    // SAFETY: the vtable's functions ignore the data pointer and only touch
    // the static flag, so any copy of this waker is valid forever.
    unsafe { Waker::from_raw(RawWaker::new(core::ptr::null(), &VTABLE)) }
}

/// Whether the waker was called since the last call.
#[inline(never)]
fn take_woken() -> bool {
    WOKEN.swap(false, Ordering::SeqCst)
}

/// Runs `future` to completion on this CPU.
pub fn block_on<F: Future>(future: F, mut wait: impl FnMut()) -> F::Output {
    let waker = waker();
    let mut context = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        take_woken();
        if let Poll::Ready(output) = future.as_mut().poll(&mut context) {
            return output;
        }
        if !take_woken() {
            wait();
        }
    }
}
