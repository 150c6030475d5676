//! Real unsolicited status on Hercules, raised from outside by hao rules
//! when the guest prints `xtask-herc: attention 0120` or
//! `xtask-herc: devinit 0120` (see `xtask/src/hercules.rs`): the driver
//! hands it to the unsolicited queue and never takes it for a completion.
#![no_std]
#![deny(clippy::undocumented_unsafe_blocks)]
#![no_main]

use guest_tests::subchannel_of;
use s390_cio::css::{ChannelSubsystem, Cpu};
use s390_cio::driver::{Clock, Event, Subchannel, TodClock};
use s390_cio::memory::RealMemory;
use s390_cio::structures::{commands, Ccw1, CcwFlags, Orb, SubchannelId};
use s390_cio_boot::interrupts;
use s390_cio_boot::testing::{TestFailure, TestResult};
use s390_cio_boot::{check, check_eq, guest_tests, println};

const DASD: u16 = 0x0120;
/// How long Hercules gets to act on a request (its automatic operator
/// reacts to the log line asynchronously).
const REQUEST_TIMEOUT_US: u64 = 2_000_000;

// SAFETY: these tests give the driver no sense area, so it never touches
// storage through this.
static MEMORY: RealMemory = unsafe { RealMemory::new() };

/// Waits until TPI finds the I/O interruption Hercules raised for `id`
/// (TPI withdraws the interruption request; the status stays pending for
/// TSCH).
fn wait_for_interruption(id: SubchannelId) -> Result<(), TestFailure> {
    interrupts::enable_isc(guest_tests::ISC);
    let deadline = TodClock.now_us() + REQUEST_TIMEOUT_US;
    while TodClock.now_us() < deadline {
        if let Some(code) = Cpu.test_pending_interruption() {
            if code.subchannel_id == id.raw() {
                return Ok(());
            }
        }
    }
    Err(TestFailure::new(format_args!(
        "Hercules raised no interruption on {id}"
    )))
}

/// An attention with no request in progress: `poll` reports it as
/// unsolicited, the driver stays idle, and the queue holds it once.
fn attention_while_idle_is_unsolicited() -> TestResult {
    let id = subchannel_of(DASD)?;
    let mut drv = Subchannel::new(&Cpu, &MEMORY, id, 0x7000);
    println!("xtask-herc: attention 0120");
    wait_for_interruption(id)?;
    let event = drv.poll();
    check!(
        matches!(event, Event::Unsolicited(scsw) if scsw.device_status().attention()),
        "{:?}",
        event
    );
    check!(drv.is_idle(), "the attention started something");
    let kept = drv.take_unsolicited();
    check!(kept.is_some(), "the attention was not kept");
    check!(
        drv.take_unsolicited().is_none(),
        "the attention was kept twice"
    );
    Ok(())
}

/// Device end (`devinit`) pending when the driver starts a request: SSCH
/// gives cc 1, the driver collects the device end as unsolicited, restarts,
/// and the request completes on its own status.
fn device_end_pending_at_start_is_kept_and_the_start_retried() -> TestResult {
    let id = subchannel_of(DASD)?;
    let mut drv = Subchannel::new(&Cpu, &MEMORY, id, 0x7100);
    println!("xtask-herc: devinit 0120");
    wait_for_interruption(id)?;
    #[repr(C, align(8))]
    struct Nop(Ccw1);
    let program = Nop(Ccw1::new(commands::NOOP, CcwFlags::SLI, 0, 0));
    let orb = Orb::new(&program.0 as *const Ccw1 as u32);
    // SAFETY: `program` lives until `run_polled` returns.
    let result = unsafe { drv.run_polled(orb, &TodClock) };
    check!(result.is_ok(), "NOP: {:?}", result.err());
    let kept = drv.take_unsolicited();
    check!(kept.is_some(), "the device end was lost");
    check!(
        kept.unwrap().scsw.device_status().device_end(),
        "not the device end"
    );
    check_eq!(
        kept.unwrap().scsw.function_control().start(),
        false,
        "unsolicited status with a start function"
    );
    check!(drv.take_unsolicited().is_none(), "status kept twice");
    Ok(())
}

guest_tests![
    attention_while_idle_is_unsolicited,
    device_end_pending_at_start_is_kept_and_the_start_retried,
];
