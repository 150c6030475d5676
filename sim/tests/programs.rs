//! Channel programs: data transfer, chaining, TIC, length checking, PCI,
//! suspend/resume, indirect addressing, program checks.

mod common;

use common::*;
use s390_cio::css::ChannelSubsystem;
use s390_cio::instructions::{ResumeResult, TestSubchannelResult};
use s390_cio::structures::{
    commands, format1_idaws, format2_idaws, midaws, Ccw0, Ccw1, CcwFlags, DeviceStatus,
    Format1Idaw, Format2Idaw, IdawBlockSize, Midaw, Orb, StatusControl, SubchannelStatus,
};
use s390_cio_sim::{Response, ScriptedDevice, DONE};

fn device_answering_read(data: &[u8]) -> ScriptedDevice {
    let mut device = ScriptedDevice::new(test_id());
    device.respond_always(commands::READ, Response::data(data));
    device
}

#[test]
fn plain_read_stores_data_and_ends_with_ce_de() {
    let (sim, id) = sim_with(device_answering_read(b"HELLO"));
    sim.memory_mut()
        .write_ccw1(
            PROGRAM,
            Ccw1::new(commands::READ, CcwFlags::empty(), 5, DATA),
        )
        .unwrap();
    assert_eq!(ssch(&sim, id, &Orb::new(PROGRAM)).condition_code(), 0);
    let irb = finish(&sim, id);
    assert_eq!(irb.scsw.device_status(), DONE);
    assert!(irb.scsw.subchannel_status().is_empty());
    assert_eq!(
        irb.scsw.status_control(),
        StatusControl::PRIMARY | StatusControl::SECONDARY | StatusControl::STATUS_PENDING
    );
    assert_eq!(irb.scsw.ccw_address(), PROGRAM + 8);
    assert_eq!(irb.scsw.residual_count(), 0);
    assert_eq!(sim.memory().slice(DATA.into(), 5).unwrap(), b"HELLO");
}

#[test]
fn command_chained_read_runs_every_ccw() {
    let (sim, id) = sim_with(device_answering_read(b"ABCD"));
    sim.memory_mut()
        .write_ccw1s(
            PROGRAM,
            &[
                Ccw1::new(commands::READ, CcwFlags::CC, 4, DATA),
                Ccw1::new(commands::NOOP, CcwFlags::CC, 0, 0),
                Ccw1::new(commands::READ, CcwFlags::empty(), 4, DATA + 4),
            ],
        )
        .unwrap();
    ssch(&sim, id, &Orb::new(PROGRAM));
    let irb = finish(&sim, id);
    assert_eq!(irb.scsw.ccw_address(), PROGRAM + 24);
    assert_eq!(sim.memory().slice(DATA.into(), 8).unwrap(), b"ABCDABCD");
}

#[test]
fn data_chaining_spreads_one_record_over_areas() {
    let (sim, id) = sim_with(device_answering_read(b"0123456789"));
    sim.memory_mut()
        .write_ccw1s(
            PROGRAM,
            &[
                Ccw1::new(commands::READ, CcwFlags::CD, 4, DATA),
                Ccw1::new(0, CcwFlags::CD, 3, DATA + 0x100),
                Ccw1::new(0, CcwFlags::empty(), 3, DATA + 0x200),
            ],
        )
        .unwrap();
    ssch(&sim, id, &Orb::new(PROGRAM));
    let irb = finish(&sim, id);
    assert!(irb.scsw.subchannel_status().is_empty(), "{}", sim.trace());
    assert_eq!(irb.scsw.ccw_address(), PROGRAM + 24);
    let m = sim.memory();
    assert_eq!(m.slice(DATA.into(), 4).unwrap(), b"0123");
    assert_eq!(m.slice((DATA + 0x100).into(), 3).unwrap(), b"456");
    assert_eq!(m.slice((DATA + 0x200).into(), 3).unwrap(), b"789");
}

#[test]
fn tic_continues_at_its_target() {
    let (sim, id) = sim_with(device_answering_read(b"XY"));
    sim.memory_mut()
        .write_ccw1s(
            PROGRAM,
            &[
                Ccw1::new(commands::NOOP, CcwFlags::CC, 0, 0),
                Ccw1::tic(PROGRAM + 0x40),
            ],
        )
        .unwrap();
    sim.memory_mut()
        .write_ccw1(
            PROGRAM + 0x40,
            Ccw1::new(commands::READ, CcwFlags::empty(), 2, DATA),
        )
        .unwrap();
    ssch(&sim, id, &Orb::new(PROGRAM));
    let irb = finish(&sim, id);
    assert_eq!(irb.scsw.ccw_address(), PROGRAM + 0x48);
    assert_eq!(sim.memory().slice(DATA.into(), 2).unwrap(), b"XY");
}

#[test]
fn tic_to_tic_is_a_program_check() {
    let (sim, id) = sim_with_device();
    sim.memory_mut()
        .write_ccw1s(PROGRAM, &[Ccw1::tic(PROGRAM + 8), Ccw1::tic(PROGRAM)])
        .unwrap();
    ssch(&sim, id, &Orb::new(PROGRAM));
    let irb = finish(&sim, id);
    assert_eq!(
        irb.scsw.subchannel_status(),
        SubchannelStatus::PROGRAM_CHECK
    );
    assert!(irb.scsw.is_alert());
    assert_eq!(irb.scsw.ccw_address(), PROGRAM + 16);
}

#[test]
fn short_record_is_incorrect_length_without_sli() {
    let (sim, id) = sim_with(device_answering_read(b"abc"));
    sim.memory_mut()
        .write_ccw1s(
            PROGRAM,
            &[
                Ccw1::new(commands::READ, CcwFlags::CC, 10, DATA),
                Ccw1::new(commands::NOOP, CcwFlags::empty(), 0, 0),
            ],
        )
        .unwrap();
    ssch(&sim, id, &Orb::new(PROGRAM));
    let irb = finish(&sim, id);
    assert_eq!(
        irb.scsw.subchannel_status(),
        SubchannelStatus::INCORRECT_LENGTH
    );
    assert_eq!(irb.scsw.residual_count(), 7);
    // Chaining was suppressed: the NOOP never ran.
    assert_eq!(irb.scsw.ccw_address(), PROGRAM + 8);
}

#[test]
fn short_record_with_sli_chains_on() {
    let (sim, id) = sim_with(device_answering_read(b"abc"));
    sim.memory_mut()
        .write_ccw1s(
            PROGRAM,
            &[
                Ccw1::new(commands::READ, CcwFlags::CC | CcwFlags::SLI, 10, DATA),
                Ccw1::new(commands::NOOP, CcwFlags::empty(), 0, 0),
            ],
        )
        .unwrap();
    ssch(&sim, id, &Orb::new(PROGRAM));
    let irb = finish(&sim, id);
    assert!(irb.scsw.subchannel_status().is_empty());
    assert_eq!(irb.scsw.ccw_address(), PROGRAM + 16);
}

#[test]
fn long_record_is_incorrect_length_too() {
    let (sim, id) = sim_with(device_answering_read(b"abcdef"));
    sim.memory_mut()
        .write_ccw1(
            PROGRAM,
            Ccw1::new(commands::READ, CcwFlags::empty(), 4, DATA),
        )
        .unwrap();
    ssch(&sim, id, &Orb::new(PROGRAM));
    let irb = finish(&sim, id);
    assert_eq!(
        irb.scsw.subchannel_status(),
        SubchannelStatus::INCORRECT_LENGTH
    );
    assert_eq!(irb.scsw.residual_count(), 0);
    assert_eq!(sim.memory().slice(DATA.into(), 5).unwrap(), b"abcd\0");
}

#[test]
fn pci_gives_intermediate_status_while_the_program_goes_on() {
    let (sim, id) = sim_with_device();
    sim.memory_mut()
        .write_ccw1s(
            PROGRAM,
            &[
                Ccw1::new(commands::NOOP, CcwFlags::CC, 0, 0),
                Ccw1::new(commands::NOOP, CcwFlags::CC | CcwFlags::PCI, 0, 0),
                Ccw1::new(commands::NOOP, CcwFlags::CC, 0, 0),
                Ccw1::new(commands::NOOP, CcwFlags::empty(), 0, 0),
            ],
        )
        .unwrap();
    sim.set_isc_mask(0x10);
    ssch(&sim, id, &Orb::new(PROGRAM));
    sim.step();
    sim.step();
    let scsw = sim.scsw(id).unwrap();
    assert_eq!(
        scsw.status_control(),
        StatusControl::INTERMEDIATE | StatusControl::STATUS_PENDING
    );
    assert!(scsw.subchannel_status().program_controlled_interruption());
    assert!(scsw.is_subchannel_active());
    assert_eq!(
        sim.test_pending_interruption()
            .unwrap()
            .interruption_parameter,
        0
    );
    let (cc, irb) = tsch(&sim, id);
    assert_eq!(cc, TestSubchannelResult::StatusWasPending);
    assert!(irb.scsw.function_control().start());
    let irb = finish(&sim, id);
    assert!(irb.scsw.is_primary());
    assert_eq!(irb.scsw.ccw_address(), PROGRAM + 32);
}

#[test]
fn suspend_and_resume() {
    let (sim, id) = sim_with_device();
    let ccws = [
        Ccw1::new(commands::WRITE, CcwFlags::CC, 2, DATA),
        Ccw1::new(commands::WRITE, CcwFlags::S, 2, DATA + 2),
    ];
    sim.memory_mut().write_ccw1s(PROGRAM, &ccws).unwrap();
    sim.memory_mut().write(DATA.into(), b"abcd").unwrap();
    let orb = Orb::new(PROGRAM).with_suspend_control(true);
    ssch(&sim, id, &orb);
    sim.run_until_idle();
    let scsw = sim.scsw(id).unwrap();
    assert!(scsw.is_suspended(), "{}", sim.trace());
    assert_eq!(scsw.ccw_address(), PROGRAM + 16);
    let (cc, irb) = tsch(&sim, id);
    assert_eq!(cc, TestSubchannelResult::StatusWasPending);
    assert_eq!(
        irb.scsw.status_control(),
        StatusControl::INTERMEDIATE | StatusControl::STATUS_PENDING
    );
    // Clear the S flag, then resume.
    sim.memory_mut()
        .write_ccw1(
            PROGRAM + 8,
            Ccw1::new(commands::WRITE, CcwFlags::empty(), 2, DATA + 2),
        )
        .unwrap();
    // SAFETY: simulator storage.
    assert_eq!(unsafe { sim.resume_subchannel(id) }, ResumeResult::Resumed);
    // SAFETY: simulator storage.
    assert_eq!(
        unsafe { sim.resume_subchannel(id) },
        ResumeResult::NotApplicable
    );
    let irb = finish(&sim, id);
    assert!(irb.scsw.is_primary());
    let received = sim
        .with_device(id, |d: &mut ScriptedDevice| d.received().to_vec())
        .unwrap();
    assert_eq!(received, [(1, b"ab".to_vec()), (1, b"cd".to_vec())]);
}

#[test]
fn suspend_flag_without_suspend_control_is_a_program_check() {
    let (sim, id) = sim_with_device();
    sim.memory_mut()
        .write_ccw1(PROGRAM, Ccw1::new(commands::NOOP, CcwFlags::S, 0, 0))
        .unwrap();
    ssch(&sim, id, &Orb::new(PROGRAM));
    let irb = finish(&sim, id);
    assert_eq!(
        irb.scsw.subchannel_status(),
        SubchannelStatus::PROGRAM_CHECK
    );
}

#[test]
fn program_check_for_a_bad_ccw() {
    let cases = [
        (Ccw1::new(0x00, CcwFlags::empty(), 1, DATA), PROGRAM + 8),
        (
            Ccw1::new(commands::READ, CcwFlags::CD, 0, DATA),
            PROGRAM + 8,
        ),
        (
            Ccw1::new(commands::READ, CcwFlags::IDA | CcwFlags::MIDA, 1, DATA),
            PROGRAM + 8,
        ),
        (
            Ccw1::new(commands::READ, CcwFlags::empty(), 4, 0x7FFF_0000),
            PROGRAM + 8,
        ),
    ];
    for (ccw, address) in cases {
        let (sim, id) = sim_with(device_answering_read(b"data"));
        sim.memory_mut().write_ccw1(PROGRAM, ccw).unwrap();
        ssch(&sim, id, &Orb::new(PROGRAM));
        let irb = finish(&sim, id);
        assert_eq!(
            irb.scsw.subchannel_status(),
            SubchannelStatus::PROGRAM_CHECK,
            "{ccw:?}\n{}",
            sim.trace()
        );
        assert_eq!(irb.scsw.ccw_address(), address);
    }
}

#[test]
fn program_check_for_a_ccw_address_outside_storage_or_misaligned() {
    for address in [0x7000_0000, PROGRAM + 4] {
        let (sim, id) = sim_with_device();
        ssch(&sim, id, &Orb::new(address));
        let irb = finish(&sim, id);
        assert_eq!(
            irb.scsw.subchannel_status(),
            SubchannelStatus::PROGRAM_CHECK
        );
        assert_eq!(irb.scsw.ccw_address(), address + 8);
    }
}

#[test]
fn format0_program_runs() {
    let (sim, id) = sim_with(device_answering_read(b"F0"));
    let ccw = Ccw0::new(commands::READ, CcwFlags::empty(), 2, DATA).unwrap();
    sim.memory_mut().write_ccw0(PROGRAM, ccw).unwrap();
    ssch(&sim, id, &Orb::new(PROGRAM).with_format1(false));
    let irb = finish(&sim, id);
    assert!(irb.scsw.subchannel_status().is_empty());
    assert!(!irb.scsw.is_format1());
    assert_eq!(sim.memory().slice(DATA.into(), 2).unwrap(), b"F0");
}

#[test]
fn skip_transfers_nothing() {
    let (sim, id) = sim_with(device_answering_read(b"ZZ"));
    sim.memory_mut()
        .write_ccw1(PROGRAM, Ccw1::new(commands::READ, CcwFlags::SKIP, 2, DATA))
        .unwrap();
    ssch(&sim, id, &Orb::new(PROGRAM));
    let irb = finish(&sim, id);
    assert!(irb.scsw.subchannel_status().is_empty());
    assert_eq!(sim.memory().slice(DATA.into(), 2).unwrap(), b"\0\0");
}

fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

#[test]
fn format1_idaws_cross_2k_blocks() {
    let data = pattern(0x1100);
    let (sim, id) = sim_with(device_answering_read(&data));
    let buffer = 0x2_0700u64;
    let mut list = [Format1Idaw::default(); 4];
    let list = format1_idaws(buffer, data.len(), &mut list).unwrap();
    sim.memory_mut().write_format1_idaws(0x3000, list).unwrap();
    sim.memory_mut()
        .write_ccw1(
            PROGRAM,
            Ccw1::new(commands::READ, CcwFlags::IDA, 0x1100, 0x3000),
        )
        .unwrap();
    ssch(&sim, id, &Orb::new(PROGRAM));
    let irb = finish(&sim, id);
    assert!(irb.scsw.subchannel_status().is_empty(), "{}", sim.trace());
    assert_eq!(sim.memory().slice(buffer, data.len()).unwrap(), &data[..]);
}

#[test]
fn format2_idaws_with_2k_and_4k_blocks() {
    for (block, t_bit) in [
        (IdawBlockSize::Size4K, false),
        (IdawBlockSize::Size2K, true),
    ] {
        let data = pattern(0x2345);
        let (sim, id) = sim_with(device_answering_read(&data));
        let buffer = 0x4_0F00u64;
        let mut list = [Format2Idaw::default(); 8];
        let list = format2_idaws(buffer, data.len(), block, &mut list).unwrap();
        sim.memory_mut().write_format2_idaws(0x3000, list).unwrap();
        sim.memory_mut()
            .write_ccw1(
                PROGRAM,
                Ccw1::new(commands::READ, CcwFlags::IDA, 0x2345, 0x3000),
            )
            .unwrap();
        let orb = Orb::new(PROGRAM)
            .with_format2_idaws(true)
            .with_2k_idaws(t_bit);
        ssch(&sim, id, &orb);
        let irb = finish(&sim, id);
        assert!(irb.scsw.subchannel_status().is_empty(), "{}", sim.trace());
        assert_eq!(sim.memory().slice(buffer, data.len()).unwrap(), &data[..]);
    }
}

#[test]
fn misplaced_second_idaw_is_a_program_check() {
    let (sim, id) = sim_with(device_answering_read(&pattern(0x900)));
    let list = [
        Format1Idaw::new(0x2_0000).unwrap(),
        Format1Idaw::new(0x2_0900).unwrap(),
    ];
    sim.memory_mut().write_format1_idaws(0x3000, &list).unwrap();
    sim.memory_mut()
        .write_ccw1(
            PROGRAM,
            Ccw1::new(commands::READ, CcwFlags::IDA, 0x900, 0x3000),
        )
        .unwrap();
    ssch(&sim, id, &Orb::new(PROGRAM));
    let irb = finish(&sim, id);
    assert_eq!(
        irb.scsw.subchannel_status(),
        SubchannelStatus::PROGRAM_CHECK
    );
}

#[test]
fn midaws_scatter_one_record() {
    let data = pattern(0x30);
    let (sim, id) = sim_with(device_answering_read(&data));
    let mut list = [Midaw::default(); 4];
    let list = midaws(&[(0x5FF0, 0x20), (0x7000, 0x10)], &mut list).unwrap();
    sim.memory_mut().write_midaws(0x3000, list).unwrap();
    sim.memory_mut()
        .write_ccw1(
            PROGRAM,
            Ccw1::new(commands::READ, CcwFlags::MIDA, 0x30, 0x3000),
        )
        .unwrap();
    ssch(&sim, id, &Orb::new(PROGRAM).with_mida(true));
    let irb = finish(&sim, id);
    assert!(irb.scsw.subchannel_status().is_empty(), "{}", sim.trace());
    let m = sim.memory();
    assert_eq!(m.slice(0x5FF0, 0x20).unwrap(), &data[..0x20]);
    assert_eq!(m.slice(0x7000, 0x10).unwrap(), &data[0x20..]);
}

#[test]
fn status_modifier_skips_the_next_ccw() {
    let mut device = ScriptedDevice::new(test_id());
    device.respond(0x31, Response::status(DONE | DeviceStatus::STATUS_MODIFIER));
    let (sim, id) = sim_with(device);
    sim.memory_mut()
        .write_ccw1s(
            PROGRAM,
            &[
                Ccw1::new(0x31, CcwFlags::CC | CcwFlags::SLI, 1, DATA),
                Ccw1::new(0x11, CcwFlags::CC, 1, DATA),
                Ccw1::new(commands::NOOP, CcwFlags::empty(), 0, 0),
            ],
        )
        .unwrap();
    ssch(&sim, id, &Orb::new(PROGRAM));
    let irb = finish(&sim, id);
    assert_eq!(irb.scsw.ccw_address(), PROGRAM + 24);
    let commands_run: Vec<u8> = sim
        .with_device(id, |d: &mut ScriptedDevice| {
            d.received().iter().map(|r| r.0).collect()
        })
        .unwrap();
    assert_eq!(commands_run, [0x31, commands::NOOP]);
}
