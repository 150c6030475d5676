//! The simulated channel subsystem: subchannels, the channel engine, the
//! interruption queues and the I/O instructions.

use std::cell::{Ref, RefCell, RefMut};
use std::collections::{BTreeMap, VecDeque};

use s390_cio::css::ChannelSubsystem;
use s390_cio::instructions::{
    CancelResult, ClearResult, HaltResult, InterruptionCode, ModifyResult, ResumeResult,
    StartResult, StoreResult, TestSubchannelResult,
};
use s390_cio::structures::{
    commands, ActivityControl, Crw, DeviceStatus, ErrorRecoveryCode, Esw, ExtendedReportWord,
    FunctionControl, Irb, Isc, Orb, Pmcw, ReportingSource, Schib, Scsw, StatusControl,
    SubchannelId, SubchannelLogout, SubchannelStatus,
};

use crate::ccw::{fetch_ccw, ChannelContext, DecodedCcw};
use crate::device::Device;
use crate::event::{Event, EventLog, Taken};
use crate::fault::{Fault, FaultPlan, Point};
use crate::memory::{Memory, DEFAULT_SIZE};
use crate::stream::DataStream;

/// How many steps [`Simulator::run_until_idle`] takes at most.
pub const STEP_LIMIT: usize = 100_000;

/// Settings of a [`Simulator`].
#[derive(Debug, Clone)]
pub struct Options {
    /// Size of main storage in bytes.
    pub memory_size: usize,
    /// Run the channel to idle inside SSCH, RSCH, HSCH and CSCH, so that
    /// code that polls TSCH without stepping (such as
    /// `s390_cio::driver::run_once`) sees its status.
    pub synchronous: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            memory_size: DEFAULT_SIZE,
            synchronous: false,
        }
    }
}

/// One subchannel and the device behind it.
struct Subchannel {
    id: SubchannelId,
    pmcw: Pmcw,
    scsw: Scsw,
    device: Option<Box<dyn Device>>,
    /// A device that vanished, kept for [`Simulator::reattach`].
    detached: Option<Box<dyn Device>>,
    orb: Orb,
    /// Address of the next CCW the channel fetches.
    next_ccw: u32,
    /// Concurrent sense for the IRB's ECW.
    ecw: Option<Vec<u8>>,
    /// Sense bytes of an injected unit check, for the next SENSE.
    injected_sense: Option<Vec<u8>>,
    /// Unsolicited status the device holds until the subchannel is free.
    stacked: VecDeque<DeviceStatus>,
    /// Steps left before the pending status is made an interruption request.
    interruption_delay: u32,
    /// An interruption request waits for the delay to run out.
    interruption_deferred: bool,
    /// Steps left before a pending halt or clear function is performed.
    halt_or_clear_delay: u32,
}

impl Subchannel {
    fn fc(&self) -> FunctionControl {
        self.scsw.function_control()
    }
    fn ac(&self) -> ActivityControl {
        self.scsw.activity_control()
    }
    fn sc(&self) -> StatusControl {
        self.scsw.status_control()
    }
    fn set_fc(&mut self, fc: FunctionControl) {
        self.scsw = self.scsw.with_function_control(fc);
    }
    fn set_ac(&mut self, ac: ActivityControl) {
        self.scsw = self.scsw.with_activity_control(ac);
    }
    fn set_sc(&mut self, sc: StatusControl) {
        self.scsw = self.scsw.with_status_control(sc);
    }
    fn operational(&self) -> bool {
        self.pmcw.is_device_number_valid() && self.pmcw.is_enabled()
    }
    fn status_pending(&self) -> bool {
        self.sc().status_pending()
    }
    fn intermediate_alone(&self) -> bool {
        self.sc() == StatusControl::INTERMEDIATE | StatusControl::STATUS_PENDING
    }
    fn channel_context(&self) -> ChannelContext {
        ChannelContext::from_orb(&self.orb)
    }
}

/// The mutable state behind the `&self` instruction methods.
struct State {
    memory: Memory,
    subchannels: BTreeMap<u32, Subchannel>,
    /// Pending I/O interruptions per ISC, in the order they became pending.
    pending: [VecDeque<SubchannelId>; 8],
    /// The ISC mask of control register 6 (bit 0x80 >> n enables ISC n).
    isc_mask: u8,
    crws: VecDeque<Crw>,
    log: EventLog,
    faults: FaultPlan,
    step: u64,
    next_number: u16,
}

impl State {
    fn log(&mut self, event: Event) {
        self.log.push(self.step, event);
    }

    fn instruction(&mut self, name: &'static str, id: Option<SubchannelId>, cc: u8) {
        self.log(Event::Instruction {
            name,
            subchannel: id,
            cc,
        });
    }

    fn sub(&mut self, id: SubchannelId) -> Option<&mut Subchannel> {
        self.subchannels.get_mut(&id.raw())
    }

    /// Makes the subchannel status pending with `sc` (status pending is
    /// added) and requests an interruption for it.
    fn make_pending(&mut self, id: SubchannelId, sc: StatusControl) {
        let fault = self.fault(id, Point::Status);
        let delay = match fault {
            Some(Fault::DelayInterruption { steps }) => steps,
            _ => 0,
        };
        let Some(sub) = self.sub(id) else { return };
        let sc = sc | StatusControl::STATUS_PENDING;
        sub.set_sc(sc);
        let scsw = sub.scsw;
        self.log(Event::StatusPending {
            subchannel: id,
            scsw,
        });
        if fault == Some(Fault::NoInterruption) {
            return;
        }
        if delay > 0 {
            if let Some(sub) = self.sub(id) {
                sub.interruption_delay = delay;
                sub.interruption_deferred = true;
            }
        } else {
            self.queue_interruption(id);
        }
    }

    fn queue_interruption(&mut self, id: SubchannelId) {
        let Some(sub) = self.sub(id) else { return };
        let isc = sub.pmcw.isc().value();
        if self.pending.iter().any(|q| q.contains(&id)) {
            return;
        }
        self.pending[usize::from(isc)].push_back(id);
        self.log(Event::InterruptionPending {
            subchannel: id,
            isc,
        });
    }

    fn withdraw_interruption(&mut self, id: SubchannelId) {
        let mut found = false;
        for queue in &mut self.pending {
            if let Some(i) = queue.iter().position(|&q| q == id) {
                queue.remove(i);
                found = true;
            }
        }
        if let Some(sub) = self.sub(id) {
            sub.interruption_deferred = false;
        }
        if found {
            self.log(Event::InterruptionCleared {
                subchannel: id,
                how: Taken::Withdrawn,
            });
        }
    }

    /// Takes the highest-priority interruption of an enabled ISC.
    fn take_interruption(&mut self, how: Taken) -> Option<InterruptionCode> {
        let isc =
            (0..8).find(|&i| self.isc_mask & (0x80 >> i) != 0 && !self.pending[i].is_empty())?;
        let id = self.pending[isc].pop_front()?;
        let parameter = self.sub(id).map_or(0, |s| s.pmcw.interruption_parameter());
        self.log(Event::InterruptionCleared {
            subchannel: id,
            how,
        });
        Some(InterruptionCode {
            subchannel_id: id.raw(),
            interruption_parameter: parameter,
        })
    }

    fn queue_crw(&mut self, crw: Crw) {
        self.crws.push_back(crw);
        self.log(Event::CrwQueued(crw));
    }

    /// One unit of channel work on every subchannel that has some.
    fn step(&mut self) -> bool {
        self.step += 1;
        let ids: Vec<u32> = self.subchannels.keys().copied().collect();
        let mut worked = false;
        for raw in ids {
            worked |= self.work(raw);
        }
        worked
    }

    fn work(&mut self, raw: u32) -> bool {
        let Some(sub) = self.subchannels.get_mut(&raw) else {
            return false;
        };
        let id = sub.id;
        if sub.interruption_deferred {
            sub.interruption_delay = sub.interruption_delay.saturating_sub(1);
            if sub.interruption_delay == 0 {
                sub.interruption_deferred = false;
                self.queue_interruption(id);
            }
            return true;
        }
        let (fc, ac) = (sub.fc(), sub.ac());
        if (ac.clear_pending() || ac.halt_pending()) && sub.halt_or_clear_delay > 0 {
            sub.halt_or_clear_delay -= 1;
            return true;
        }
        if ac.clear_pending() {
            self.perform_clear(id);
            return true;
        }
        if ac.halt_pending() {
            self.perform_halt(id);
            return true;
        }
        let sub = &self.subchannels[&raw];
        // The channel goes on while only intermediate status is pending.
        if sub.status_pending() && !sub.intermediate_alone() {
            return false;
        }
        if fc.start() && ac.start_pending() {
            self.begin_start(id);
            true
        } else if fc.start() && ac.suspended() && ac.resume_pending() {
            self.resume(id);
            true
        } else if fc.start() && ac.subchannel_active() {
            self.execute_ccw(id)
        } else if fc.is_empty() && !sub.status_pending() && !sub.stacked.is_empty() {
            self.present_unsolicited(id);
            true
        } else {
            false
        }
    }

    fn fault(&mut self, id: SubchannelId, point: Point) -> Option<Fault> {
        let fault = self.faults.check(id, point)?;
        self.log(Event::Fault {
            subchannel: id,
            fault: fault.clone(),
        });
        Some(fault)
    }

    /// A halt or clear was just initiated: a `LateHaltOrClear` fault holds
    /// it back; without one it goes ahead at once (a clear also ends the
    /// wait of a late halt it supersedes).
    fn delay_halt_or_clear(&mut self, id: SubchannelId) {
        let steps = match self.fault(id, Point::HaltOrClear) {
            Some(Fault::LateHaltOrClear { steps }) => steps,
            _ => 0,
        };
        if let Some(sub) = self.sub(id) {
            sub.halt_or_clear_delay = steps;
        }
    }

    fn begin_start(&mut self, id: SubchannelId) {
        let fault = self.fault(id, Point::Start);
        let Some(sub) = self.sub(id) else { return };
        let paths = sub.orb.lpm() & sub.pmcw.pam() & sub.pmcw.pom();
        let stacked = sub.stacked.pop_front();
        let deferred = match (fault, stacked) {
            (Some(Fault::DeferredCc1 { status }), _) | (_, Some(status)) => Some((1, status)),
            (Some(Fault::DeferredCc3), _) => Some((3, DeviceStatus::empty())),
            _ if paths == 0 => Some((3, DeviceStatus::empty())),
            (Some(Fault::DeviceBusy), _) => {
                sub.set_ac(ActivityControl::empty());
                sub.scsw = sub
                    .scsw
                    .with_device_status(DeviceStatus::BUSY)
                    .with_ccw_address(sub.orb.channel_program_address());
                self.make_pending(
                    id,
                    StatusControl::PRIMARY | StatusControl::SECONDARY | StatusControl::ALERT,
                );
                return;
            }
            _ => None,
        };
        if let Some((cc, status)) = deferred {
            // The start function is not performed; start pending stays
            // until TSCH (PoP: deferred condition code).
            sub.scsw = sub.scsw.with_deferred_cc(cc).with_device_status(status);
            self.make_pending(id, StatusControl::ALERT);
            return;
        }
        sub.pmcw.set_lpum(0x80);
        sub.next_ccw = sub.orb.channel_program_address();
        sub.set_ac(ActivityControl::SUBCHANNEL_ACTIVE | ActivityControl::DEVICE_ACTIVE);
        if let Some(device) = sub.device.as_mut() {
            device.start();
        }
        self.execute_ccw(id);
    }

    fn resume(&mut self, id: SubchannelId) {
        let Some(sub) = self.sub(id) else { return };
        sub.set_ac(ActivityControl::SUBCHANNEL_ACTIVE | ActivityControl::DEVICE_ACTIVE);
        self.execute_ccw(id);
    }

    /// Ends the start function with `sc` status (primary and secondary
    /// included), the CCW address, device and subchannel status and
    /// residual count given.
    fn end_program(
        &mut self,
        id: SubchannelId,
        ccw_address: u32,
        device: DeviceStatus,
        channel: SubchannelStatus,
        residual: u16,
    ) {
        let Some(sub) = self.sub(id) else { return };
        let channel = channel
            | (sub.scsw.subchannel_status() & SubchannelStatus::PROGRAM_CONTROLLED_INTERRUPTION);
        let alert = device.intersects(
            DeviceStatus::ATTENTION
                | DeviceStatus::UNIT_CHECK
                | DeviceStatus::UNIT_EXCEPTION
                | DeviceStatus::BUSY,
        ) || !channel
            .difference(SubchannelStatus::PROGRAM_CONTROLLED_INTERRUPTION)
            .is_empty()
            || sub.scsw.path_not_operational();
        sub.scsw = sub
            .scsw
            .with_ccw_address(ccw_address)
            .with_device_status(device)
            .with_subchannel_status(channel)
            .with_residual_count(residual);
        let kept = sub.ac() & (ActivityControl::RESUME_PENDING | ActivityControl::HALT_PENDING);
        sub.set_ac(kept.difference(ActivityControl::RESUME_PENDING));
        let mut sc = StatusControl::PRIMARY | StatusControl::SECONDARY;
        if alert {
            sc |= StatusControl::ALERT;
        }
        if sub.sc().intermediate() {
            sc |= StatusControl::INTERMEDIATE;
        }
        self.make_pending(id, sc);
    }

    /// Intermediate status: PCI or suspension.
    fn intermediate(&mut self, id: SubchannelId, channel: SubchannelStatus) {
        let Some(sub) = self.sub(id) else { return };
        if sub.status_pending() && !sub.intermediate_alone() {
            return;
        }
        sub.scsw = sub
            .scsw
            .with_subchannel_status(sub.scsw.subchannel_status() | channel);
        self.make_pending(id, StatusControl::INTERMEDIATE);
    }

    /// Fetches and performs the next CCW; false if the device holds it
    /// back (no work done).
    fn execute_ccw(&mut self, id: SubchannelId) -> bool {
        let State {
            memory,
            subchannels,
            ..
        } = self;
        let Some(sub) = subchannels.get_mut(&id.raw()) else {
            return false;
        };
        let context = sub.channel_context();
        let (address, ccw) = match fetch_ccw(memory, &context, sub.next_ccw, false) {
            Ok(found) => found,
            Err(check) => {
                self.end_program(
                    id,
                    check.address.wrapping_add(8),
                    DeviceStatus::empty(),
                    check.status,
                    0,
                );
                return true;
            }
        };
        if sub.device.as_ref().is_some_and(|d| d.holds(ccw.command)) {
            return false;
        }
        if ccw.flags.suspend() {
            if sub.ac().resume_pending() {
                sub.set_ac(sub.ac().difference(ActivityControl::RESUME_PENDING));
            } else {
                self.suspend(id, address);
                return true;
            }
        }
        if ccw.flags.program_controlled_interruption() {
            self.intermediate(id, SubchannelStatus::PROGRAM_CONTROLLED_INTERRUPTION);
        }
        match self.fault(id, Point::Command) {
            None => {}
            Some(fault) => {
                self.command_fault(id, address, ccw, fault);
                return true;
            }
        }
        self.run_command(id, address, ccw);
        true
    }

    fn command_fault(&mut self, id: SubchannelId, address: u32, ccw: DecodedCcw, fault: Fault) {
        let next = address.wrapping_add(8);
        let done = crate::device::DONE;
        match fault {
            Fault::UnitCheck { sense } => {
                let Some(sub) = self.sub(id) else { return };
                if sub.pmcw.concurrent_sense() {
                    sub.ecw = Some(sense.clone());
                }
                sub.injected_sense = Some(sense);
                self.log(Event::Command {
                    subchannel: id,
                    ccw_address: address,
                    command: ccw.command,
                    status: done | DeviceStatus::UNIT_CHECK,
                });
                self.end_program(
                    id,
                    next,
                    done | DeviceStatus::UNIT_CHECK,
                    SubchannelStatus::empty(),
                    ccw.count,
                );
            }
            Fault::ChannelControlCheck => self.end_program(
                id,
                next,
                DeviceStatus::empty(),
                SubchannelStatus::CHANNEL_CONTROL_CHECK,
                ccw.count,
            ),
            Fault::InterfaceControlCheck => self.end_program(
                id,
                next,
                DeviceStatus::empty(),
                SubchannelStatus::INTERFACE_CONTROL_CHECK,
                ccw.count,
            ),
            Fault::NotOperational => {
                let Some(sub) = self.sub(id) else { return };
                sub.scsw = sub.scsw.with_path_not_operational(true);
                sub.pmcw.set_pnom(sub.pmcw.lpum());
                sub.pmcw.set_pom(sub.pmcw.pom() & !sub.pmcw.lpum());
                self.end_program(
                    id,
                    next,
                    DeviceStatus::empty(),
                    SubchannelStatus::empty(),
                    ccw.count,
                );
            }
            Fault::Vanish => {
                self.detach(id);
            }
            // Checked at the start and status points, never here.
            Fault::DeferredCc1 { .. }
            | Fault::DeferredCc3
            | Fault::DeviceBusy
            | Fault::DelayInterruption { .. }
            | Fault::NoInterruption
            | Fault::LateHaltOrClear { .. } => {}
        }
    }

    fn run_command(&mut self, id: SubchannelId, address: u32, ccw: DecodedCcw) {
        let State {
            memory,
            subchannels,
            ..
        } = self;
        let Some(sub) = subchannels.get_mut(&id.raw()) else {
            return;
        };
        let context = sub.channel_context();
        let concurrent_sense = sub.pmcw.concurrent_sense();
        let injected_sense = sub.injected_sense.take();
        let Some(device) = sub.device.as_mut() else {
            return;
        };
        let mut stream = match DataStream::new(memory, context, address, ccw) {
            Ok(stream) => stream,
            Err(status) => {
                self.end_program(
                    id,
                    address.wrapping_add(8),
                    DeviceStatus::empty(),
                    status,
                    ccw.count,
                );
                return;
            }
        };
        let done = crate::device::DONE;
        let status = match ccw.command {
            commands::SENSE_ID => {
                let data = device.sense_id();
                stream.write(data.as_bytes());
                done
            }
            commands::SENSE => {
                let sense = injected_sense.unwrap_or_else(|| device.sense());
                stream.write(&sense);
                done
            }
            command => device.execute(command, &mut stream),
        };
        let outcome = stream.finish();
        let sense = (status.unit_check() && concurrent_sense).then(|| device.sense());
        sub.ecw = sense.or(sub.ecw.take());
        self.log(Event::Command {
            subchannel: id,
            ccw_address: outcome.ccw_address,
            command: ccw.command,
            status,
        });
        if outcome.pci {
            self.intermediate(id, SubchannelStatus::PROGRAM_CONTROLLED_INTERRUPTION);
        }
        let next = outcome.ccw_address.wrapping_add(8);
        if let Some((check_address, check)) = outcome.check {
            self.end_program(
                id,
                check_address.wrapping_add(8),
                status,
                check,
                outcome.residual,
            );
            return;
        }
        let flags = outcome.ccw.flags;
        // The device ended before the data chain did, or wanted more.
        let length_wrong = outcome.short || outcome.residual != 0 || flags.chain_data();
        let suppressed = flags.suppress_length_indication() && !flags.chain_data();
        let incorrect_length = length_wrong && !suppressed;
        let unusual = !status.contains(done)
            || status.intersects(
                DeviceStatus::UNIT_CHECK
                    | DeviceStatus::UNIT_EXCEPTION
                    | DeviceStatus::BUSY
                    | DeviceStatus::ATTENTION,
            )
            || incorrect_length;
        let halt = self.sub(id).is_some_and(|s| s.ac().halt_pending());
        if flags.chain_command() && !unusual && !halt {
            let skip = if status.status_modifier() { 8 } else { 0 };
            if let Some(sub) = self.sub(id) {
                sub.next_ccw = next.wrapping_add(skip);
                sub.scsw = sub
                    .scsw
                    .with_ccw_address(next)
                    .with_residual_count(outcome.residual);
            }
            return;
        }
        let channel = if incorrect_length {
            SubchannelStatus::INCORRECT_LENGTH
        } else {
            SubchannelStatus::empty()
        };
        self.end_program(id, next, status, channel, outcome.residual);
    }

    fn suspend(&mut self, id: SubchannelId, address: u32) {
        let Some(sub) = self.sub(id) else { return };
        sub.next_ccw = address;
        sub.set_ac(ActivityControl::SUSPENDED);
        sub.scsw = sub.scsw.with_ccw_address(address.wrapping_add(8));
        let quiet = sub.orb.suppress_suspended_interruption();
        self.log(Event::Suspended {
            subchannel: id,
            ccw_address: address,
        });
        if !quiet {
            self.intermediate(id, SubchannelStatus::empty());
        }
    }

    fn perform_halt(&mut self, id: SubchannelId) {
        let Some(sub) = self.sub(id) else { return };
        let ac = sub.ac();
        if let Some(device) = sub.device.as_mut() {
            device.halt();
        }
        let running = ac.subchannel_active() || ac.device_active();
        sub.set_ac(ActivityControl::empty());
        if running {
            let next = sub.next_ccw;
            sub.set_sc(sub.sc() & StatusControl::INTERMEDIATE);
            self.end_program(id, next, crate::device::DONE, SubchannelStatus::empty(), 0);
        } else {
            if ac.suspended() {
                sub.scsw = sub.scsw.with_ccw_address(sub.next_ccw.wrapping_add(8));
            }
            sub.scsw = sub
                .scsw
                .with_device_status(DeviceStatus::empty())
                .with_subchannel_status(SubchannelStatus::empty());
            self.make_pending(id, StatusControl::empty());
        }
    }

    fn perform_clear(&mut self, id: SubchannelId) {
        let Some(sub) = self.sub(id) else { return };
        if let Some(device) = sub.device.as_mut() {
            device.reset();
        }
        sub.pmcw.set_pom(0xFF);
        sub.pmcw.set_pnom(0);
        sub.pmcw.set_lpum(0x80);
        sub.ecw = None;
        sub.injected_sense = None;
        sub.scsw = sub
            .scsw
            .with_path_not_operational(false)
            .with_deferred_cc(0)
            .with_device_status(DeviceStatus::empty())
            .with_subchannel_status(SubchannelStatus::empty())
            .with_residual_count(0)
            .with_function_control(FunctionControl::CLEAR)
            .with_activity_control(ActivityControl::empty());
        self.make_pending(id, StatusControl::empty());
    }

    /// QEMU's `css_conditional_io_interrupt`: an enabled subchannel that
    /// is not status pending becomes status pending with alert status, the
    /// rest of its SCSW (device status, CCW address) left as the last
    /// request ended. Skipped while a function is in progress, which QEMU
    /// never sees for virtio-ccw (it runs those programs within SSCH).
    fn conditional_interruption(&mut self, id: SubchannelId) {
        let Some(sub) = self.sub(id) else { return };
        if !sub.operational() || sub.status_pending() || !sub.scsw.function_control().is_empty() {
            return;
        }
        let status = sub.scsw.device_status();
        self.log(Event::Unsolicited {
            subchannel: id,
            status,
        });
        self.make_pending(id, StatusControl::ALERT);
    }

    fn present_unsolicited(&mut self, id: SubchannelId) {
        let Some(sub) = self.sub(id) else { return };
        let Some(status) = sub.stacked.pop_front() else {
            return;
        };
        sub.scsw = Scsw::new()
            .with_ccw_address(sub.scsw.ccw_address())
            .with_device_status(status);
        self.make_pending(id, StatusControl::ALERT);
    }

    fn detach(&mut self, id: SubchannelId) {
        self.withdraw_interruption(id);
        let Some(sub) = self.sub(id) else { return };
        sub.detached = sub.device.take();
        sub.pmcw.set_device_number_valid(false);
        sub.pmcw.set_enabled(false);
        sub.scsw = Scsw::new();
        sub.stacked.clear();
        self.queue_crw(Crw::new(
            ReportingSource::Subchannel,
            ErrorRecoveryCode::InstalledParametersInitialized,
            id.number(),
        ));
    }
}

/// The interruption hook: stands for the I/O new PSW.
type Hook = Box<dyn FnMut(InterruptionCode)>;

/// A simulated channel subsystem.
///
/// It implements [`ChannelSubsystem`] as the PoP describes the
/// instructions, over simulated main storage ([`Memory`]) and simulated
/// devices ([`Device`]). Time is explicit: the instructions only change
/// subchannel state (a start makes the subchannel start pending), and
/// [`Simulator::step`] lets the channel do one unit of work per subchannel
/// (begin a start, execute one command, perform a halt or clear, present
/// stacked status), so tests can act in any intermediate state. With
/// [`Options::synchronous`] the instructions run the channel to idle
/// themselves.
///
/// Everything is deterministic and single-threaded; the instruction
/// methods take `&self` (interior mutability) as the trait requires. The
/// [`EventLog`] records every instruction, status change and interruption.
pub struct Simulator {
    state: RefCell<State>,
    hook: RefCell<Option<Hook>>,
    synchronous: bool,
}

impl Default for Simulator {
    fn default() -> Self {
        Self::new()
    }
}

impl core::fmt::Debug for Simulator {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Simulator")
            .field("subchannels", &self.state.borrow().subchannels.len())
            .field("synchronous", &self.synchronous)
            .finish_non_exhaustive()
    }
}

impl Simulator {
    /// A channel subsystem with 16 MiB of storage, no subchannels, all
    /// ISCs disabled, stepped explicitly.
    pub fn new() -> Self {
        Self::with_options(Options::default())
    }

    /// A channel subsystem with `options`.
    pub fn with_options(options: Options) -> Self {
        Self {
            state: RefCell::new(State {
                memory: Memory::new(options.memory_size),
                subchannels: BTreeMap::new(),
                pending: Default::default(),
                isc_mask: 0,
                crws: VecDeque::new(),
                log: EventLog::default(),
                faults: FaultPlan::default(),
                step: 0,
                next_number: 0,
            }),
            hook: RefCell::new(None),
            synchronous: options.synchronous,
        }
    }

    fn new_subchannel(&self, device: Option<Box<dyn Device>>, device_number: u16) -> SubchannelId {
        let mut state = self.state.borrow_mut();
        let number = state.next_number;
        state.next_number = number
            .checked_add(1)
            .expect("at most 65536 subchannels in set 0");
        let id = SubchannelId::new(0, number).unwrap_or_else(|_| unreachable!("set 0 is valid"));
        let mut pmcw = Pmcw::new();
        if device.is_some() {
            pmcw.set_device_number_valid(true);
            pmcw.set_device_number(device_number);
            pmcw.set_pim(0x80);
            pmcw.set_pam(0x80);
            pmcw.set_pom(0xFF);
            pmcw.set_lpm(0x80);
        }
        state.subchannels.insert(
            id.raw(),
            Subchannel {
                id,
                pmcw,
                scsw: Scsw::new(),
                device,
                detached: None,
                orb: Orb::new(0),
                next_ccw: 0,
                ecw: None,
                injected_sense: None,
                stacked: VecDeque::new(),
                interruption_delay: 0,
                interruption_deferred: false,
                halt_or_clear_delay: 0,
            },
        );
        id
    }

    /// Installs `device` with `device_number` on the next free subchannel
    /// (set 0, numbered from 0), disabled, one channel path (PIM, PAM and
    /// LPM 0x80).
    pub fn add_device(&self, device_number: u16, device: impl Device) -> SubchannelId {
        self.new_subchannel(Some(Box::new(device)), device_number)
    }

    /// Installs a subchannel with no device (its device number is not
    /// valid).
    pub fn add_empty_subchannel(&self) -> SubchannelId {
        self.new_subchannel(None, 0)
    }

    /// Gives back the device that vanished from `id` (see
    /// [`Fault::Vanish`]) and queues a channel report word saying so;
    /// `false` if none had.
    pub fn reattach(&self, id: SubchannelId) -> bool {
        let mut state = self.state.borrow_mut();
        let Some(sub) = state.sub(id) else {
            return false;
        };
        let Some(device) = sub.detached.take() else {
            return false;
        };
        sub.device = Some(device);
        sub.pmcw.set_device_number_valid(true);
        state.queue_crw(Crw::new(
            ReportingSource::Subchannel,
            ErrorRecoveryCode::InstalledParametersInitialized,
            id.number(),
        ));
        true
    }

    /// Main storage.
    pub fn memory(&self) -> Ref<'_, Memory> {
        Ref::map(self.state.borrow(), |s| &s.memory)
    }

    /// Main storage, writable (to place channel programs and data).
    pub fn memory_mut(&self) -> RefMut<'_, Memory> {
        RefMut::map(self.state.borrow_mut(), |s| &mut s.memory)
    }

    /// Runs `f` on the device of `id` if it is a `T`.
    pub fn with_device<T: Device, R>(
        &self,
        id: SubchannelId,
        f: impl FnOnce(&mut T) -> R,
    ) -> Option<R> {
        let mut state = self.state.borrow_mut();
        let device: &mut dyn Device = state.sub(id)?.device.as_deref_mut()?;
        let any: &mut dyn std::any::Any = device;
        any.downcast_mut::<T>().map(f)
    }

    /// Sets the ISC mask of control register 6: bit `0x80 >> n` enables
    /// interruption subclass `n` for TPI and for delivery to the hook.
    pub fn set_isc_mask(&self, mask: u8) {
        self.state.borrow_mut().isc_mask = mask;
        self.deliver();
    }

    /// Enables `isc` in the ISC mask.
    pub fn enable_isc(&self, isc: Isc) {
        let mask = self.state.borrow().isc_mask | (0x80 >> isc.value());
        self.set_isc_mask(mask);
    }

    /// Installs the I/O interruption handler: from now on each pending
    /// interruption of an enabled ISC is cleared and handed to `hook` as
    /// soon as it is pending (between steps and instructions), as the I/O
    /// new PSW would. The hook must not call back into the simulator.
    pub fn on_interruption(&self, hook: impl FnMut(InterruptionCode) + 'static) {
        *self.hook.borrow_mut() = Some(Box::new(hook));
        self.deliver();
    }

    /// Replaces the fault plan.
    pub fn set_fault_plan(&self, plan: FaultPlan) {
        self.state.borrow_mut().faults = plan;
    }

    /// The device of `id` presents `status` unsolicited (attention, device
    /// end, ...). It becomes pending when the subchannel is free; if a
    /// start is pending it races the start (deferred cc 1).
    pub fn inject_unsolicited_status(&self, id: SubchannelId, status: DeviceStatus) {
        {
            let mut state = self.state.borrow_mut();
            let Some(sub) = state.sub(id) else { return };
            sub.stacked.push_back(status);
            state.log(Event::Unsolicited {
                subchannel: id,
                status,
            });
        }
        if self.synchronous {
            self.run_until_idle();
        }
    }

    /// A device signals through an indicator (virtio-ccw): the subchannel
    /// becomes status pending with alert status unless it is status
    /// pending already, as QEMU's `css_conditional_io_interrupt` does.
    pub fn conditional_io_interruption(&self, id: SubchannelId) {
        self.state.borrow_mut().conditional_interruption(id);
        self.deliver();
    }

    /// Queues a channel report word for STCRW.
    pub fn queue_crw(&self, crw: Crw) {
        self.state.borrow_mut().queue_crw(crw);
    }

    /// One step: each subchannel with work does one unit of it. Returns
    /// whether anything happened.
    pub fn step(&self) -> bool {
        let worked = self.state.borrow_mut().step();
        self.deliver();
        worked
    }

    /// Steps until nothing is left to do (or [`STEP_LIMIT`] steps, for
    /// channel programs that loop); returns the steps taken.
    pub fn run_until_idle(&self) -> usize {
        let mut steps = 0;
        while steps < STEP_LIMIT && self.step() {
            steps += 1;
        }
        steps
    }

    /// The event log so far.
    pub fn log(&self) -> Ref<'_, EventLog> {
        Ref::map(self.state.borrow(), |s| &s.log)
    }

    /// The event log as a printable trace.
    pub fn trace(&self) -> String {
        self.log().to_string()
    }

    /// The SCSW of `id` as STSCH would store it.
    pub fn scsw(&self, id: SubchannelId) -> Option<Scsw> {
        self.state.borrow_mut().sub(id).map(|s| s.scsw)
    }

    /// Hands pending interruptions to the hook, if one is installed.
    fn deliver(&self) {
        loop {
            let Ok(mut hook) = self.hook.try_borrow_mut() else {
                return;
            };
            let Some(hook) = hook.as_mut() else { return };
            let Some(code) = self.state.borrow_mut().take_interruption(Taken::Delivered) else {
                return;
            };
            hook(code);
        }
    }

    fn settle(&self) {
        if self.synchronous {
            self.run_until_idle();
        } else {
            self.deliver();
        }
    }
}

// The trait's SSCH and RSCH are `unsafe fn`s (the caller vouches for the
// channel program's storage); implementing them needs this allowance. No
// unsafe operation happens here: the simulator's storage is its own arena.
#[allow(unsafe_code)]
impl ChannelSubsystem for Simulator {
    /// # Panics
    /// On an ORB the PoP answers with an operand exception (a program
    /// interruption, which the trait cannot express): reserved bits not
    /// zero, or transport mode (the simulator has no FCX facility).
    unsafe fn start_subchannel(&self, id: SubchannelId, orb: &Orb) -> StartResult {
        assert!(
            orb.reserved_bits_are_zero() && !orb.is_transport_mode(),
            "operand exception: SSCH {id} with invalid ORB {orb:?}"
        );
        let result = {
            let mut state = self.state.borrow_mut();
            let result = match state.sub(id) {
                None => StartResult::NotOperational,
                Some(sub) if !sub.operational() => StartResult::NotOperational,
                Some(sub) if sub.status_pending() => StartResult::StatusPending,
                Some(sub) if !sub.fc().is_empty() => StartResult::Busy,
                Some(sub) => {
                    sub.pmcw
                        .set_interruption_parameter(orb.interruption_parameter());
                    sub.pmcw.set_lpm(orb.lpm());
                    sub.orb = *orb;
                    sub.ecw = None;
                    sub.scsw = Scsw::new()
                        .with_key(orb.key())
                        .with_suspend_control(orb.suspend_control())
                        .with_format1(orb.is_format1())
                        .with_prefetch(orb.prefetch())
                        .with_initial_status_interruption(orb.initial_status_interruption())
                        .with_address_limit_checking(orb.address_limit_checking())
                        .with_suppress_suspended_interruption(orb.suppress_suspended_interruption())
                        .with_ccw_address(sub.scsw.ccw_address())
                        .with_function_control(FunctionControl::START)
                        .with_activity_control(ActivityControl::START_PENDING);
                    StartResult::Started
                }
            };
            state.instruction("SSCH", Some(id), result.condition_code());
            result
        };
        self.settle();
        result
    }

    unsafe fn resume_subchannel(&self, id: SubchannelId) -> ResumeResult {
        let result = {
            let mut state = self.state.borrow_mut();
            let result = match state.sub(id) {
                None => ResumeResult::NotOperational,
                Some(sub) if !sub.operational() => ResumeResult::NotOperational,
                Some(sub) if sub.status_pending() => ResumeResult::StatusPending,
                Some(sub)
                    if sub.fc() != FunctionControl::START
                        || sub.ac().resume_pending()
                        || !sub.orb.suspend_control() =>
                {
                    ResumeResult::NotApplicable
                }
                Some(sub) => {
                    sub.set_ac(sub.ac() | ActivityControl::RESUME_PENDING);
                    ResumeResult::Resumed
                }
            };
            state.instruction("RSCH", Some(id), result.condition_code());
            result
        };
        self.settle();
        result
    }

    fn halt_subchannel(&self, id: SubchannelId) -> HaltResult {
        let result = {
            let mut state = self.state.borrow_mut();
            let mut withdraw = false;
            let result = match state.sub(id) {
                None => HaltResult::NotOperational,
                Some(sub) if !sub.operational() => HaltResult::NotOperational,
                Some(sub) if sub.status_pending() && !sub.intermediate_alone() => {
                    HaltResult::StatusPending
                }
                Some(sub)
                    if sub
                        .fc()
                        .intersects(FunctionControl::HALT | FunctionControl::CLEAR) =>
                {
                    HaltResult::Busy
                }
                Some(sub) => {
                    if sub.status_pending() {
                        // Intermediate status alone: the halt's status
                        // replaces it.
                        sub.set_sc(StatusControl::INTERMEDIATE);
                        withdraw = true;
                    }
                    sub.set_fc(sub.fc() | FunctionControl::HALT);
                    sub.set_ac(sub.ac() | ActivityControl::HALT_PENDING);
                    HaltResult::Initiated
                }
            };
            if withdraw {
                state.withdraw_interruption(id);
            }
            state.instruction("HSCH", Some(id), result.condition_code());
            if result == HaltResult::Initiated {
                state.delay_halt_or_clear(id);
            }
            result
        };
        self.settle();
        result
    }

    fn clear_subchannel(&self, id: SubchannelId) -> ClearResult {
        let result = {
            let mut state = self.state.borrow_mut();
            let result = match state.sub(id) {
                None => ClearResult::NotOperational,
                Some(sub) if !sub.operational() => ClearResult::NotOperational,
                Some(sub) => {
                    sub.set_sc(StatusControl::empty());
                    sub.set_fc(FunctionControl::CLEAR);
                    sub.set_ac(ActivityControl::CLEAR_PENDING);
                    ClearResult::Initiated
                }
            };
            if result == ClearResult::Initiated {
                state.withdraw_interruption(id);
            }
            state.instruction("CSCH", Some(id), result.condition_code());
            if result == ClearResult::Initiated {
                state.delay_halt_or_clear(id);
            }
            result
        };
        self.settle();
        result
    }

    fn cancel_subchannel(&self, id: SubchannelId) -> CancelResult {
        let mut state = self.state.borrow_mut();
        let result = match state.sub(id) {
            None => CancelResult::NotOperational,
            Some(sub) if !sub.operational() => CancelResult::NotOperational,
            Some(sub) if sub.status_pending() => CancelResult::StatusPending,
            Some(sub)
                if sub.fc() != FunctionControl::START
                    || sub.ac().subchannel_active()
                    || !sub.ac().intersects(
                        ActivityControl::START_PENDING
                            | ActivityControl::RESUME_PENDING
                            | ActivityControl::SUSPENDED,
                    ) =>
            {
                CancelResult::NotApplicable
            }
            Some(sub) => {
                sub.set_fc(FunctionControl::empty());
                sub.set_ac(ActivityControl::empty());
                CancelResult::Cancelled
            }
        };
        state.instruction("XSCH", Some(id), result.condition_code());
        result
    }

    fn modify_subchannel(&self, id: SubchannelId, schib: &Schib) -> ModifyResult {
        let mut state = self.state.borrow_mut();
        let result = match state.sub(id) {
            None => ModifyResult::NotOperational,
            Some(sub) if !sub.pmcw.is_device_number_valid() => ModifyResult::NotOperational,
            Some(sub) if sub.status_pending() => ModifyResult::StatusPending,
            Some(sub) if !sub.fc().is_empty() => ModifyResult::Busy,
            Some(sub) => {
                let new = &schib.pmcw;
                if sub.pmcw.is_enabled() && !new.is_enabled() {
                    if let Some(device) = sub.device.as_mut() {
                        device.disabled();
                    }
                }
                let p = &mut sub.pmcw;
                p.set_interruption_parameter(new.interruption_parameter());
                p.set_isc(new.isc());
                p.set_enabled(new.is_enabled());
                p.set_limit_mode(new.limit_mode());
                p.set_measurement_mode(new.measurement_mode());
                p.set_multipath_mode(new.multipath_mode());
                p.set_lpm(new.lpm());
                p.set_mbi(new.mbi());
                p.set_pom(new.pom());
                p.set_measurement_block_format(new.measurement_block_format());
                p.set_extended_measurement_word_mode(new.extended_measurement_word_mode());
                p.set_concurrent_sense(new.concurrent_sense());
                ModifyResult::Modified
            }
        };
        state.instruction("MSCH", Some(id), result.condition_code());
        result
    }

    fn store_subchannel(&self, id: SubchannelId, schib: &mut Schib) -> StoreResult {
        let mut state = self.state.borrow_mut();
        let result = match state.sub(id) {
            None => StoreResult::NotOperational,
            Some(sub) => {
                *schib = Schib {
                    pmcw: sub.pmcw,
                    scsw: sub.scsw,
                    model_dependent: [0; 12],
                };
                StoreResult::Stored
            }
        };
        state.instruction("STSCH", Some(id), result.condition_code());
        result
    }

    fn test_subchannel(&self, id: SubchannelId, irb: &mut Irb) -> TestSubchannelResult {
        let mut state = self.state.borrow_mut();
        let mut withdraw = false;
        let result = match state.sub(id) {
            None => TestSubchannelResult::NotOperational,
            Some(sub) if !sub.operational() => TestSubchannelResult::NotOperational,
            Some(sub) => {
                let mut out = Irb::new();
                out.scsw = sub.scsw;
                let logout = SubchannelLogout::from_raw(u32::from(sub.pmcw.lpum()) << 16);
                let mut erw = ExtendedReportWord::default();
                if let Some(sense) = sub.ecw.as_ref().filter(|_| sub.status_pending()) {
                    let n = sense.len().min(32);
                    out.ecw[..n].copy_from_slice(&sense[..n]);
                    erw = erw.with_concurrent_sense(n as u8);
                    out.scsw = out.scsw.with_extended_control(true);
                }
                out.esw = Esw::default()
                    .with_subchannel_logout(logout)
                    .with_extended_report_word(erw);
                *irb = out;
                if sub.status_pending() {
                    test_clears(sub);
                    withdraw = true;
                    TestSubchannelResult::StatusWasPending
                } else {
                    TestSubchannelResult::NoStatusPending
                }
            }
        };
        if withdraw {
            state.withdraw_interruption(id);
        }
        state.instruction("TSCH", Some(id), result.condition_code());
        result
    }

    fn test_pending_interruption(&self) -> Option<InterruptionCode> {
        let mut state = self.state.borrow_mut();
        let code = state.take_interruption(Taken::Tpi);
        state.instruction("TPI", None, u8::from(code.is_some()));
        code
    }

    fn store_channel_report_word(&self) -> Option<Crw> {
        let mut state = self.state.borrow_mut();
        let crw = state.crws.pop_front();
        state.instruction("STCRW", None, u8::from(crw.is_none()));
        crw
    }
}

/// What TSCH clears on a status-pending subchannel (PoP, chapter 14, TEST
/// SUBCHANNEL, "Function Control", "Activity Control", "Status Control").
fn test_clears(sub: &mut Subchannel) {
    let (fc, ac) = (sub.fc(), sub.ac());
    let intermediate_alone = sub.intermediate_alone();
    sub.ecw = None;
    if !intermediate_alone || (fc.halt() && ac.suspended()) {
        sub.set_fc(FunctionControl::empty());
    }
    let pending_bits = ActivityControl::RESUME_PENDING
        | ActivityControl::START_PENDING
        | ActivityControl::HALT_PENDING
        | ActivityControl::CLEAR_PENDING
        | ActivityControl::SUSPENDED;
    if !intermediate_alone {
        sub.set_ac(ac.difference(pending_bits));
        sub.scsw = sub
            .scsw
            .with_deferred_cc(0)
            .with_path_not_operational(false)
            .with_zero_condition_code(false);
    } else if ac.suspended() && fc.start() && fc.halt() {
        sub.set_ac(ac.difference(pending_bits));
    }
    sub.scsw = sub
        .scsw
        .with_extended_control(false)
        .with_device_status(DeviceStatus::empty())
        .with_subchannel_status(SubchannelStatus::empty());
    sub.set_sc(StatusControl::empty());
}

/// The simulator's storage as the library's drivers see it: out-of-range
/// writes are dropped and out-of-range reads give zeros, like storage that
/// is not there (the driver only uses areas its caller placed in storage).
impl s390_cio::memory::ChannelMemory for Simulator {
    fn write(&self, address: u32, data: &[u8]) {
        self.memory_mut().write(u64::from(address), data).ok();
    }

    fn read(&self, address: u32, out: &mut [u8]) {
        if self.memory().read(u64::from(address), out).is_err() {
            out.fill(0);
        }
    }
}
