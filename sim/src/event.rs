//! The event log: every instruction, status change and interruption, in
//! order, printable as a trace.

use core::fmt;

use s390_cio::structures::{Crw, DeviceStatus, Scsw, SubchannelId};

use crate::fault::Fault;

/// How an interruption left the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Taken {
    /// TEST PENDING INTERRUPTION cleared it.
    Tpi,
    /// It was delivered through the I/O new PSW (the interruption hook).
    Delivered,
    /// TEST SUBCHANNEL or CLEAR SUBCHANNEL withdrew it.
    Withdrawn,
}

/// Something that happened in the simulated channel subsystem.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// An I/O instruction and the condition code it set.
    Instruction {
        /// Mnemonic (SSCH, TSCH, ...).
        name: &'static str,
        /// The subchannel operand, if the instruction has one.
        subchannel: Option<SubchannelId>,
        /// The condition code.
        cc: u8,
    },
    /// The channel executed a command.
    Command {
        /// The subchannel.
        subchannel: SubchannelId,
        /// Address of the (last, when data chaining) CCW.
        ccw_address: u32,
        /// The command code.
        command: u8,
        /// The device status it ended with.
        status: DeviceStatus,
    },
    /// The channel program was suspended at a CCW.
    Suspended {
        /// The subchannel.
        subchannel: SubchannelId,
        /// Address of the CCW with the S flag.
        ccw_address: u32,
    },
    /// The subchannel became status pending.
    StatusPending {
        /// The subchannel.
        subchannel: SubchannelId,
        /// Its SCSW at that moment.
        scsw: Scsw,
    },
    /// An I/O interruption was made pending.
    InterruptionPending {
        /// The subchannel.
        subchannel: SubchannelId,
        /// Its interruption subclass.
        isc: u8,
    },
    /// A pending I/O interruption was cleared.
    InterruptionCleared {
        /// The subchannel.
        subchannel: SubchannelId,
        /// How.
        how: Taken,
    },
    /// A device presented status outside any channel program.
    Unsolicited {
        /// The subchannel.
        subchannel: SubchannelId,
        /// The status.
        status: DeviceStatus,
    },
    /// A channel report word was queued.
    CrwQueued(Crw),
    /// An injected fault took effect.
    Fault {
        /// The subchannel.
        subchannel: SubchannelId,
        /// The fault.
        fault: Fault,
    },
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::Instruction {
                name,
                subchannel: Some(id),
                cc,
            } => write!(f, "{name} {id} -> cc {cc}"),
            Event::Instruction {
                name,
                subchannel: None,
                cc,
            } => write!(f, "{name} -> cc {cc}"),
            Event::Command {
                subchannel,
                ccw_address,
                command,
                status,
            } => write!(
                f,
                "{subchannel}: command {command:#04x} (CCW at {ccw_address:#x}) ended {status:?}"
            ),
            Event::Suspended {
                subchannel,
                ccw_address,
            } => write!(f, "{subchannel}: suspended at CCW {ccw_address:#x}"),
            Event::StatusPending { subchannel, scsw } => write!(
                f,
                "{subchannel}: status pending {:?} {:?} {:?} ccw={:#x} {:?} {:?} residual={}{}",
                scsw.function_control(),
                scsw.activity_control(),
                scsw.status_control(),
                scsw.ccw_address(),
                scsw.device_status(),
                scsw.subchannel_status(),
                scsw.residual_count(),
                match scsw.deferred_cc() {
                    0 => String::new(),
                    cc => format!(" deferred cc {cc}"),
                }
            ),
            Event::InterruptionPending { subchannel, isc } => {
                write!(f, "{subchannel}: I/O interruption pending on ISC {isc}")
            }
            Event::InterruptionCleared { subchannel, how } => {
                write!(f, "{subchannel}: I/O interruption cleared ({how:?})")
            }
            Event::Unsolicited { subchannel, status } => {
                write!(f, "{subchannel}: unsolicited status {status:?}")
            }
            Event::CrwQueued(crw) => write!(f, "CRW queued {crw:?}"),
            Event::Fault { subchannel, fault } => write!(f, "{subchannel}: fault {fault:?}"),
        }
    }
}

/// One logged event and the step it happened in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The simulator step (0 before the first `step`).
    pub step: u64,
    /// What happened.
    pub event: Event,
}

/// Every event, in order.
#[derive(Debug, Clone, Default)]
pub struct EventLog {
    entries: Vec<Entry>,
}

impl EventLog {
    pub(crate) fn push(&mut self, step: u64, event: Event) {
        self.entries.push(Entry { step, event });
    }

    /// The entries, oldest first.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The condition codes of the instructions named `name`, in order.
    pub fn condition_codes(&self, name: &str) -> Vec<u8> {
        self.entries
            .iter()
            .filter_map(|e| match e.event {
                Event::Instruction { name: n, cc, .. } if n == name => Some(cc),
                _ => None,
            })
            .collect()
    }
}

impl fmt::Display for EventLog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for entry in &self.entries {
            writeln!(f, "[{:>4}] {}", entry.step, entry.event)?;
        }
        Ok(())
    }
}
