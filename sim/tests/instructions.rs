//! The condition code of every instruction in every subchannel state the
//! simulator models, table-driven, plus halt, clear and cancel effects.

mod common;

use common::*;
use s390_cio::css::ChannelSubsystem;
use s390_cio::structures::{
    commands, ActivityControl, Ccw1, CcwFlags, FunctionControl, Orb, Schib, StatusControl,
    SubchannelId,
};
use s390_cio_sim::Simulator;

/// The subchannel states of the table.
#[derive(Debug, Clone, Copy)]
enum State {
    Idle,
    Disabled,
    NoDevice,
    StartPending,
    Active,
    Suspended,
    SuspendedStatusPending,
    IntermediatePending,
    PrimaryPending,
    HaltPending,
    ClearPending,
}

/// A simulator with a subchannel in `state`.
fn in_state(state: State) -> (Simulator, SubchannelId) {
    let (sim, id) = sim_with_device();
    let noop = |flags| Ccw1::new(commands::NOOP, flags, 0, 0);
    sim.memory_mut()
        .write_ccw1s(
            PROGRAM,
            &[
                noop(CcwFlags::CC | CcwFlags::PCI),
                noop(CcwFlags::CC),
                noop(CcwFlags::CC | CcwFlags::S),
                noop(CcwFlags::empty()),
            ],
        )
        .unwrap();
    let orb = Orb::new(PROGRAM).with_suspend_control(true);
    match state {
        State::Idle => {}
        State::Disabled => {
            let mut schib = Schib::default();
            sim.store_subchannel(id, &mut schib);
            schib.pmcw.set_enabled(false);
            sim.modify_subchannel(id, &schib);
        }
        State::NoDevice => return (sim.clone_empty(), SubchannelId::new(0, 1).unwrap()),
        State::StartPending => {
            ssch(&sim, id, &orb);
        }
        State::Active => {
            ssch(&sim, id, &orb);
            sim.step();
            tsch(&sim, id); // take the PCI status
        }
        State::IntermediatePending => {
            ssch(&sim, id, &orb);
            sim.step();
        }
        State::Suspended | State::SuspendedStatusPending => {
            ssch(&sim, id, &orb);
            sim.step();
            tsch(&sim, id); // take the PCI status
            sim.run_until_idle();
            if matches!(state, State::Suspended) {
                tsch(&sim, id);
            }
        }
        State::PrimaryPending => {
            ssch(&sim, id, &Orb::new(PROGRAM + 24));
            sim.run_until_idle();
        }
        State::HaltPending => {
            ssch(&sim, id, &orb);
            sim.halt_subchannel(id);
        }
        State::ClearPending => {
            ssch(&sim, id, &orb);
            sim.clear_subchannel(id);
        }
    }
    (sim, id)
}

trait CloneEmpty {
    fn clone_empty(&self) -> Simulator;
}

impl CloneEmpty for Simulator {
    /// A simulator whose subchannel 0.0.0001 has no device.
    fn clone_empty(&self) -> Simulator {
        let sim = Simulator::new();
        sim.add_device(0x100, s390_cio_sim::Console::new());
        sim.add_empty_subchannel();
        sim
    }
}

fn cc_of(sim: &Simulator, id: SubchannelId, instruction: &str) -> u8 {
    let mut schib = Schib::default();
    sim.store_subchannel(id, &mut schib);
    match instruction {
        "SSCH" => ssch(sim, id, &Orb::new(PROGRAM)).condition_code(),
        // SAFETY: simulator storage.
        "RSCH" => unsafe { sim.resume_subchannel(id) }.condition_code(),
        "HSCH" => sim.halt_subchannel(id).condition_code(),
        "CSCH" => sim.clear_subchannel(id).condition_code(),
        "XSCH" => sim.cancel_subchannel(id).condition_code(),
        "MSCH" => sim.modify_subchannel(id, &schib).condition_code(),
        "STSCH" => sim.store_subchannel(id, &mut schib).condition_code(),
        "TSCH" => tsch(sim, id).0.condition_code(),
        other => unreachable!("{other}"),
    }
}

#[test]
fn every_instruction_in_every_state() {
    use State::*;
    //                                SSCH RSCH HSCH CSCH XSCH MSCH STSCH TSCH
    let table: [(State, [u8; 8]); 11] = [
        (Idle, [0, 2, 0, 0, 2, 0, 0, 1]),
        (Disabled, [3, 3, 3, 3, 3, 0, 0, 3]),
        (NoDevice, [3, 3, 3, 3, 3, 3, 0, 3]),
        (StartPending, [2, 0, 0, 0, 0, 2, 0, 1]),
        (Active, [2, 0, 0, 0, 2, 2, 0, 1]),
        (Suspended, [2, 0, 0, 0, 0, 2, 0, 1]),
        (SuspendedStatusPending, [1, 1, 0, 0, 1, 1, 0, 0]),
        (IntermediatePending, [1, 1, 0, 0, 1, 1, 0, 0]),
        (PrimaryPending, [1, 1, 1, 0, 1, 1, 0, 0]),
        (HaltPending, [2, 2, 2, 0, 2, 2, 0, 1]),
        (ClearPending, [2, 2, 2, 0, 2, 2, 0, 1]),
    ];
    let names = [
        "SSCH", "RSCH", "HSCH", "CSCH", "XSCH", "MSCH", "STSCH", "TSCH",
    ];
    for (state, ccs) in table {
        for (name, cc) in names.iter().zip(ccs) {
            let (sim, id) = in_state(state);
            assert_eq!(
                cc_of(&sim, id, name),
                cc,
                "{name} in state {state:?}\n{}",
                sim.trace()
            );
        }
    }
}

#[test]
fn stsch_of_a_subchannel_not_provided_is_cc3() {
    let (sim, _) = sim_with_device();
    let mut schib = Schib::default();
    let id = SubchannelId::new(0, 9).unwrap();
    assert_eq!(sim.store_subchannel(id, &mut schib).condition_code(), 3);
    assert_eq!(sim.log().condition_codes("STSCH").last(), Some(&3));
}

#[test]
fn tsch_clears_status_and_function_control() {
    let (sim, id) = in_state(State::PrimaryPending);
    let (_, irb) = tsch(&sim, id);
    assert!(irb.scsw.function_control().start());
    let scsw = sim.scsw(id).unwrap();
    assert!(scsw.function_control().is_empty());
    assert!(scsw.activity_control().is_empty());
    assert!(scsw.status_control().is_empty());
    assert_eq!(tsch(&sim, id).0.condition_code(), 1);
}

#[test]
fn tsch_withdraws_the_pending_interruption() {
    let (sim, id) = in_state(State::PrimaryPending);
    sim.set_isc_mask(0xFF);
    tsch(&sim, id);
    assert_eq!(sim.test_pending_interruption(), None);
}

#[test]
fn halt_of_an_active_program() {
    let (sim, id) = in_state(State::Active);
    assert_eq!(sim.halt_subchannel(id).condition_code(), 0);
    let scsw = sim.scsw(id).unwrap();
    assert_eq!(
        scsw.function_control(),
        FunctionControl::START | FunctionControl::HALT
    );
    assert!(scsw.activity_control().halt_pending());
    let irb = finish(&sim, id);
    assert!(irb.scsw.function_control().halt());
    assert!(irb.scsw.is_primary() && irb.scsw.is_secondary());
    // The halt came after the first CCW.
    assert_eq!(irb.scsw.ccw_address(), PROGRAM + 8);
    let halts = sim
        .with_device(id, |d: &mut s390_cio_sim::ScriptedDevice| d.halts())
        .unwrap();
    assert_eq!(halts, 1);
    assert!(sim.scsw(id).unwrap().function_control().is_empty());
}

#[test]
fn halt_of_a_start_pending_subchannel_is_status_pending_alone() {
    let (sim, id) = in_state(State::StartPending);
    sim.halt_subchannel(id);
    let irb = finish(&sim, id);
    assert_eq!(irb.scsw.status_control(), StatusControl::STATUS_PENDING);
}

#[test]
fn clear_resets_everything() {
    let (sim, id) = in_state(State::IntermediatePending);
    sim.set_isc_mask(0xFF);
    assert_eq!(sim.clear_subchannel(id).condition_code(), 0);
    // The PCI interruption was withdrawn.
    assert_eq!(sim.test_pending_interruption(), None);
    sim.run_until_idle();
    assert!(sim.test_pending_interruption().is_some());
    let (_, irb) = tsch(&sim, id);
    assert_eq!(irb.scsw.function_control(), FunctionControl::CLEAR);
    assert_eq!(irb.scsw.activity_control(), ActivityControl::empty());
    assert_eq!(irb.scsw.status_control(), StatusControl::STATUS_PENDING);
    assert!(irb.scsw.device_status().is_empty());
    let resets = sim
        .with_device(id, |d: &mut s390_cio_sim::ScriptedDevice| d.resets())
        .unwrap();
    assert_eq!(resets, 1);
}

#[test]
fn cancel_makes_a_start_pending_subchannel_idle() {
    let (sim, id) = in_state(State::StartPending);
    assert_eq!(sim.cancel_subchannel(id).condition_code(), 0);
    assert_eq!(sim.run_until_idle(), 0);
    assert_eq!(tsch(&sim, id).0.condition_code(), 1);
    assert_eq!(ssch(&sim, id, &Orb::new(PROGRAM)).condition_code(), 0);
}

#[test]
fn resume_before_the_suspend_point_goes_straight_through() {
    let (sim, id) = in_state(State::Active);
    // SAFETY: simulator storage.
    assert_eq!(unsafe { sim.resume_subchannel(id) }.condition_code(), 0);
    let irb = finish(&sim, id);
    assert!(irb.scsw.is_primary(), "{}", sim.trace());
    assert_eq!(irb.scsw.ccw_address(), PROGRAM + 32);
}

#[test]
fn ssch_copies_the_orb_into_pmcw_and_scsw() {
    let (sim, id) = sim_with_device();
    sim.memory_mut()
        .write_ccw1(PROGRAM, Ccw1::new(commands::NOOP, CcwFlags::empty(), 0, 0))
        .unwrap();
    let orb = Orb::new(PROGRAM)
        .with_interruption_parameter(0x1234)
        .with_key(6)
        .with_lpm(0x80);
    ssch(&sim, id, &orb);
    let mut schib = Schib::default();
    sim.store_subchannel(id, &mut schib);
    assert_eq!(schib.pmcw.interruption_parameter(), 0x1234);
    assert_eq!(schib.scsw.key(), 6);
    assert!(schib.scsw.is_start_pending());
}

#[test]
#[should_panic(expected = "operand exception")]
fn ssch_with_reserved_orb_bits_is_an_operand_exception() {
    let (sim, id) = sim_with_device();
    let mut bytes = *Orb::new(PROGRAM).as_bytes();
    bytes[31] = 1;
    ssch(&sim, id, &Orb::from_byte_array(bytes));
}
