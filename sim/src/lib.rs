//! A simulated IBM Z channel subsystem for host tests of `s390-cio`.
//!
//! [`Simulator`] implements [`s390_cio::css::ChannelSubsystem`] the way the
//! z/Architecture Principles of Operation (chapters 13-16, "I/O Overview",
//! "I/O Instructions", "Basic I/O Functions", "I/O Interruptions")
//! describes it, deterministic and single-threaded:
//!
//! - [`Memory`]: main storage, a bounds-checked big-endian byte arena.
//!   Channel programs, IDAW/MIDAW lists and data live there; a channel
//!   program that strays outside it gets a program check, never a panic.
//! - Subchannels with their SCHIB (PMCW and SCSW), and the condition code of
//!   every instruction in every state, as the PoP's instruction descriptions
//!   give them.
//! - Explicit time: instructions change state, [`Simulator::step`] and
//!   [`Simulator::run_until_idle`] let the channel work, so tests can act
//!   in intermediate states (halt while active, resume while suspended).
//! - Channel programs: format-0 and format-1 CCWs, command and data
//!   chaining, TIC, skip, SLI and incorrect length, PCI, suspend and
//!   resume, format-1/format-2 IDAWs and MIDAWs, program checks with the
//!   CCW address and residual count the PoP specifies.
//! - [`Device`]s driven per command through a [`DataStream`]; the models
//!   are [`Console`], [`ScriptedDevice`], a 3390 ([`eckd`]), a virtio-blk
//!   device ([`virtio_blk`]), a 1403 printer and a 3505 card reader
//!   ([`unit_record`]).
//! - I/O interruptions queued per ISC, taken by TPI under an ISC mask
//!   (CR6) or delivered to a hook standing for the I/O new PSW.
//! - An [`EventLog`] that prints as a trace, and a seeded [`FaultPlan`].
#![warn(missing_docs)]
#![deny(unsafe_code)]

mod ccw;
pub mod device;
pub mod eckd;
pub mod event;
pub mod fault;
pub mod memory;
pub mod model_check;
mod simulator;
pub mod soak;
pub mod stream;
pub mod unit_record;
pub mod virtio_blk;

pub use device::{Console, Device, Response, ScriptedDevice, DONE};
pub use event::{Entry, Event, EventLog, Taken};
pub use fault::{Fault, FaultPlan, Trigger};
pub use memory::{Memory, OutOfRange};
pub use simulator::{Options, Simulator, STEP_LIMIT};
pub use stream::DataStream;
