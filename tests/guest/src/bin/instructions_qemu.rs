//! The condition codes QEMU's channel subsystem gives for each I/O
//! instruction, and the fields STSCH and TSCH store, read back through the
//! typed structures. Devices (see `xtask/src/programs.rs`): virtio-blk at
//! 0100, 0101 and 0102 (read-only), virtio-net at 0200.
//!
//! QEMU runs a virtio channel program synchronously inside SSCH (or RSCH),
//! so a subchannel is never seen start pending or active; the only way to
//! keep a start function in progress is a suspended channel program.
#![no_std]
#![deny(clippy::undocumented_unsafe_blocks)]
#![no_main]

use guest_tests::instructions::{
    self, check_controls, resume_to_end, store, PmcwFacts, SuspendingProgram, Words, World,
};
use guest_tests::{nop_program, subchannel_of, wait_for_status};
use s390_cio::css::{ChannelSubsystem, Cpu};
use s390_cio::instructions::{
    CancelResult, ClearResult, HaltResult, StartResult, TestSubchannelResult,
};
use s390_cio::structures::{
    ActivityControl, DeviceStatus, FunctionControl, Irb, StatusControl, SubchannelStatus,
};
use s390_cio_boot::testing::TestResult;
use s390_cio_boot::{check, check_eq, guest_tests};

const BLK: u16 = 0x0100;
const BLK2: u16 = 0x0101;
const NET: u16 = 0x0200;
const BLK_RO: u16 = 0x0102;

/// QEMU, for the shared tests: most use BLK, those that modify, disable or
/// halt the subchannel BLK2; status is there at once.
static WORLD: World = World {
    device: BLK,
    second_device: BLK2,
    devices: &[BLK, BLK2, NET, BLK_RO],
    // How long TSCH is polled for status (QEMU has it at once).
    poll_us: 10_000,
    asynchronous: false,
    suspension_has_intermediate_status: false,
    ssch_while_suspended_is_busy: true,
    idle_halt_has_device_end: true,
    pmcw: PmcwFacts {
        sets_lpm: false,
        checks_lpum_and_mbi: false,
        chpid0: 0,
        chpid0_note: "",
    },
};

/// SSCH cc 0, then TSCH cc 0 stores the IRB of the NOP: start function,
/// primary + secondary + status pending, channel end + device end, no
/// subchannel status, CCW address = the NOP's address + 8, residual 0.
fn ssch_cc0_then_tsch_cc0_stores_nop_irb() -> TestResult {
    instructions::ssch_cc0_then_tsch_cc0_stores_nop_irb(&WORLD)
}

/// TSCH cc 0 stores 64 bytes of the 96-byte IRB: with the
/// extended-measurement-word mode off (as here), the EMW area (bytes
/// 64-95) is left as it was. Hercules does the same, so guests must not
/// expect that area to be written.
fn tsch_leaves_emw_area_unstored() -> TestResult {
    instructions::tsch_leaves_emw_area_unstored(&WORLD)
}

/// TSCH with nothing pending: cc 1, and the IRB is still stored, with an
/// SCSW of the idle subchannel (no status control).
fn tsch_cc1_stores_irb_of_idle_subchannel() -> TestResult {
    instructions::tsch_cc1_stores_irb_of_idle_subchannel(&WORLD)
}

/// TSCH of a subchannel that does not exist: cc 3, IRB untouched.
fn tsch_cc3_for_missing_subchannel() -> TestResult {
    instructions::tsch_cc3_for_missing_subchannel(&WORLD)
}

/// STSCH cc 0 overwrites the whole PMCW: device number, V, E, the ISC we
/// set, the interruption parameter MSCH set, the path masks and CHPID 0.
fn stsch_cc0_stores_pmcw_as_modified() -> TestResult {
    instructions::stsch_cc0_stores_pmcw_as_modified(&WORLD)
}

/// SSCH places the ORB's interruption parameter in the PMCW (PoP, "START
/// SUBCHANNEL": the interruption parameter is placed in the subchannel).
fn ssch_sets_pmcw_interruption_parameter() -> TestResult {
    instructions::ssch_sets_pmcw_interruption_parameter(&WORLD)
}

/// STSCH of a subchannel that does not exist: cc 3, SCHIB untouched.
fn stsch_cc3_leaves_schib_untouched() -> TestResult {
    instructions::stsch_cc3_leaves_schib_untouched(&WORLD)
}

/// SSCH, RSCH, HSCH, MSCH and XSCH all give cc 1 while status is pending;
/// CSCH still gives cc 0 (it clears the status).
fn status_pending_gives_cc1() -> TestResult {
    instructions::status_pending_gives_cc1(&WORLD)
}

/// A suspended start is a start function in progress: SSCH cc 2, MSCH
/// cc 2, and the SCSW shows start function, suspended, no status.
fn suspended_start_gives_ssch_and_msch_cc2() -> TestResult {
    instructions::suspended_start_is_start_in_progress(&WORLD)
}

/// RSCH cc 0 resumes the suspended program: it runs the second CCW and
/// ends with primary status at the second CCW's address + 8.
fn rsch_cc0_resumes_suspended_program() -> TestResult {
    instructions::rsch_cc0_resumes_suspended_program(&WORLD)
}

/// QEMU quirk: the SCSW's suspend-control bit (word 0 bit 4) stays zero
/// for a start whose ORB asked for suspend control, both while suspended
/// and in the final status. The PoP says the bit shows that the ORB of the
/// start function specified suspend control.
fn qemu_quirk_scsw_lacks_suspend_control() -> TestResult {
    let id = subchannel_of(BLK)?;
    WORLD.settle(id);
    let mut program = SuspendingProgram::new();
    WORLD.start_suspended(id, &program)?;
    let schib = store(id)?;
    check!(
        !schib.scsw.suspend_control(),
        "S set while suspended: {}",
        Words(schib.scsw.words())
    );
    let irb = resume_to_end(id, &mut program)?;
    check!(
        !irb.scsw.suspend_control(),
        "S set in final status: {}",
        Words(irb.scsw.words())
    );
    WORLD.settle(id);
    Ok(())
}

/// RSCH on an idle subchannel: cc 2 (not suspended).
fn rsch_cc2_when_not_suspended() -> TestResult {
    instructions::rsch_cc2_when_not_suspended(&WORLD)
}

/// QEMU quirk: HSCH of a suspended program gives cc 0 and status pending
/// alone (no primary or secondary status, no device status), with only the
/// halt function and the suspended bit still set; TSCH then leaves the
/// subchannel idle. The PoP's halt function resets the suspended bit of the
/// subchannel it halts.
fn qemu_quirk_hsch_of_suspended_program_stays_suspended() -> TestResult {
    let id = subchannel_of(BLK)?;
    WORLD.settle(id);
    let program = SuspendingProgram::new();
    WORLD.start_suspended(id, &program)?;
    check_eq!(Cpu.halt_subchannel(id), HaltResult::Initiated, "HSCH");
    let irb = wait_for_status(id)?;
    let scsw = irb.scsw;
    let words = Words(scsw.words());
    check_controls(
        &scsw,
        FunctionControl::HALT,
        ActivityControl::SUSPENDED,
        StatusControl::STATUS_PENDING,
    )?;
    check_eq!(scsw.device_status(), DeviceStatus::empty(), "DS {}", words);
    check_eq!(
        scsw.subchannel_status(),
        SubchannelStatus::empty(),
        "CS {}",
        words
    );
    check_eq!(scsw.ccw_address(), program.address(1) + 8, "CCW {}", words);
    let schib = store(id)?;
    let after = Words(schib.scsw.words());
    check_eq!(
        schib.scsw.function_control(),
        FunctionControl::empty(),
        "FC {}",
        after
    );
    check_eq!(
        schib.scsw.activity_control(),
        ActivityControl::empty(),
        "AC {}",
        after
    );
    WORLD.settle(id);
    Ok(())
}

/// CSCH of a suspended program: cc 0, then status pending with only the
/// clear function; the subchannel is idle afterwards.
fn csch_cc0_ends_suspended_program() -> TestResult {
    let id = subchannel_of(BLK)?;
    WORLD.settle(id);
    let program = SuspendingProgram::new();
    WORLD.start_suspended(id, &program)?;
    check_eq!(Cpu.clear_subchannel(id), ClearResult::Initiated, "CSCH");
    let irb = wait_for_status(id)?;
    let scsw = irb.scsw;
    let words = Words(scsw.words());
    check_eq!(
        scsw.function_control(),
        FunctionControl::CLEAR,
        "FC {}",
        words
    );
    check_eq!(
        scsw.activity_control(),
        ActivityControl::empty(),
        "AC {}",
        words
    );
    check!(scsw.is_status_pending(), "SC {}", words);
    let schib = store(id)?;
    check_eq!(
        schib.scsw.function_control(),
        FunctionControl::empty(),
        "FC after TSCH {}",
        Words(schib.scsw.words())
    );
    WORLD.settle(id);
    Ok(())
}

/// XSCH of a suspended start: QEMU cancels it (cc 0) without any status;
/// the subchannel is idle at once and accepts a new SSCH.
fn xsch_cc0_cancels_suspended_start() -> TestResult {
    let id = subchannel_of(BLK)?;
    WORLD.settle(id);
    let program = SuspendingProgram::new();
    WORLD.start_suspended(id, &program)?;
    check_eq!(Cpu.cancel_subchannel(id), CancelResult::Cancelled, "XSCH");
    let schib = store(id)?;
    check_controls(
        &schib.scsw,
        FunctionControl::empty(),
        ActivityControl::empty(),
        StatusControl::empty(),
    )?;
    let mut irb = Irb::default();
    check_eq!(
        Cpu.test_subchannel(id, &mut irb),
        TestSubchannelResult::NoStatusPending,
        "TSCH"
    );
    let nop = nop_program();
    // SAFETY: `nop` lives until wait_for_status collected its status.
    let cc = unsafe { Cpu.start_subchannel(id, &nop.orb(3)) };
    check_eq!(cc, StartResult::Started, "SSCH after XSCH");
    wait_for_status(id)?;
    WORLD.settle(id);
    Ok(())
}

/// XSCH of an idle subchannel: cc 2 (no start function to cancel).
fn xsch_cc2_on_idle_subchannel() -> TestResult {
    instructions::xsch_cc2_on_idle_subchannel(&WORLD)
}

/// Every subchannel instruction gives cc 3 for a subchannel that does not
/// exist.
fn cc3_for_missing_subchannel() -> TestResult {
    instructions::cc3_for_missing_subchannel(&WORLD)
}

/// SSCH on a disabled subchannel: cc 3; after re-enabling, cc 0.
fn ssch_cc3_on_disabled_subchannel() -> TestResult {
    instructions::ssch_cc3_on_disabled_subchannel(&WORLD)
}

/// TPI: cc 0 with nothing pending; cc 1 with the subchannel id and
/// interruption parameter of a completed NOP.
fn tpi_cc0_then_cc1() -> TestResult {
    instructions::tpi_cc0_then_cc1(&WORLD)
}

/// STCRW with no channel report pending: cc 1. QEMU queues none at start
/// (cold-plugged devices make no report), so the very first STCRW gives
/// cc 1 (Hercules, by contrast, reports every subchannel).
fn stcrw_cc1_when_no_report_pending() -> TestResult {
    let crw = Cpu.store_channel_report_word();
    check!(
        crw.is_none(),
        "a report was pending: {:08x}",
        crw.unwrap_or_default().raw()
    );
    check!(Cpu.store_channel_report_word().is_none(), "second STCRW");
    Ok(())
}

/// HSCH of an idle subchannel: cc 0, then status pending alone with the
/// halt function, device end alone, no subchannel status, ESW LPUM 80.
/// (The CCW address is the one of the subchannel's last channel program.)
fn hsch_cc0_on_idle_subchannel_status() -> TestResult {
    instructions::hsch_cc0_on_idle_subchannel_status(&WORLD)
}

/// CSCH of an idle subchannel: cc 0, then status pending alone with the
/// clear function, no device or subchannel status. (The CCW address is
/// the one of the subchannel's last channel program: not meaningful here.)
fn csch_cc0_on_idle_subchannel_status() -> TestResult {
    instructions::csch_cc0_on_idle_subchannel_status(&WORLD)
}

/// A disabled subchannel (E bit off, device number valid) is not
/// operational for TSCH (cc 3, IRB untouched), HSCH, CSCH and XSCH, while
/// STSCH still stores its SCHIB.
fn disabled_subchannel_gives_cc3() -> TestResult {
    instructions::disabled_subchannel_gives_cc3(&WORLD)
}

guest_tests![
    ssch_cc0_then_tsch_cc0_stores_nop_irb,
    tsch_leaves_emw_area_unstored,
    tsch_cc1_stores_irb_of_idle_subchannel,
    tsch_cc3_for_missing_subchannel,
    stsch_cc0_stores_pmcw_as_modified,
    ssch_sets_pmcw_interruption_parameter,
    stsch_cc3_leaves_schib_untouched,
    status_pending_gives_cc1,
    suspended_start_gives_ssch_and_msch_cc2,
    rsch_cc0_resumes_suspended_program,
    qemu_quirk_scsw_lacks_suspend_control,
    rsch_cc2_when_not_suspended,
    qemu_quirk_hsch_of_suspended_program_stays_suspended,
    csch_cc0_ends_suspended_program,
    xsch_cc0_cancels_suspended_start,
    xsch_cc2_on_idle_subchannel,
    cc3_for_missing_subchannel,
    ssch_cc3_on_disabled_subchannel,
    disabled_subchannel_gives_cc3,
    hsch_cc0_on_idle_subchannel_status,
    csch_cc0_on_idle_subchannel_status,
    tpi_cc0_then_cc1,
    stcrw_cc1_when_no_report_pending,
];
