//! Deterministic fault injection: a seeded [`FaultPlan`] of faults the
//! channel subsystem applies at fixed points (start of a start function,
//! each command, each status becoming pending).

use s390_cio::structures::{DeviceStatus, SubchannelId};

/// A fault the simulator can inject.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// At the start function: the device presents `status` as the channel
    /// tries to start it, so the start is not performed: the subchannel
    /// becomes status pending with alert status and deferred cc 1 (SSCH
    /// itself had cc 0). This is unsolicited status racing a start.
    DeferredCc1 {
        /// The status the device presented.
        status: DeviceStatus,
    },
    /// At the start function: no path answers; status pending with alert
    /// status and deferred cc 3.
    DeferredCc3,
    /// At the start function: the device answers busy.
    DeviceBusy,
    /// At a command: the device ends it with unit check and keeps `sense`
    /// for SENSE (or concurrent sense).
    UnitCheck {
        /// The sense bytes.
        sense: Vec<u8>,
    },
    /// At a command: the channel detects a channel-control check.
    ChannelControlCheck,
    /// At a command: the channel detects an interface-control check.
    InterfaceControlCheck,
    /// At a command: the device stops answering; the program ends with the
    /// path-not-operational (N) indication.
    NotOperational,
    /// At a command: the device goes away (its device number becomes
    /// invalid) and a channel report word says so; see
    /// [`crate::Simulator::reattach`] for its return.
    Vanish,
    /// When status becomes pending: the interruption request is made
    /// `steps` steps later.
    DelayInterruption {
        /// Steps of delay.
        steps: u32,
    },
    /// When status becomes pending: no interruption request is made at all;
    /// only a program that polls (TSCH, STSCH) sees the status.
    NoInterruption,
    /// At HSCH or CSCH: the channel performs the halt or clear function
    /// only `steps` steps later (a slow control unit).
    LateHaltOrClear {
        /// Steps of delay.
        steps: u32,
    },
}

impl Fault {
    fn point(&self) -> Point {
        match self {
            Fault::DeferredCc1 { .. } | Fault::DeferredCc3 | Fault::DeviceBusy => Point::Start,
            Fault::DelayInterruption { .. } | Fault::NoInterruption => Point::Status,
            Fault::LateHaltOrClear { .. } => Point::HaltOrClear,
            _ => Point::Command,
        }
    }
}

/// Where in the channel's work a fault is checked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Point {
    Start,
    Command,
    Status,
    HaltOrClear,
}

/// When a rule fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// The `n`th time (from 1) the point is reached on the subchannel.
    Nth(u32),
    /// Each time, with probability `per_mille`/1000 from the plan's seeded
    /// generator.
    Chance {
        /// Probability in thousandths.
        per_mille: u16,
    },
}

#[derive(Debug, Clone)]
struct Rule {
    subchannel: SubchannelId,
    trigger: Trigger,
    fault: Fault,
    seen: u32,
}

/// A deterministic plan of faults: rules and a seeded generator, so a
/// run with the same plan and the same program is the same run.
#[derive(Debug, Clone)]
pub struct FaultPlan {
    state: u64,
    rules: Vec<Rule>,
}

impl Default for FaultPlan {
    fn default() -> Self {
        Self::seeded(0)
    }
}

impl FaultPlan {
    /// An empty plan whose random triggers draw from `seed`.
    pub fn seeded(seed: u64) -> Self {
        Self {
            state: seed ^ 0x9E37_79B9_7F4A_7C15,
            rules: Vec::new(),
        }
    }

    /// Adds a rule: inject `fault` on `subchannel` when `trigger` says.
    /// The point is the fault's own (see [`Fault`]).
    pub fn inject(mut self, subchannel: SubchannelId, trigger: Trigger, fault: Fault) -> Self {
        self.rules.push(Rule {
            subchannel,
            trigger,
            fault,
            seen: 0,
        });
        self
    }

    fn next_random(&mut self) -> u64 {
        // xorshift64*
        self.state ^= self.state >> 12;
        self.state ^= self.state << 25;
        self.state ^= self.state >> 27;
        self.state.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// The fault to apply at `point` on `subchannel`, if a rule fires.
    pub(crate) fn check(&mut self, subchannel: SubchannelId, point: Point) -> Option<Fault> {
        let mut fired = None;
        for i in 0..self.rules.len() {
            let rule = &mut self.rules[i];
            if rule.subchannel != subchannel || rule.fault.point() != point {
                continue;
            }
            rule.seen += 1;
            let hit = match rule.trigger {
                Trigger::Nth(n) => rule.seen == n,
                Trigger::Chance { per_mille } => self.next_random() % 1000 < u64::from(per_mille),
            };
            if hit && fired.is_none() {
                fired = Some(self.rules[i].fault.clone());
            }
        }
        fired
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nth_fires_once_and_chance_is_deterministic() {
        let id = SubchannelId::new(0, 1).unwrap();
        let mut plan = FaultPlan::seeded(7).inject(id, Trigger::Nth(2), Fault::DeviceBusy);
        assert_eq!(plan.check(id, Point::Start), None);
        assert_eq!(plan.check(id, Point::Start), Some(Fault::DeviceBusy));
        assert_eq!(plan.check(id, Point::Start), None);
        assert_eq!(plan.check(id, Point::Command), None);

        let run = |seed| {
            let mut plan = FaultPlan::seeded(seed).inject(
                id,
                Trigger::Chance { per_mille: 500 },
                Fault::ChannelControlCheck,
            );
            (0..64)
                .map(|_| plan.check(id, Point::Command).is_some())
                .collect::<Vec<_>>()
        };
        assert_eq!(run(1), run(1));
        assert_ne!(run(1), run(2));
        assert!(run(1).iter().any(|&b| b) && run(1).iter().any(|&b| !b));
    }
}
