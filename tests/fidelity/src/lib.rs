//! Channel-I/O scenarios that run the same on QEMU, on Hercules and on the
//! `s390-cio-sim` simulator, each recording a [`Trace`] of the I/O
//! instructions it issued, their condition codes and the key SCSW fields.
//!
//! A scenario is generic over a [`Bench`]: the channel subsystem, the
//! subchannel under test, a scratch area at a known channel address where
//! the scenario places its CCWs, parameters and data, and a hook that lets
//! the channel work. Guest programs implement it with static storage and
//! the CPU's instructions; the simulator's tests with its storage and
//! single steps. The traces print one line per entry (short, and free of
//! the characters a 3215 console loses), so a guest's console and the
//! simulator's expected files (`expected/*.txt`) compare line by line.
//!
//! Three device families: [`Family::Virtio`] (a virtio-blk-ccw disk: QEMU,
//! and the simulator's `VirtioBlk`), [`Family::Eckd`] (a 3390 behind a
//! 3990: Hercules, and the simulator's `Eckd3390` laid out like
//! `dasdinit`'s track 0) and [`Family::Console`] (a 3215 whose read waits
//! for its operator: Hercules, and the simulator's `Console` awaiting its
//! operator), the one device that keeps a channel program active long
//! enough to halt it.
#![no_std]
#![warn(missing_docs)]
#![deny(unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks)]

mod trace;

pub use trace::{Entry, Op, Trace, TRACE_LEN};

use s390_cio::css::ChannelSubsystem;
use s390_cio::structures::{
    commands, ActivityControl, Ccw1, CcwFlags, FunctionControl, Irb, Orb, Schib, Scsw,
    StatusControl, SubchannelId,
};

/// Bytes of scratch area a [`Bench`] provides, at an 8-byte-aligned
/// channel address below 16 MiB.
pub const AREA_LEN: usize = 0x400;

/// Offset of the channel program in the scratch area.
const PROGRAM: u32 = 0x000;
/// Offset of the first parameter block (SEEK, DEFINE EXTENT, ...).
const PARAM: u32 = 0x100;
/// Offset of the second parameter block (SEARCH, LOCATE RECORD).
const PARAM2: u32 = 0x140;
/// Offset of the data area.
const DATA: u32 = 0x200;
/// How often a wait polls STSCH (after letting the channel work) before it
/// gives up and lets the scenario go on.
const POLLS: u32 = 200_000;
/// Interruption parameter of every start.
const PARM: u32 = 0xF1DE;

/// What a scenario runs on.
pub trait Bench {
    /// The channel subsystem: the CPU's instructions or the simulator.
    type Css: ChannelSubsystem;

    /// The channel subsystem.
    fn css(&self) -> &Self::Css;

    /// The enabled subchannel of the device under test.
    fn subchannel(&self) -> SubchannelId;

    /// The channel address of the scratch area ([`AREA_LEN`] bytes,
    /// 8-byte aligned, below 16 MiB).
    fn base(&self) -> u32;

    /// Copies `bytes` into the scratch area at `offset`.
    fn write(&mut self, offset: u32, bytes: &[u8]);

    /// Copies the scratch area at `offset` into `out`.
    fn read(&self, offset: u32, out: &mut [u8]);

    /// Lets the channel work a little (the simulator steps; a machine's
    /// channel works by itself).
    fn advance(&self);

    /// The operator enters a line at the device under test (the console
    /// of [`Family::Console`]); other families never ask for it.
    fn operator_input(&mut self);
}

/// A family of devices the scenarios are written for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// A virtio-blk-ccw disk (control unit 3832, model 2).
    Virtio,
    /// A 3390 DASD behind a 3990 storage control, track 0 as `dasdinit`
    /// writes it: R1 `IPL1` (24 bytes), R2 `IPL2` (144), R3 `VOL1` (80).
    Eckd,
    /// A 3215 console whose READ INQUIRY waits for the operator.
    Console,
}

impl Family {
    /// The family's name in expected-file names and console lines.
    pub const fn name(self) -> &'static str {
        match self {
            Family::Virtio => "virtio",
            Family::Eckd => "eckd",
            Family::Console => "console",
        }
    }

    /// The scenarios of the family, in the order they run. The order is
    /// part of the traces where a device or emulator carries state from
    /// one channel program to the next: QEMU leaves the last residual
    /// count in the SCSW until a command stores a new one (SENSE does), so
    /// the incorrect-length scenarios come right before
    /// [`Scenario::UnitCheck`]; and on Hercules halt and clear come last
    /// (see [`Scenario::Clear`]).
    pub const fn scenarios(self) -> &'static [Scenario] {
        match self {
            Family::Virtio => &[
                Scenario::SenseId,
                Scenario::Chain,
                Scenario::Tic,
                Scenario::Pci,
                Scenario::Suspend,
                Scenario::ProgramCheck,
                Scenario::IncorrectLength,
                Scenario::IncorrectLengthSli,
                Scenario::UnitCheck,
                Scenario::Halt,
                Scenario::Clear,
            ],
            Family::Eckd => &[
                Scenario::SenseId,
                Scenario::Read,
                Scenario::Chain,
                Scenario::Tic,
                Scenario::Pci,
                Scenario::Suspend,
                Scenario::ProgramCheck,
                Scenario::UnitCheck,
                Scenario::IncorrectLength,
                Scenario::IncorrectLengthSli,
                Scenario::Halt,
                Scenario::Clear,
            ],
            Family::Console => &[Scenario::HaltActive],
        }
    }
}

/// One scenario. What it does depends on the [`Family`]; each variant's
/// documentation says it for both.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scenario {
    /// SENSE ID (count 7, SLI); the 7 bytes read.
    SenseId,
    /// Eckd only: a plain read, SEEK + SEARCH ID EQUAL + TIC back to the
    /// search + READ DATA of R3 (80 bytes); its first 4 bytes.
    Read,
    /// A chained read. Virtio: SET_VIRTIO_REV (revision 1) chained to
    /// READ_FEAT (index 0); the feature bits are the device model's, not
    /// the channel's, and are not recorded. Eckd: DEFINE EXTENT + LOCATE
    /// RECORD + READ DATA of R3, and the first 4 bytes read.
    Chain,
    /// NOOP, TIC, NOOP: the final CCW address is the second NOOP's + 8.
    Tic,
    /// A read with a count longer than the device's data, SLI on: no
    /// incorrect length, the residual count says what was left. Virtio:
    /// READ_FEAT with count 8 (5 needed). Eckd: READ DEVICE
    /// CHARACTERISTICS with count 70 (64 given). Then a NOOP program,
    /// whose residual count is 0 again.
    IncorrectLengthSli,
    /// The same read without SLI: incorrect length (PoP).
    IncorrectLength,
    /// NOOP with the PCI flag chained to NOOP: the final status carries
    /// PCI (PoP: intermediate status not yet cleared joins the final), and
    /// a second TSCH finds nothing more.
    Pci,
    /// NOOP chained to NOOP with the S flag, ORB suspend control: the
    /// subchannel suspends with intermediate status; RSCH after the S flag
    /// is taken off runs the second NOOP to the end.
    Suspend,
    /// A CCW with command code 0x00 (four low-order zero bits, not TIC):
    /// program check at the first CCW.
    ProgramCheck,
    /// An invalid command (count 80, SLI) ends with unit check, then
    /// SENSE (count 1, SLI for virtio; count 32 for eckd) reads the first
    /// sense byte(s).
    /// Virtio: command 0xF4 (none of virtio-ccw's). Eckd: READ DATA
    /// without positioning (command reject).
    UnitCheck,
    /// HSCH of the suspended program of [`Scenario::Suspend`], then TSCH
    /// and STSCH. (For the halt of an active program see
    /// [`Scenario::HaltActive`]: neither disk lets a guest meet an active
    /// one. QEMU runs a channel program inside SSCH; on Hercules a
    /// never-ending program, NOOP and TIC back to it, hung the guest right
    /// after its SSCH, and a finite one leaves no window to aim an HSCH
    /// at reliably.)
    Halt,
    /// CSCH of the same suspended program, then TSCH and STSCH. On
    /// Hercules it runs last, as the instructions tests found that a CSCH
    /// of a suspended program leaves the device busy for later MSCH.
    Clear,
    /// Console only: HSCH of an active program, a READ INQUIRY (count 80,
    /// SLI) waiting for the operator. STSCH once the subchannel and device
    /// are active, HSCH, STSCH, then the operator enters a line (on a
    /// device that ignored the halt signal that ends the read), then TSCH
    /// and STSCH of the halt's status.
    HaltActive,
}

impl Scenario {
    /// The scenario's name, in outcomes and console lines.
    pub const fn name(self) -> &'static str {
        match self {
            Scenario::SenseId => "sense_id",
            Scenario::Read => "read",
            Scenario::Chain => "chain",
            Scenario::Tic => "tic",
            Scenario::IncorrectLengthSli => "il_sli",
            Scenario::IncorrectLength => "il_nosli",
            Scenario::Pci => "pci",
            Scenario::Suspend => "suspend",
            Scenario::ProgramCheck => "program_check",
            Scenario::UnitCheck => "unit_check",
            Scenario::Halt => "halt",
            Scenario::Clear => "clear",
            Scenario::HaltActive => "halt_active",
        }
    }
}

/// virtio-ccw command codes the scenarios use.
mod virtio {
    /// SET_VIRTIO_REV.
    pub const SET_VIRTIO_REV: u8 = 0x83;
    /// READ_FEAT.
    pub const READ_FEAT: u8 = 0x12;
    /// A command code virtio-ccw does not define.
    pub const INVALID: u8 = 0xF4;
}

/// 3215 command codes the scenarios use.
mod console {
    /// READ INQUIRY: the operator's next line.
    pub const READ_INQUIRY: u8 = 0x0A;
}

/// 3990 command codes the scenarios use.
mod eckd {
    /// READ DATA.
    pub const READ_DATA: u8 = 0x06;
    /// SEEK.
    pub const SEEK: u8 = 0x07;
    /// SEARCH ID EQUAL.
    pub const SEARCH_ID_EQUAL: u8 = 0x31;
    /// LOCATE RECORD.
    pub const LOCATE_RECORD: u8 = 0x47;
    /// DEFINE EXTENT.
    pub const DEFINE_EXTENT: u8 = 0x63;
    /// READ DEVICE CHARACTERISTICS.
    pub const RDC: u8 = 0x64;
}

/// Runs `scenario` of `family` on `bench` and returns its trace. Whatever
/// the scenario leaves behind (status pending, a start function) is
/// collected or cleared afterwards, unrecorded, so the next starts afresh.
pub fn run<B: Bench>(bench: &mut B, family: Family, scenario: Scenario) -> Trace {
    let mut run = Run {
        bench,
        trace: Trace::new(),
    };
    match (family, scenario) {
        (Family::Console, Scenario::HaltActive) => run.halt_active(),
        // Not scenarios of these families (see `Family::scenarios`): an
        // empty trace.
        (Family::Console, _)
        | (Family::Virtio, Scenario::Read)
        | (Family::Virtio | Family::Eckd, Scenario::HaltActive) => {}
        (_, Scenario::SenseId) => run.sense_id(),
        (Family::Eckd, Scenario::Read) => run.eckd_read(),
        (Family::Virtio, Scenario::Chain) => run.virtio_chain(),
        (Family::Eckd, Scenario::Chain) => run.eckd_chain(),
        (_, Scenario::Tic) => run.tic(),
        (Family::Virtio, Scenario::IncorrectLengthSli) => {
            run.incorrect_length(virtio::READ_FEAT, 8, true)
        }
        (Family::Virtio, Scenario::IncorrectLength) => {
            run.incorrect_length(virtio::READ_FEAT, 8, false)
        }
        (Family::Eckd, Scenario::IncorrectLengthSli) => run.incorrect_length(eckd::RDC, 70, true),
        (Family::Eckd, Scenario::IncorrectLength) => run.incorrect_length(eckd::RDC, 70, false),
        (_, Scenario::Pci) => run.pci(),
        (_, Scenario::Suspend) => run.suspend(),
        (_, Scenario::ProgramCheck) => run.program_check(),
        (Family::Virtio, Scenario::UnitCheck) => run.unit_check(virtio::INVALID, 1, true),
        (Family::Eckd, Scenario::UnitCheck) => run.unit_check(eckd::READ_DATA, 32, false),
        (_, Scenario::Halt) => run.end_suspended(false),
        (_, Scenario::Clear) => run.end_suspended(true),
    }
    run.tidy();
    run.trace
}

/// A scenario in progress: the bench and the trace so far.
struct Run<'a, B: Bench> {
    bench: &'a mut B,
    trace: Trace,
}

/// The CCW chaining flag, for brevity.
const CC: CcwFlags = CcwFlags::CC;

impl<B: Bench> Run<'_, B> {
    fn id(&self) -> SubchannelId {
        self.bench.subchannel()
    }

    /// Writes `ccws` as the channel program.
    fn program(&mut self, ccws: &[Ccw1]) {
        for (i, ccw) in (0u32..).zip(ccws) {
            self.bench.write(PROGRAM + 8 * i, ccw.as_bytes());
        }
    }

    /// The channel address of scratch offset `offset`.
    fn at(&self, offset: u32) -> u32 {
        self.bench.base() + offset
    }

    /// A CCW with its data at scratch offset `offset`.
    fn ccw(&self, command: u8, flags: CcwFlags, count: u16, offset: u32) -> Ccw1 {
        Ccw1::new(command, flags, count, self.at(offset))
    }

    /// A TIC to the CCW at index `index` of the program.
    fn tic_to(&self, index: u32) -> Ccw1 {
        Ccw1::tic(self.at(PROGRAM + 8 * index))
    }

    /// The ORB of the program.
    fn orb(&self) -> Orb {
        Orb::new(self.at(PROGRAM))
            .with_interruption_parameter(PARM)
            .with_lpm(0xFF)
    }

    fn scsw(&self, scsw: Scsw) -> trace::Fields {
        trace::Fields::of(&scsw, self.bench.base())
    }

    fn ssch(&mut self, orb: &Orb) {
        let id = self.id();
        // SAFETY: the program and its data are in the bench's scratch area,
        // which outlives every scenario; `tidy` ends any start function
        // before the area is reused.
        let cc = unsafe { self.bench.css().start_subchannel(id, orb) };
        self.trace.push(Entry::new(Op::Ssch, cc.condition_code()));
    }

    fn rsch(&mut self) {
        let id = self.id();
        // SAFETY: as for `ssch`: the suspended program is in the scratch
        // area.
        let cc = unsafe { self.bench.css().resume_subchannel(id) };
        self.trace.push(Entry::new(Op::Rsch, cc.condition_code()));
    }

    fn hsch(&mut self) {
        let cc = self.bench.css().halt_subchannel(self.id());
        self.trace.push(Entry::new(Op::Hsch, cc.condition_code()));
    }

    fn csch(&mut self) {
        let cc = self.bench.css().clear_subchannel(self.id());
        self.trace.push(Entry::new(Op::Csch, cc.condition_code()));
    }

    /// TSCH, recorded with the SCSW when it stored status (cc 0).
    fn tsch(&mut self) {
        let mut irb = Irb::default();
        let cc = self.bench.css().test_subchannel(self.id(), &mut irb);
        let mut entry = Entry::new(Op::Tsch, cc.condition_code());
        if cc.condition_code() == 0 {
            entry = entry.with_fields(self.scsw(irb.scsw));
        }
        self.trace.push(entry);
    }

    /// STSCH, recorded with the SCSW.
    fn stsch(&mut self) {
        let mut schib = Schib::default();
        let cc = self.bench.css().store_subchannel(self.id(), &mut schib);
        let mut entry = Entry::new(Op::Stsch, cc.condition_code());
        if cc.condition_code() == 0 {
            entry = entry.with_fields(self.scsw(schib.scsw));
        }
        self.trace.push(entry);
    }

    /// Records `len` bytes of the data area.
    fn data(&mut self, len: usize) {
        let mut bytes = [0u8; trace::DATA_LEN];
        let len = len.min(bytes.len());
        self.bench.read(DATA, &mut bytes[..len]);
        self.trace.push(Entry::data(&bytes[..len]));
    }

    /// Fills the data area with a pattern, so that a read shows what it
    /// stored.
    fn clear_data(&mut self) {
        self.bench.write(DATA, &[0x5A; 0x100]);
    }

    /// The SCSW as STSCH stores it now, unrecorded.
    fn peek(&self) -> Option<Scsw> {
        let mut schib = Schib::default();
        let cc = self.bench.css().store_subchannel(self.id(), &mut schib);
        (cc.condition_code() == 0).then_some(schib.scsw)
    }

    /// Lets the channel work until `done` holds for the SCSW (or the poll
    /// limit runs out; the next recorded entries then show the state).
    fn wait(&self, done: fn(&Scsw) -> bool) {
        for _ in 0..POLLS {
            self.bench.advance();
            match self.peek() {
                Some(scsw) if !done(&scsw) => {}
                _ => return,
            }
        }
    }

    /// Waits for status that ends or interrupts a function: primary or
    /// alert status, or the status of a halt or clear, or any status with
    /// nothing active.
    fn wait_status(&self) {
        self.wait(|scsw| {
            let active = ActivityControl::SUBCHANNEL_ACTIVE.union(ActivityControl::DEVICE_ACTIVE);
            let ending = FunctionControl::HALT.union(FunctionControl::CLEAR);
            scsw.is_status_pending()
                && (scsw
                    .status_control()
                    .intersects(StatusControl::PRIMARY.union(StatusControl::ALERT))
                    || scsw.function_control().intersects(ending)
                    || !scsw.activity_control().intersects(active))
        });
    }

    /// Waits until the channel program is suspended.
    fn wait_suspended(&self) {
        self.wait(Scsw::is_suspended);
    }

    /// SSCH of the program, wait, TSCH.
    fn start_and_finish(&mut self) {
        let orb = self.orb();
        self.ssch(&orb);
        self.wait_status();
        self.tsch();
    }

    fn sense_id(&mut self) {
        self.clear_data();
        let ccw = self.ccw(commands::SENSE_ID, CcwFlags::SLI, 7, DATA);
        self.program(&[ccw]);
        self.start_and_finish();
        self.data(7);
    }

    fn eckd_read(&mut self) {
        self.clear_data();
        self.bench.write(PARAM, &[0, 0, 0, 0, 0, 0]);
        self.bench.write(PARAM2, &[0, 0, 0, 0, 3]);
        let program = [
            self.ccw(eckd::SEEK, CC, 6, PARAM),
            self.ccw(eckd::SEARCH_ID_EQUAL, CC, 5, PARAM2),
            self.tic_to(1),
            self.ccw(eckd::READ_DATA, CcwFlags::empty(), 80, DATA),
        ];
        self.program(&program);
        self.start_and_finish();
        self.data(4);
    }

    fn virtio_chain(&mut self) {
        self.clear_data();
        // VirtioRevInfo: revision 1, no data.
        self.bench.write(PARAM, &[0, 1, 0, 0]);
        // VirtioFeatDesc: features (read here), index 0.
        self.bench.write(DATA, &[0, 0, 0, 0, 0]);
        let program = [
            self.ccw(virtio::SET_VIRTIO_REV, CC, 4, PARAM),
            self.ccw(virtio::READ_FEAT, CcwFlags::empty(), 5, DATA),
        ];
        self.program(&program);
        self.start_and_finish();
    }

    fn eckd_chain(&mut self) {
        self.clear_data();
        // DEFINE EXTENT: read-only file mask, ECKD mode, blocksize 80,
        // extent = cylinder 0 head 0 to cylinder 9 head 14.
        let mut extent = [0u8; 16];
        extent[0] = 0x40;
        extent[1] = 0xC0;
        extent[2..4].copy_from_slice(&80u16.to_be_bytes());
        extent[12..16].copy_from_slice(&[0, 9, 0, 14]);
        self.bench.write(PARAM, &extent);
        // LOCATE RECORD: orient to count, read data, 1 record, seek and
        // search address 0 0 / 0 0 3.
        let mut locate = [0u8; 16];
        locate[0] = 0x06;
        locate[3] = 1;
        locate[12] = 3;
        self.bench.write(PARAM2, &locate);
        let program = [
            self.ccw(eckd::DEFINE_EXTENT, CC, 16, PARAM),
            self.ccw(eckd::LOCATE_RECORD, CC, 16, PARAM2),
            self.ccw(eckd::READ_DATA, CcwFlags::empty(), 80, DATA),
        ];
        self.program(&program);
        self.start_and_finish();
        self.data(4);
    }

    fn tic(&mut self) {
        let program = [
            self.ccw(commands::NOOP, CC.union(CcwFlags::SLI), 0, DATA),
            self.tic_to(2),
            self.ccw(commands::NOOP, CcwFlags::SLI, 0, DATA),
        ];
        self.program(&program);
        self.start_and_finish();
    }

    /// `command` (a read) with a `count` longer than the device's data,
    /// with or without SLI. The data area starts zeroed: READ_FEAT takes
    /// its feature-word index (0) from it.
    fn incorrect_length(&mut self, command: u8, count: u16, sli: bool) {
        self.clear_data();
        self.bench.write(DATA, &[0; 8]);
        let flags = if sli {
            CcwFlags::SLI
        } else {
            CcwFlags::empty()
        };
        let ccw = self.ccw(command, flags, count, DATA);
        self.program(&[ccw]);
        self.start_and_finish();
        if sli {
            let nop = self.ccw(commands::NOOP, CcwFlags::SLI, 0, DATA);
            self.program(&[nop]);
            self.start_and_finish();
        }
    }

    fn pci(&mut self) {
        let program = [
            self.ccw(
                commands::NOOP,
                CC.union(CcwFlags::SLI).union(CcwFlags::PCI),
                0,
                DATA,
            ),
            self.ccw(commands::NOOP, CcwFlags::SLI, 0, DATA),
        ];
        self.program(&program);
        self.start_and_finish();
        self.wait_status();
        self.tsch();
    }

    /// Writes the suspending program (NOOP, NOOP with S) and starts it
    /// with suspend control; records SSCH, STSCH once suspended, TSCH.
    fn start_suspended(&mut self) {
        let program = [
            self.ccw(commands::NOOP, CC.union(CcwFlags::SLI), 0, DATA),
            self.ccw(commands::NOOP, CcwFlags::SLI.union(CcwFlags::S), 0, DATA),
        ];
        self.program(&program);
        let orb = self.orb().with_suspend_control(true);
        self.ssch(&orb);
        self.wait_suspended();
        self.stsch();
        self.tsch();
    }

    fn suspend(&mut self) {
        self.start_suspended();
        let resumed = self.ccw(commands::NOOP, CcwFlags::SLI, 0, DATA);
        self.program(&[
            self.ccw(commands::NOOP, CC.union(CcwFlags::SLI), 0, DATA),
            resumed,
        ]);
        self.rsch();
        self.wait_status();
        self.tsch();
    }

    fn program_check(&mut self) {
        let program = [self.ccw(0x00, CcwFlags::empty(), 8, DATA)];
        self.program(&program);
        self.start_and_finish();
    }

    fn unit_check(&mut self, command: u8, sense_len: u16, sli: bool) {
        self.clear_data();
        let program = [self.ccw(command, CcwFlags::SLI, 80, DATA)];
        self.program(&program);
        self.start_and_finish();
        self.clear_data();
        let flags = if sli {
            CcwFlags::SLI
        } else {
            CcwFlags::empty()
        };
        let sense = self.ccw(commands::SENSE, flags, sense_len, DATA);
        self.program(&[sense]);
        self.start_and_finish();
        self.data(usize::from(sense_len).min(2));
    }

    /// HSCH (or CSCH) of a suspended program, then TSCH and STSCH.
    fn end_suspended(&mut self, clear: bool) {
        self.start_suspended();
        self.end(clear);
    }

    /// HSCH of a READ INQUIRY waiting for the operator (see
    /// [`Scenario::HaltActive`]).
    fn halt_active(&mut self) {
        self.clear_data();
        let read = self.ccw(console::READ_INQUIRY, CcwFlags::SLI, 80, DATA);
        self.program(&[read]);
        let orb = self.orb();
        self.ssch(&orb);
        self.wait(|scsw| {
            !scsw
                .activity_control()
                .contains(ActivityControl::SUBCHANNEL_ACTIVE.union(ActivityControl::DEVICE_ACTIVE))
        });
        self.stsch();
        self.hsch();
        self.stsch();
        self.bench.operator_input();
        self.wait_status();
        self.tsch();
        self.stsch();
    }

    fn end(&mut self, clear: bool) {
        if clear {
            self.csch();
        } else {
            self.hsch();
        }
        self.wait_status();
        self.tsch();
        self.stsch();
    }

    /// Collects leftover status and ends a start function still in
    /// progress, unrecorded.
    fn tidy(&mut self) {
        let id = self.id();
        let css = self.bench.css();
        if let Some(scsw) = self.peek() {
            if !scsw.function_control().is_empty() && !scsw.is_status_pending() {
                css.clear_subchannel(id);
                self.wait_status();
            }
        }
        let mut irb = Irb::default();
        for _ in 0..4 {
            if css.test_subchannel(id, &mut irb).condition_code() != 0 {
                break;
            }
        }
    }
}
