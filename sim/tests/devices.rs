//! Devices: SENSE ID, unit check and SENSE, concurrent sense, the console,
//! unsolicited status, and the library's one-shot driver on the simulator.

mod common;

use std::cell::RefCell;
use std::rc::Rc;

use common::*;
use s390_cio::css::ChannelSubsystem;
use s390_cio::structures::{
    commands, Ccw1, CcwFlags, DeviceStatus, Isc, Orb, Schib, SenseId, StatusControl,
};
use s390_cio_sim::{Console, Options, Response, ScriptedDevice, Simulator, DONE};

#[test]
fn sense_id_answers_from_the_device_identity() {
    let (sim, id) = sim_with_device();
    sim.memory_mut()
        .write_ccw1(
            PROGRAM,
            Ccw1::new(commands::SENSE_ID, CcwFlags::SLI, 256, DATA),
        )
        .unwrap();
    ssch(&sim, id, &Orb::new(PROGRAM));
    let irb = finish(&sim, id);
    assert!(irb.scsw.subchannel_status().is_empty());
    assert_eq!(irb.scsw.residual_count(), 256 - 8);
    let bytes = sim.memory().slice(DATA.into(), 8).unwrap().to_vec();
    let sense_id = SenseId::from_bytes(&bytes).unwrap();
    assert_eq!(sense_id.control_unit_type(), 0x3990);
    assert_eq!(sense_id.device_type(), Some(0x3390));
}

#[test]
fn unit_check_then_sense_reads_the_sense_bytes() {
    let mut device = ScriptedDevice::new(test_id());
    device.respond(commands::WRITE, Response::unit_check(&[0x80, 0x01]));
    let (sim, id) = sim_with(device);
    sim.memory_mut()
        .write_ccw1s(
            PROGRAM,
            &[
                Ccw1::new(commands::WRITE, CcwFlags::CC, 4, DATA),
                Ccw1::new(commands::NOOP, CcwFlags::empty(), 0, 0),
            ],
        )
        .unwrap();
    ssch(&sim, id, &Orb::new(PROGRAM));
    let irb = finish(&sim, id);
    assert_eq!(irb.scsw.device_status(), DONE | DeviceStatus::UNIT_CHECK);
    assert!(irb.scsw.is_alert());
    assert_eq!(irb.scsw.ccw_address(), PROGRAM + 8, "chaining suppressed");
    assert_eq!(irb.concurrent_sense(), None);

    sim.memory_mut()
        .write_ccw1(
            PROGRAM + 0x100,
            Ccw1::new(commands::SENSE, CcwFlags::SLI, 32, DATA),
        )
        .unwrap();
    ssch(&sim, id, &Orb::new(PROGRAM + 0x100));
    let irb = finish(&sim, id);
    assert_eq!(irb.scsw.device_status(), DONE);
    assert_eq!(irb.scsw.residual_count(), 30);
    assert_eq!(sim.memory().slice(DATA.into(), 2).unwrap(), &[0x80, 0x01]);
}

#[test]
fn concurrent_sense_puts_the_sense_in_the_irb() {
    let mut device = ScriptedDevice::new(test_id());
    device.respond(commands::NOOP, Response::unit_check(&[0x10, 0x20, 0x30]));
    let (sim, id) = sim_with(device);
    let mut schib = Schib::default();
    sim.store_subchannel(id, &mut schib);
    schib.pmcw.set_concurrent_sense(true);
    sim.modify_subchannel(id, &schib);
    sim.memory_mut()
        .write_ccw1(PROGRAM, Ccw1::new(commands::NOOP, CcwFlags::empty(), 0, 0))
        .unwrap();
    ssch(&sim, id, &Orb::new(PROGRAM));
    let irb = finish(&sim, id);
    assert!(irb.scsw.extended_control());
    assert_eq!(irb.concurrent_sense(), Some(&[0x10, 0x20, 0x30][..]));
}

#[test]
fn console_records_written_lines() {
    let (sim, id) = sim_with(Console::new());
    sim.memory_mut().write(DATA.into(), b"hello world").unwrap();
    sim.memory_mut()
        .write_ccw1s(
            PROGRAM,
            &[
                Ccw1::new(commands::WRITE, CcwFlags::CC, 5, DATA),
                Ccw1::new(0x09, CcwFlags::empty(), 5, DATA + 6),
            ],
        )
        .unwrap();
    ssch(&sim, id, &Orb::new(PROGRAM));
    finish(&sim, id);
    let text = sim.with_device(id, |c: &mut Console| c.text()).unwrap();
    assert_eq!(text, ["hello", "world"]);
}

#[test]
fn console_read_without_input_is_unit_exception() {
    let (sim, id) = sim_with(Console::new());
    sim.with_device(id, |c: &mut Console| c.push_input(b"yes"));
    let read = Ccw1::new(commands::READ, CcwFlags::SLI, 80, DATA);
    sim.memory_mut().write_ccw1(PROGRAM, read).unwrap();
    ssch(&sim, id, &Orb::new(PROGRAM));
    let irb = finish(&sim, id);
    assert_eq!(irb.scsw.device_status(), DONE);
    assert_eq!(sim.memory().slice(DATA.into(), 3).unwrap(), b"yes");
    ssch(&sim, id, &Orb::new(PROGRAM));
    let irb = finish(&sim, id);
    assert!(irb.scsw.device_status().unit_exception());
}

#[test]
fn console_awaiting_its_operator_holds_the_read_until_input_comes() {
    let (sim, id) = sim_with(Console::new().awaiting_operator());
    let read = Ccw1::new(commands::READ, CcwFlags::SLI, 80, DATA);
    sim.memory_mut().write_ccw1(PROGRAM, read).unwrap();
    ssch(&sim, id, &Orb::new(PROGRAM));
    sim.run_until_idle();
    let scsw = sim.scsw(id).unwrap();
    assert!(!scsw.is_status_pending(), "{}", sim.trace());
    assert!(scsw.activity_control().subchannel_active());
    assert!(scsw.activity_control().device_active());
    sim.with_device(id, |c: &mut Console| c.push_input(b"go"));
    let irb = finish(&sim, id);
    assert_eq!(irb.scsw.device_status(), DONE);
    assert_eq!(sim.memory().slice(DATA.into(), 2).unwrap(), b"go");
}

#[test]
fn halt_ends_a_held_console_read() {
    let (sim, id) = sim_with(Console::new().awaiting_operator());
    let read = Ccw1::new(commands::READ, CcwFlags::SLI, 80, DATA);
    sim.memory_mut().write_ccw1(PROGRAM, read).unwrap();
    ssch(&sim, id, &Orb::new(PROGRAM));
    sim.run_until_idle();
    sim.halt_subchannel(id);
    let irb = finish(&sim, id);
    assert!(irb.scsw.function_control().halt(), "{}", sim.trace());
    assert!(irb.scsw.activity_control().is_empty());
}

#[test]
fn unsolicited_attention_becomes_alert_status() {
    let (sim, id) = sim_with_device();
    sim.inject_unsolicited_status(id, DeviceStatus::ATTENTION);
    let irb = finish(&sim, id);
    assert_eq!(
        irb.scsw.status_control(),
        StatusControl::ALERT | StatusControl::STATUS_PENDING
    );
    assert_eq!(irb.scsw.device_status(), DeviceStatus::ATTENTION);
    assert!(irb.scsw.function_control().is_empty());
}

#[test]
fn unsolicited_status_racing_a_start_gives_deferred_cc1() {
    let (sim, id) = sim_with_device();
    sim.memory_mut()
        .write_ccw1(PROGRAM, Ccw1::new(commands::NOOP, CcwFlags::empty(), 0, 0))
        .unwrap();
    assert_eq!(ssch(&sim, id, &Orb::new(PROGRAM)).condition_code(), 0);
    sim.inject_unsolicited_status(id, DeviceStatus::ATTENTION);
    let irb = finish(&sim, id);
    assert_eq!(irb.scsw.deferred_condition(), Some(1));
    assert_eq!(irb.scsw.device_status(), DeviceStatus::ATTENTION);
    // The start was not performed: start again.
    assert_eq!(ssch(&sim, id, &Orb::new(PROGRAM)).condition_code(), 0);
    let irb = finish(&sim, id);
    assert_eq!(irb.scsw.device_status(), DONE);
}

#[test]
fn run_once_works_on_a_synchronous_simulator() {
    let sim = Simulator::with_options(Options {
        synchronous: true,
        ..Options::default()
    });
    let id = sim.add_device(0x200, Console::new());
    enable(&sim, id);
    sim.memory_mut().write(DATA.into(), b"boot").unwrap();
    sim.memory_mut()
        .write_ccw1(
            PROGRAM,
            Ccw1::new(commands::WRITE, CcwFlags::empty(), 4, DATA),
        )
        .unwrap();
    // SAFETY: simulator storage.
    let irb = unsafe { s390_cio::driver::run_once(&sim, id, Orb::new(PROGRAM)) }
        .unwrap()
        .irb;
    assert_eq!(irb.scsw.device_status(), DONE);
    let lines = sim.with_device(id, |c: &mut Console| c.text()).unwrap();
    assert_eq!(lines, ["boot"]);
}

#[test]
fn interruptions_go_by_isc_priority_and_mask() {
    let sim = Simulator::new();
    let a = sim.add_device(1, ScriptedDevice::new(test_id()));
    let b = sim.add_device(2, ScriptedDevice::new(test_id()));
    for (id, isc) in [(a, 5), (b, 2)] {
        let mut schib = Schib::default();
        sim.store_subchannel(id, &mut schib);
        schib.pmcw.set_enabled(true);
        schib.pmcw.set_isc(Isc::new(isc).unwrap());
        sim.modify_subchannel(id, &schib);
    }
    sim.inject_unsolicited_status(a, DeviceStatus::ATTENTION);
    sim.inject_unsolicited_status(b, DeviceStatus::ATTENTION);
    sim.run_until_idle();
    assert_eq!(sim.test_pending_interruption(), None, "all ISCs masked");
    sim.enable_isc(Isc::new(5).unwrap());
    assert_eq!(
        sim.test_pending_interruption().unwrap().subchannel_id,
        a.raw()
    );
    assert_eq!(sim.test_pending_interruption(), None);
    sim.set_isc_mask(0xFF);
    assert_eq!(
        sim.test_pending_interruption().unwrap().subchannel_id,
        b.raw()
    );
    // TPI does not clear status pending.
    assert_eq!(tsch(&sim, a).0.condition_code(), 0);
}

#[test]
fn the_hook_receives_interruptions_as_the_io_new_psw() {
    let (sim, id) = sim_with_device();
    let seen = Rc::new(RefCell::new(Vec::new()));
    let sink = Rc::clone(&seen);
    sim.on_interruption(move |code| sink.borrow_mut().push(code));
    sim.memory_mut()
        .write_ccw1(PROGRAM, Ccw1::new(commands::NOOP, CcwFlags::empty(), 0, 0))
        .unwrap();
    ssch(
        &sim,
        id,
        &Orb::new(PROGRAM).with_interruption_parameter(0x77),
    );
    sim.run_until_idle();
    assert!(seen.borrow().is_empty(), "ISC 3 is masked");
    sim.enable_isc(Isc::new(3).unwrap());
    assert_eq!(seen.borrow().len(), 1);
    assert_eq!(seen.borrow()[0].interruption_parameter, 0x77);
    assert_eq!(sim.test_pending_interruption(), None);
    assert_eq!(tsch(&sim, id).0.condition_code(), 0);
}

#[test]
fn the_trace_prints_every_event() {
    let (sim, id) = sim_with_device();
    sim.memory_mut()
        .write_ccw1(PROGRAM, Ccw1::new(commands::NOOP, CcwFlags::empty(), 0, 0))
        .unwrap();
    ssch(&sim, id, &Orb::new(PROGRAM));
    finish(&sim, id);
    let trace = sim.trace();
    for needle in [
        "SSCH 0.0.0000 -> cc 0",
        "command 0x03 (CCW at 0x1000)",
        "status pending",
        "interruption pending on ISC 3",
        "TSCH 0.0.0000 -> cc 0",
    ] {
        assert!(trace.contains(needle), "{needle} missing from\n{trace}");
    }
}
