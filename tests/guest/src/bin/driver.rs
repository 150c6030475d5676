//! The subchannel driver's three front ends on a real (emulated) channel
//! subsystem: polling, interrupt-driven and async, on a virtio-blk disk
//! (QEMU, 0100) or the 3390 (Hercules, 0120).
#![no_std]
#![deny(clippy::undocumented_unsafe_blocks)]
#![no_main]

use core::ptr::addr_of;
use guest_tests::{subchannel_of, OneCcw};
use s390_cio::css::Cpu;
use s390_cio::discovery;
use s390_cio::driver::{
    Clock, Config, Escalation, IoError, SenseArea, StatusMailbox, Subchannel, TodClock,
};
use s390_cio::executor;
use s390_cio::instructions::InterruptionCode;
use s390_cio::memory::RealMemory;
use s390_cio::structures::{commands, CcwFlags, SenseId, SubchannelId};
use s390_cio_boot::interrupts::{self, IoInterruption};
use s390_cio_boot::testing::{TestFailure, TestResult};
use s390_cio_boot::{check, check_eq, guest_tests};

const QEMU_DISK: u16 = 0x0100;
/// One CCW with room for a whole SENSE ID reply.
type SenseIdProgram = OneCcw<{ SenseId::BUFFER_LEN }>;
const HERCULES_DASD: u16 = 0x0120;

/// The driver's sense area: 40 bytes, doubleword aligned, below 16 MiB.
#[repr(C, align(8))]
struct SenseStorage([u8; SenseArea::SIZE]);

static SENSE_STORAGE: SenseStorage = SenseStorage([0; SenseArea::SIZE]);

/// Status collected by the I/O interruption handler.
static MAILBOX: StatusMailbox<8> = StatusMailbox::new();

// SAFETY: the driver only reads and writes its sense area (a static
// reserved for it) and nothing else touches it.
static MEMORY: RealMemory = unsafe { RealMemory::new() };

fn on_io_interruption(interruption: IoInterruption) {
    MAILBOX.on_interruption(
        &Cpu,
        InterruptionCode {
            subchannel_id: interruption.subchannel_id,
            interruption_parameter: interruption.interruption_parameter,
        },
    );
}

/// The disk of whichever emulator this is, enabled for I/O.
fn disk() -> Result<SubchannelId, TestFailure> {
    if discovery::find_device(&Cpu, 0, HERCULES_DASD).is_some() {
        subchannel_of(HERCULES_DASD)
    } else {
        subchannel_of(QEMU_DISK)
    }
}

fn driver(id: SubchannelId) -> Subchannel<'static, Cpu, RealMemory> {
    let area = SenseArea::new(addr_of!(SENSE_STORAGE) as u32).expect("sense area placement");
    Subchannel::new(&Cpu, &MEMORY, id, 0x5000)
        .with_sense_area(area)
        .with_config(Config {
            timeout_us: 200_000,
            halt_timeout_us: 200_000,
            clear_timeout_us: 200_000,
            ..Config::default()
        })
}

/// SENSE ID through the polling front end: the data arrives.
fn polled_sense_id_completes() -> TestResult {
    let id = disk()?;
    let mut drv = driver(id);
    let mut program = SenseIdProgram::new(commands::SENSE_ID, CcwFlags::SLI, 256, 0);
    // SAFETY: `program` lives until `run_polled` returns.
    let result = unsafe { drv.run_polled(program.orb(), &TodClock) };
    check!(result.is_ok(), "SENSE ID: {:?}", result.err());
    check_eq!(program.data[0], 0xff, "SENSE ID byte 0");
    check!(drv.is_idle(), "driver not idle");
    Ok(())
}

/// A NOP through the interrupt-driven front end: the I/O new PSW handler
/// collects the status with TSCH into the mailbox, the driver waits
/// enabled in between.
fn interrupt_driven_nop_completes() -> TestResult {
    let id = disk()?;
    interrupts::set_io_handler(on_io_interruption);
    interrupts::enable_isc(guest_tests::ISC);
    let before = interrupts::io_interruption_count();
    let mut drv = driver(id);
    let mut program = SenseIdProgram::new(commands::NOOP, CcwFlags::SLI, 0, 0);
    // SAFETY: `program` lives until the call returns.
    let result = unsafe {
        drv.run_interrupt_driven(
            program.orb(),
            &TodClock,
            &MAILBOX,
            interrupts::wait_for_io_until,
        )
    };
    check!(result.is_ok(), "NOP: {:?}", result.err());
    check!(
        interrupts::io_interruption_count() > before,
        "no I/O interruption taken"
    );
    check_eq!(MAILBOX.dropped(), 0, "IRBs dropped");
    Ok(())
}

/// SENSE ID as a future on the tiny executor, woken from the handler.
fn async_sense_id_completes() -> TestResult {
    let id = disk()?;
    interrupts::set_io_handler(on_io_interruption);
    interrupts::enable_isc(guest_tests::ISC);
    let mut drv = driver(id);
    let mut program = SenseIdProgram::new(commands::SENSE_ID, CcwFlags::SLI, 256, 0);
    // SAFETY: `program` outlives the future, which is driven to its end.
    let transfer = unsafe { drv.transfer(program.orb(), &TodClock, &MAILBOX) };
    check!(transfer.is_ok(), "start: {:?}", transfer.as_ref().err());
    let Ok(transfer) = transfer else {
        return Ok(());
    };
    let deadline = TodClock.now_us() + 1_000_000;
    let result = executor::block_on(transfer, || interrupts::wait_for_io_until(deadline));
    check!(result.is_ok(), "SENSE ID: {:?}", result.err());
    check_eq!(program.data[0], 0xff, "SENSE ID byte 0");
    Ok(())
}

/// A command the device rejects ends with unit check, and the driver
/// fetches the sense bytes: command reject (byte 0, bit 0). QEMU's
/// virtio-ccw rejects an unknown command; the 3390 rejects READ DATA
/// without a preceding Seek, Locate Record or Read IPL.
fn unit_check_fetches_sense() -> TestResult {
    let id = disk()?;
    let command = if discovery::find_device(&Cpu, 0, HERCULES_DASD).is_some() {
        0x06
    } else {
        0xf2
    };
    let mut drv = driver(id);
    let mut program = SenseIdProgram::new(command, CcwFlags::SLI, 8, 0);
    // SAFETY: `program` lives until `run_polled` returns.
    let result = unsafe { drv.run_polled(program.orb(), &TodClock) };
    match result {
        Err(IoError::UnitCheck {
            scsw,
            sense: Some(sense),
        }) => {
            check!(scsw.device_status().unit_check(), "unit check");
            check!(!sense.bytes().is_empty(), "no sense bytes");
            check_eq!(
                sense.bytes()[0] & 0x80,
                0x80,
                "command reject in {:?}",
                sense
            );
        }
        other => check!(false, "expected unit check with sense, got {:?}", other),
    }
    Ok(())
}

/// A program that suspends itself and is never resumed times out: the
/// driver halts it and reports how far it escalated.
fn timeout_halts_a_suspended_program() -> TestResult {
    let id = disk()?;
    let mut drv = driver(id);
    let mut program = SenseIdProgram::new(commands::NOOP, CcwFlags::SLI | CcwFlags::S, 0, 0);
    let orb = program.orb().with_suspend_control(true);
    // SAFETY: `program` lives until `run_polled` returns.
    let result = unsafe { drv.run_polled(orb, &TodClock) };
    check!(
        matches!(
            result,
            Err(IoError::TimedOut {
                escalation: Escalation::Halted | Escalation::Cleared,
                ..
            })
        ),
        "{:?}",
        result
    );
    check!(drv.is_idle(), "driver not idle after the halt");
    Ok(())
}

guest_tests![
    polled_sense_id_completes,
    interrupt_driven_nop_completes,
    async_sense_id_completes,
    unit_check_fetches_sense,
    timeout_halts_a_suspended_program,
];
