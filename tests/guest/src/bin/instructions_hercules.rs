//! The condition codes Hercules 3.13 gives for each I/O instruction, and the
//! fields STSCH and TSCH store, read back through the typed structures. The
//! configuration (`tests/hercules/hercules.cnf.in`) has a 3215 console at
//! 0009 (the test output goes there: it is left alone), a 3505 at 000C, a
//! 1403 at 000E and a 3390 at 0120, on subchannels 0-3. Every test here
//! uses the 3390.
//!
//! Hercules runs channel programs in device threads: after SSCH the status
//! becomes pending some time later, so the tests poll.
#![no_std]
#![deny(clippy::undocumented_unsafe_blocks)]
#![no_main]

use core::cell::UnsafeCell;
use guest_tests::instructions::{
    self, check_controls, resume_to_end, store, PmcwFacts, SuspendingProgram, Words, World,
};
use guest_tests::{nop_program, subchannel_of, wait_for_status};
use s390_cio::css::{ChannelSubsystem, Cpu};
use s390_cio::discovery;
use s390_cio::driver::{Clock, TodClock};
use s390_cio::instructions::{CancelResult, ClearResult, HaltResult, ModifyResult, StartResult};
use s390_cio::structures::{
    ActivityControl, DeviceStatus, ErrorRecoveryCode, FunctionControl, ReportingSource,
    StatusControl, SubchannelStatus,
};
use s390_cio_boot::testing::TestResult;
use s390_cio_boot::{check, check_eq, guest_tests};

const DASD: u16 = 0x0120;
/// The devices defined after 0120: the ECKD driver's volumes and the
/// second console.
const LATER_DEVICES: [u16; 4] = [0x0121, 0x0122, 0x0123, 0x001F];

/// Hercules, for the shared tests: every test uses the 3390 at 0120;
/// status comes from device threads, so the tests poll.
static WORLD: World = World {
    device: DASD,
    second_device: DASD,
    devices: &[
        DASD,
        LATER_DEVICES[0],
        LATER_DEVICES[1],
        LATER_DEVICES[2],
        LATER_DEVICES[3],
    ],
    // How long STSCH or TSCH is polled for a device thread's status.
    poll_us: 5_000_000,
    asynchronous: true,
    suspension_has_intermediate_status: true,
    // See `hercules_quirk_ssch_cc0_while_suspended`.
    ssch_while_suspended_is_busy: false,
    idle_halt_has_device_end: false,
    pmcw: PmcwFacts {
        sets_lpm: true,
        checks_lpum_and_mbi: true,
        chpid0: 0x01,
        chpid0_note: " (device number high byte)",
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
/// 64-95) is left as it was. QEMU does the same.
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

/// A suspended start is a start function in progress: MSCH cc 2, and the
/// SCSW (after TSCH took the suspension's intermediate status) shows start
/// function, suspended, no status. SSCH here gives cc 0 on Hercules: see
/// `hercules_quirk_ssch_cc0_while_suspended`.
fn suspended_start_gives_msch_cc2() -> TestResult {
    instructions::suspended_start_is_start_in_progress(&WORLD)
}

/// Storage for a channel program that a quirk test leaves parked in a
/// Hercules device thread: it must outlive every later test.
struct ForeverProgram(UnsafeCell<SuspendingProgram>);

// SAFETY: the guest runs on one CPU, and each cell has one user test.
unsafe impl Sync for ForeverProgram {}

/// The program `hercules_quirk_csch_of_suspended_program_leaves_msch_busy`
/// clears.
static CLEARED: ForeverProgram = ForeverProgram(UnsafeCell::new(SuspendingProgram::new()));
/// The program `hercules_quirk_ssch_cc0_while_suspended` abandons.
static ABANDONED: ForeverProgram = ForeverProgram(UnsafeCell::new(SuspendingProgram::new()));

/// Hercules quirk: CSCH of a suspended program gives cc 0 and then status
/// pending with the clear function alone and no activity, as the PoP says;
/// TSCH leaves the subchannel idle. But Hercules' device thread
/// stays parked in the suspended program, and MSCH of the idle subchannel
/// gives cc 2 (busy); a later SSCH is still accepted and may wake the
/// parked thread. The PoP: after the clear function the subchannel is idle
/// and MSCH gives cc 0. Runs last, with its program in static storage
/// (suspend flag cleared after CSCH) in case the parked thread wakes.
fn hercules_quirk_csch_of_suspended_program_leaves_msch_busy() -> TestResult {
    let id = subchannel_of(DASD)?;
    WORLD.settle(id);
    // SAFETY: this test is the only user of CLEARED and runs once.
    let program = unsafe { &mut *CLEARED.0.get() };
    WORLD.start_suspended(id, program)?;
    check_eq!(Cpu.clear_subchannel(id), ClearResult::Initiated, "CSCH");
    program.clear_suspend_flag();
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
    check_controls(
        &schib.scsw,
        FunctionControl::empty(),
        ActivityControl::empty(),
        StatusControl::empty(),
    )?;
    check_eq!(
        Cpu.modify_subchannel(id, &schib),
        ModifyResult::Busy,
        "MSCH"
    );
    Ok(())
}

/// How often the quirk test tries SSCH while Hercules parks the suspended
/// program, and how long it waits between tries.
const PARK_TRIES: u32 = 100;
const PARK_WAIT_US: u64 = 1_000;

/// Hercules quirk: SSCH of a subchannel whose start function is suspended
/// gives cc 0 and runs the new channel program to its final status; the
/// suspended one is forgotten by the subchannel (its device thread stays
/// parked; a later RSCH of the device can wake it). The PoP gives cc 2: a
/// start function is in progress. This test runs next to last, with the suspended
/// program in static storage and its suspend flag already cleared, so a
/// late wake-up only runs a NOP.
fn hercules_quirk_ssch_cc0_while_suspended() -> TestResult {
    let id = subchannel_of(DASD)?;
    WORLD.settle(id);
    // SAFETY: this test is the only user of ABANDONED and runs once.
    let program = unsafe { &mut *ABANDONED.0.get() };
    WORLD.start_suspended(id, program)?;
    program.clear_suspend_flag();
    let other = nop_program();
    let orb = other.orb(0x2222);
    // Until Hercules' device thread has parked the suspended program, SSCH
    // gives cc 2 as the PoP says (measured: now and then under load); once
    // it has, cc 0. Each try is made while STSCH still shows the
    // subchannel suspended.
    let mut cc = StartResult::Busy;
    for _ in 0..PARK_TRIES {
        check!(
            store(id)?.scsw.is_suspended(),
            "no longer suspended before SSCH"
        );
        // SAFETY: `other` lives until its final status is collected below.
        cc = unsafe { Cpu.start_subchannel(id, &orb) };
        if cc != StartResult::Busy {
            break;
        }
        let until = TodClock.now_us() + PARK_WAIT_US;
        while TodClock.now_us() < until {}
    }
    check_eq!(cc, StartResult::Started, "SSCH while suspended");
    let irb = wait_for_status(id)?;
    let scsw = irb.scsw;
    let words = Words(scsw.words());
    check_eq!(
        scsw.function_control(),
        FunctionControl::START,
        "FC {}",
        words
    );
    check_eq!(
        scsw.status_control(),
        StatusControl::PRIMARY | StatusControl::SECONDARY | StatusControl::STATUS_PENDING,
        "SC {}",
        words
    );
    check_eq!(
        scsw.ccw_address(),
        orb.channel_program_address() + 8,
        "CCW {}",
        words
    );
    let schib = store(id)?;
    check_eq!(
        schib.scsw.activity_control(),
        ActivityControl::empty(),
        "AC after {}",
        Words(schib.scsw.words())
    );
    Ok(())
}

/// RSCH cc 0 resumes the suspended program: it runs the second CCW and
/// ends with primary status at the second CCW's address + 8.
fn rsch_cc0_resumes_suspended_program() -> TestResult {
    instructions::rsch_cc0_resumes_suspended_program(&WORLD)
}

/// The SCSW's suspend-control bit (word 0 bit 4) shows the ORB's suspend
/// control, while suspended and in the final status.
fn scsw_shows_suspend_control() -> TestResult {
    let id = subchannel_of(DASD)?;
    WORLD.settle(id);
    let mut program = SuspendingProgram::new();
    WORLD.start_suspended(id, &program)?;
    let schib = store(id)?;
    check!(
        schib.scsw.suspend_control(),
        "S clear while suspended: {}",
        Words(schib.scsw.words())
    );
    let irb = resume_to_end(id, &mut program)?;
    check!(
        irb.scsw.suspend_control(),
        "S clear in final status: {}",
        Words(irb.scsw.words())
    );
    WORLD.settle(id);
    Ok(())
}

/// RSCH on an idle subchannel: cc 2 (not suspended).
fn rsch_cc2_when_not_suspended() -> TestResult {
    instructions::rsch_cc2_when_not_suspended(&WORLD)
}

/// Hercules quirk: HSCH of a suspended program gives cc 0 and then status
/// pending alone with start and halt function, channel end + device end,
/// and the subchannel-active and device-active bits set; after TSCH the
/// function control is zero but both activity bits stay set (a new SSCH is
/// still accepted and clears them). The PoP: when the halt function ends,
/// the subchannel is no longer subchannel- or device-active, and a
/// subchannel whose status TSCH cleared has no activity left.
fn hercules_quirk_hsch_of_suspended_program_leaves_active_bits() -> TestResult {
    let id = subchannel_of(DASD)?;
    WORLD.settle(id);
    let program = SuspendingProgram::new();
    WORLD.start_suspended(id, &program)?;
    check_eq!(Cpu.halt_subchannel(id), HaltResult::Initiated, "HSCH");
    let irb = wait_for_status(id)?;
    let scsw = irb.scsw;
    let words = Words(scsw.words());
    let active = ActivityControl::SUBCHANNEL_ACTIVE | ActivityControl::DEVICE_ACTIVE;
    check_eq!(
        scsw.function_control(),
        FunctionControl::START | FunctionControl::HALT,
        "FC {}",
        words
    );
    check_eq!(scsw.activity_control(), active, "AC {}", words);
    check_eq!(
        scsw.status_control(),
        StatusControl::STATUS_PENDING,
        "SC {}",
        words
    );
    check_eq!(
        scsw.device_status(),
        DeviceStatus::CHANNEL_END | DeviceStatus::DEVICE_END,
        "DS {}",
        words
    );
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
    check_eq!(schib.scsw.activity_control(), active, "AC {}", after);
    check_eq!(
        schib.scsw.status_control(),
        StatusControl::empty(),
        "SC {}",
        after
    );
    let nop = nop_program();
    // SAFETY: `nop` lives until wait_for_status collected its status.
    let cc = unsafe { Cpu.start_subchannel(id, &nop.orb(6)) };
    check_eq!(cc, StartResult::Started, "SSCH after the halt");
    let irb = wait_for_status(id)?;
    check!(irb.scsw.is_primary(), "NOP {}", Words(irb.scsw.words()));
    let schib = store(id)?;
    check_eq!(
        schib.scsw.activity_control(),
        ActivityControl::empty(),
        "AC after the NOP {}",
        Words(schib.scsw.words())
    );
    WORLD.settle(id);
    Ok(())
}

/// XSCH of a suspended start: cc 2, the channel program has begun.
fn xsch_cc2_on_suspended_start() -> TestResult {
    let id = subchannel_of(DASD)?;
    WORLD.settle(id);
    let mut program = SuspendingProgram::new();
    WORLD.start_suspended(id, &program)?;
    check_eq!(
        Cpu.cancel_subchannel(id),
        CancelResult::NotApplicable,
        "XSCH"
    );
    let irb = resume_to_end(id, &mut program)?;
    check!(irb.scsw.is_primary(), "{}", Words(irb.scsw.words()));
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

/// SSCH on a disabled subchannel: cc 3; after re-enabling, cc 0. Runs
/// first: the quirk tests at the end leave MSCH of the 3390 busy.
fn ssch_cc3_on_disabled_subchannel() -> TestResult {
    instructions::ssch_cc3_on_disabled_subchannel(&WORLD)
}

/// TPI: cc 0 with nothing pending; cc 1 with the subchannel id and
/// interruption parameter of a completed NOP.
fn tpi_cc0_then_cc1() -> TestResult {
    instructions::tpi_cc0_then_cc1(&WORLD)
}

/// STCRW cc 0 for the channel reports Hercules queues at start-up: one
/// per subchannel (subchannel source, ancillary report, "installed
/// parameters initialized", RSID = the subchannel number, in order, not
/// chained); then cc 1 when none is left.
fn stcrw_cc0_for_each_subchannel_at_boot_then_cc1() -> TestResult {
    let subchannels = discovery::enumerate(&Cpu, 0).count() as u16;
    check!(subchannels > 0, "no subchannels");
    for number in 0..subchannels {
        let crw = Cpu.store_channel_report_word();
        check!(crw.is_some(), "no report for subchannel {}", number);
        let crw = crw.unwrap_or_default();
        check_eq!(
            crw.reporting_source(),
            ReportingSource::Subchannel,
            "RSC of {:08x}",
            crw.raw()
        );
        check_eq!(
            crw.error_recovery(),
            ErrorRecoveryCode::InstalledParametersInitialized,
            "ERC of {:08x}",
            crw.raw()
        );
        check_eq!(
            crw.reporting_source_id(),
            number,
            "RSID of {:08x}",
            crw.raw()
        );
        check!(crw.ancillary_report(), "A bit of {:08x}", crw.raw());
        check!(!crw.chained(), "C bit of {:08x}", crw.raw());
        check!(!crw.overflow(), "R bit of {:08x}", crw.raw());
        check!(!crw.solicited(), "S bit of {:08x}", crw.raw());
    }
    let extra = Cpu.store_channel_report_word();
    check!(
        extra.is_none(),
        "a report beyond the {} subchannels: {:08x}",
        subchannels,
        extra.unwrap_or_default().raw()
    );
    Ok(())
}

/// TSCH that collects the status also withdraws the subchannel's pending
/// I/O interruption: TPI then finds nothing (PoP behaviour; QEMU differs).
fn tsch_withdraws_pending_interruption() -> TestResult {
    let id = subchannel_of(DASD)?;
    WORLD.settle(id);
    WORLD.make_status_pending(id)?;
    wait_for_status(id)?;
    check!(
        Cpu.test_pending_interruption().is_none(),
        "TPI found the collected interruption"
    );
    Ok(())
}

/// HSCH of an idle subchannel: cc 0, then status pending alone with the
/// halt function and no subchannel status. The device status, CCW address
/// and ESW LPUM are whatever the subchannel's last channel program left
/// (zero on a fresh subchannel, CE+DE and LPUM 80 after a NOP): not checked.
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
    ssch_cc3_on_disabled_subchannel,
    disabled_subchannel_gives_cc3,
    hsch_cc0_on_idle_subchannel_status,
    csch_cc0_on_idle_subchannel_status,
    ssch_cc0_then_tsch_cc0_stores_nop_irb,
    tsch_leaves_emw_area_unstored,
    tsch_cc1_stores_irb_of_idle_subchannel,
    tsch_cc3_for_missing_subchannel,
    stsch_cc0_stores_pmcw_as_modified,
    ssch_sets_pmcw_interruption_parameter,
    stsch_cc3_leaves_schib_untouched,
    status_pending_gives_cc1,
    suspended_start_gives_msch_cc2,
    rsch_cc0_resumes_suspended_program,
    scsw_shows_suspend_control,
    rsch_cc2_when_not_suspended,
    hercules_quirk_hsch_of_suspended_program_leaves_active_bits,
    cc3_for_missing_subchannel,
    tpi_cc0_then_cc1,
    stcrw_cc0_for_each_subchannel_at_boot_then_cc1,
    tsch_withdraws_pending_interruption,
    xsch_cc2_on_idle_subchannel,
    xsch_cc2_on_suspended_start,
    hercules_quirk_ssch_cc0_while_suspended,
    hercules_quirk_csch_of_suspended_program_leaves_msch_busy,
];
