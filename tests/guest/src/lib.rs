//! Helpers shared by the guest test programs in `src/bin/`.
#![no_std]
#![deny(clippy::undocumented_unsafe_blocks)]

pub mod instructions;
pub mod virtio;

use s390_cio::css::{ChannelSubsystem, Cpu};
use s390_cio::discovery;
use s390_cio::driver::{Clock, TodClock};
use s390_cio::instructions::TestSubchannelResult;
use s390_cio::structures::{commands, Ccw1, CcwFlags, Irb, Isc, Orb, SubchannelId};
use s390_cio_boot::testing::TestFailure;

/// The I/O interruption subclass guest tests enable subchannels with.
pub const ISC: u8 = 3;

/// The subchannel of device `devno` in set 0, enabled with [`ISC`].
pub fn subchannel_of(devno: u16) -> Result<SubchannelId, TestFailure> {
    let (id, _) = discovery::find_device(&Cpu, 0, devno)
        .ok_or_else(|| TestFailure::new(format_args!("device {devno:04x} not found")))?;
    let isc = Isc::new(ISC).ok_or_else(|| TestFailure::new(format_args!("bad ISC")))?;
    discovery::enable(&Cpu, id, isc)
        .map_err(|e| TestFailure::new(format_args!("enabling {devno:04x}: {e}")))?;
    Ok(id)
}

/// A one-CCW channel program: a control no-operation.
#[repr(C, align(8))]
pub struct NopProgram {
    ccw: Ccw1,
}

/// A NOP channel program, to keep on the caller's stack while it runs.
pub fn nop_program() -> NopProgram {
    NopProgram {
        ccw: Ccw1::new(commands::NOOP, CcwFlags::SLI, 0, 0),
    }
}

impl NopProgram {
    /// A format-1 ORB for this program with interruption parameter `parm`.
    pub fn orb(&self, parm: u32) -> Orb {
        Orb::new(&self.ccw as *const Ccw1 as u32).with_interruption_parameter(parm)
    }
}

/// How long [`wait_for_status`] polls: emulators finish in microseconds
/// to milliseconds, but a loaded host may hold Hercules' device thread
/// back, so the bound is time, not a number of polls.
const STATUS_TIMEOUT_US: u64 = 5_000_000;

/// Polls TSCH until status is pending (for up to [`STATUS_TIMEOUT_US`] of
/// TOD time); returns the IRB.
pub fn wait_for_status(id: SubchannelId) -> Result<Irb, TestFailure> {
    let mut irb = Irb::default();
    let deadline = TodClock.now_us() + STATUS_TIMEOUT_US;
    while TodClock.now_us() < deadline {
        match Cpu.test_subchannel(id, &mut irb) {
            TestSubchannelResult::StatusWasPending => return Ok(irb),
            TestSubchannelResult::NoStatusPending => {}
            TestSubchannelResult::NotOperational => {
                return Err(TestFailure::new(format_args!(
                    "subchannel {id} not operational"
                )))
            }
        }
    }
    Err(TestFailure::new(format_args!("no status from {id}")))
}

/// A channel program of one CCW and its `N`-byte data area, kept together
/// on the caller's stack.
#[repr(C, align(8))]
pub struct OneCcw<const N: usize> {
    ccw: Ccw1,
    /// The data area the CCW addresses.
    pub data: [u8; N],
}

impl<const N: usize> OneCcw<N> {
    /// `command` with `flags` and `count`, its data area filled with `fill`.
    pub fn new(command: u8, flags: CcwFlags, count: u16, fill: u8) -> Self {
        OneCcw {
            ccw: Ccw1::new(command, flags, count, 0),
            data: [fill; N],
        }
    }

    /// The ORB, with the CCW pointed at `data` where the program now is (it
    /// must not move until the I/O ends).
    pub fn orb(&mut self) -> Orb {
        self.ccw = Ccw1::new(
            self.ccw.command(),
            self.ccw.flags(),
            self.ccw.count(),
            self.data.as_ptr() as u32,
        );
        Orb::new(&self.ccw as *const Ccw1 as u32)
    }
}
