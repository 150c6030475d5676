//! The I/O-instruction tests that `instructions_qemu` and
//! `instructions_hercules` share, and their helpers. Each test takes the
//! [`World`] it runs in: the devices it uses, how long it polls, and the
//! few places where the emulators differ but a test still holds for both.
//! Each program wraps these in plain functions of the same name (its own
//! doc comment says what its emulator does) and keeps its quirk tests.

use crate::{nop_program, subchannel_of, wait_for_status, ISC};
use core::ptr;
use s390_cio::css::{ChannelSubsystem, Cpu};
use s390_cio::discovery;
use s390_cio::driver::{Clock, TodClock};
use s390_cio::instructions::{
    CancelResult, ClearResult, HaltResult, ModifyResult, ResumeResult, StartResult, StoreResult,
    TestSubchannelResult,
};
use s390_cio::structures::{
    commands, ActivityControl, Ccw1, CcwFlags, DeviceStatus, FunctionControl, Irb, Isc, Orb, Schib,
    Scsw, StatusControl, SubchannelId, SubchannelStatus,
};
use s390_cio_boot::interrupts;
use s390_cio_boot::testing::{TestFailure, TestResult};
use s390_cio_boot::{check, check_eq};

/// The emulator a program's tests run in, as far as the shared tests need
/// to know it.
pub struct World {
    /// The device most tests use.
    pub device: u16,
    /// The device the tests that modify or disable the subchannel (and the
    /// TPI and idle HSCH/CSCH tests) use; may be [`World::device`].
    pub second_device: u16,
    /// Every device the guest has; the missing subchannel is the one past
    /// the last of theirs.
    pub devices: &'static [u16],
    /// How long STSCH, TSCH or TPI is polled for status, in microseconds
    /// of TOD time (time, not a number of polls, which a loaded host's
    /// Hercules device threads may outlast).
    pub poll_us: u64,
    /// Whether status arrives some time after the instruction (device
    /// threads: poll for it) rather than within it.
    pub asynchronous: bool,
    /// Whether a channel program that suspends presents intermediate status
    /// that TSCH must take before the subchannel shows it suspended.
    pub suspension_has_intermediate_status: bool,
    /// Whether SSCH of a subchannel whose start is suspended gives cc 2
    /// (busy), as the PoP says.
    pub ssch_while_suspended_is_busy: bool,
    /// Whether HSCH of an idle subchannel ends with device end alone and
    /// ESW LPUM 80 (rather than whatever the last channel program left).
    pub idle_halt_has_device_end: bool,
    /// What STSCH stores in the PMCW where the emulators differ.
    pub pmcw: PmcwFacts,
}

/// The PMCW facts of [`stsch_cc0_stores_pmcw_as_modified`] that differ
/// between the emulators.
pub struct PmcwFacts {
    /// Whether the test's MSCH also sets the LPM (to 80).
    pub sets_lpm: bool,
    /// Whether the LPUM (80) and the MBI (0) are checked.
    pub checks_lpum_and_mbi: bool,
    /// CHPID 0.
    pub chpid0: u8,
    /// What CHPID 0 is, for the check's message: "" or " (...)".
    pub chpid0_note: &'static str,
}

/// The byte STSCH and TSCH outputs are pre-filled with, to see what the
/// instruction stored.
pub const SENTINEL: u8 = 0xa5;

/// An IRB of [`SENTINEL`] bytes.
pub fn sentinel_irb() -> Irb {
    Irb::from_byte_array([SENTINEL; 96])
}

/// A SCHIB of [`SENTINEL`] bytes.
pub fn sentinel_schib() -> Schib {
    Schib::from_byte_array(&[SENTINEL; 52])
}

/// A test failure with a formatted message.
pub fn failure(args: core::fmt::Arguments<'_>) -> TestFailure {
    TestFailure::new(args)
}

/// STSCH of `id`; cc 3 is a failure.
pub fn store(id: SubchannelId) -> Result<Schib, TestFailure> {
    let mut schib = Schib::default();
    match Cpu.store_subchannel(id, &mut schib) {
        StoreResult::Stored => Ok(schib),
        StoreResult::NotOperational => Err(failure(format_args!("STSCH of {id}: cc 3"))),
    }
}

/// The three SCSW words in hex, for messages.
pub struct Words(pub [u32; 3]);

impl core::fmt::Display for Words {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let [a, b, c] = self.0;
        write!(f, "scsw {a:08x} {b:08x} {c:08x}")
    }
}

/// Checks an SCSW's function, activity and status control, each failure
/// naming the field and showing the SCSW's words.
pub fn check_controls(
    scsw: &Scsw,
    function: FunctionControl,
    activity: ActivityControl,
    status: StatusControl,
) -> TestResult {
    let words = Words(scsw.words());
    check_eq!(scsw.function_control(), function, "FC {}", words);
    check_eq!(scsw.activity_control(), activity, "AC {}", words);
    check_eq!(scsw.status_control(), status, "SC {}", words);
    Ok(())
}

/// A two-CCW program: a NOP chained to a second NOP that carries the
/// suspend flag, so that with ORB suspend control the subchannel suspends
/// before the second CCW.
#[repr(C, align(8))]
pub struct SuspendingProgram {
    ccws: [Ccw1; 2],
}

impl SuspendingProgram {
    /// The program, with the suspend flag on its second CCW.
    pub const fn new() -> Self {
        SuspendingProgram {
            ccws: [
                Ccw1::new(commands::NOOP, CcwFlags::SLI.union(CcwFlags::CC), 0, 0),
                Ccw1::new(commands::NOOP, CcwFlags::SLI.union(CcwFlags::S), 0, 0),
            ],
        }
    }

    /// The address of CCW `index` (0 or 1).
    pub fn address(&self, index: usize) -> u32 {
        &self.ccws[index] as *const Ccw1 as u32
    }

    /// A format-1 ORB for this program with suspend control and
    /// interruption parameter `parm`.
    pub fn orb(&self, parm: u32) -> Orb {
        Orb::new(self.address(0))
            .with_interruption_parameter(parm)
            .with_suspend_control(true)
    }

    /// Takes the suspend flag off the second CCW, so that RSCH runs it.
    pub fn clear_suspend_flag(&mut self) {
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

impl Default for SuspendingProgram {
    fn default() -> Self {
        Self::new()
    }
}

/// Takes the suspend flag off `program`'s second CCW, resumes it (RSCH
/// cc 0) and waits for its final status; returns the IRB.
pub fn resume_to_end(
    id: SubchannelId,
    program: &mut SuspendingProgram,
) -> Result<Irb, TestFailure> {
    program.clear_suspend_flag();
    // SAFETY: `program` lives until the final status is collected below.
    let cc = unsafe { Cpu.resume_subchannel(id) };
    check_eq!(cc, ResumeResult::Resumed, "RSCH");
    wait_for_status(id)
}

impl World {
    /// A subchannel number past the last device's: no such subchannel.
    pub fn missing_subchannel(&self) -> Result<SubchannelId, TestFailure> {
        let mut last = 0;
        for &devno in self.devices {
            let (id, _) = discovery::find_device(&Cpu, 0, devno)
                .ok_or_else(|| failure(format_args!("device {devno:04x} not found")))?;
            last = last.max(id.number());
        }
        SubchannelId::new(0, last + 1).map_err(|_| failure(format_args!("no id after {last}")))
    }

    /// Polls STSCH until `done` holds for the SCHIB; returns that SCHIB.
    pub fn poll_until(
        &self,
        id: SubchannelId,
        done: impl Fn(&Schib) -> bool,
    ) -> Result<Schib, TestFailure> {
        let mut schib = store(id)?;
        let deadline = self.poll_deadline();
        while TodClock.now_us() < deadline {
            if done(&schib) {
                return Ok(schib);
            }
            schib = store(id)?;
        }
        Err(failure(format_args!(
            "poll of {id} timed out: {}",
            Words(schib.scsw.words())
        )))
    }

    /// Starts `program` and checks that the subchannel is now suspended
    /// with the start function in progress (taking the suspension's
    /// intermediate status first where there is one).
    pub fn start_suspended(&self, id: SubchannelId, program: &SuspendingProgram) -> TestResult {
        // SAFETY: every caller keeps `program` alive until the start function
        // has ended (RSCH to completion, or HSCH/CSCH/XSCH) and TSCH collected it.
        let cc = unsafe { Cpu.start_subchannel(id, &program.orb(0x5005)) };
        check_eq!(cc, StartResult::Started, "SSCH of the suspending program");
        if !self.suspension_has_intermediate_status {
            let schib = store(id)?;
            check!(
                schib.scsw.is_suspended(),
                "not suspended: {}",
                Words(schib.scsw.words())
            );
            return Ok(());
        }
        let schib = self.poll_until(id, |schib| schib.scsw.is_suspended())?;
        let scsw = schib.scsw;
        let words = Words(scsw.words());
        check_eq!(
            scsw.status_control(),
            StatusControl::INTERMEDIATE | StatusControl::STATUS_PENDING,
            "SC when suspended {}",
            words
        );
        let mut irb = Irb::default();
        check_eq!(
            Cpu.test_subchannel(id, &mut irb),
            TestSubchannelResult::StatusWasPending,
            "TSCH of the suspension"
        );
        let schib = store(id)?;
        check!(
            schib.scsw.is_suspended(),
            "not suspended after TSCH: {}",
            Words(schib.scsw.words())
        );
        Ok(())
    }

    /// Runs a NOP and waits (STSCH) until its status is pending (not
    /// collected).
    pub fn make_status_pending(&self, id: SubchannelId) -> TestResult {
        let program = nop_program();
        // SAFETY: the NOP transfers no data, and it has ended (within SSCH,
        // or by the poll below) before `program` goes; the status is
        // collected by the caller's TSCH.
        let cc = unsafe { Cpu.start_subchannel(id, &program.orb(0x7e57)) };
        check_eq!(cc, StartResult::Started, "SSCH of the NOP");
        let schib = if self.asynchronous {
            self.poll_until(id, |schib| schib.scsw.is_status_pending())?
        } else {
            store(id)?
        };
        check!(
            schib.scsw.is_status_pending(),
            "NOP status not pending: {}",
            Words(schib.scsw.words())
        );
        Ok(())
    }

    /// Ends whatever a failed test left in progress, collects pending
    /// status and drains the pending I/O interruptions of ISC 3 (QEMU keeps
    /// them queued: its TSCH does not withdraw them).
    pub fn settle(&self, id: SubchannelId) {
        let mut irb = Irb::default();
        let mut schib = Schib::default();
        if self.asynchronous {
            let deadline = self.poll_deadline();
            while TodClock.now_us() < deadline {
                if Cpu.store_subchannel(id, &mut schib) != StoreResult::Stored {
                    break;
                }
                if schib.scsw.is_status_pending() {
                    Cpu.test_subchannel(id, &mut irb);
                } else if schib.scsw.function_control().is_empty() {
                    break;
                } else if !schib.scsw.function_control().clear() {
                    // A test failed with a start or halt function in progress.
                    Cpu.clear_subchannel(id);
                }
            }
        } else {
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
        }
        interrupts::enable_isc(ISC);
        for _ in 0..64 {
            if Cpu.test_pending_interruption().is_none() {
                break;
            }
        }
    }

    /// TSCH until status is pending, for at most [`World::poll_us`]; the
    /// IRB of the last TSCH (a [`sentinel_irb`] if it stored none).
    fn poll_tsch(&self, id: SubchannelId) -> Irb {
        let mut irb = sentinel_irb();
        let deadline = self.poll_deadline();
        while TodClock.now_us() < deadline {
            if Cpu.test_subchannel(id, &mut irb) == TestSubchannelResult::StatusWasPending {
                break;
            }
        }
        irb
    }

    /// When a poll that starts now gives up.
    fn poll_deadline(&self) -> u64 {
        TodClock.now_us() + self.poll_us
    }
}

/// SSCH cc 0, then TSCH cc 0 stores the IRB of the NOP: start function,
/// primary + secondary + status pending, channel end + device end, no
/// subchannel status, CCW address = the NOP's address + 8, residual 0.
pub fn ssch_cc0_then_tsch_cc0_stores_nop_irb(world: &World) -> TestResult {
    let id = subchannel_of(world.device)?;
    world.settle(id);
    let program = nop_program();
    let orb = program.orb(0x600d);
    let ccw_address = orb.channel_program_address();
    // SAFETY: `program` lives to the end of this function, after TSCH.
    let cc = unsafe { Cpu.start_subchannel(id, &orb) };
    check_eq!(cc, StartResult::Started, "SSCH");
    if world.asynchronous {
        world.poll_until(id, |schib| schib.scsw.is_status_pending())?;
    }
    let mut irb = sentinel_irb();
    check_eq!(
        Cpu.test_subchannel(id, &mut irb),
        TestSubchannelResult::StatusWasPending,
        "TSCH"
    );
    let scsw = irb.scsw;
    let words = Words(scsw.words());
    check_controls(
        &scsw,
        FunctionControl::START,
        ActivityControl::empty(),
        StatusControl::PRIMARY | StatusControl::SECONDARY | StatusControl::STATUS_PENDING,
    )?;
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
/// 64-95) is left as it was.
pub fn tsch_leaves_emw_area_unstored(world: &World) -> TestResult {
    let id = subchannel_of(world.device)?;
    world.settle(id);
    world.make_status_pending(id)?;
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
pub fn tsch_cc1_stores_irb_of_idle_subchannel(world: &World) -> TestResult {
    let id = subchannel_of(world.device)?;
    world.settle(id);
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
pub fn tsch_cc3_for_missing_subchannel(world: &World) -> TestResult {
    let id = world.missing_subchannel()?;
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
/// set, the interruption parameter MSCH set, the path masks and CHPID 0
/// (and, where [`PmcwFacts::checks_lpum_and_mbi`], the LPUM and MBI).
pub fn stsch_cc0_stores_pmcw_as_modified(world: &World) -> TestResult {
    let id = subchannel_of(world.second_device)?;
    world.settle(id);
    let mut schib = store(id)?;
    schib.pmcw.set_interruption_parameter(0x1234_5678);
    if world.pmcw.sets_lpm {
        schib.pmcw.set_lpm(0x80);
    }
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
    check_eq!(pmcw.device_number(), world.second_device, "device number");
    check_eq!(pmcw.lpm(), 0x80, "LPM");
    if world.pmcw.checks_lpum_and_mbi {
        check_eq!(pmcw.lpum(), 0x80, "LPUM");
    }
    check_eq!(pmcw.pim(), 0x80, "PIM");
    check_eq!(pmcw.pam(), 0x80, "PAM");
    check_eq!(pmcw.pom(), 0xff, "POM");
    check_eq!(pmcw.pnom(), 0, "PNOM");
    check_eq!(
        pmcw.chpids()[0],
        world.pmcw.chpid0,
        "CHPID 0{}",
        world.pmcw.chpid0_note
    );
    if world.pmcw.checks_lpum_and_mbi {
        check_eq!(pmcw.mbi(), 0, "MBI");
    }
    check!(!pmcw.multipath_mode(), "multipath mode");
    check!(
        stored.scsw.words() != sentinel_schib().scsw.words(),
        "SCSW not stored"
    );
    check_eq!(stored.scsw.status_control(), StatusControl::empty(), "SC");
    // Back to the guest tests' ISC.
    subchannel_of(world.second_device)?;
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
pub fn ssch_sets_pmcw_interruption_parameter(world: &World) -> TestResult {
    let id = subchannel_of(world.device)?;
    world.settle(id);
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
pub fn stsch_cc3_leaves_schib_untouched(world: &World) -> TestResult {
    let id = world.missing_subchannel()?;
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
pub fn status_pending_gives_cc1(world: &World) -> TestResult {
    let id = subchannel_of(world.device)?;
    world.settle(id);
    world.make_status_pending(id)?;
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
    world.settle(id);
    Ok(())
}

/// A suspended start is a start function in progress: MSCH cc 2 (and SSCH
/// cc 2 where [`World::ssch_while_suspended_is_busy`]), and the SCSW (after
/// TSCH took any intermediate status of the suspension) shows start
/// function, suspended, no status.
pub fn suspended_start_is_start_in_progress(world: &World) -> TestResult {
    let id = subchannel_of(world.device)?;
    world.settle(id);
    let mut program = SuspendingProgram::new();
    world.start_suspended(id, &program)?;
    let schib = store(id)?;
    check_controls(
        &schib.scsw,
        FunctionControl::START,
        ActivityControl::SUSPENDED,
        StatusControl::empty(),
    )?;
    if world.ssch_while_suspended_is_busy {
        let other = nop_program();
        // SAFETY: cc 2 starts nothing.
        let cc = unsafe { Cpu.start_subchannel(id, &other.orb(2)) };
        check_eq!(cc, StartResult::Busy, "second SSCH");
    }
    check_eq!(
        Cpu.modify_subchannel(id, &schib),
        ModifyResult::Busy,
        "MSCH"
    );
    resume_to_end(id, &mut program)?;
    world.settle(id);
    Ok(())
}

/// RSCH cc 0 resumes the suspended program: it runs the second CCW and
/// ends with primary status at the second CCW's address + 8.
pub fn rsch_cc0_resumes_suspended_program(world: &World) -> TestResult {
    let id = subchannel_of(world.device)?;
    world.settle(id);
    let mut program = SuspendingProgram::new();
    world.start_suspended(id, &program)?;
    let irb = resume_to_end(id, &mut program)?;
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
    world.settle(id);
    Ok(())
}

/// RSCH on an idle subchannel: cc 2 (not suspended).
pub fn rsch_cc2_when_not_suspended(world: &World) -> TestResult {
    let id = subchannel_of(world.device)?;
    world.settle(id);
    // SAFETY: cc 2 resumes nothing.
    let cc = unsafe { Cpu.resume_subchannel(id) };
    check_eq!(cc, ResumeResult::NotApplicable, "RSCH");
    Ok(())
}

/// XSCH of an idle subchannel: cc 2 (no start function to cancel).
pub fn xsch_cc2_on_idle_subchannel(world: &World) -> TestResult {
    let id = subchannel_of(world.device)?;
    world.settle(id);
    check_eq!(
        Cpu.cancel_subchannel(id),
        CancelResult::NotApplicable,
        "XSCH"
    );
    Ok(())
}

/// Every subchannel instruction gives cc 3 for a subchannel that does not
/// exist.
pub fn cc3_for_missing_subchannel(world: &World) -> TestResult {
    let id = world.missing_subchannel()?;
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
    let schib = store(subchannel_of(world.device)?)?;
    check_eq!(
        Cpu.modify_subchannel(id, &schib),
        ModifyResult::NotOperational,
        "MSCH"
    );
    Ok(())
}

/// SSCH on a disabled subchannel: cc 3; after re-enabling, cc 0.
pub fn ssch_cc3_on_disabled_subchannel(world: &World) -> TestResult {
    let id = subchannel_of(world.second_device)?;
    world.settle(id);
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
    subchannel_of(world.second_device)?;
    // SAFETY: as above.
    let cc = unsafe { Cpu.start_subchannel(id, &program.orb(5)) };
    check_eq!(cc, StartResult::Started, "SSCH after enabling");
    wait_for_status(id)?;
    world.settle(id);
    Ok(())
}

/// TPI: cc 0 with nothing pending; cc 1 with the subchannel id and
/// interruption parameter of a completed NOP (polled for where status is
/// [`World::asynchronous`]).
pub fn tpi_cc0_then_cc1(world: &World) -> TestResult {
    let id = subchannel_of(world.second_device)?;
    world.settle(id);
    let none = Cpu.test_pending_interruption();
    check!(none.is_none(), "TPI found an interruption");
    let program = nop_program();
    // SAFETY: `program` lives until wait_for_status collected the status.
    let cc = unsafe { Cpu.start_subchannel(id, &program.orb(0x7777)) };
    check_eq!(cc, StartResult::Started, "SSCH");
    let mut code = Cpu.test_pending_interruption();
    if world.asynchronous {
        let deadline = world.poll_deadline();
        while code.is_none() && TodClock.now_us() < deadline {
            code = Cpu.test_pending_interruption();
        }
    }
    check!(code.is_some(), "TPI found nothing");
    let code = code.unwrap_or_default();
    check_eq!(code.subchannel_id, id.raw(), "subchannel id");
    check_eq!(code.interruption_parameter, 0x7777, "parameter");
    check!(Cpu.test_pending_interruption().is_none(), "second TPI");
    wait_for_status(id)?;
    world.settle(id);
    Ok(())
}

/// HSCH of an idle subchannel: cc 0, then status pending alone with the
/// halt function and no subchannel status; where
/// [`World::idle_halt_has_device_end`], device end alone and ESW LPUM 80.
pub fn hsch_cc0_on_idle_subchannel_status(world: &World) -> TestResult {
    let id = subchannel_of(world.second_device)?;
    world.settle(id);
    check_eq!(Cpu.halt_subchannel(id), HaltResult::Initiated, "HSCH");
    let irb = world.poll_tsch(id);
    let scsw = irb.scsw;
    let words = Words(scsw.words());
    check_controls(
        &scsw,
        FunctionControl::HALT,
        ActivityControl::empty(),
        StatusControl::STATUS_PENDING,
    )?;
    if world.idle_halt_has_device_end {
        check_eq!(
            scsw.device_status(),
            DeviceStatus::DEVICE_END,
            "DS {}",
            words
        );
    }
    check_eq!(
        scsw.subchannel_status(),
        SubchannelStatus::empty(),
        "CS {}",
        words
    );
    if world.idle_halt_has_device_end {
        check_eq!(irb.esw.lpum(), 0x80, "ESW LPUM");
    }
    world.settle(id);
    Ok(())
}

/// CSCH of an idle subchannel: cc 0, then status pending alone with the
/// clear function, no device or subchannel status. (The CCW address is
/// the one of the subchannel's last channel program: not meaningful here.)
pub fn csch_cc0_on_idle_subchannel_status(world: &World) -> TestResult {
    let id = subchannel_of(world.second_device)?;
    world.settle(id);
    check_eq!(Cpu.clear_subchannel(id), ClearResult::Initiated, "CSCH");
    let irb = world.poll_tsch(id);
    let scsw = irb.scsw;
    let words = Words(scsw.words());
    check_controls(
        &scsw,
        FunctionControl::CLEAR,
        ActivityControl::empty(),
        StatusControl::STATUS_PENDING,
    )?;
    check_eq!(scsw.device_status(), DeviceStatus::empty(), "DS {}", words);
    check_eq!(
        scsw.subchannel_status(),
        SubchannelStatus::empty(),
        "CS {}",
        words
    );
    world.settle(id);
    Ok(())
}

/// A disabled subchannel (E bit off, device number valid) is not
/// operational for TSCH (cc 3, IRB untouched), HSCH, CSCH and XSCH, while
/// STSCH still stores its SCHIB.
pub fn disabled_subchannel_gives_cc3(world: &World) -> TestResult {
    let id = subchannel_of(world.second_device)?;
    world.settle(id);
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
    subchannel_of(world.second_device)?;
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
