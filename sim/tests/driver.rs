//! The subchannel driver (`s390_cio::driver`) on the simulator: each case
//! the driver must get right, by name.

mod common;

use common::*;
use s390_cio::css::ChannelSubsystem;
use s390_cio::driver::{
    Completion, Config, Escalation, Event, IoError, RetryCause, SenseArea, StatusMailbox,
    Subchannel,
};
use s390_cio::executor;
use s390_cio::structures::{
    commands, Ccw1, CcwFlags, Crw, DeviceStatus, ErrorRecoveryCode, Isc, Orb, ReportingSource,
};
use s390_cio_sim::{Fault, FaultPlan, Options, Response, ScriptedDevice, Simulator, Trigger};
use std::future::Future;

/// Where the driver's sense area lives in simulated storage.
const SENSE_AREA: u32 = 0x2000;
/// A command the scripted device reads data for.
const READ: u8 = 0x02;

fn driver<'a>(
    sim: &'a Simulator,
    id: s390_cio::structures::SubchannelId,
) -> Subchannel<'a, Simulator, Simulator> {
    Subchannel::new(sim, sim, id, 0x1000)
        .with_sense_area(SenseArea::new(SENSE_AREA).unwrap())
        .with_config(Config {
            timeout_us: 1_000,
            halt_timeout_us: 100,
            clear_timeout_us: 100,
            ..Config::default()
        })
}

/// A READ of 16 bytes into DATA.
fn read_program(sim: &Simulator, flags: CcwFlags) -> Orb {
    sim.memory_mut()
        .write_ccw1(PROGRAM, Ccw1::new(READ, flags | CcwFlags::SLI, 16, DATA))
        .unwrap();
    Orb::new(PROGRAM)
}

fn run(
    sim: &Simulator,
    drv: &mut Subchannel<'_, Simulator, Simulator>,
    orb: Orb,
) -> Result<Completion, IoError> {
    let clock = SimClock::new(sim);
    // SAFETY: the program lives in simulated storage for the whole test.
    unsafe { drv.run_polled(orb, &clock) }
}

fn device_with(command: u8, response: Response) -> ScriptedDevice {
    let mut device = ScriptedDevice::new(test_id());
    device.respond(command, response);
    device
}

#[test]
fn a_plain_read_completes_with_its_data() {
    let (sim, id) = sim_with(device_with(READ, Response::data(b"0123456789abcdef")));
    let mut drv = driver(&sim, id);
    let done = run(&sim, &mut drv, read_program(&sim, CcwFlags::empty())).unwrap();
    assert_eq!(done.residual_count(), 0);
    assert_eq!(done.retries, 0);
    assert_eq!(
        &sim.memory().slice(u64::from(DATA), 16).unwrap(),
        b"0123456789abcdef"
    );
    assert!(drv.is_idle());
    assert!(drv.take_unsolicited().is_none());
}

#[test]
fn the_interruption_parameter_is_the_request_tag() {
    let (sim, id) = sim_with_device();
    let mut drv = driver(&sim, id);
    sim.enable_isc(Isc::new(3).unwrap());
    let orb = read_program(&sim, CcwFlags::empty());
    // SAFETY: the program lives in simulated storage.
    let tag = unsafe { drv.start(orb, 0) }.unwrap();
    sim.run_until_idle();
    let code = sim.test_pending_interruption().unwrap();
    assert_eq!(code.interruption_parameter, tag.0);
    assert!(matches!(drv.poll(), Event::Done(Ok(_))));
    // SAFETY: as above.
    let next = unsafe { drv.start(orb, 0) }.unwrap();
    assert_ne!(next, tag);
}

#[test]
fn ssch_cc1_collects_pending_status_as_unsolicited_and_restarts() {
    let (sim, id) = sim_with_device();
    sim.inject_unsolicited_status(id, DeviceStatus::ATTENTION);
    sim.run_until_idle();
    let mut drv = driver(&sim, id);
    let done = run(&sim, &mut drv, read_program(&sim, CcwFlags::empty()));
    assert!(done.is_ok(), "{done:?}\n{}", sim.trace());
    let unsolicited = drv.take_unsolicited().expect("the attention was lost");
    assert!(unsolicited.scsw.device_status().attention());
    assert_eq!(sim.log().condition_codes("SSCH"), [1, 0]);
}

#[test]
fn unsolicited_status_while_idle_is_never_a_completion() {
    let (sim, id) = sim_with_device();
    let mut drv = driver(&sim, id);
    sim.inject_unsolicited_status(id, DeviceStatus::DEVICE_END);
    sim.run_until_idle();
    assert!(matches!(drv.poll(), Event::Unsolicited(scsw) if scsw.device_status().device_end()));
    assert!(drv.is_idle());
    assert!(drv.take_unsolicited().is_some());
}

#[test]
fn deferred_cc1_unsolicited_status_racing_a_start_is_kept_and_the_start_retried() {
    let (sim, id) = sim_with_device();
    sim.set_fault_plan(FaultPlan::seeded(7).inject(
        id,
        Trigger::Nth(1),
        Fault::DeferredCc1 {
            status: DeviceStatus::ATTENTION,
        },
    ));
    let mut drv = driver(&sim, id);
    let done = run(&sim, &mut drv, read_program(&sim, CcwFlags::empty())).unwrap();
    assert_eq!(done.retries, 1);
    let raced = drv
        .take_unsolicited()
        .expect("the racing attention was lost");
    assert!(raced.scsw.device_status().attention());
}

#[test]
fn deferred_cc3_is_retried_then_not_operational() {
    let (sim, id) = sim_with_device();
    let mut plan = FaultPlan::seeded(3);
    for n in 1..=4 {
        plan = plan.inject(id, Trigger::Nth(n), Fault::DeferredCc3);
    }
    sim.set_fault_plan(plan);
    let mut drv = driver(&sim, id);
    let result = run(&sim, &mut drv, read_program(&sim, CcwFlags::empty()));
    assert!(
        matches!(
            result,
            Err(IoError::RetriesExhausted {
                retries: 3,
                last: RetryCause::NoPath(_)
            })
        ),
        "{result:?}"
    );
}

#[test]
fn path_lost_during_the_program_is_never_a_success() {
    let (sim, id) = sim_with_device();
    sim.set_fault_plan(FaultPlan::seeded(3).inject(id, Trigger::Nth(1), Fault::NotOperational));
    let mut drv = driver(&sim, id);
    let result = run(&sim, &mut drv, read_program(&sim, CcwFlags::empty()));
    assert!(
        matches!(
            result,
            Err(IoError::RetriesExhausted {
                last: RetryCause::NoPath(_),
                ..
            })
        ),
        "{result:?}\n{}",
        sim.trace()
    );
    // The start was retried after the path-not-operational ending.
    assert!(
        sim.log().condition_codes("SSCH").len() > 1,
        "{}",
        sim.trace()
    );
}

#[test]
fn cc3_on_a_disabled_subchannel_is_not_operational() {
    let sim = Simulator::new();
    let id = sim.add_device(0x0200, ScriptedDevice::new(test_id()));
    let mut drv = driver(&sim, id);
    let result = run(&sim, &mut drv, read_program(&sim, CcwFlags::empty()));
    assert_eq!(result.unwrap_err(), IoError::NotOperational);
}

#[test]
fn pci_is_progress_not_the_end() {
    let (sim, id) = sim_with_device();
    sim.memory_mut()
        .write_ccw1s(
            PROGRAM,
            &[
                Ccw1::new(commands::NOOP, CcwFlags::CC | CcwFlags::PCI, 0, 0),
                Ccw1::new(commands::NOOP, CcwFlags::CC, 0, 0),
                Ccw1::new(commands::NOOP, CcwFlags::empty(), 0, 0),
            ],
        )
        .unwrap();
    let mut drv = driver(&sim, id);
    // SAFETY: the program lives in simulated storage.
    unsafe { drv.start(Orb::new(PROGRAM), 0) }.unwrap();
    let mut events = Vec::new();
    for _ in 0..1000 {
        sim.step();
        match drv.poll() {
            Event::Pending => {}
            Event::Done(result) => {
                let done = result.unwrap();
                assert_eq!(done.intermediate_statuses, events.len() as u32);
                assert!(!events.is_empty(), "no progress event before the end");
                return;
            }
            event => events.push(event),
        }
    }
    panic!("never done: {events:?}\n{}", sim.trace());
}

#[test]
fn suspend_is_reported_and_resume_finishes() {
    let (sim, id) = sim_with_device();
    sim.memory_mut()
        .write_ccw1s(
            PROGRAM,
            &[
                Ccw1::new(commands::NOOP, CcwFlags::CC, 0, 0),
                Ccw1::new(commands::NOOP, CcwFlags::S, 0, 0),
            ],
        )
        .unwrap();
    let mut drv = driver(&sim, id);
    // SAFETY: the program lives in simulated storage.
    unsafe { drv.start(Orb::new(PROGRAM).with_suspend_control(true), 0) }.unwrap();
    sim.run_until_idle();
    let scsw = sim.scsw(id).unwrap();
    assert!(scsw.is_suspended(), "{}", sim.trace());
    // The program is suspended; the driver still owns the request.
    assert!(!drv.is_idle());
    sim.memory_mut()
        .write_ccw1(
            PROGRAM + 8,
            Ccw1::new(commands::NOOP, CcwFlags::empty(), 0, 0),
        )
        .unwrap();
    // Whether the suspension comes with intermediate status (Hercules) or
    // none (QEMU), polling reports nothing but the suspension.
    loop {
        match drv.poll() {
            Event::Suspended(scsw) => assert!(scsw.is_suspended()),
            Event::Pending => break,
            other => panic!("{other:?}"),
        }
    }
    drv.resume().unwrap();
    sim.run_until_idle();
    assert!(matches!(drv.poll(), Event::Done(Ok(_))), "{}", sim.trace());
}

#[test]
fn unit_check_fetches_sense_data() {
    let (sim, id) = sim_with(device_with(
        READ,
        Response::unit_check(&[0x80, 0x00, 0x11, 0x22]),
    ));
    let mut drv = driver(&sim, id);
    let result = run(&sim, &mut drv, read_program(&sim, CcwFlags::empty()));
    match result {
        Err(IoError::UnitCheck {
            scsw,
            sense: Some(sense),
        }) => {
            assert!(scsw.device_status().unit_check());
            assert_eq!(&sense.bytes()[..4], [0x80, 0x00, 0x11, 0x22]);
        }
        other => panic!("{other:?}\n{}", sim.trace()),
    }
}

#[test]
fn channel_control_check_is_retried() {
    let (sim, id) = sim_with_device();
    sim.set_fault_plan(FaultPlan::seeded(1).inject(
        id,
        Trigger::Nth(1),
        Fault::ChannelControlCheck,
    ));
    let mut drv = driver(&sim, id);
    let done = run(&sim, &mut drv, read_program(&sim, CcwFlags::empty())).unwrap();
    assert_eq!(done.retries, 1);
}

#[test]
fn interface_control_checks_exhaust_the_retries() {
    let (sim, id) = sim_with_device();
    let mut plan = FaultPlan::seeded(1);
    for n in 1..=4 {
        plan = plan.inject(id, Trigger::Nth(n), Fault::InterfaceControlCheck);
    }
    sim.set_fault_plan(plan);
    let mut drv = driver(&sim, id);
    let result = run(&sim, &mut drv, read_program(&sim, CcwFlags::empty()));
    assert!(
        matches!(
            result,
            Err(IoError::RetriesExhausted {
                retries: 3,
                last: RetryCause::ChannelCheck(_)
            })
        ),
        "{result:?}"
    );
}

#[test]
fn a_program_check_is_a_channel_error_without_retry() {
    let (sim, id) = sim_with_device();
    // A TIC to a TIC is a program check.
    sim.memory_mut()
        .write_ccw1s(
            PROGRAM,
            &[
                Ccw1::new(commands::TIC, CcwFlags::empty(), 0, PROGRAM + 8),
                Ccw1::new(commands::TIC, CcwFlags::empty(), 0, PROGRAM),
            ],
        )
        .unwrap();
    let mut drv = driver(&sim, id);
    let result = run(&sim, &mut drv, Orb::new(PROGRAM));
    match result {
        Err(IoError::Channel { scsw }) => assert!(scsw.subchannel_status().program_check()),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_suspended_program_past_its_deadline_is_halted() {
    let (sim, id) = sim_with_device();
    sim.memory_mut()
        .write_ccw1(PROGRAM, Ccw1::new(commands::NOOP, CcwFlags::S, 0, 0))
        .unwrap();
    let mut drv = driver(&sim, id);
    let result = run(&sim, &mut drv, Orb::new(PROGRAM).with_suspend_control(true));
    match result {
        Err(IoError::TimedOut {
            escalation: Escalation::Halted,
            scsw,
        }) => {
            assert!(scsw.function_control().halt());
        }
        other => panic!("{other:?}\n{}", sim.trace()),
    }
    assert!(drv.is_idle());
}

#[test]
fn a_vanished_device_fails_the_request_instead_of_hanging() {
    let (sim, id) = sim_with_device();
    sim.set_fault_plan(FaultPlan::seeded(1).inject(id, Trigger::Nth(1), Fault::Vanish));
    let mut drv = driver(&sim, id);
    // SAFETY: the program lives in simulated storage.
    unsafe { drv.start(read_program(&sim, CcwFlags::empty()), 0) }.unwrap();
    sim.run_until_idle();
    let crw = sim.store_channel_report_word().expect("no channel report");
    assert_eq!(crw.reporting_source(), ReportingSource::Subchannel);
    let event = drv.on_channel_report(crw);
    assert!(
        matches!(event, Event::Done(Err(IoError::NotOperational))),
        "{event:?}\n{}",
        sim.trace()
    );
    assert!(matches!(
        // SAFETY: as above.
        unsafe { drv.start(read_program(&sim, CcwFlags::empty()), 0) },
        Err(IoError::NotOperational)
    ));
}

#[test]
fn a_channel_report_for_another_subchannel_changes_nothing() {
    let (sim, id) = sim_with_device();
    let mut drv = driver(&sim, id);
    // SAFETY: the program lives in simulated storage.
    unsafe { drv.start(read_program(&sim, CcwFlags::empty()), 0) }.unwrap();
    let other = Crw::new(
        ReportingSource::Subchannel,
        ErrorRecoveryCode::InstalledParametersInitialized,
        id.number() + 1,
    );
    assert_eq!(drv.on_channel_report(other), Event::Pending);
    sim.run_until_idle();
    assert!(matches!(drv.poll(), Event::Done(Ok(_))));
}

#[test]
fn a_second_start_while_busy_is_refused_typed() {
    let (sim, id) = sim_with_device();
    let mut drv = driver(&sim, id);
    let orb = read_program(&sim, CcwFlags::empty());
    // SAFETY: the program lives in simulated storage.
    unsafe { drv.start(orb, 0) }.unwrap();
    // SAFETY: as above.
    assert_eq!(unsafe { drv.start(orb, 0) }, Err(IoError::Busy));
}

/// Stands for the I/O new PSW: every pending interruption goes through the
/// mailbox's handler entry.
fn deliver_interruptions<const N: usize>(sim: &Simulator, mailbox: &StatusMailbox<N>) {
    while let Some(code) = sim.test_pending_interruption() {
        mailbox.on_interruption(sim, code);
    }
}

#[test]
fn interrupt_driven_front_end_completes_from_the_mailbox() {
    let (sim, id) = sim_with(device_with(READ, Response::data(b"interrupt-driven")));
    sim.enable_isc(Isc::new(3).unwrap());
    let mailbox = StatusMailbox::<8>::new();
    let clock = SimClock::new(&sim);
    let mut drv = driver(&sim, id);
    let mut waits = 0;
    let orb = read_program(&sim, CcwFlags::empty());
    // SAFETY: the program lives in simulated storage.
    let result = unsafe {
        drv.run_interrupt_driven(orb, &clock, &mailbox, |_deadline| {
            waits += 1;
            sim.step();
            deliver_interruptions(&sim, &mailbox);
        })
    };
    assert!(result.is_ok(), "{result:?}\n{}", sim.trace());
    assert!(waits > 0, "finished without waiting for an interruption");
    assert_eq!(
        &sim.memory().slice(u64::from(DATA), 16).unwrap(),
        b"interrupt-driven"
    );
    assert_eq!(mailbox.dropped(), 0);
}

#[test]
fn interrupt_driven_unsolicited_attention_racing_a_start_is_not_the_completion() {
    let (sim, id) = sim_with_device();
    sim.enable_isc(Isc::new(3).unwrap());
    sim.set_fault_plan(FaultPlan::seeded(9).inject(
        id,
        Trigger::Nth(1),
        Fault::DeferredCc1 {
            status: DeviceStatus::ATTENTION,
        },
    ));
    let mailbox = StatusMailbox::<8>::new();
    let clock = SimClock::new(&sim);
    let mut drv = driver(&sim, id);
    let orb = read_program(&sim, CcwFlags::empty());
    // SAFETY: the program lives in simulated storage.
    let done = unsafe {
        drv.run_interrupt_driven(orb, &clock, &mailbox, |_| {
            sim.step();
            deliver_interruptions(&sim, &mailbox);
        })
    }
    .unwrap();
    assert_eq!(done.retries, 1);
    assert!(drv
        .take_unsolicited()
        .unwrap()
        .scsw
        .device_status()
        .attention());
}

#[test]
fn interrupt_driven_timeout_escalates_to_halt() {
    let (sim, id) = sim_with_device();
    sim.enable_isc(Isc::new(3).unwrap());
    sim.memory_mut()
        .write_ccw1(PROGRAM, Ccw1::new(commands::NOOP, CcwFlags::S, 0, 0))
        .unwrap();
    let mailbox = StatusMailbox::<8>::new();
    let clock = SimClock::new(&sim);
    let mut drv = driver(&sim, id);
    // SAFETY: the program lives in simulated storage.
    let result = unsafe {
        drv.run_interrupt_driven(
            Orb::new(PROGRAM).with_suspend_control(true),
            &clock,
            &mailbox,
            |_| {
                sim.step();
                deliver_interruptions(&sim, &mailbox);
            },
        )
    };
    assert!(
        matches!(
            result,
            Err(IoError::TimedOut {
                escalation: Escalation::Halted,
                ..
            })
        ),
        "{result:?}"
    );
}

#[test]
fn async_transfer_completes_through_the_waker() {
    let (sim, id) = sim_with(device_with(READ, Response::data(b"async transfer!!")));
    sim.enable_isc(Isc::new(3).unwrap());
    let mailbox = StatusMailbox::<8>::new();
    let clock = SimClock::new(&sim);
    let mut drv = driver(&sim, id);
    let orb = read_program(&sim, CcwFlags::empty());
    // SAFETY: the program lives in simulated storage; the future is not
    // leaked.
    let transfer = unsafe { drv.transfer(orb, &clock, &mailbox) }.unwrap();
    let result = executor::block_on(transfer, || {
        sim.step();
        deliver_interruptions(&sim, &mailbox);
    });
    assert!(result.is_ok(), "{result:?}");
    assert_eq!(
        &sim.memory().slice(u64::from(DATA), 16).unwrap(),
        b"async transfer!!"
    );
}

/// The drop waits for the clear by polling TSCH, as on a machine, where the
/// channel works on its own: the simulator must run synchronously for that.
#[test]
fn dropping_an_unfinished_transfer_clears_the_subchannel() {
    let sim = Simulator::with_options(Options {
        synchronous: true,
        ..Options::default()
    });
    let id = sim.add_device(0x0100, ScriptedDevice::new(test_id()));
    enable(&sim, id);
    sim.memory_mut()
        .write_ccw1(PROGRAM, Ccw1::new(commands::NOOP, CcwFlags::S, 0, 0))
        .unwrap();
    let mailbox = StatusMailbox::<8>::new();
    let clock = SimClock::new(&sim);
    let mut drv = driver(&sim, id);
    {
        // SAFETY: the program lives in simulated storage; the future is
        // dropped, not leaked.
        let mut transfer = unsafe {
            drv.transfer(
                Orb::new(PROGRAM).with_suspend_control(true),
                &clock,
                &mailbox,
            )
        }
        .unwrap();
        let waker = futures_noop_waker();
        let mut context = std::task::Context::from_waker(&waker);
        assert!(std::pin::Pin::new(&mut transfer)
            .poll(&mut context)
            .is_pending());
    }
    assert!(drv.is_idle());
    assert!(
        sim.log().condition_codes("CSCH").contains(&0),
        "{}",
        sim.trace()
    );
    let scsw = sim.scsw(id).unwrap();
    assert!(
        !scsw.is_status_pending() && scsw.function_control().is_empty(),
        "{scsw:?}"
    );
}

fn futures_noop_waker() -> std::task::Waker {
    std::task::Waker::noop().clone()
}

#[test]
fn a_lost_interruption_is_found_at_the_deadline() {
    let (sim, id) = sim_with(device_with(READ, Response::data(b"no interruption!")));
    sim.enable_isc(Isc::new(3).unwrap());
    sim.set_fault_plan(FaultPlan::seeded(5).inject(id, Trigger::Nth(1), Fault::NoInterruption));
    let mailbox = StatusMailbox::<8>::new();
    let clock = SimClock::new(&sim);
    let mut drv = driver(&sim, id);
    let orb = read_program(&sim, CcwFlags::empty());
    // SAFETY: the program lives in simulated storage.
    let result = unsafe {
        drv.run_interrupt_driven(orb, &clock, &mailbox, |_| {
            sim.step();
            deliver_interruptions(&sim, &mailbox);
        })
    };
    assert!(result.is_ok(), "{result:?}\n{}", sim.trace());
    assert_eq!(sim.log().condition_codes("HSCH"), [1], "{}", sim.trace());
}

#[test]
fn a_halt_that_does_not_end_in_time_escalates_to_clear() {
    let (sim, id) = sim_with_device();
    sim.memory_mut()
        .write_ccw1(PROGRAM, Ccw1::new(commands::NOOP, CcwFlags::S, 0, 0))
        .unwrap();
    sim.set_fault_plan(FaultPlan::seeded(2).inject(
        id,
        Trigger::Nth(1),
        Fault::LateHaltOrClear { steps: 10_000 },
    ));
    let mut drv = driver(&sim, id);
    let result = run(&sim, &mut drv, Orb::new(PROGRAM).with_suspend_control(true));
    match result {
        Err(IoError::TimedOut {
            escalation: Escalation::Cleared,
            scsw,
        }) => assert!(scsw.function_control().clear()),
        other => panic!("{other:?}\n{}", sim.trace()),
    }
    assert_eq!(sim.log().condition_codes("CSCH"), [0]);
    assert!(drv.is_idle());
}

#[test]
fn ssch_cc2_is_retried_a_bounded_number_of_times_then_refused() {
    let (sim, id) = sim_with_device();
    // A start function the driver does not own keeps the subchannel busy.
    sim.memory_mut()
        .write_ccw1(
            PROGRAM + 0x100,
            Ccw1::new(commands::NOOP, CcwFlags::S, 0, 0),
        )
        .unwrap();
    ssch(
        &sim,
        id,
        &Orb::new(PROGRAM + 0x100).with_suspend_control(true),
    );
    let mut drv = driver(&sim, id).with_config(Config {
        start_attempts: 4,
        ..Config::default()
    });
    // SAFETY: the program lives in simulated storage.
    let result = unsafe { drv.start(read_program(&sim, CcwFlags::empty()), 0) };
    assert_eq!(
        result,
        Err(IoError::StartRefused(
            s390_cio::instructions::StartResult::Busy
        ))
    );
    assert_eq!(sim.log().condition_codes("SSCH"), [0, 2, 2, 2, 2]);
    assert!(drv.is_idle());
}

#[test]
fn a_clear_that_never_ends_gives_up_typed() {
    let (sim, id) = sim_with_device();
    sim.memory_mut()
        .write_ccw1(PROGRAM, Ccw1::new(commands::NOOP, CcwFlags::S, 0, 0))
        .unwrap();
    sim.set_fault_plan(
        FaultPlan::seeded(4)
            .inject(
                id,
                Trigger::Nth(1),
                Fault::LateHaltOrClear { steps: 100_000 },
            )
            .inject(
                id,
                Trigger::Nth(2),
                Fault::LateHaltOrClear { steps: 100_000 },
            ),
    );
    let mut drv = driver(&sim, id);
    let result = run(&sim, &mut drv, Orb::new(PROGRAM).with_suspend_control(true));
    assert!(
        matches!(
            result,
            Err(IoError::TimedOut {
                escalation: Escalation::ClearFailed,
                ..
            })
        ),
        "{result:?}"
    );
    // SAFETY: as above.
    let again = unsafe { drv.start(Orb::new(PROGRAM), 0) };
    assert_eq!(again, Err(IoError::NotOperational));
}
