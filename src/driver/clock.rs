//! Time for deadlines.

/// A monotonic clock in microseconds.
pub trait Clock {
    /// Microseconds since some fixed point.
    fn now_us(&self) -> u64;
}

/// The TOD clock (STCK; bit 51 is one microsecond).
#[cfg(target_arch = "s390x")]
#[derive(Clone, Copy, Debug, Default)]
pub struct TodClock;

#[cfg(target_arch = "s390x")]
impl Clock for TodClock {
    fn now_us(&self) -> u64 {
        crate::instructions::asm::stck() >> 12
    }
}
