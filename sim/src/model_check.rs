//! Exhaustive exploration of small scenarios: every order of interruption
//! delivery, driver steps, channel steps, channel reports and time jumps,
//! checked against the soak oracle ([`crate::soak::expect`]).
//!
//! A scenario is two requests, one after the other on one subchannel or
//! one each on two subchannels, with a front end and up to a bound of
//! injected events ([`Injection`]). For each scenario a depth-first search
//! runs over sequences of [`Action`]s, replaying each sequence from scratch
//! (the simulator is deterministic). An action that changes nothing is not
//! taken; a state already seen (by [`World::fingerprint`]) is not explored
//! again. A state where no action changes anything ends its path, and the
//! run is checked there: every request ended as the oracle says, every
//! unsolicited status delivered once, storage intact.

use std::collections::HashSet;
use std::fmt;

use s390_cio::structures::DeviceStatus;

use crate::soak::{
    expect, Action, Attempt, Delay, DeviceKind, FrontEnd, LanePlan, Mailbox, Operation,
    RequestPlan, Schedule, StartFn, World,
};
use crate::Trigger;

/// Longest action sequence explored; a path still going there is a
/// violation (the run did not settle).
pub const MAX_DEPTH: usize = 200;

/// An event injected into a scenario, aimed at one of its two requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Injection {
    /// An attention stacked just before the start (deferred cc 1).
    Raced,
    /// A device end presented after the request ended.
    Unsolicited,
    /// Deferred cc 1 with attention | device end, on one start.
    DeferredCc1,
    /// An interface-control check on one command.
    InterfaceControlCheck,
    /// A unit check (with sense) ending the request.
    UnitCheck,
    /// The device vanishes during the request.
    Vanish,
    /// HSCH right after the start.
    Cancel,
    /// The first status of each subchannel comes with a delayed
    /// interruption.
    Delay,
    /// The request's program suspends; its short deadline ends it (the
    /// last request of its subchannel only).
    Stall,
}

impl Injection {
    /// Every kind.
    pub const ALL: [Injection; 9] = [
        Injection::Raced,
        Injection::Unsolicited,
        Injection::DeferredCc1,
        Injection::InterfaceControlCheck,
        Injection::UnitCheck,
        Injection::Vanish,
        Injection::Cancel,
        Injection::Delay,
        Injection::Stall,
    ];
}

/// How the two requests of a scenario are placed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// One subchannel, a read then a write.
    Sequential,
    /// Two subchannels, a read on one and a write on the other.
    Parallel,
}

/// A scenario: front end, shape and injections (each aimed at request 0
/// or 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scenario {
    /// The front end.
    pub front_end: FrontEnd,
    /// The placement of the requests.
    pub shape: Shape,
    /// The injections and the request each is aimed at.
    pub injections: Vec<(Injection, usize)>,
}

impl fmt::Display for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} {:?} [", self.front_end, self.shape)?;
        for (i, (injection, request)) in self.injections.iter().enumerate() {
            let sep = if i == 0 { "" } else { ", " };
            write!(f, "{sep}{injection:?}@{request}")?;
        }
        write!(f, "]")
    }
}

impl Scenario {
    /// Whether the injections make sense together: at most one raced
    /// status and one ending (unit check, vanish, stall) per request, one
    /// delay, stalls only on a subchannel's last request.
    fn valid(&self) -> bool {
        let count = |pred: &dyn Fn(Injection) -> bool, request: Option<usize>| {
            self.injections
                .iter()
                .filter(|(i, r)| pred(*i) && request.is_none_or(|q| q == *r))
                .count()
        };
        let ending = |i: Injection| {
            matches!(
                i,
                Injection::UnitCheck | Injection::Vanish | Injection::Stall
            )
        };
        let stall = |r| count(&|i| i == Injection::Stall, Some(r)) > 0;
        (0..2).all(|r| {
            count(&|i| i == Injection::Raced, Some(r)) <= 1
                && count(&ending, Some(r)) <= 1
                && count(&|i| i == Injection::Cancel, Some(r)) <= 1
        }) && count(&|i| i == Injection::Delay, None) <= 1
            && !(self.shape == Shape::Sequential && stall(0))
    }

    /// The scenario as a soak schedule.
    pub fn schedule(&self) -> Schedule {
        let request = |index: usize| {
            let mine = || {
                self.injections
                    .iter()
                    .filter(move |(_, r)| *r == index)
                    .map(|(i, _)| *i)
            };
            let mut attempts = Vec::new();
            for injection in mine() {
                match injection {
                    Injection::DeferredCc1 => attempts.push(Attempt::DeferredCc1(
                        DeviceStatus::ATTENTION | DeviceStatus::DEVICE_END,
                    )),
                    Injection::InterfaceControlCheck => {
                        attempts.push(Attempt::InterfaceControlCheck)
                    }
                    _ => {}
                }
            }
            for injection in mine() {
                match injection {
                    Injection::UnitCheck => attempts.push(Attempt::UnitCheck(vec![0x80, 0x11])),
                    Injection::Vanish => attempts.push(Attempt::Vanish),
                    _ => {}
                }
            }
            RequestPlan {
                operation: if mine().any(|i| i == Injection::Stall) {
                    Operation::Stall
                } else if index == 0 {
                    Operation::Read
                } else {
                    Operation::Write
                },
                data: vec![0xC0 | index as u8, 0x5A, 0xA5, index as u8],
                raced: mine()
                    .filter(|&i| i == Injection::Raced)
                    .map(|_| DeviceStatus::ATTENTION)
                    .collect(),
                attempts,
                cancel: mine().any(|i| i == Injection::Cancel),
                idle_after: mine()
                    .filter(|&i| i == Injection::Unsolicited)
                    .map(|_| DeviceStatus::DEVICE_END)
                    .collect(),
            }
        };
        let lane = |requests| LanePlan {
            device: DeviceKind::Scripted,
            requests,
        };
        let lanes = match self.shape {
            Shape::Sequential => vec![lane(vec![request(0), request(1)])],
            Shape::Parallel => vec![lane(vec![request(0)]), lane(vec![request(1)])],
        };
        let delay = self
            .injections
            .iter()
            .any(|(i, _)| *i == Injection::Delay)
            .then_some(Delay {
                trigger: Trigger::Nth(1),
                steps: 2,
            });
        Schedule {
            seed: 0,
            front_end: self.front_end,
            lanes,
            delay,
        }
    }
}

/// Every valid scenario with at most `max_injections` injections.
pub fn scenarios(max_injections: usize) -> Vec<Scenario> {
    let options: Vec<(Injection, usize)> = Injection::ALL
        .iter()
        .flat_map(|&i| [(i, 0), (i, 1)])
        .collect();
    // Multisets of options, as non-decreasing index sequences.
    let mut sets: Vec<Vec<usize>> = vec![Vec::new()];
    let mut frontier = sets.clone();
    for _ in 0..max_injections {
        let mut next = Vec::new();
        for set in &frontier {
            let from = set.last().copied().unwrap_or(0);
            for option in from..options.len() {
                let mut grown = set.clone();
                grown.push(option);
                next.push(grown);
            }
        }
        sets.extend(next.iter().cloned());
        frontier = next;
    }
    let mut all = Vec::new();
    for front_end in [FrontEnd::Polled, FrontEnd::Interrupt] {
        for shape in [Shape::Sequential, Shape::Parallel] {
            for set in &sets {
                let scenario = Scenario {
                    front_end,
                    shape,
                    injections: set.iter().map(|&o| options[o]).collect(),
                };
                if scenario.valid() {
                    all.push(scenario);
                }
            }
        }
    }
    all
}

/// A path that broke the oracle.
#[derive(Debug, Clone)]
pub struct Violation {
    /// The scenario.
    pub scenario: Scenario,
    /// The actions, from the start.
    pub path: Vec<Action>,
    /// What went wrong.
    pub problems: Vec<String>,
    /// The simulator's trace of the path.
    pub trace: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "violation in {}", self.scenario)?;
        write!(f, "path:")?;
        for action in &self.path {
            write!(f, " {action}")?;
        }
        writeln!(f)?;
        for problem in &self.problems {
            writeln!(f, "  {problem}")?;
        }
        write!(f, "trace:\n{}", self.trace)
    }
}

/// What an exploration found.
#[derive(Debug, Clone, Default)]
pub struct Exploration {
    /// Distinct states explored (by fingerprint), over all scenarios.
    pub states: u64,
    /// Paths that ended (no action changed anything) and were checked.
    pub ends: u64,
    /// Scenarios explored.
    pub scenarios: u64,
    /// The first violation of each failing scenario.
    pub violations: Vec<Violation>,
}

/// Replays `path` on a fresh run of `schedule` and hands the world, and
/// whether the last action changed anything, to `f`.
fn replay<R>(
    schedule: &Schedule,
    oracle: &crate::soak::Oracle,
    start: StartFn,
    path: &[Action],
    f: impl FnOnce(&mut World<'_>, bool) -> R,
) -> R {
    let sim = World::build(schedule, oracle);
    let mailbox = Mailbox::new();
    let mut world = World::new(&sim, &mailbox, schedule, oracle, start).with_fingerprints();
    let mut changed = true;
    for &action in path {
        changed = world.act(action);
    }
    f(&mut world, changed)
}

/// Explores every order of actions of `scenario`, adding to `found`.
pub fn explore(scenario: &Scenario, start: StartFn, found: &mut Exploration) {
    let schedule = scenario.schedule();
    let oracle = expect(&schedule);
    let mut seen = HashSet::new();
    let root = replay(&schedule, &oracle, start, &[], |w, _| w.fingerprint());
    seen.insert(root);
    found.scenarios += 1;
    found.states += 1;
    let mut stack = vec![Vec::new()];
    while let Some(path) = stack.pop() {
        let mut ended = true;
        let actions = replay(&schedule, &oracle, start, &path, |w, _| w.enabled());
        for action in actions {
            let mut next = path.clone();
            next.push(action);
            let (changed, fingerprint) = replay(&schedule, &oracle, start, &next, |w, changed| {
                (changed, w.fingerprint())
            });
            if !changed {
                continue;
            }
            ended = false;
            if seen.insert(fingerprint) {
                found.states += 1;
                if next.len() >= MAX_DEPTH {
                    found.violations.push(Violation {
                        scenario: scenario.clone(),
                        problems: vec![format!("no end within {MAX_DEPTH} actions")],
                        trace: replay(&schedule, &oracle, start, &next, |w, _| w.trace()),
                        path: next,
                    });
                    return;
                }
                stack.push(next);
            }
        }
        if ended {
            found.ends += 1;
            let (verdict, trace) = replay(&schedule, &oracle, start, &path, |w, _| {
                (w.verdict(), w.trace())
            });
            if !verdict.counts.clean() {
                found.violations.push(Violation {
                    scenario: scenario.clone(),
                    path,
                    problems: verdict.problems,
                    trace,
                });
                return;
            }
        }
    }
}
