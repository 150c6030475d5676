//! The subchannel driver: one state machine per subchannel that runs a
//! caller's channel program to its end and never loses or misattributes
//! status (PoP, chapter 15 "Basic I/O Functions" and chapter 16 "I/O
//! Interruptions").
//!
//! [`Subchannel`] is driven by three kinds of input, whatever front end
//! delivers them:
//!
//! - [`Subchannel::start`] (SSCH), [`Subchannel::resume`] (RSCH),
//!   [`Subchannel::cancel`] (HSCH);
//! - [`Subchannel::on_status`] with the IRB that TSCH stored, from a poll
//!   ([`Subchannel::poll`]) or from an I/O interruption handler;
//! - [`Subchannel::on_deadline`] when the caller's clock passes
//!   [`Subchannel::deadline`], and [`Subchannel::on_channel_report`] for a
//!   CRW.
//!
//! Each answers an [`Event`]. What the state machine gets right:
//!
//! - SSCH cc 1 (status pending when we start): the status is collected with
//!   TSCH, queued as unsolicited, and SSCH retried; cc 2 is retried a bounded
//!   number of times; cc 3 is [`IoError::NotOperational`].
//! - Deferred cc 1 (the device presented status instead of starting: an
//!   unsolicited status racing our start) queues that status as unsolicited
//!   and restarts; deferred cc 3 (no path) restarts, then gives up as not
//!   operational.
//! - Status without a start, halt or clear function (attention, device end
//!   of an idle device) is unsolicited and never completes a request.
//! - Intermediate status (PCI) is progress; the channel still owns the
//!   program. Suspension is reported and [`Subchannel::resume`] goes on.
//! - Primary status ends the request: unit check fetches sense data with a
//!   basic SENSE when a [`SenseArea`] was given; device busy and
//!   channel-control and interface-control checks are retried, other channel
//!   errors are not.
//! - A request that outlives its deadline is halted (HSCH), then cleared
//!   (CSCH), then given up on, each with its own deadline.
//! - A CRW saying the subchannel is gone fails the request instead of
//!   leaving it to hang.
//!
//! The ORB's interruption parameter is set to a request tag, so an
//! interruption handler can tell which request an interruption belongs to.

mod clock;
mod error;
mod future;
mod interrupt;
mod once;

pub use clock::Clock;
#[cfg(target_arch = "s390x")]
pub use clock::TodClock;
pub use error::{Escalation, IoError, RetryCause, SenseData};
pub use future::Transfer;
pub use interrupt::StatusMailbox;
pub use once::{run_once, POLL_LIMIT};

use crate::css::ChannelSubsystem;
use crate::instructions::{
    ClearResult, HaltResult, ResumeResult, StartResult, StoreResult, TestSubchannelResult,
};
use crate::memory::{is_channel_area, ChannelMemory};
use crate::structures::{
    commands, Ccw1, CcwFlags, Crw, Irb, Orb, ReportingSource, Schib, Scsw, SubchannelId,
    SubchannelStatus,
};
use heapless::Deque;

/// Limits of a [`Subchannel`]: retries and deadlines (microseconds).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Config {
    /// SSCH attempts answered with cc 1 or cc 2 before giving up.
    pub start_attempts: u32,
    /// Restarts after deferred cc 1 or 3, a path that stopped answering
    /// during the program, channel-control or interface-control checks.
    pub error_retries: u32,
    /// Whether a channel-control or interface-control check restarts the
    /// program. Such a check may come after data moved, so a program that
    /// must not run twice (a printer line, a card feed) turns this off and
    /// gets [`IoError::Channel`] instead.
    pub retry_channel_checks: bool,
    /// How long a request may run before it is halted.
    pub timeout_us: u64,
    /// How long a halt may take before the subchannel is cleared.
    pub halt_timeout_us: u64,
    /// How long a clear may take before the request is given up.
    pub clear_timeout_us: u64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            start_attempts: 16,
            error_retries: 3,
            retry_channel_checks: true,
            timeout_us: 10_000_000,
            halt_timeout_us: 1_000_000,
            clear_timeout_us: 1_000_000,
        }
    }
}

/// 40 bytes of channel-addressable storage, doubleword aligned and below
/// 2 GiB, reserved for the driver's basic SENSE: the CCW at `address`, up to
/// 32 sense bytes after it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct SenseArea {
    address: u32,
}

impl SenseArea {
    /// Bytes of storage the area needs.
    pub const SIZE: usize = 8 + SenseData::CAPACITY;

    /// An area at `address`; `None` unless it is doubleword aligned and
    /// ends below 2 GiB.
    pub const fn new(address: u32) -> Option<Self> {
        if is_channel_area(address, Self::SIZE, 8) {
            Some(SenseArea { address })
        } else {
            None
        }
    }

    /// Where the SENSE CCW goes.
    pub const fn address(self) -> u32 {
        self.address
    }
}

/// A successfully ended request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Completion {
    /// The IRB that ended it (primary status).
    pub irb: Irb,
    /// How many intermediate (PCI) statuses came before.
    pub intermediate_statuses: u32,
    /// How often the start was retried.
    pub retries: u32,
}

impl Completion {
    /// Bytes of the last CCW not transferred.
    pub fn residual_count(&self) -> u16 {
        self.irb.scsw.residual_count()
    }
}

/// What one input to the state machine produced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// Nothing for the caller yet.
    Pending,
    /// Intermediate status (PCI): the program goes on, the channel still
    /// owns its storage.
    Progress(Scsw),
    /// The program suspended itself; [`Subchannel::resume`] continues it.
    Suspended(Scsw),
    /// Status that belongs to no request; also kept in the unsolicited
    /// queue ([`Subchannel::take_unsolicited`]).
    Unsolicited(Scsw),
    /// The request ended; the channel no longer uses its storage.
    Done(Result<Completion, IoError>),
}

/// The tag of a started request: its ORB's interruption parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct RequestTag(pub u32);

#[derive(Clone, Copy, Debug)]
struct Request {
    tag: RequestTag,
    orb: Orb,
    retries: u32,
    intermediate: u32,
    deadline: u64,
}

#[derive(Clone, Copy, Debug)]
enum State {
    Idle,
    Started(Request),
    Halting(Request, Escalation),
    Clearing(Request),
    Sensing(Request, Scsw),
    NotOperational,
}

/// Unsolicited statuses kept until the caller takes them.
const UNSOLICITED_CAPACITY: usize = 8;

/// One subchannel's driver state. See the module documentation.
pub struct Subchannel<'a, C: ChannelSubsystem, M: ChannelMemory> {
    css: &'a C,
    memory: &'a M,
    id: SubchannelId,
    sense: Option<SenseArea>,
    config: Config,
    state: State,
    next_tag: u32,
    unsolicited: Deque<Irb, UNSOLICITED_CAPACITY>,
    unsolicited_dropped: u32,
}

impl<'a, C: ChannelSubsystem, M: ChannelMemory> Subchannel<'a, C, M> {
    /// A driver for the enabled subchannel `id`. Request tags start at
    /// `first_tag` (give each subchannel its own range to tell their
    /// interruptions apart).
    pub fn new(css: &'a C, memory: &'a M, id: SubchannelId, first_tag: u32) -> Self {
        Subchannel {
            css,
            memory,
            id,
            sense: None,
            config: Config::default(),
            state: State::Idle,
            next_tag: first_tag,
            unsolicited: Deque::new(),
            unsolicited_dropped: 0,
        }
    }

    /// Uses `config`'s limits.
    pub fn with_config(mut self, config: Config) -> Self {
        self.config = config;
        self
    }

    /// The limits in use.
    pub fn config(&self) -> Config {
        self.config
    }

    /// Fetches sense data with a basic SENSE into `area` after a unit check.
    pub fn with_sense_area(mut self, area: SenseArea) -> Self {
        self.sense = Some(area);
        self
    }

    /// The subchannel this driver owns.
    pub fn id(&self) -> SubchannelId {
        self.id
    }

    /// The channel subsystem this driver talks to.
    pub fn css(&self) -> &'a C {
        self.css
    }

    /// Gives up on the request in progress: CSCH, and the driver is idle
    /// again. The caller must still collect the clear's status before the
    /// program's storage is reused (the async front end does, on drop).
    pub(crate) fn abandon(&mut self) {
        if self.css.clear_subchannel(self.id) == ClearResult::NotOperational {
            self.state = State::NotOperational;
        } else {
            self.state = State::Idle;
        }
    }

    /// Whether no request is in progress.
    pub fn is_idle(&self) -> bool {
        matches!(self.state, State::Idle)
    }

    /// The tag of the request in progress.
    pub fn current_tag(&self) -> Option<RequestTag> {
        match self.state {
            State::Started(r)
            | State::Halting(r, _)
            | State::Clearing(r)
            | State::Sensing(r, _) => Some(r.tag),
            State::Idle | State::NotOperational => None,
        }
    }

    /// When [`Subchannel::on_deadline`] is due, if a request is in progress.
    pub fn deadline(&self) -> Option<u64> {
        match self.state {
            State::Started(r)
            | State::Halting(r, _)
            | State::Clearing(r)
            | State::Sensing(r, _) => Some(r.deadline),
            State::Idle | State::NotOperational => None,
        }
    }

    /// The oldest unsolicited status not yet taken.
    pub fn take_unsolicited(&mut self) -> Option<Irb> {
        self.unsolicited.pop_front()
    }

    /// The oldest unsolicited status that `wanted` accepts, taken from the
    /// queue; the others stay, in order (for a device driver that handles
    /// one kind of unsolicited status and leaves the rest to its caller).
    pub fn take_unsolicited_if(&mut self, wanted: impl Fn(&Irb) -> bool) -> Option<Irb> {
        let position = self.unsolicited.iter().position(wanted)?;
        interrupt::remove_at(&mut self.unsolicited, position)
    }

    /// Unsolicited statuses dropped because the queue was full (the oldest
    /// go first).
    pub fn unsolicited_dropped(&self) -> u32 {
        self.unsolicited_dropped
    }

    fn queue_unsolicited(&mut self, irb: Irb) -> Event {
        if self.unsolicited.is_full() {
            self.unsolicited.pop_front();
            self.unsolicited_dropped += 1;
        }
        self.unsolicited.push_back(irb).ok();
        Event::Unsolicited(irb.scsw)
    }

    /// Starts the channel program of `orb` (its interruption parameter is
    /// replaced by the request's tag) at time `now`.
    ///
    /// # Safety
    /// The channel program and every data area it names must stay valid and
    /// untouched by the program until this driver reports
    /// [`Event::Done`] for the request (the channel may use them until
    /// then, including for retries).
    pub unsafe fn start(&mut self, orb: Orb, now: u64) -> Result<RequestTag, IoError> {
        match self.state {
            State::Idle => {}
            State::NotOperational => return Err(IoError::NotOperational),
            _ => return Err(IoError::Busy),
        }
        let tag = RequestTag(self.next_tag);
        self.next_tag = self.next_tag.wrapping_add(1);
        let request = Request {
            tag,
            orb: orb.with_interruption_parameter(tag.0),
            retries: 0,
            intermediate: 0,
            deadline: now.saturating_add(self.config.timeout_us),
        };
        // SAFETY: forwarded from the caller.
        unsafe { self.issue_start(request) }?;
        Ok(tag)
    }

    /// SSCH for `request`, handling cc 1 and cc 2; on cc 0 the request is
    /// in progress.
    ///
    /// # Safety
    /// As for [`Subchannel::start`].
    unsafe fn issue_start(&mut self, request: Request) -> Result<(), IoError> {
        let mut last = StartResult::Busy;
        for _ in 0..self.config.start_attempts {
            // SAFETY: forwarded from the caller.
            last = unsafe { self.css.start_subchannel(self.id, &request.orb) };
            match last {
                StartResult::Started => {
                    self.state = State::Started(request);
                    return Ok(());
                }
                StartResult::StatusPending => {
                    let mut irb = Irb::default();
                    if self.css.test_subchannel(self.id, &mut irb)
                        == TestSubchannelResult::StatusWasPending
                    {
                        self.queue_unsolicited(irb);
                    }
                }
                StartResult::Busy => {}
                StartResult::NotOperational => {
                    self.state = State::NotOperational;
                    return Err(IoError::NotOperational);
                }
            }
        }
        self.state = State::Idle;
        Err(IoError::StartRefused(last))
    }

    /// Restarts `request` after a retryable failure, or ends it when its
    /// retries are used up.
    fn retry(&mut self, mut request: Request, cause: RetryCause) -> Event {
        if request.retries >= self.config.error_retries {
            self.state = State::Idle;
            return Event::Done(Err(IoError::RetriesExhausted {
                retries: request.retries,
                last: cause,
            }));
        }
        request.retries += 1;
        // SAFETY: the caller of `start` keeps the program valid until Done,
        // which has not been reported for this request.
        match unsafe { self.issue_start(request) } {
            Ok(()) => Event::Pending,
            Err(error) => Event::Done(Err(error)),
        }
    }

    /// TSCH, and [`Subchannel::on_status`] if status was pending.
    pub fn poll(&mut self) -> Event {
        let mut irb = Irb::default();
        match self.css.test_subchannel(self.id, &mut irb) {
            TestSubchannelResult::StatusWasPending => self.on_status(&irb),
            TestSubchannelResult::NoStatusPending => Event::Pending,
            TestSubchannelResult::NotOperational => self.gone(),
        }
    }

    /// The subchannel is gone: fail the request in progress.
    fn gone(&mut self) -> Event {
        let had_request = self.current_tag().is_some();
        self.state = State::NotOperational;
        if had_request {
            Event::Done(Err(IoError::NotOperational))
        } else {
            Event::Pending
        }
    }

    /// Takes the IRB that TSCH stored (cc 0) for this subchannel.
    pub fn on_status(&mut self, irb: &Irb) -> Event {
        let scsw = irb.scsw;
        let function = scsw.function_control();
        if function.is_empty() {
            return self.queue_unsolicited(*irb);
        }
        match self.state {
            State::Idle | State::NotOperational => self.queue_unsolicited(*irb),
            State::Started(request) => self.on_start_status(request, irb),
            State::Halting(request, escalation) => {
                if function.halt() || function.clear() {
                    self.state = State::Idle;
                    Event::Done(Err(IoError::TimedOut { escalation, scsw }))
                } else {
                    self.on_start_status(request, irb)
                }
            }
            State::Clearing(_) => {
                if function.clear() {
                    self.state = State::Idle;
                    Event::Done(Err(IoError::TimedOut {
                        escalation: Escalation::Cleared,
                        scsw,
                    }))
                } else {
                    self.queue_unsolicited(*irb)
                }
            }
            State::Sensing(request, unit_check) => self.on_sense_status(request, unit_check, irb),
        }
    }

    fn on_start_status(&mut self, mut request: Request, irb: &Irb) -> Event {
        let scsw = irb.scsw;
        match scsw.deferred_condition() {
            Some(1) => {
                // The device presented status instead of starting: that
                // status is the device's own (unsolicited), the start is
                // still to be done.
                self.queue_unsolicited(*irb);
                return self.retry(request, RetryCause::DeferredStatusPending);
            }
            Some(3) => return self.retry(request, RetryCause::NoPath(scsw)),
            _ => {}
        }
        let status = scsw.status_control();
        if !status.primary() {
            if scsw.is_suspended() {
                return Event::Suspended(scsw);
            }
            if status.intermediate() {
                request.intermediate += 1;
                self.state = State::Started(request);
                return Event::Progress(scsw);
            }
            // Neither primary nor intermediate: nothing this request waits
            // for (e.g. a secondary device end after its primary status).
            return self.queue_unsolicited(*irb);
        }
        if scsw.path_not_operational() && !scsw.device_status().channel_end() {
            // The path in use stopped answering and the program ended
            // without the device's ending status: nothing says it ran to
            // its end (PoP, chapter 16 "I/O Interruptions", the SCSW's
            // path-not-operational bit).
            return self.retry(request, RetryCause::NoPath(scsw));
        }
        let channel = scsw.subchannel_status();
        let retryable = SubchannelStatus::CHANNEL_CONTROL_CHECK
            .union(SubchannelStatus::INTERFACE_CONTROL_CHECK);
        if channel.intersects(retryable) {
            if self.config.retry_channel_checks {
                return self.retry(request, RetryCause::ChannelCheck(scsw));
            }
            self.state = State::Idle;
            return Event::Done(Err(IoError::Channel { scsw }));
        }
        let fatal = channel.difference(
            SubchannelStatus::PROGRAM_CONTROLLED_INTERRUPTION
                .union(SubchannelStatus::INCORRECT_LENGTH),
        );
        if !fatal.is_empty() {
            self.state = State::Idle;
            return Event::Done(Err(IoError::Channel { scsw }));
        }
        let device = scsw.device_status();
        if device.busy() && !device.unit_check() {
            // The device (or its control unit) was busy: the start was not
            // performed.
            return self.retry(request, RetryCause::DeviceBusy(scsw));
        }
        if device.unit_check() {
            return self.start_sense(request, scsw);
        }
        self.state = State::Idle;
        if device.unit_exception() {
            return Event::Done(Err(IoError::UnitException { scsw }));
        }
        if channel.incorrect_length() {
            return Event::Done(Err(IoError::IncorrectLength { scsw }));
        }
        Event::Done(Ok(Completion {
            irb: *irb,
            intermediate_statuses: request.intermediate,
            retries: request.retries,
        }))
    }

    /// After a unit check: basic SENSE into the sense area, if there is one.
    fn start_sense(&mut self, request: Request, unit_check: Scsw) -> Event {
        let Some(area) = self.sense else {
            self.state = State::Idle;
            return Event::Done(Err(IoError::UnitCheck {
                scsw: unit_check,
                sense: None,
            }));
        };
        let ccw = Ccw1::new(
            commands::SENSE,
            CcwFlags::SLI,
            SenseData::CAPACITY as u16,
            area.address + 8,
        );
        self.memory.write(area.address, ccw.as_bytes());
        let orb = Orb::new(area.address).with_interruption_parameter(request.tag.0);
        // SAFETY: the sense area is reserved for this driver (its
        // constructor's contract) and stays valid; the SENSE ends before
        // the request is reported done.
        match unsafe { self.css.start_subchannel(self.id, &orb) } {
            StartResult::Started => {
                self.state = State::Sensing(request, unit_check);
                Event::Pending
            }
            StartResult::NotOperational => {
                self.state = State::NotOperational;
                Event::Done(Err(IoError::UnitCheck {
                    scsw: unit_check,
                    sense: None,
                }))
            }
            StartResult::StatusPending | StartResult::Busy => {
                self.state = State::Idle;
                Event::Done(Err(IoError::UnitCheck {
                    scsw: unit_check,
                    sense: None,
                }))
            }
        }
    }

    fn on_sense_status(&mut self, request: Request, unit_check: Scsw, irb: &Irb) -> Event {
        let scsw = irb.scsw;
        if !scsw.status_control().primary() {
            self.state = State::Sensing(request, unit_check);
            return Event::Pending;
        }
        self.state = State::Idle;
        let sense = match (self.sense, scsw.device_status().unit_check()) {
            (Some(area), false)
                if scsw
                    .subchannel_status()
                    .difference(SubchannelStatus::INCORRECT_LENGTH)
                    .is_empty() =>
            {
                let received = SenseData::CAPACITY
                    .saturating_sub(usize::from(scsw.residual_count()))
                    .min(SenseData::CAPACITY);
                let mut bytes = [0u8; SenseData::CAPACITY];
                self.memory.read(area.address + 8, &mut bytes[..received]);
                Some(SenseData::new(bytes, received))
            }
            _ => None,
        };
        Event::Done(Err(IoError::UnitCheck {
            scsw: unit_check,
            sense,
        }))
    }

    /// Resumes a suspended program (RSCH).
    pub fn resume(&mut self) -> Result<(), IoError> {
        if !matches!(self.state, State::Started(_)) {
            return Err(IoError::NotSuspended);
        }
        // SAFETY: the request's program is still owned by the channel (no
        // Done reported), per `start`'s contract.
        match unsafe { self.css.resume_subchannel(self.id) } {
            ResumeResult::Resumed => Ok(()),
            ResumeResult::NotOperational => {
                self.state = State::NotOperational;
                Err(IoError::NotOperational)
            }
            ResumeResult::StatusPending | ResumeResult::NotApplicable => Err(IoError::NotSuspended),
        }
    }

    /// Ends the request in progress early: HSCH, and the request ends with
    /// [`IoError::TimedOut`] ([`Escalation::Halted`]) when the halt status
    /// arrives (or normally, if it finished first).
    pub fn cancel(&mut self, now: u64) -> Event {
        match self.state {
            State::Started(request) | State::Sensing(request, _) => self.halt(request, now),
            _ => Event::Pending,
        }
    }

    fn halt(&mut self, mut request: Request, now: u64) -> Event {
        let result = self.css.halt_subchannel(self.id);
        request.deadline = now.saturating_add(self.config.halt_timeout_us);
        self.state = State::Halting(request, Escalation::Halted);
        match result {
            HaltResult::Initiated | HaltResult::Busy => Event::Pending,
            // Status is pending whose interruption never came (or is still
            // on its way): it may well be the request's end. Take it now.
            HaltResult::StatusPending => self.poll(),
            HaltResult::NotOperational => self.gone(),
        }
    }

    fn clear(&mut self, mut request: Request, now: u64) -> Event {
        match self.css.clear_subchannel(self.id) {
            ClearResult::Initiated => {
                request.deadline = now.saturating_add(self.config.clear_timeout_us);
                self.state = State::Clearing(request);
                Event::Pending
            }
            ClearResult::NotOperational => self.gone(),
        }
    }

    /// The deadline passed at `now`: halt a running request, clear a halting
    /// one, give up on a clearing one.
    pub fn on_deadline(&mut self, now: u64) -> Event {
        match self.state {
            State::Started(request) | State::Sensing(request, _) if now >= request.deadline => {
                self.halt(request, now)
            }
            State::Halting(request, _) if now >= request.deadline => self.clear(request, now),
            State::Clearing(request) if now >= request.deadline => {
                self.state = State::NotOperational;
                Event::Done(Err(IoError::TimedOut {
                    escalation: Escalation::ClearFailed,
                    scsw: Scsw::new(),
                }))
            }
            _ => Event::Pending,
        }
    }

    /// A channel report: if it is about this subchannel and STSCH says the
    /// device is gone, the request in progress fails.
    pub fn on_channel_report(&mut self, crw: Crw) -> Event {
        if crw.reporting_source() != ReportingSource::Subchannel
            || crw.reporting_source_id() != self.id.number()
        {
            return Event::Pending;
        }
        let mut schib = Schib::default();
        match self.css.store_subchannel(self.id, &mut schib) {
            StoreResult::Stored if schib.pmcw.is_device_number_valid() => Event::Pending,
            _ => self.gone(),
        }
    }

    /// Runs `orb`'s program to its end by polling TSCH, escalating at the
    /// deadlines on `clock`. Unsolicited status stays in the queue;
    /// intermediate status and suspension are waited out (a suspended
    /// program is halted at its deadline).
    ///
    /// # Safety
    /// As for [`Subchannel::start`]; when this returns, the channel no
    /// longer uses the program.
    pub unsafe fn run_polled<K: Clock>(
        &mut self,
        orb: Orb,
        clock: &K,
    ) -> Result<Completion, IoError> {
        // SAFETY: forwarded from the caller.
        unsafe { self.start(orb, clock.now_us()) }?;
        loop {
            if let Event::Done(result) = self.poll() {
                return result;
            }
            let now = clock.now_us();
            if self.deadline().is_some_and(|deadline| now >= deadline) {
                if let Event::Done(result) = self.on_deadline(now) {
                    return result;
                }
            }
        }
    }
}
