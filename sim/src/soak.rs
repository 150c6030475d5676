//! Soak testing of the subchannel driver (`s390_cio::driver`) on the
//! simulator: seeded fault schedules over mixed workloads, checked against
//! an oracle that knows from the schedule alone how every request must end
//! and which unsolicited statuses must reach the caller.
//!
//! A [`Schedule`] is a set of lanes, one per subchannel, each with a device
//! and a sequence of requests. A request reads or writes a known data
//! pattern (or stalls: its program suspends and only its deadline ends it)
//! and carries what its starts run into: status stacked by the device
//! before the start (it races the start: deferred cc 1), injected faults per
//! attempt, a cancel (HSCH) right after the start, and unsolicited status
//! presented after it ended. [`expect`] turns a schedule into the fault
//! plan that injects exactly that and into the [`Oracle`]: the expected
//! result of each request and the unsolicited statuses of each lane.
//!
//! A [`World`] runs a schedule on a [`Simulator`] through either front end
//! (polling TSCH, or TPI into a [`StatusMailbox`] drained with
//! `take_from`), one [`Action`] at a time: a channel step, an interruption
//! delivery, a channel report, a time jump to the next short deadline, or a
//! driver step of one lane. [`run_schedule`] picks the actions at random
//! (from the seed); [`crate::model_check`] tries every order.
//!
//! The oracle's rules, per request (retries counted as the driver's
//! `Config::error_retries`, [`ERROR_RETRIES`]):
//!
//! - Each start of the request meets the next of: the status stacked
//!   before the start (a deferred cc 1), then the request's attempts; once
//!   those are used up, the channel runs clean. A cancelled or stalled
//!   request may end before its start reaches the channel.
//! - Deferred cc 1, deferred cc 3, device busy, channel-control and
//!   interface-control checks are retried; the one after [`ERROR_RETRIES`] retries ends the
//!   request with `RetriesExhausted` naming that cause.
//! - Unit check ends it with `UnitCheck` and the injected sense bytes (the
//!   driver's SENSE is one more start and one more command on the channel).
//! - Vanish ends it with `NotOperational`; the device comes back (reattach)
//!   before the lane goes on.
//! - Success ends it with `Ok`, the retry count done, and the data: a read
//!   buffer holds the pattern, a write's pattern reached the device.
//! - A cancelled request ends `TimedOut` (`Halted`); a stalled one `TimedOut`
//!   (`Halted`, or `Cleared` when its short halt deadline passed first).
//! - Every unsolicited status (stacked, deferred cc 1, after the end) is
//!   taken from the driver exactly once; nothing else is.
//! - Storage outside the read buffers of successful reads and the sense
//!   areas never changes; failed reads leave their buffer alone.
//!
//! The faults sit on fixed visits of the simulator's fault points (the nth
//! start, the nth command of a subchannel), so a schedule is one run, the
//! same for every order of actions; only delayed interruptions are drawn at
//! random, and they change timing, never results.

use std::collections::VecDeque;
use std::fmt;
use std::sync::OnceLock;

use s390_cio::css::ChannelSubsystem;
use s390_cio::driver::{
    Completion, Config, Escalation, Event, IoError, RequestTag, RetryCause, SenseArea,
    StatusMailbox, Subchannel,
};
use s390_cio::instructions::ModifyResult;
use s390_cio::structures::{
    commands, Ccw1, CcwFlags, DeviceStatus, Isc, Orb, Schib, SenseId, SubchannelId,
};

use crate::{Console, Fault, FaultPlan, Options, Response, ScriptedDevice, Simulator, Trigger};

/// The driver under test, on the simulator.
pub type Driver<'a> = Subchannel<'a, Simulator, Simulator>;

/// Starts a request: `Subchannel::start`, the one unsafe call of the
/// harness, supplied by the binary or test that runs it (this crate denies
/// unsafe code). Its safety argument: every program and buffer of a
/// schedule lives in simulated storage that the harness does not touch
/// while the request runs.
pub type StartFn = fn(&mut Driver<'_>, Orb, u64) -> Result<RequestTag, IoError>;

/// The mailbox the interrupt-driven front end uses.
pub type Mailbox = StatusMailbox<16>;

/// Retries the driver does after deferred cc 1/3 and channel checks (its
/// default `Config::error_retries`).
pub const ERROR_RETRIES: u32 = 3;

/// The deadline (microseconds of simulated time) of requests expected to
/// finish by themselves: never reached.
const FAR: u64 = 1 << 40;
/// Deadlines before this are short: [`Action::Tick`] jumps to them.
const HORIZON: u64 = 1 << 30;
/// The run and halt deadlines of a stalled request.
const STALL_TIMEOUT: u64 = 100;

/// Channel steps without news that still tell states apart: more than
/// any interruption delay.
const QUIET_CAP: u32 = 8;

/// Actions a soak schedule may take before its requests count as hung.
pub const ACTION_BUDGET: usize = 20_000;

/// Size of simulated storage.
const MEMORY_SIZE: usize = 0x8000;
/// The interruption subclass of every lane.
const ISC: u8 = 3;
/// Command codes.
const READ: u8 = commands::READ;
const WRITE: u8 = commands::WRITE;

/// Where lane `lane`'s sense area lives.
fn sense_address(lane: usize) -> u32 {
    0x100 + 0x40 * lane as u32
}

/// Where the program of request `request` of lane `lane` lives.
fn program_address(lane: usize, request: usize) -> u32 {
    0x1000 + 0x200 * lane as u32 + 0x10 * request as u32
}

/// Where the data buffer of request `request` of lane `lane` lives.
fn buffer_address(lane: usize, request: usize) -> u32 {
    0x4000 + 0x1000 * lane as u32 + 0x100 * request as u32
}

/// A small deterministic generator (SplitMix64).
#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// True with probability `per_mille`/1000.
    pub(crate) fn chance(&mut self, per_mille: u64) -> bool {
        self.next_u64() % 1000 < per_mille
    }
}

/// Which front end collects status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrontEnd {
    /// The driver polls TSCH (`Subchannel::poll`).
    Polled,
    /// TPI hands interruptions to a [`StatusMailbox`]; the driver takes
    /// them with `Subchannel::take_from`.
    Interrupt,
}

/// The device model behind a lane. Further models (DASD, virtio-blk) fit
/// here: a variant, its construction in [`World::build`] and its data check
/// in the harness.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceKind {
    /// [`ScriptedDevice`]: reads answer with the pattern, writes are
    /// recorded.
    Scripted,
    /// [`Console`]: writes are printed lines (it has no reads here: a
    /// console keeps unread input queued across failed requests).
    Console,
}

/// What a request's channel program does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// One READ CCW into the request's buffer.
    Read,
    /// One WRITE CCW from the request's buffer.
    Write,
    /// A NOOP CCW with the suspend flag: the program suspends and only the
    /// request's (short) deadline ends it.
    Stall,
}

/// What one start of a request runs into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    /// The device presents this status instead of starting (deferred cc 1).
    DeferredCc1(DeviceStatus),
    /// No path answers (deferred cc 3).
    DeferredCc3,
    /// The device answers the start busy.
    DeviceBusy,
    /// Channel-control check on the command.
    ChannelControlCheck,
    /// Interface-control check on the command.
    InterfaceControlCheck,
    /// Unit check on the command, with these sense bytes.
    UnitCheck(Vec<u8>),
    /// The device goes away during the command.
    Vanish,
    /// The command runs normally.
    Success,
}

/// One request of a lane.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestPlan {
    /// What its program does.
    pub operation: Operation,
    /// The data pattern read or written (its length is the CCW count).
    pub data: Vec<u8>,
    /// Unsolicited statuses the device stacks just before the start.
    /// Generated schedules stack at most one: a second one may be presented
    /// on its own between the driver's retries (when the first one's status
    /// waits in the mailbox), which takes no start, so no oracle could place
    /// the later faults.
    pub raced: Vec<DeviceStatus>,
    /// What its starts run into, in order.
    pub attempts: Vec<Attempt>,
    /// HSCH (`Subchannel::cancel`) right after the start.
    pub cancel: bool,
    /// Unsolicited statuses the device presents after the request ended.
    pub idle_after: Vec<DeviceStatus>,
}

/// One subchannel, its device and its requests (run one after another).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LanePlan {
    /// The device model.
    pub device: DeviceKind,
    /// The requests, in order.
    pub requests: Vec<RequestPlan>,
}

/// Delayed interruptions: when the rule fires on a status becoming
/// pending, its interruption request comes `steps` channel steps later.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delay {
    /// When it fires (on each lane).
    pub trigger: Trigger,
    /// The delay in steps.
    pub steps: u32,
}

/// A whole schedule: everything a run depends on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    /// The seed (also of the action order).
    pub seed: u64,
    /// The front end of every lane.
    pub front_end: FrontEnd,
    /// The lanes; lane `n` is subchannel `0.0.n`.
    pub lanes: Vec<LanePlan>,
    /// Delayed interruptions, if any.
    pub delay: Option<Delay>,
}

/// Unsolicited statuses a device presents: attention, device end and
/// their combinations (distinct, so a duplicate shows).
const UNSOLICITED: [DeviceStatus; 4] = [
    DeviceStatus::ATTENTION,
    DeviceStatus::DEVICE_END,
    DeviceStatus::ATTENTION.union(DeviceStatus::DEVICE_END),
    DeviceStatus::CONTROL_UNIT_END.union(DeviceStatus::DEVICE_END),
];

impl Schedule {
    /// The schedule of `seed`: one to three lanes of one to four requests,
    /// a random front end and a random mix of faults.
    pub fn generate(seed: u64) -> Schedule {
        let mut rng = Rng::new(seed);
        let front_end = if rng.below(2) == 0 {
            FrontEnd::Polled
        } else {
            FrontEnd::Interrupt
        };
        let lanes = (0..1 + rng.below(3))
            .map(|_| {
                let device = if rng.below(4) == 0 {
                    DeviceKind::Console
                } else {
                    DeviceKind::Scripted
                };
                let count = 1 + rng.below(4);
                let requests = (0..count)
                    .map(|i| generate_request(&mut rng, device, i + 1 == count))
                    .collect();
                LanePlan { device, requests }
            })
            .collect();
        let delay = rng.chance(500).then(|| Delay {
            trigger: Trigger::Chance {
                per_mille: 100 + rng.below(400) as u16,
            },
            steps: 1 + rng.below(6) as u32,
        });
        Schedule {
            seed,
            front_end,
            lanes,
            delay,
        }
    }
}

fn generate_request(rng: &mut Rng, device: DeviceKind, last: bool) -> RequestPlan {
    let operation = match rng.below(10) {
        0 if last => Operation::Stall,
        0..=4 if device == DeviceKind::Scripted => Operation::Read,
        _ => Operation::Write,
    };
    let data = (0..1 + rng.below(64))
        .map(|_| rng.next_u64() as u8)
        .collect();
    let pick_status = |rng: &mut Rng| UNSOLICITED[rng.below(UNSOLICITED.len())];
    let raced = (0..usize::from(rng.chance(300)))
        .map(|_| pick_status(rng))
        .collect();
    let idle_after = (0..[0, 0, 0, 1, 2][rng.below(5)])
        .map(|_| pick_status(rng))
        .collect();
    let mut attempts = Vec::new();
    if operation != Operation::Stall {
        for _ in 0..=ERROR_RETRIES + 1 {
            let attempt = match rng.below(40) {
                0..=2 => Attempt::DeferredCc1(pick_status(rng)),
                3 | 4 => Attempt::DeferredCc3,
                5 | 6 => Attempt::ChannelControlCheck,
                7 | 8 => Attempt::InterfaceControlCheck,
                9 | 10 => Attempt::UnitCheck(
                    (0..1 + rng.below(32))
                        .map(|_| rng.next_u64() as u8)
                        .collect(),
                ),
                11 => Attempt::Vanish,
                12 => Attempt::DeviceBusy,
                _ => Attempt::Success,
            };
            let end = !matches!(
                attempt,
                Attempt::DeferredCc1(_)
                    | Attempt::DeferredCc3
                    | Attempt::DeviceBusy
                    | Attempt::ChannelControlCheck
                    | Attempt::InterfaceControlCheck
            );
            attempts.push(attempt);
            if end {
                break;
            }
        }
    }
    RequestPlan {
        operation,
        data,
        raced,
        attempts,
        cancel: rng.chance(80),
        idle_after,
    }
}

/// Why a retried request gave up, as the oracle predicts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// Deferred cc 1.
    DeferredStatusPending,
    /// Deferred cc 3.
    NoPath,
    /// Channel-control or interface-control check.
    ChannelCheck,
    /// The device answered the start busy.
    DeviceBusy,
}

/// How a request must end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expected {
    /// Successfully, after `retries` retries, with its data moved.
    Ok {
        /// Retries the driver did.
        retries: u32,
    },
    /// Unit check with these sense bytes (fetched by the driver's SENSE).
    UnitCheck {
        /// The sense bytes, as injected.
        sense: Vec<u8>,
    },
    /// Not operational (the device vanished).
    NotOperational,
    /// Retries used up; the last attempt ran into `last`.
    RetriesExhausted {
        /// The last cause.
        last: Cause,
    },
    /// Halted (cancel or deadline); cleared too if `may_clear`.
    TimedOut {
        /// Whether `Escalation::Cleared` is right as well.
        may_clear: bool,
    },
}

impl Expected {
    /// Whether `result` is what this expects (data and retries aside, which
    /// the harness checks for successful requests).
    pub fn admits(&self, result: &Result<Completion, IoError>) -> bool {
        match (self, result) {
            (Expected::Ok { retries }, Ok(done)) => done.retries == *retries,
            (Expected::UnitCheck { sense }, Err(IoError::UnitCheck { scsw, sense: got })) => {
                scsw.device_status().unit_check()
                    && got.as_ref().is_some_and(|got| got.bytes() == &sense[..])
            }
            (Expected::NotOperational, Err(IoError::NotOperational)) => true,
            (
                Expected::RetriesExhausted { last },
                Err(IoError::RetriesExhausted { retries, last: got }),
            ) => {
                *retries == ERROR_RETRIES
                    && match (last, got) {
                        (Cause::DeferredStatusPending, RetryCause::DeferredStatusPending) => true,
                        (Cause::NoPath, RetryCause::NoPath(scsw)) => scsw.deferred_cc() == 3,
                        (Cause::ChannelCheck, RetryCause::ChannelCheck(scsw)) => {
                            let status = scsw.subchannel_status();
                            status.channel_control_check() || status.interface_control_check()
                        }
                        (Cause::DeviceBusy, RetryCause::DeviceBusy(scsw)) => {
                            scsw.device_status().busy()
                        }
                        _ => false,
                    }
            }
            (Expected::TimedOut { may_clear }, Err(IoError::TimedOut { escalation, .. })) => {
                *escalation == Escalation::Halted
                    || (*may_clear && *escalation == Escalation::Cleared)
            }
            _ => false,
        }
    }
}

/// What the oracle expects of one lane.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LaneOracle {
    /// The expected end of each request.
    pub results: Vec<Expected>,
    /// Every unsolicited status the lane must deliver (in no fixed order).
    pub unsolicited: Vec<DeviceStatus>,
    /// How many of them precede the start of each request (the harness
    /// waits for those before starting it).
    pub before: Vec<usize>,
}

/// The oracle of a schedule, and the fault plan that makes the simulator
/// inject what the schedule says.
#[derive(Debug, Clone)]
pub struct Oracle {
    /// The fault plan for the simulator.
    pub plan: FaultPlan,
    /// Per lane.
    pub lanes: Vec<LaneOracle>,
}

/// The subchannel of lane `lane`.
pub fn lane_id(lane: usize) -> SubchannelId {
    SubchannelId::new(0, lane as u16).unwrap_or_else(|_| unreachable!("set 0 is valid"))
}

/// Computes, from `schedule` alone, what each request must return and
/// which unsolicited statuses must be delivered; see the module
/// documentation for the rules.
pub fn expect(schedule: &Schedule) -> Oracle {
    let mut plan = FaultPlan::seeded(schedule.seed);
    let mut lanes = Vec::new();
    for (index, lane) in schedule.lanes.iter().enumerate() {
        let id = lane_id(index);
        if let Some(delay) = schedule.delay {
            plan = plan.inject(
                id,
                delay.trigger,
                Fault::DelayInterruption { steps: delay.steps },
            );
        }
        let (mut starts, mut commands) = (0u32, 0u32);
        let mut oracle = LaneOracle {
            results: Vec::new(),
            unsolicited: Vec::new(),
            before: Vec::new(),
        };
        for request in &lane.requests {
            oracle.before.push(oracle.unsolicited.len());
            oracle.unsolicited.extend(&request.raced);
            if request.cancel || request.operation == Operation::Stall {
                // No start is certain to reach the channel (and a stall is
                // its lane's last request, so no later fault depends on the
                // count).
                oracle.results.push(Expected::TimedOut {
                    may_clear: request.operation == Operation::Stall,
                });
                oracle.unsolicited.extend(&request.idle_after);
                continue;
            }
            let mut retries = 0;
            let mut result = None;
            let raced = request.raced.iter().map(|_| None);
            let attempts = request.attempts.iter().map(Some);
            for attempt in raced.chain(attempts) {
                starts += 1;
                let mut fault = |trigger: u32, fault: Fault| {
                    plan = core::mem::take(&mut plan).inject(id, Trigger::Nth(trigger), fault);
                };
                let cause = match attempt {
                    None => Cause::DeferredStatusPending,
                    Some(Attempt::DeferredCc1(status)) => {
                        fault(starts, Fault::DeferredCc1 { status: *status });
                        oracle.unsolicited.push(*status);
                        Cause::DeferredStatusPending
                    }
                    Some(Attempt::DeferredCc3) => {
                        fault(starts, Fault::DeferredCc3);
                        Cause::NoPath
                    }
                    Some(Attempt::DeviceBusy) => {
                        fault(starts, Fault::DeviceBusy);
                        Cause::DeviceBusy
                    }
                    Some(Attempt::ChannelControlCheck) => {
                        commands += 1;
                        fault(commands, Fault::ChannelControlCheck);
                        Cause::ChannelCheck
                    }
                    Some(Attempt::InterfaceControlCheck) => {
                        commands += 1;
                        fault(commands, Fault::InterfaceControlCheck);
                        Cause::ChannelCheck
                    }
                    Some(Attempt::UnitCheck(sense)) => {
                        commands += 1;
                        if lane.device == DeviceKind::Console {
                            // A scripted device answers with the unit check
                            // itself (see `World::start_next`).
                            fault(
                                commands,
                                Fault::UnitCheck {
                                    sense: sense.clone(),
                                },
                            );
                        }
                        // The driver's SENSE: one more start and command.
                        starts += 1;
                        commands += 1;
                        result = Some(Expected::UnitCheck {
                            sense: sense.clone(),
                        });
                        break;
                    }
                    Some(Attempt::Vanish) => {
                        commands += 1;
                        fault(commands, Fault::Vanish);
                        result = Some(Expected::NotOperational);
                        break;
                    }
                    Some(Attempt::Success) => {
                        commands += 1;
                        result = Some(Expected::Ok { retries });
                        break;
                    }
                };
                if retries == ERROR_RETRIES {
                    result = Some(Expected::RetriesExhausted { last: cause });
                    break;
                }
                retries += 1;
            }
            let result = result.unwrap_or_else(|| {
                // The attempts are used up: the next start runs clean.
                starts += 1;
                commands += 1;
                Expected::Ok { retries }
            });
            oracle.results.push(result);
            oracle.unsolicited.extend(&request.idle_after);
        }
        lanes.push(oracle);
    }
    Oracle { plan, lanes }
}

/// One step of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// `Simulator::step`: the channel works.
    Channel,
    /// TPI, and the interruption handler's `StatusMailbox::on_interruption`
    /// (interrupt-driven front end only).
    Deliver,
    /// STCRW, and each lane's `Subchannel::on_channel_report`.
    Report,
    /// Simulated time jumps to the next short deadline.
    Tick,
    /// A driver step of lane `n`: poll (or take from the mailbox), the
    /// deadline if it passed, take unsolicited status, start the next
    /// request when its turn has come.
    Driver(usize),
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::Channel => write!(f, "step"),
            Action::Deliver => write!(f, "tpi"),
            Action::Report => write!(f, "stcrw"),
            Action::Tick => write!(f, "tick"),
            Action::Driver(lane) => write!(f, "drv{lane}"),
        }
    }
}

/// Counts of a soak run. See [`run_schedule`] for what each means.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Schedules run.
    pub schedules: u64,
    /// Unsolicited statuses or completions never delivered.
    pub lost: u64,
    /// Completions with the wrong result, unsolicited statuses that should
    /// not be, completions reported as unsolicited.
    pub misattributed: u64,
    /// Requests not done within the action budget, with their status not
    /// yet collected.
    pub hung: u64,
    /// Data not moved right, or storage outside the request's buffers
    /// changed.
    pub corrupted: u64,
}

impl Counts {
    /// Adds `other` to these counts.
    pub fn add(&mut self, other: &Counts) {
        self.schedules += other.schedules;
        self.lost += other.lost;
        self.misattributed += other.misattributed;
        self.hung += other.hung;
        self.corrupted += other.corrupted;
    }

    /// Whether nothing went wrong.
    pub fn clean(&self) -> bool {
        self.lost + self.misattributed + self.hung + self.corrupted == 0
    }
}

impl fmt::Display for Counts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "schedules: {}, lost: {}, misattributed: {}, hung: {}, corrupted: {}",
            self.schedules, self.lost, self.misattributed, self.hung, self.corrupted
        )
    }
}

/// The outcome of one run: its counts and what went wrong.
#[derive(Debug, Clone, Default)]
pub struct Verdict {
    /// The counts (`schedules` is 1).
    pub counts: Counts,
    /// One line per problem.
    pub problems: Vec<String>,
}

impl Verdict {
    fn note(&mut self, count: fn(&mut Counts) -> &mut u64, problem: String) {
        *count(&mut self.counts) += 1;
        self.problems.push(problem);
    }
}

struct Lane<'s> {
    id: SubchannelId,
    driver: Driver<'s>,
    generation: u32,
    next: usize,
    current: Option<usize>,
    results: Vec<Option<Result<Completion, IoError>>>,
    unsolicited: Vec<DeviceStatus>,
    problems: Vec<String>,
    dropped: u32,
    events: u32,
}

/// A schedule running on a simulator: the drivers, the harness state and
/// what was delivered so far.
pub struct World<'s> {
    sim: &'s Simulator,
    mailbox: &'s Mailbox,
    schedule: &'s Schedule,
    oracle: &'s Oracle,
    start: StartFn,
    lanes: Vec<Lane<'s>>,
    now: u64,
    scanned: usize,
    busy: usize,
    /// Per lane: channel steps since its last log entry (up to
    /// [`QUIET_CAP`]).
    quiet_steps: Vec<u32>,
    /// Per lane: log entries about its subchannel.
    entries: Vec<usize>,
    /// Per lane: a running hash of those entries, for fingerprints.
    projections: Option<Vec<std::collections::hash_map::DefaultHasher>>,
    /// Subchannels with an I/O interruption pending, in order.
    interruptions: VecDeque<u32>,
    /// The reporting-source ids of the queued channel reports, in order.
    crws: VecDeque<u16>,
}

impl<'s> World<'s> {
    /// A simulator set up for `schedule`: its devices on enabled
    /// subchannels, storage filled with a background pattern, the programs
    /// and write data in place, the oracle's fault plan.
    pub fn build(schedule: &Schedule, oracle: &Oracle) -> Simulator {
        let sim = Simulator::with_options(Options {
            memory_size: MEMORY_SIZE,
            synchronous: false,
        });
        let placed = sim.memory_mut().write(0, &initial_image(schedule)).is_ok();
        debug_assert!(placed, "the image is the arena's size");
        for (index, lane) in schedule.lanes.iter().enumerate() {
            let number = 0x0100 + index as u16;
            let id = match lane.device {
                DeviceKind::Scripted => sim.add_device(
                    number,
                    ScriptedDevice::new(SenseId::new(0x3990, 0xE9, 0x3390, 0x0C)),
                ),
                DeviceKind::Console => sim.add_device(number, Console::new()),
            };
            debug_assert_eq!(id, lane_id(index));
            enable(&sim, id);
        }
        if schedule.front_end == FrontEnd::Interrupt {
            sim.enable_isc(Isc::new(ISC).unwrap_or_else(|| unreachable!("ISC 3 is valid")));
        }
        sim.set_fault_plan(oracle.plan.clone());
        sim
    }

    /// The harness over `sim` (made by [`World::build`]), starting requests
    /// with `start`.
    pub fn new(
        sim: &'s Simulator,
        mailbox: &'s Mailbox,
        schedule: &'s Schedule,
        oracle: &'s Oracle,
        start: StartFn,
    ) -> Self {
        let lanes = schedule
            .lanes
            .iter()
            .enumerate()
            .map(|(index, lane)| Lane {
                id: lane_id(index),
                driver: new_driver(sim, index, 0, false),
                generation: 0,
                next: 0,
                current: None,
                results: vec![None; lane.requests.len()],
                unsolicited: Vec::new(),
                problems: Vec::new(),
                dropped: 0,
                events: 0,
            })
            .collect();
        World {
            sim,
            mailbox,
            schedule,
            oracle,
            start,
            lanes,
            now: 0,
            scanned: 0,
            busy: 0,
            quiet_steps: vec![0; schedule.lanes.len()],
            entries: vec![0; schedule.lanes.len()],
            projections: None,
            interruptions: VecDeque::new(),
            crws: VecDeque::new(),
        }
    }

    /// The actions that may do something in this schedule.
    pub fn actions(&self) -> Vec<Action> {
        let mut actions = vec![Action::Channel, Action::Report, Action::Tick];
        if self.schedule.front_end == FrontEnd::Interrupt {
            actions.push(Action::Deliver);
        }
        actions.extend((0..self.lanes.len()).map(Action::Driver));
        actions
    }

    /// The actions that may change something now: [`World::actions`] less
    /// TPI with no interruption pending, STCRW with no report queued and
    /// time jumps with no short deadline ahead.
    pub fn enabled(&mut self) -> Vec<Action> {
        self.busy_entries();
        let deadline = self.lanes.iter().any(|lane| {
            lane.driver
                .deadline()
                .is_some_and(|deadline| deadline > self.now && deadline < HORIZON)
        });
        let (interruptions, crws) = (self.interruptions.len(), self.crws.len());
        self.actions()
            .into_iter()
            .filter(|action| match action {
                Action::Deliver => interruptions > 0,
                Action::Report => crws > 0,
                Action::Tick => deadline,
                Action::Channel | Action::Driver(_) => true,
            })
            .collect()
    }

    /// Whether every request ended and every expected unsolicited status
    /// was delivered.
    pub fn finished(&self) -> bool {
        self.lanes
            .iter()
            .zip(&self.oracle.lanes)
            .all(|(lane, oracle)| {
                lane.next == lane.results.len()
                    && lane.current.is_none()
                    && lane.unsolicited.len() >= oracle.unsolicited.len()
            })
    }

    /// Performs `action`; returns whether it changed anything.
    pub fn act(&mut self, action: Action) -> bool {
        let before = self.mark();
        let mut stepped = false;
        match action {
            Action::Channel => stepped = self.sim.step(),
            Action::Deliver => {
                if let Some(code) = self.sim.test_pending_interruption() {
                    self.mailbox.on_interruption(self.sim, code);
                }
            }
            Action::Report => {
                if let Some(crw) = self.sim.store_channel_report_word() {
                    for lane in 0..self.lanes.len() {
                        let event = self.lanes[lane].driver.on_channel_report(crw);
                        self.handle(lane, event);
                    }
                }
            }
            Action::Tick => {
                let next = self
                    .lanes
                    .iter()
                    .filter_map(|lane| lane.driver.deadline())
                    .filter(|&deadline| deadline > self.now && deadline < HORIZON)
                    .min();
                if let Some(deadline) = next {
                    self.now = deadline;
                }
            }
            Action::Driver(lane) => self.drive(lane),
        }
        let entries = self.entries.clone();
        self.busy_entries();
        for (lane, quiet) in self.quiet_steps.iter_mut().enumerate() {
            if self.entries[lane] != entries[lane] {
                *quiet = 0;
            } else if stepped {
                *quiet = (*quiet + 1).min(QUIET_CAP);
            }
        }
        stepped || self.mark() != before
    }

    /// What changes when something happens: the simulator's log (but for
    /// instructions that found nothing to do), time and the harness's
    /// progress.
    fn mark(&mut self) -> (usize, u64, u64) {
        use std::hash::{Hash, Hasher};
        let busy = self.busy_entries();
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        for lane in &self.lanes {
            (
                lane.next,
                lane.current,
                lane.unsolicited.len(),
                lane.events,
                lane.problems.len(),
                lane.driver.current_tag().map(|tag| tag.0),
            )
                .hash(&mut hasher);
        }
        (busy, self.now, hasher.finish())
    }

    /// Counts the log entries that are not instructions that found nothing
    /// to do, hashing them too when fingerprints are kept.
    fn busy_entries(&mut self) -> usize {
        let log = self.sim.log();
        for entry in &log.entries()[self.scanned..] {
            let idle = matches!(
                entry.event,
                crate::Event::Instruction {
                    name: "TSCH" | "STCRW",
                    cc: 1,
                    ..
                } | crate::Event::Instruction {
                    name: "TPI",
                    cc: 0,
                    ..
                }
            );
            if idle {
                continue;
            }
            self.busy += 1;
            match &entry.event {
                crate::Event::InterruptionPending { subchannel, .. } => {
                    self.interruptions.push_back(subchannel.raw())
                }
                crate::Event::InterruptionCleared { subchannel, .. } => {
                    self.interruptions.retain(|&id| id != subchannel.raw())
                }
                crate::Event::CrwQueued(crw) => self.crws.push_back(crw.reporting_source_id()),
                crate::Event::Instruction { name: "STCRW", .. } => {
                    self.crws.pop_front();
                }
                _ => {}
            }
            let Some(lane) = subject(&entry.event).map(usize::from) else {
                continue;
            };
            if let Some(count) = self.entries.get_mut(lane) {
                *count += 1;
            }
            if let Some(hasher) = self
                .projections
                .as_mut()
                .and_then(|hashers| hashers.get_mut(lane))
            {
                hash_event(&entry.event, hasher);
            }
        }
        self.scanned = log.entries().len();
        self.busy
    }

    fn drive(&mut self, index: usize) {
        let lane = &mut self.lanes[index];
        let event = match self.schedule.front_end {
            FrontEnd::Polled => lane.driver.poll(),
            FrontEnd::Interrupt => lane.driver.take_from(self.mailbox),
        };
        self.handle(index, event);
        let lane = &mut self.lanes[index];
        if lane
            .driver
            .deadline()
            .is_some_and(|deadline| self.now >= deadline)
        {
            let event = lane.driver.on_deadline(self.now);
            self.handle(index, event);
        }
        self.collect(index);
        let lane = &self.lanes[index];
        let oracle = &self.oracle.lanes[index];
        if lane.current.is_none()
            && lane.next < lane.results.len()
            && lane.unsolicited.len() >= oracle.before[lane.next]
        {
            self.start_next(index);
        }
    }

    /// Takes the driver's unsolicited statuses.
    fn collect(&mut self, index: usize) {
        let lane = &mut self.lanes[index];
        while let Some(irb) = lane.driver.take_unsolicited() {
            if !irb.scsw.function_control().is_empty() && irb.scsw.deferred_cc() != 1 {
                lane.problems.push(format!(
                    "lane {index}: status of a function taken as unsolicited: {:?}",
                    irb.scsw
                ));
            }
            lane.unsolicited.push(irb.scsw.device_status());
        }
    }

    fn handle(&mut self, index: usize, event: Event) {
        if event != Event::Pending {
            self.lanes[index].events += 1;
        }
        let Event::Done(result) = event else { return };
        let lane = &mut self.lanes[index];
        let Some(request) = lane.current.take() else {
            lane.problems.push(format!(
                "lane {index}: a completion with no request in progress: {result:?}"
            ));
            return;
        };
        self.finish(index, request, result);
    }

    /// Records the end of `request`, checks what a write left on the
    /// device, brings a vanished device back and lets the device present
    /// the request's after-statuses.
    fn finish(&mut self, index: usize, request: usize, result: Result<Completion, IoError>) {
        let schedule = self.schedule;
        let plan = &schedule.lanes[index].requests[request];
        let id = self.lanes[index].id;
        if result.is_ok() && plan.operation == Operation::Write {
            let written = match schedule.lanes[index].device {
                DeviceKind::Scripted => self.sim.with_device(id, |d: &mut ScriptedDevice| {
                    d.received()
                        .iter()
                        .rev()
                        .find(|(command, _)| *command == WRITE)
                        .map(|(_, data)| data.clone())
                }),
                DeviceKind::Console => self
                    .sim
                    .with_device(id, |d: &mut Console| d.lines().last().cloned()),
            }
            .flatten();
            if written.as_deref() != Some(&plan.data[..]) {
                self.lanes[index].problems.push(format!(
                    "corrupted: lane {index} request {request}: the device received {written:02x?}, not {:02x?}",
                    plan.data
                ));
            }
        }
        if result == Err(IoError::NotOperational) && self.sim.reattach(id) {
            enable(self.sim, id);
        }
        for status in &plan.idle_after {
            self.sim.inject_unsolicited_status(id, *status);
        }
        self.lanes[index].results[request] = Some(result);
    }

    fn start_next(&mut self, index: usize) {
        let lane = &mut self.lanes[index];
        let request = lane.next;
        lane.next += 1;
        let schedule = self.schedule;
        let plan = &schedule.lanes[index].requests[request];
        let device = schedule.lanes[index].device;
        let id = lane.id;
        // The old driver's unsolicited statuses were collected.
        lane.dropped += lane.driver.unsolicited_dropped();
        lane.generation += 1;
        lane.driver = new_driver(
            self.sim,
            index,
            lane.generation,
            plan.operation == Operation::Stall,
        );
        if device == DeviceKind::Scripted {
            let command = if plan.operation == Operation::Read {
                READ
            } else {
                WRITE
            };
            let unit_check = match &self.oracle.lanes[index].results[request] {
                Expected::UnitCheck { sense } if !plan.cancel => Some(sense),
                _ => None,
            };
            self.sim.with_device(id, |d: &mut ScriptedDevice| {
                d.respond_always(READ, Response::data(&plan.data));
                if let Some(sense) = unit_check {
                    d.respond(command, Response::unit_check(sense));
                }
            });
        }
        for status in &plan.raced {
            self.sim.inject_unsolicited_status(id, *status);
        }
        let mut orb = Orb::new(program_address(index, request));
        if plan.operation == Operation::Stall {
            orb = orb.with_suspend_control(true);
        }
        match (self.start)(&mut lane.driver, orb, self.now) {
            Ok(_) => lane.current = Some(request),
            Err(error) => {
                self.finish(index, request, Err(error));
                return;
            }
        }
        if plan.cancel {
            let event = self.lanes[index].driver.cancel(self.now);
            self.handle(index, event);
        }
    }

    /// Keeps running hashes of the simulator's log for
    /// [`World::fingerprint`] (the model checker's; a soak run does without).
    pub fn with_fingerprints(mut self) -> Self {
        self.projections = Some(vec![Default::default(); self.lanes.len()]);
        self
    }

    /// A fingerprint of the state that decides what happens next: per
    /// subchannel, the log entries about it (without the instructions that
    /// found nothing to do) and the channel steps since the last one; the
    /// order of pending interruptions and channel reports; the harness's
    /// progress and the time left to each short deadline. Orders of
    /// actions that differ only in how the subchannels' histories
    /// interleave meet in one state. Needs [`World::with_fingerprints`].
    pub fn fingerprint(&mut self) -> u64 {
        use std::hash::{Hash, Hasher};
        let (_, _, harness) = self.mark();
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        for projection in self.projections.iter().flatten() {
            projection.finish().hash(&mut hasher);
        }
        (harness, &self.quiet_steps, &self.interruptions, &self.crws).hash(&mut hasher);
        for lane in &self.lanes {
            lane.driver
                .deadline()
                .filter(|&deadline| deadline < HORIZON)
                .map(|deadline| deadline.saturating_sub(self.now))
                .hash(&mut hasher);
        }
        hasher.finish()
    }

    /// Checks the run against the oracle.
    pub fn verdict(&self) -> Verdict {
        let mut verdict = Verdict {
            counts: Counts {
                schedules: 1,
                ..Counts::default()
            },
            problems: Vec::new(),
        };
        let mut expected_memory = initial_image(self.schedule);
        let mut read_buffers = Vec::new();
        for (index, (lane, oracle)) in self.lanes.iter().zip(&self.oracle.lanes).enumerate() {
            for problem in &lane.problems {
                if problem.starts_with("corrupted") {
                    verdict.note(|c| &mut c.corrupted, problem.clone());
                } else {
                    verdict.note(|c| &mut c.misattributed, problem.clone());
                }
            }
            let dropped = lane.dropped + lane.driver.unsolicited_dropped();
            if dropped > 0 {
                verdict.note(
                    |c| &mut c.lost,
                    format!("lane {index}: the driver dropped {dropped} unsolicited statuses"),
                );
            }
            let plans = &self.schedule.lanes[index].requests;
            for (request, (got, expected)) in lane.results.iter().zip(&oracle.results).enumerate() {
                let plan = &plans[request];
                let buffer = buffer_address(index, request) as usize;
                if plan.operation == Operation::Read {
                    read_buffers.push((index, request, buffer, plan.data.len()));
                    if matches!(got, Some(Ok(_))) {
                        expected_memory[buffer..buffer + plan.data.len()]
                            .copy_from_slice(&plan.data);
                    }
                }
                match got {
                    None => {
                        let idle = self.sim.scsw(lane.id).is_some_and(|scsw| {
                            scsw.function_control().is_empty() && !scsw.is_status_pending()
                        });
                        let started = request < lane.next;
                        let what = format!(
                            "lane {index} request {request}: never done (expected {expected:?})"
                        );
                        if started && idle {
                            verdict.note(|c| &mut c.lost, what);
                        } else {
                            verdict.note(|c| &mut c.hung, what);
                        }
                    }
                    Some(result) if !expected.admits(result) => verdict.note(
                        |c| &mut c.misattributed,
                        format!(
                            "lane {index} request {request}: got {result:?}, expected {expected:?}"
                        ),
                    ),
                    Some(_) => {}
                }
            }
            let mut missing = oracle.unsolicited.clone();
            let mut extra = Vec::new();
            for status in &lane.unsolicited {
                match missing.iter().position(|s| s == status) {
                    Some(at) => {
                        missing.swap_remove(at);
                    }
                    None => extra.push(*status),
                }
            }
            for status in missing {
                verdict.note(
                    |c| &mut c.lost,
                    format!("lane {index}: unsolicited {status:?} never delivered"),
                );
            }
            for status in extra {
                verdict.note(
                    |c| &mut c.misattributed,
                    format!("lane {index}: unexpected unsolicited {status:?}"),
                );
            }
        }
        if self.mailbox.dropped() > 0 {
            verdict.note(
                |c| &mut c.lost,
                format!("the mailbox dropped {} statuses", self.mailbox.dropped()),
            );
        }
        let memory = self.sim.memory();
        let memory = memory
            .slice(0, MEMORY_SIZE)
            .unwrap_or_else(|_| unreachable!("the whole arena"));
        for index in 0..self.lanes.len() {
            let sense = sense_address(index) as usize;
            expected_memory[sense..sense + SenseArea::SIZE]
                .copy_from_slice(&memory[sense..sense + SenseArea::SIZE]);
        }
        if memory != &expected_memory[..] {
            for &(lane, request, buffer, len) in &read_buffers {
                if memory[buffer..buffer + len] != expected_memory[buffer..buffer + len] {
                    verdict.note(
                        |c| &mut c.corrupted,
                        format!(
                            "lane {lane} request {request}: buffer holds {:02x?}",
                            &memory[buffer..buffer + len]
                        ),
                    );
                    expected_memory[buffer..buffer + len]
                        .copy_from_slice(&memory[buffer..buffer + len]);
                }
            }
            if let Some(at) = (0..MEMORY_SIZE).find(|&i| memory[i] != expected_memory[i]) {
                verdict.note(
                    |c| &mut c.corrupted,
                    format!("storage at {at:#x} changed outside every buffer"),
                );
            }
        }
        verdict
    }

    /// Runs every action in turn until none changes anything (at most
    /// `rounds` rounds): lets the run settle so that late or duplicate
    /// deliveries show.
    pub fn settle(&mut self, rounds: usize) {
        let actions = self.actions();
        for _ in 0..rounds {
            let mut progress = false;
            for &action in &actions {
                progress |= self.act(action);
            }
            if !progress {
                return;
            }
        }
    }

    /// The simulator's trace.
    pub fn trace(&self) -> String {
        self.sim.trace()
    }
}

/// The storage a run of `schedule` starts with: a fixed background
/// pattern, each request's program and each write's data.
fn initial_image(schedule: &Schedule) -> Vec<u8> {
    static BACKGROUND: OnceLock<Vec<u8>> = OnceLock::new();
    let mut image = BACKGROUND
        .get_or_init(|| {
            let mut rng = Rng::new(0x5EED_BA5E);
            (0..MEMORY_SIZE).map(|_| rng.next_u64() as u8).collect()
        })
        .clone();
    for (index, lane) in schedule.lanes.iter().enumerate() {
        for (r, request) in lane.requests.iter().enumerate() {
            let (program, buffer) = (program_address(index, r), buffer_address(index, r));
            let len = request.data.len() as u16;
            let ccw = match request.operation {
                Operation::Read => Ccw1::new(READ, CcwFlags::SLI, len, buffer),
                Operation::Write => Ccw1::new(WRITE, CcwFlags::SLI, len, buffer),
                Operation::Stall => Ccw1::new(commands::NOOP, CcwFlags::S, 0, 0),
            };
            let program = program as usize;
            image[program..program + 8].copy_from_slice(ccw.as_bytes());
            if request.operation == Operation::Write {
                let buffer = buffer as usize;
                image[buffer..buffer + request.data.len()].copy_from_slice(&request.data);
            }
        }
    }
    image
}

/// The subchannel (number) an event is about, if any.
fn subject(event: &crate::Event) -> Option<u16> {
    match event {
        crate::Event::Instruction { subchannel, .. } => subchannel.map(|id| id.number()),
        crate::Event::Command { subchannel, .. }
        | crate::Event::Suspended { subchannel, .. }
        | crate::Event::StatusPending { subchannel, .. }
        | crate::Event::InterruptionPending { subchannel, .. }
        | crate::Event::InterruptionCleared { subchannel, .. }
        | crate::Event::Unsolicited { subchannel, .. }
        | crate::Event::Fault { subchannel, .. } => Some(subchannel.number()),
        crate::Event::CrwQueued(crw) => Some(crw.reporting_source_id()),
    }
}

/// Feeds what identifies `event` to `hasher` (the common events field by
/// field, the rest as text).
fn hash_event(event: &crate::Event, hasher: &mut impl std::hash::Hasher) {
    use std::hash::Hash;
    match event {
        crate::Event::Instruction {
            name,
            subchannel,
            cc,
        } => (0u8, name, subchannel.map(|id| id.raw()), cc).hash(hasher),
        crate::Event::StatusPending { subchannel, scsw } => {
            (1u8, subchannel.raw(), scsw.words()).hash(hasher)
        }
        crate::Event::InterruptionPending { subchannel, isc } => {
            (2u8, subchannel.raw(), isc).hash(hasher)
        }
        crate::Event::InterruptionCleared { subchannel, how } => {
            (3u8, subchannel.raw(), *how as u8).hash(hasher)
        }
        crate::Event::Command {
            subchannel,
            ccw_address,
            command,
            status,
        } => (4u8, subchannel.raw(), ccw_address, command, status.bits()).hash(hasher),
        other => (5u8, other.to_string()).hash(hasher),
    }
}

/// The driver for request generation `generation` of lane `lane`: stalled
/// requests get short deadlines, the others deadlines they never reach.
fn new_driver(sim: &Simulator, lane: usize, generation: u32, stall: bool) -> Driver<'_> {
    let config = if stall {
        Config {
            timeout_us: STALL_TIMEOUT,
            halt_timeout_us: STALL_TIMEOUT,
            clear_timeout_us: FAR,
            ..Config::default()
        }
    } else {
        Config {
            timeout_us: FAR,
            halt_timeout_us: FAR,
            clear_timeout_us: FAR,
            ..Config::default()
        }
    };
    let area = SenseArea::new(sense_address(lane))
        .unwrap_or_else(|| unreachable!("the sense areas are aligned and low"));
    let first_tag = ((lane as u32 + 1) << 20) | (generation << 8);
    Subchannel::new(sim, sim, lane_id(lane), first_tag)
        .with_sense_area(area)
        .with_config(config)
}

/// STSCH, enable on ISC 3, MSCH.
fn enable(sim: &Simulator, id: SubchannelId) {
    let mut schib = Schib::default();
    sim.store_subchannel(id, &mut schib);
    schib.pmcw.set_enabled(true);
    schib
        .pmcw
        .set_isc(Isc::new(ISC).unwrap_or_else(|| unreachable!("ISC 3 is valid")));
    let modified = sim.modify_subchannel(id, &schib);
    debug_assert_eq!(modified, ModifyResult::Modified);
}

/// Runs the schedule of `seed`, choosing actions at
/// random from the seed, and checks it. Returns the verdict and, when
/// something went wrong, the schedule and the simulator's trace.
///
/// The counts: *lost*, an expected unsolicited status never taken from the
/// driver, a status the driver or mailbox dropped, or a request whose
/// subchannel is idle but the driver never reported its end; *misattributed*,
/// a request ended with a result the oracle does not admit, an unsolicited
/// status not expected (or a function's status among them), a completion
/// with no request; *hung*, a request not done within [`ACTION_BUDGET`]
/// actions while its status is not collected; *corrupted*, a successful
/// read's buffer without the pattern, a successful write whose pattern did
/// not reach the device, or storage changed anywhere else (failed reads'
/// buffers included).
pub fn run_schedule(seed: u64, start: StartFn) -> (Verdict, Option<String>) {
    let schedule = Schedule::generate(seed);
    let oracle = expect(&schedule);
    let sim = World::build(&schedule, &oracle);
    let mailbox = Mailbox::new();
    let mut world = World::new(&sim, &mailbox, &schedule, &oracle, start);
    let actions = world.actions();
    let mut rng = Rng::new(seed.rotate_left(17) ^ 0xAC71_0125);
    for _ in 0..ACTION_BUDGET {
        if world.finished() {
            break;
        }
        let action = actions[rng.below(actions.len())];
        world.act(action);
    }
    world.settle(64);
    let verdict = world.verdict();
    let report = (!verdict.counts.clean()).then(|| {
        format!(
            "schedule: {schedule:?}\noracle: {:?}\ntrace:\n{}",
            oracle.lanes,
            world.trace()
        )
    });
    (verdict, report)
}
