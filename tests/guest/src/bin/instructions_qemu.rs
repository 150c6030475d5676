//! The condition codes QEMU's channel subsystem gives for each I/O
//! instruction, and the fields STSCH and TSCH store, read back through the
//! typed structures. Devices (see `xtask/src/programs.rs`): virtio-blk at
//! 0100 and 0101, virtio-net at 0200.
//!
//! QEMU runs a virtio channel program synchronously inside SSCH (or RSCH),
//! so a subchannel is never seen start pending or active; the only way to
//! keep a start function in progress is a suspended channel program.
#![no_std]
#![deny(clippy::undocumented_unsafe_blocks)]
#![no_main]

use core::ptr;
use guest_tests::{nop_program, subchannel_of, wait_for_status, ISC};
use s390_cio::css::{ChannelSubsystem, Cpu};
use s390_cio::discovery;
use s390_cio::instructions::{
    CancelResult, ClearResult, HaltResult, ModifyResult, ResumeResult, StartResult, StoreResult,
    TestSubchannelResult,
};
use s390_cio::structures::{
    commands, ActivityControl, Ccw1, CcwFlags, DeviceStatus, FunctionControl, Irb, Isc, Orb, Schib,
    StatusControl, SubchannelId, SubchannelStatus,
};
use s390_cio_boot::interrupts;
use s390_cio_boot::testing::{TestFailure, TestResult};
use s390_cio_boot::{check, check_eq, guest_tests};

const BLK: u16 = 0x0100;
const BLK2: u16 = 0x0101;
const NET: u16 = 0x0200;
/// How often TSCH is polled for status (QEMU has it at once).
const POLLS: u32 = 1_000;

/// The byte STSCH and TSCH outputs are pre-filled with, to see what the
/// instruction stored.
const SENTINEL: u8 = 0xa5;

fn sentinel_irb() -> Irb {
    Irb::from_byte_array([SENTINEL; 96])
}

fn sentinel_schib() -> Schib {
    Schib::from_byte_array(&[SENTINEL; 52])
}

fn failure(args: core::fmt::Arguments<'_>) -> TestFailure {
    TestFailure::new(args)
}

/// A subchannel number past the last device's: no such subchannel.
fn missing_subchannel() -> Result<SubchannelId, TestFailure> {
    let mut last = 0;
    for devno in [BLK, BLK2, NET] {
        let (id, _) = discovery::find_device(&Cpu, 0, devno)
            .ok_or_else(|| failure(format_args!("device {devno:04x} not found")))?;
        last = last.max(id.number());
    }
    SubchannelId::new(0, last + 1).map_err(|_| failure(format_args!("no id after {last}")))
}

fn store(id: SubchannelId) -> Result<Schib, TestFailure> {
    let mut schib = Schib::default();
    match Cpu.store_subchannel(id, &mut schib) {
        StoreResult::Stored => Ok(schib),
        StoreResult::NotOperational => Err(failure(format_args!("STSCH of {id}: cc 3"))),
    }
}

/// The three SCSW words in hex, for messages.
struct Words([u32; 3]);

impl core::fmt::Display for Words {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let [a, b, c] = self.0;
        write!(f, "scsw {a:08x} {b:08x} {c:08x}")
    }
}

/// A two-CCW program: a NOP chained to a second NOP that carries the
/// suspend flag, so that with ORB suspend control the subchannel suspends
/// before the second CCW.
#[repr(C, align(8))]
struct SuspendingProgram {
    ccws: [Ccw1; 2],
}

impl SuspendingProgram {
    fn new() -> Self {
        SuspendingProgram {
            ccws: [
                Ccw1::new(commands::NOOP, CcwFlags::SLI.union(CcwFlags::CC), 0, 0),
                Ccw1::new(commands::NOOP, CcwFlags::SLI.union(CcwFlags::S), 0, 0),
            ],
        }
    }

    fn address(&self, index: usize) -> u32 {
        &self.ccws[index] as *const Ccw1 as u32
    }

    fn orb(&self, parm: u32) -> Orb {
        Orb::new(self.address(0))
            .with_interruption_parameter(parm)
            .with_suspend_control(true)
    }

    /// Takes the suspend flag off the second CCW, so that RSCH runs it.
    fn clear_suspend_flag(&mut self) {
        // SAFETY: a volatile write of an aligned CCW we own; the channel
        // reads it again after RSCH.
        unsafe {
            ptr::write_volatile(
                &mut self.ccws[1],
                Ccw1::new(commands::NOOP, CcwFlags::SLI, 0, 0),
            );
        }
    }
}

/// Starts `program` and checks that the subchannel is now suspended with
/// the start function in progress.
fn start_suspended(id: SubchannelId, program: &SuspendingProgram) -> TestResult {
    // SAFETY: every caller keeps `program` alive until the start function
    // has ended (RSCH to completion, or HSCH/CSCH/XSCH) and TSCH collected it.
    let cc = unsafe { Cpu.start_subchannel(id, &program.orb(0x5005)) };
    check_eq!(cc, StartResult::Started, "SSCH of the suspending program");
    let schib = store(id)?;
    check!(
        schib.scsw.is_suspended(),
        "not suspended: {}",
        Words(schib.scsw.words())
    );
    Ok(())
}

/// Runs a NOP and polls STSCH until its status is pending (not collected).
fn make_status_pending(id: SubchannelId) -> TestResult {
    let program = nop_program();
    // SAFETY: QEMU runs the NOP inside SSCH; the program outlives the call
    // and the status is collected by the caller's TSCH.
    let cc = unsafe { Cpu.start_subchannel(id, &program.orb(0x7e57)) };
    check_eq!(cc, StartResult::Started, "SSCH of the NOP");
    let schib = store(id)?;
    check!(
        schib.scsw.is_status_pending(),
        "NOP status not pending: {}",
        Words(schib.scsw.words())
    );
    Ok(())
}

/// Collects any pending status and drains the I/O interruptions QEMU keeps
/// queued for ISC 3 (TSCH does not withdraw them).
fn settle(id: SubchannelId) {
    let mut irb = Irb::default();
    let mut schib = Schib::default();
    if Cpu.store_subchannel(id, &mut schib) == StoreResult::Stored
        && !schib.scsw.function_control().is_empty()
        && !schib.scsw.is_status_pending()
    {
        // A test failed with a start function in progress: end it.
        Cpu.clear_subchannel(id);
    }
    for _ in 0..8 {
        if Cpu.test_subchannel(id, &mut irb) != TestSubchannelResult::StatusWasPending {
            break;
        }
    }
    interrupts::enable_isc(ISC);
    for _ in 0..64 {
        if Cpu.test_pending_interruption().is_none() {
            break;
        }
    }
}

/// SSCH cc 0, then TSCH cc 0 stores the IRB of the NOP: start function,
/// primary + secondary + status pending, channel end + device end, no
/// subchannel status, CCW address = the NOP's address + 8, residual 0.
fn ssch_cc0_then_tsch_cc0_stores_nop_irb() -> TestResult {
    let id = subchannel_of(BLK)?;
    settle(id);
    let program = nop_program();
    let orb = program.orb(0x600d);
    let ccw_address = orb.channel_program_address();
    // SAFETY: `program` lives to the end of this function, after TSCH.
    let cc = unsafe { Cpu.start_subchannel(id, &orb) };
    check_eq!(cc, StartResult::Started, "SSCH");
    let mut irb = sentinel_irb();
    check_eq!(
        Cpu.test_subchannel(id, &mut irb),
        TestSubchannelResult::StatusWasPending,
        "TSCH"
    );
    let scsw = irb.scsw;
    let words = Words(scsw.words());
    check_eq!(
        scsw.function_control(),
        FunctionControl::START,
        "FC {}",
        words
    );
    check_eq!(
        scsw.activity_control(),
        ActivityControl::empty(),
        "AC {}",
        words
    );
    check_eq!(
        scsw.status_control(),
        StatusControl::PRIMARY | StatusControl::SECONDARY | StatusControl::STATUS_PENDING,
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
    check_eq!(scsw.ccw_address(), ccw_address + 8, "CCW address {}", words);
    check_eq!(scsw.residual_count(), 0, "count {}", words);
    check!(scsw.is_format1(), "F bit {}", words);
    check_eq!(scsw.key(), 0, "key {}", words);
    check!(!scsw.suspend_control(), "S bit {}", words);
    check_eq!(scsw.deferred_cc(), 0, "deferred cc {}", words);
    check_eq!(irb.esw.lpum(), 0x80, "ESW LPUM");
    let esw = irb.esw.as_bytes();
    check!(
        esw[0] == 0 && esw[2..].iter().all(|&b| b == 0),
        "ESW {:02x}{:02x}{:02x}{:02x} {:02x}{:02x}{:02x}{:02x}",
        esw[0],
        esw[1],
        esw[2],
        esw[3],
        esw[4],
        esw[5],
        esw[6],
        esw[7]
    );
    check!(irb.ecw.iter().all(|&b| b == 0), "ECW not zero");
    Ok(())
}

/// TSCH cc 0 stores 64 bytes of the 96-byte IRB: with the
/// extended-measurement-word mode off (as here), the EMW area (bytes
/// 64-95) is left as it was. Hercules does the same, so guests must not
/// expect that area to be written.
fn tsch_leaves_emw_area_unstored() -> TestResult {
    let id = subchannel_of(BLK)?;
    settle(id);
    make_status_pending(id)?;
    let mut irb = sentinel_irb();
    check_eq!(
        Cpu.test_subchannel(id, &mut irb),
        TestSubchannelResult::StatusWasPending,
        "TSCH"
    );
    check!(
        irb.emw.iter().all(|&b| b == SENTINEL),
        "EMW byte 0 now {:02x}",
        irb.emw[0]
    );
    Ok(())
}

/// TSCH with nothing pending: cc 1, and the IRB is still stored, with an
/// SCSW of the idle subchannel (no status control).
fn tsch_cc1_stores_irb_of_idle_subchannel() -> TestResult {
    let id = subchannel_of(BLK)?;
    settle(id);
    let mut irb = sentinel_irb();
    check_eq!(
        Cpu.test_subchannel(id, &mut irb),
        TestSubchannelResult::NoStatusPending,
        "TSCH"
    );
    let words = Words(irb.scsw.words());
    check_eq!(
        irb.scsw.status_control(),
        StatusControl::empty(),
        "SC {}",
        words
    );
    check_eq!(
        irb.scsw.activity_control(),
        ActivityControl::empty(),
        "AC {}",
        words
    );
    check_eq!(
        irb.scsw.function_control(),
        FunctionControl::empty(),
        "FC {}",
        words
    );
    Ok(())
}

/// TSCH of a subchannel that does not exist: cc 3, IRB untouched.
fn tsch_cc3_for_missing_subchannel() -> TestResult {
    let id = missing_subchannel()?;
    let mut irb = sentinel_irb();
    check_eq!(
        Cpu.test_subchannel(id, &mut irb),
        TestSubchannelResult::NotOperational,
        "TSCH"
    );
    check!(irb == sentinel_irb(), "IRB was written");
    Ok(())
}

/// STSCH cc 0 overwrites the whole PMCW: device number, V, E, the ISC we
/// set, the interruption parameter MSCH set, the path masks and CHPID 0.
fn stsch_cc0_stores_pmcw_as_modified() -> TestResult {
    let id = subchannel_of(BLK2)?;
    settle(id);
    let mut schib = store(id)?;
    schib.pmcw.set_interruption_parameter(0x1234_5678);
    schib
        .pmcw
        .set_isc(Isc::new(5).ok_or_else(|| failure(format_args!("ISC")))?);
    check_eq!(
        Cpu.modify_subchannel(id, &schib),
        ModifyResult::Modified,
        "MSCH"
    );
    let mut stored = sentinel_schib();
    check_eq!(
        Cpu.store_subchannel(id, &mut stored),
        StoreResult::Stored,
        "STSCH"
    );
    let pmcw = stored.pmcw;
    check_eq!(pmcw.interruption_parameter(), 0x1234_5678, "intparm");
    check_eq!(pmcw.isc().value(), 5, "ISC");
    check!(pmcw.is_enabled(), "E bit");
    check!(pmcw.is_device_number_valid(), "V bit");
    check_eq!(pmcw.device_number(), BLK2, "device number");
    check_eq!(pmcw.lpm(), 0x80, "LPM");
    check_eq!(pmcw.pim(), 0x80, "PIM");
    check_eq!(pmcw.pam(), 0x80, "PAM");
    check_eq!(pmcw.pom(), 0xff, "POM");
    check_eq!(pmcw.pnom(), 0, "PNOM");
    check_eq!(pmcw.chpids()[0], 0, "CHPID 0");
    check!(!pmcw.multipath_mode(), "multipath mode");
    check!(
        stored.scsw.words() != sentinel_schib().scsw.words(),
        "SCSW not stored"
    );
    check_eq!(stored.scsw.status_control(), StatusControl::empty(), "SC");
    // Back to the guest tests' ISC.
    subchannel_of(BLK2)?;
    let mut again = store(id)?;
    again
        .pmcw
        .set_isc(Isc::new(ISC).ok_or_else(|| failure(format_args!("ISC")))?);
    check_eq!(
        Cpu.modify_subchannel(id, &again),
        ModifyResult::Modified,
        "MSCH back"
    );
    Ok(())
}

/// SSCH places the ORB's interruption parameter in the PMCW (PoP, "START
/// SUBCHANNEL": the interruption parameter is placed in the subchannel).
fn ssch_sets_pmcw_interruption_parameter() -> TestResult {
    let id = subchannel_of(BLK)?;
    settle(id);
    let program = nop_program();
    // SAFETY: `program` lives until wait_for_status collected the status.
    let cc = unsafe { Cpu.start_subchannel(id, &program.orb(0xabcd_0123)) };
    check_eq!(cc, StartResult::Started, "SSCH");
    let schib = store(id)?;
    check_eq!(schib.pmcw.interruption_parameter(), 0xabcd_0123, "intparm");
    wait_for_status(id)?;
    Ok(())
}

/// STSCH of a subchannel that does not exist: cc 3, SCHIB untouched.
fn stsch_cc3_leaves_schib_untouched() -> TestResult {
    let id = missing_subchannel()?;
    let mut schib = sentinel_schib();
    check_eq!(
        Cpu.store_subchannel(id, &mut schib),
        StoreResult::NotOperational,
        "STSCH"
    );
    check!(schib == sentinel_schib(), "SCHIB was written");
    Ok(())
}

/// SSCH, RSCH, HSCH, MSCH and XSCH all give cc 1 while status is pending;
/// CSCH still gives cc 0 (it clears the status).
fn status_pending_gives_cc1() -> TestResult {
    let id = subchannel_of(BLK)?;
    settle(id);
    make_status_pending(id)?;
    let program = nop_program();
    // SAFETY: cc 1 starts nothing; `program` outlives the call anyway.
    let cc = unsafe { Cpu.start_subchannel(id, &program.orb(1)) };
    check_eq!(cc, StartResult::StatusPending, "SSCH");
    // SAFETY: cc 1 resumes nothing.
    let cc = unsafe { Cpu.resume_subchannel(id) };
    check_eq!(cc, ResumeResult::StatusPending, "RSCH");
    check_eq!(Cpu.halt_subchannel(id), HaltResult::StatusPending, "HSCH");
    let schib = store(id)?;
    check_eq!(
        Cpu.modify_subchannel(id, &schib),
        ModifyResult::StatusPending,
        "MSCH"
    );
    check_eq!(
        Cpu.cancel_subchannel(id),
        CancelResult::StatusPending,
        "XSCH"
    );
    check_eq!(Cpu.clear_subchannel(id), ClearResult::Initiated, "CSCH");
    let irb = wait_for_status(id)?;
    check_eq!(
        irb.scsw.function_control(),
        FunctionControl::CLEAR,
        "FC {}",
        Words(irb.scsw.words())
    );
    settle(id);
    Ok(())
}

/// A suspended start is a start function in progress: SSCH cc 2, MSCH
/// cc 2, and the SCSW shows start function, suspended, no status.
fn suspended_start_gives_ssch_and_msch_cc2() -> TestResult {
    let id = subchannel_of(BLK)?;
    settle(id);
    let mut program = SuspendingProgram::new();
    start_suspended(id, &program)?;
    let schib = store(id)?;
    let words = Words(schib.scsw.words());
    check_eq!(
        schib.scsw.function_control(),
        FunctionControl::START,
        "FC {}",
        words
    );
    check_eq!(
        schib.scsw.activity_control(),
        ActivityControl::SUSPENDED,
        "AC {}",
        words
    );
    check_eq!(
        schib.scsw.status_control(),
        StatusControl::empty(),
        "SC {}",
        words
    );
    let other = nop_program();
    // SAFETY: cc 2 starts nothing.
    let cc = unsafe { Cpu.start_subchannel(id, &other.orb(2)) };
    check_eq!(cc, StartResult::Busy, "second SSCH");
    check_eq!(
        Cpu.modify_subchannel(id, &schib),
        ModifyResult::Busy,
        "MSCH"
    );
    program.clear_suspend_flag();
    // SAFETY: `program` lives until the final status is collected below.
    let cc = unsafe { Cpu.resume_subchannel(id) };
    check_eq!(cc, ResumeResult::Resumed, "RSCH");
    wait_for_status(id)?;
    settle(id);
    Ok(())
}

/// RSCH cc 0 resumes the suspended program: it runs the second CCW and
/// ends with primary status at the second CCW's address + 8.
fn rsch_cc0_resumes_suspended_program() -> TestResult {
    let id = subchannel_of(BLK)?;
    settle(id);
    let mut program = SuspendingProgram::new();
    start_suspended(id, &program)?;
    program.clear_suspend_flag();
    // SAFETY: `program` lives until the final status is collected below.
    let cc = unsafe { Cpu.resume_subchannel(id) };
    check_eq!(cc, ResumeResult::Resumed, "RSCH");
    let irb = wait_for_status(id)?;
    let scsw = irb.scsw;
    let words = Words(scsw.words());
    check!(scsw.is_primary(), "primary {}", words);
    check_eq!(
        scsw.function_control(),
        FunctionControl::START,
        "FC {}",
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
    settle(id);
    Ok(())
}

/// QEMU quirk: the SCSW's suspend-control bit (word 0 bit 4) stays zero
/// for a start whose ORB asked for suspend control, both while suspended
/// and in the final status. The PoP says the bit shows that the ORB of the
/// start function specified suspend control.
fn qemu_quirk_scsw_lacks_suspend_control() -> TestResult {
    let id = subchannel_of(BLK)?;
    settle(id);
    let mut program = SuspendingProgram::new();
    start_suspended(id, &program)?;
    let schib = store(id)?;
    check!(
        !schib.scsw.suspend_control(),
        "S set while suspended: {}",
        Words(schib.scsw.words())
    );
    program.clear_suspend_flag();
    // SAFETY: `program` lives until the final status is collected below.
    let cc = unsafe { Cpu.resume_subchannel(id) };
    check_eq!(cc, ResumeResult::Resumed, "RSCH");
    let irb = wait_for_status(id)?;
    check!(
        !irb.scsw.suspend_control(),
        "S set in final status: {}",
        Words(irb.scsw.words())
    );
    settle(id);
    Ok(())
}

/// RSCH on an idle subchannel: cc 2 (not suspended).
fn rsch_cc2_when_not_suspended() -> TestResult {
    let id = subchannel_of(BLK)?;
    settle(id);
    // SAFETY: cc 2 resumes nothing.
    let cc = unsafe { Cpu.resume_subchannel(id) };
    check_eq!(cc, ResumeResult::NotApplicable, "RSCH");
    Ok(())
}

/// QEMU quirk: HSCH of a suspended program gives cc 0 and status pending
/// alone (no primary or secondary status, no device status), with only the
/// halt function and the suspended bit still set; TSCH then leaves the
/// subchannel idle. The PoP's halt function resets the suspended bit of the
/// subchannel it halts.
fn qemu_quirk_hsch_of_suspended_program_stays_suspended() -> TestResult {
    let id = subchannel_of(BLK)?;
    settle(id);
    let program = SuspendingProgram::new();
    start_suspended(id, &program)?;
    check_eq!(Cpu.halt_subchannel(id), HaltResult::Initiated, "HSCH");
    let irb = wait_for_status(id)?;
    let scsw = irb.scsw;
    let words = Words(scsw.words());
    check_eq!(
        scsw.function_control(),
        FunctionControl::HALT,
        "FC {}",
        words
    );
    check_eq!(
        scsw.activity_control(),
        ActivityControl::SUSPENDED,
        "AC {}",
        words
    );
    check_eq!(
        scsw.status_control(),
        StatusControl::STATUS_PENDING,
        "SC {}",
        words
    );
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
    settle(id);
    Ok(())
}

/// CSCH of a suspended program: cc 0, then status pending with only the
/// clear function; the subchannel is idle afterwards.
fn csch_cc0_ends_suspended_program() -> TestResult {
    let id = subchannel_of(BLK)?;
    settle(id);
    let program = SuspendingProgram::new();
    start_suspended(id, &program)?;
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
    settle(id);
    Ok(())
}

/// XSCH of a suspended start: QEMU cancels it (cc 0) without any status;
/// the subchannel is idle at once and accepts a new SSCH.
fn xsch_cc0_cancels_suspended_start() -> TestResult {
    let id = subchannel_of(BLK)?;
    settle(id);
    let program = SuspendingProgram::new();
    start_suspended(id, &program)?;
    check_eq!(Cpu.cancel_subchannel(id), CancelResult::Cancelled, "XSCH");
    let schib = store(id)?;
    let words = Words(schib.scsw.words());
    check_eq!(
        schib.scsw.function_control(),
        FunctionControl::empty(),
        "FC {}",
        words
    );
    check_eq!(
        schib.scsw.activity_control(),
        ActivityControl::empty(),
        "AC {}",
        words
    );
    check_eq!(
        schib.scsw.status_control(),
        StatusControl::empty(),
        "SC {}",
        words
    );
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
    settle(id);
    Ok(())
}

/// XSCH of an idle subchannel: cc 2 (no start function to cancel).
fn xsch_cc2_on_idle_subchannel() -> TestResult {
    let id = subchannel_of(BLK)?;
    settle(id);
    check_eq!(
        Cpu.cancel_subchannel(id),
        CancelResult::NotApplicable,
        "XSCH"
    );
    Ok(())
}

/// Every subchannel instruction gives cc 3 for a subchannel that does not
/// exist.
fn cc3_for_missing_subchannel() -> TestResult {
    let id = missing_subchannel()?;
    let program = nop_program();
    // SAFETY: cc 3 starts nothing.
    let cc = unsafe { Cpu.start_subchannel(id, &program.orb(4)) };
    check_eq!(cc, StartResult::NotOperational, "SSCH");
    // SAFETY: cc 3 resumes nothing.
    let cc = unsafe { Cpu.resume_subchannel(id) };
    check_eq!(cc, ResumeResult::NotOperational, "RSCH");
    check_eq!(Cpu.halt_subchannel(id), HaltResult::NotOperational, "HSCH");
    check_eq!(
        Cpu.clear_subchannel(id),
        ClearResult::NotOperational,
        "CSCH"
    );
    check_eq!(
        Cpu.cancel_subchannel(id),
        CancelResult::NotOperational,
        "XSCH"
    );
    let schib = store(subchannel_of(BLK)?)?;
    check_eq!(
        Cpu.modify_subchannel(id, &schib),
        ModifyResult::NotOperational,
        "MSCH"
    );
    Ok(())
}

/// SSCH on a disabled subchannel: cc 3; after re-enabling, cc 0.
fn ssch_cc3_on_disabled_subchannel() -> TestResult {
    let id = subchannel_of(BLK2)?;
    settle(id);
    let mut schib = store(id)?;
    schib.pmcw.set_enabled(false);
    check_eq!(
        Cpu.modify_subchannel(id, &schib),
        ModifyResult::Modified,
        "MSCH"
    );
    check!(!store(id)?.pmcw.is_enabled(), "still enabled");
    let program = nop_program();
    // SAFETY: cc 3 starts nothing; `program` outlives the later start,
    // whose status wait_for_status collects.
    let cc = unsafe { Cpu.start_subchannel(id, &program.orb(5)) };
    check_eq!(cc, StartResult::NotOperational, "SSCH while disabled");
    subchannel_of(BLK2)?;
    // SAFETY: as above.
    let cc = unsafe { Cpu.start_subchannel(id, &program.orb(5)) };
    check_eq!(cc, StartResult::Started, "SSCH after enabling");
    wait_for_status(id)?;
    settle(id);
    Ok(())
}

/// TPI: cc 0 with nothing pending; cc 1 with the subchannel id and
/// interruption parameter of a completed NOP.
fn tpi_cc0_then_cc1() -> TestResult {
    let id = subchannel_of(BLK2)?;
    settle(id);
    let none = Cpu.test_pending_interruption();
    check!(none.is_none(), "TPI found an interruption");
    let program = nop_program();
    // SAFETY: `program` lives until wait_for_status collected the status.
    let cc = unsafe { Cpu.start_subchannel(id, &program.orb(0x7777)) };
    check_eq!(cc, StartResult::Started, "SSCH");
    let code = Cpu.test_pending_interruption();
    check!(code.is_some(), "TPI found nothing");
    let code = code.unwrap_or_default();
    check_eq!(code.subchannel_id, id.raw(), "subchannel id");
    check_eq!(code.interruption_parameter, 0x7777, "parameter");
    check!(Cpu.test_pending_interruption().is_none(), "second TPI");
    wait_for_status(id)?;
    settle(id);
    Ok(())
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
    let id = subchannel_of(BLK2)?;
    settle(id);
    check_eq!(Cpu.halt_subchannel(id), HaltResult::Initiated, "HSCH");
    let mut irb = sentinel_irb();
    for _ in 0..POLLS {
        if Cpu.test_subchannel(id, &mut irb) == TestSubchannelResult::StatusWasPending {
            break;
        }
    }
    let scsw = irb.scsw;
    let words = Words(scsw.words());
    check_eq!(
        scsw.function_control(),
        FunctionControl::HALT,
        "FC {}",
        words
    );
    check_eq!(
        scsw.activity_control(),
        ActivityControl::empty(),
        "AC {}",
        words
    );
    check_eq!(
        scsw.status_control(),
        StatusControl::STATUS_PENDING,
        "SC {}",
        words
    );
    check_eq!(
        scsw.device_status(),
        DeviceStatus::DEVICE_END,
        "DS {}",
        words
    );
    check_eq!(
        scsw.subchannel_status(),
        SubchannelStatus::empty(),
        "CS {}",
        words
    );
    check_eq!(irb.esw.lpum(), 0x80, "ESW LPUM");
    settle(id);
    Ok(())
}

/// CSCH of an idle subchannel: cc 0, then status pending alone with the
/// clear function, no device or subchannel status. (The CCW address is
/// the one of the subchannel's last channel program: not meaningful here.)
fn csch_cc0_on_idle_subchannel_status() -> TestResult {
    let id = subchannel_of(BLK2)?;
    settle(id);
    check_eq!(Cpu.clear_subchannel(id), ClearResult::Initiated, "CSCH");
    let mut irb = sentinel_irb();
    for _ in 0..POLLS {
        if Cpu.test_subchannel(id, &mut irb) == TestSubchannelResult::StatusWasPending {
            break;
        }
    }
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
    check_eq!(
        scsw.status_control(),
        StatusControl::STATUS_PENDING,
        "SC {}",
        words
    );
    check_eq!(scsw.device_status(), DeviceStatus::empty(), "DS {}", words);
    check_eq!(
        scsw.subchannel_status(),
        SubchannelStatus::empty(),
        "CS {}",
        words
    );
    settle(id);
    Ok(())
}

/// A disabled subchannel (E bit off, device number valid) is not
/// operational for TSCH (cc 3, IRB untouched), HSCH, CSCH and XSCH, while
/// STSCH still stores its SCHIB.
fn disabled_subchannel_gives_cc3() -> TestResult {
    let id = subchannel_of(BLK2)?;
    settle(id);
    let mut schib = store(id)?;
    schib.pmcw.set_enabled(false);
    check_eq!(
        Cpu.modify_subchannel(id, &schib),
        ModifyResult::Modified,
        "MSCH"
    );
    let mut irb = sentinel_irb();
    let tsch = Cpu.test_subchannel(id, &mut irb);
    let untouched = irb == sentinel_irb();
    let hsch = Cpu.halt_subchannel(id);
    let csch = Cpu.clear_subchannel(id);
    let xsch = Cpu.cancel_subchannel(id);
    let mut stored = sentinel_schib();
    let stsch = Cpu.store_subchannel(id, &mut stored);
    // Enable again before checking, so a failure leaves it usable.
    subchannel_of(BLK2)?;
    check_eq!(tsch, TestSubchannelResult::NotOperational, "TSCH");
    check!(untouched, "IRB was written");
    check_eq!(hsch, HaltResult::NotOperational, "HSCH");
    check_eq!(csch, ClearResult::NotOperational, "CSCH");
    check_eq!(xsch, CancelResult::NotOperational, "XSCH");
    check_eq!(stsch, StoreResult::Stored, "STSCH");
    check!(!stored.pmcw.is_enabled(), "E bit stored");
    check!(stored.pmcw.is_device_number_valid(), "V bit stored");
    Ok(())
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
