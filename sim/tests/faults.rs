//! Fault injection through a seeded plan.

mod common;

use common::*;
use s390_cio::css::ChannelSubsystem;
use s390_cio::structures::{
    commands, Ccw1, CcwFlags, DeviceStatus, ErrorRecoveryCode, Orb, ReportingSource, Schib,
    SubchannelStatus,
};
use s390_cio_sim::{Fault, FaultPlan, Trigger};

fn noop_program(sim: &s390_cio_sim::Simulator) {
    sim.memory_mut()
        .write_ccw1s(
            PROGRAM,
            &[
                Ccw1::new(commands::NOOP, CcwFlags::CC, 0, 0),
                Ccw1::new(commands::NOOP, CcwFlags::empty(), 0, 0),
            ],
        )
        .unwrap();
}

#[test]
fn deferred_cc3_after_ssch_cc0() {
    let (sim, id) = sim_with_device();
    noop_program(&sim);
    sim.set_fault_plan(FaultPlan::seeded(1).inject(id, Trigger::Nth(1), Fault::DeferredCc3));
    assert_eq!(ssch(&sim, id, &Orb::new(PROGRAM)).condition_code(), 0);
    let irb = finish(&sim, id);
    assert_eq!(irb.scsw.deferred_condition(), Some(3));
    assert!(irb.scsw.is_alert() && irb.scsw.is_start_pending());
    // Only the first start was hit.
    ssch(&sim, id, &Orb::new(PROGRAM));
    assert_eq!(finish(&sim, id).scsw.deferred_condition(), None);
}

#[test]
fn lpm_without_an_available_path_is_deferred_cc3() {
    let (sim, id) = sim_with_device();
    noop_program(&sim);
    ssch(&sim, id, &Orb::new(PROGRAM).with_lpm(0x40));
    assert_eq!(finish(&sim, id).scsw.deferred_condition(), Some(3));
}

#[test]
fn channel_and_interface_control_checks() {
    for (fault, status) in [
        (
            Fault::ChannelControlCheck,
            SubchannelStatus::CHANNEL_CONTROL_CHECK,
        ),
        (
            Fault::InterfaceControlCheck,
            SubchannelStatus::INTERFACE_CONTROL_CHECK,
        ),
    ] {
        let (sim, id) = sim_with_device();
        noop_program(&sim);
        sim.set_fault_plan(FaultPlan::seeded(1).inject(id, Trigger::Nth(2), fault));
        ssch(&sim, id, &Orb::new(PROGRAM));
        let irb = finish(&sim, id);
        assert_eq!(irb.scsw.subchannel_status(), status);
        assert_eq!(irb.scsw.ccw_address(), PROGRAM + 16);
    }
}

#[test]
fn injected_unit_check_keeps_sense() {
    let (sim, id) = sim_with_device();
    noop_program(&sim);
    let mut schib = Schib::default();
    sim.store_subchannel(id, &mut schib);
    schib.pmcw.set_concurrent_sense(true);
    sim.modify_subchannel(id, &schib);
    sim.set_fault_plan(FaultPlan::seeded(1).inject(
        id,
        Trigger::Nth(1),
        Fault::UnitCheck { sense: vec![0x40] },
    ));
    ssch(&sim, id, &Orb::new(PROGRAM));
    let irb = finish(&sim, id);
    assert!(irb.scsw.device_status().unit_check());
    assert_eq!(irb.concurrent_sense(), Some(&[0x40][..]));
}

#[test]
fn device_busy_at_start() {
    let (sim, id) = sim_with_device();
    noop_program(&sim);
    sim.set_fault_plan(FaultPlan::seeded(1).inject(id, Trigger::Nth(1), Fault::DeviceBusy));
    ssch(&sim, id, &Orb::new(PROGRAM));
    assert_eq!(finish(&sim, id).scsw.device_status(), DeviceStatus::BUSY);
}

#[test]
fn not_operational_mid_program_sets_the_n_bit() {
    let (sim, id) = sim_with_device();
    noop_program(&sim);
    sim.set_fault_plan(FaultPlan::seeded(1).inject(id, Trigger::Nth(2), Fault::NotOperational));
    ssch(&sim, id, &Orb::new(PROGRAM));
    let irb = finish(&sim, id);
    assert!(irb.scsw.path_not_operational());
    assert!(irb.scsw.is_alert());
}

#[test]
fn delayed_interruption() {
    let (sim, id) = sim_with_device();
    noop_program(&sim);
    sim.set_isc_mask(0xFF);
    sim.set_fault_plan(FaultPlan::seeded(1).inject(
        id,
        Trigger::Nth(1),
        Fault::DelayInterruption { steps: 3 },
    ));
    ssch(&sim, id, &Orb::new(PROGRAM));
    sim.step();
    sim.step();
    assert!(sim.scsw(id).unwrap().is_status_pending());
    assert_eq!(sim.test_pending_interruption(), None);
    sim.run_until_idle();
    assert!(sim.test_pending_interruption().is_some());
}

#[test]
fn vanishing_device_and_its_return_are_reported_by_crws() {
    let (sim, id) = sim_with_device();
    noop_program(&sim);
    sim.set_fault_plan(FaultPlan::seeded(1).inject(id, Trigger::Nth(1), Fault::Vanish));
    ssch(&sim, id, &Orb::new(PROGRAM));
    sim.run_until_idle();
    let crw = sim.store_channel_report_word().unwrap();
    assert_eq!(crw.reporting_source(), ReportingSource::Subchannel);
    assert_eq!(
        crw.error_recovery(),
        ErrorRecoveryCode::InstalledParametersInitialized
    );
    assert_eq!(crw.reporting_source_id(), id.number());
    assert_eq!(sim.store_channel_report_word(), None);
    let mut schib = Schib::default();
    assert_eq!(sim.store_subchannel(id, &mut schib).condition_code(), 0);
    assert!(!schib.pmcw.is_device_number_valid());
    assert_eq!(ssch(&sim, id, &Orb::new(PROGRAM)).condition_code(), 3);
    assert!(sim.reattach(id));
    assert!(sim.store_channel_report_word().is_some());
    enable(&sim, id);
    assert_eq!(ssch(&sim, id, &Orb::new(PROGRAM)).condition_code(), 0);
    assert!(finish(&sim, id).scsw.is_primary());
}

#[test]
fn random_faults_are_reproducible() {
    let run = |seed| {
        let (sim, id) = sim_with_device();
        noop_program(&sim);
        sim.set_fault_plan(FaultPlan::seeded(seed).inject(
            id,
            Trigger::Chance { per_mille: 300 },
            Fault::ChannelControlCheck,
        ));
        (0..20)
            .map(|_| {
                ssch(&sim, id, &Orb::new(PROGRAM));
                finish(&sim, id).scsw.subchannel_status()
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(run(42), run(42));
    assert!(run(42).iter().any(|s| !s.is_empty()));
}

#[test]
fn no_interruption_leaves_status_to_a_poll() {
    let (sim, id) = sim_with_device();
    noop_program(&sim);
    sim.enable_isc(s390_cio::structures::Isc::new(3).unwrap());
    sim.set_fault_plan(FaultPlan::seeded(1).inject(id, Trigger::Nth(1), Fault::NoInterruption));
    ssch(&sim, id, &Orb::new(PROGRAM));
    sim.run_until_idle();
    assert!(sim.test_pending_interruption().is_none(), "{}", sim.trace());
    let irb = finish(&sim, id);
    assert!(irb.scsw.is_primary());
}

#[test]
fn a_late_halt_keeps_the_subchannel_halt_pending() {
    let (sim, id) = sim_with_device();
    sim.memory_mut()
        .write_ccw1(PROGRAM, Ccw1::new(commands::NOOP, CcwFlags::S, 0, 0))
        .unwrap();
    sim.set_fault_plan(FaultPlan::seeded(1).inject(
        id,
        Trigger::Nth(1),
        Fault::LateHaltOrClear { steps: 5 },
    ));
    ssch(&sim, id, &Orb::new(PROGRAM).with_suspend_control(true));
    sim.run_until_idle();
    sim.halt_subchannel(id);
    for _ in 0..4 {
        sim.step();
        assert!(sim.scsw(id).unwrap().is_halt_pending(), "{}", sim.trace());
    }
    let irb = finish(&sim, id);
    assert!(irb.scsw.function_control().halt());
}

#[test]
fn a_late_clear_keeps_the_subchannel_clear_pending() {
    let (sim, id) = sim_with_device();
    noop_program(&sim);
    sim.set_fault_plan(FaultPlan::seeded(1).inject(
        id,
        Trigger::Nth(1),
        Fault::LateHaltOrClear { steps: 3 },
    ));
    sim.clear_subchannel(id);
    for _ in 0..2 {
        sim.step();
        assert!(sim.scsw(id).unwrap().is_clear_pending(), "{}", sim.trace());
    }
    let irb = finish(&sim, id);
    assert!(irb.scsw.function_control().clear());
}
