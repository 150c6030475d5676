//! Channel reports on QEMU: STCRW with nothing pending, and the CRW a
//! hot-unplug raises. The host removes a device when the guest prints
//! `xtask-qmp: device_del ID` (see `xtask/src/qemu.rs`); this program runs
//! alone because the machine loses that device.
#![no_std]
#![deny(clippy::undocumented_unsafe_blocks)]
#![no_main]

use guest_tests::subchannel_of;
use s390_cio::css::{ChannelSubsystem, Cpu};
use s390_cio::discovery;
use s390_cio::driver::{Clock, Event, IoError, Subchannel, TodClock};
use s390_cio::instructions::{asm::stck, StoreResult};
use s390_cio::memory::RealMemory;
use s390_cio::structures::{commands, Ccw1, CcwFlags, Crw, Orb, ReportingSource, Schib};
use s390_cio_boot::testing::TestResult;
use s390_cio_boot::{check, check_eq, guest_tests, println};

/// QEMU device id and device number of the disk this program unplugs.
const UNPLUGGED_ID: &str = "blk1";
const UNPLUGGED_DEVNO: u16 = 0x0101;
/// TOD-clock units per second (bit 51 is one microsecond).
const TOD_SECOND: u64 = 1_000_000 << 12;

/// Takes every CRW pending now; returns how many there were.
fn drain_channel_reports() -> usize {
    (0..256)
        .take_while(|_| Cpu.store_channel_report_word().is_some())
        .count()
}

/// STCRW with no report pending: cc 1, nothing returned.
fn stcrw_cc1_with_nothing_pending() -> TestResult {
    let at_boot = drain_channel_reports();
    check!(at_boot < 256, "channel reports keep coming");
    let crw = Cpu.store_channel_report_word();
    check!(
        crw.is_none(),
        "a CRW was pending: {:08x}",
        crw.map_or(0, |c| c.raw())
    );
    Ok(())
}

/// Waits up to `seconds` of TOD time for the next CRW.
fn wait_for_channel_report(seconds: u64) -> Option<Crw> {
    let deadline = stck().wrapping_add(seconds * TOD_SECOND);
    while stck() < deadline {
        if let Some(crw) = Cpu.store_channel_report_word() {
            return Some(crw);
        }
    }
    None
}

/// QMP `device_del` of a virtio-blk disk: the channel subsystem reports its
/// subchannel with a CRW (RSC subchannel, RSID = subchannel number), and the
/// device is gone from enumeration.
fn hot_unplug_raises_a_channel_report() -> TestResult {
    let found = discovery::find_device(&Cpu, 0, UNPLUGGED_DEVNO);
    check!(
        found.is_some(),
        "device {:04x} not there before the unplug",
        UNPLUGGED_DEVNO
    );
    let (id, _) = found.unwrap();
    drain_channel_reports();
    println!("xtask-qmp: device_del {}", UNPLUGGED_ID);
    let crw = wait_for_channel_report(5);
    check!(crw.is_some(), "no CRW within 5 s of the unplug");
    let crw = crw.unwrap();
    check_eq!(
        crw.reporting_source(),
        ReportingSource::Subchannel,
        "RSC of {:08x}",
        crw.raw()
    );
    check_eq!(
        crw.reporting_source_id(),
        id.number(),
        "RSID of {:08x}",
        crw.raw()
    );
    check!(
        discovery::find_device(&Cpu, 0, UNPLUGGED_DEVNO).is_none(),
        "device {:04x} still enumerated",
        UNPLUGGED_DEVNO
    );
    let mut schib = Schib::default();
    let cc = Cpu.store_subchannel(id, &mut schib);
    check!(
        cc == StoreResult::NotOperational || !schib.pmcw.is_device_number_valid(),
        "subchannel {} still has a device: {:?}",
        id,
        cc
    );
    Ok(())
}

// SAFETY: the driver gets no sense area here, so it never touches storage
// through this.
static MEMORY: RealMemory = unsafe { RealMemory::new() };

/// A device unplugged while the driver has a request in progress (a
/// suspended program: QEMU ends others inside SSCH): the channel report
/// makes the driver fail the request as not operational, and the guest
/// goes on using the other devices.
fn hot_unplug_during_a_request_fails_it_not_operational() -> TestResult {
    let id = subchannel_of(0x0100)?;
    let mut drv = Subchannel::new(&Cpu, &MEMORY, id, 0x9000);
    #[repr(C, align(8))]
    struct Suspending(Ccw1);
    let program = Suspending(Ccw1::new(commands::NOOP, CcwFlags::SLI | CcwFlags::S, 0, 0));
    let orb = Orb::new(&program.0 as *const Ccw1 as u32).with_suspend_control(true);
    // SAFETY: `program` lives to the end of this test, after the driver
    // reported the request done (the device is gone then).
    let started = unsafe { drv.start(orb, TodClock.now_us()) };
    check!(started.is_ok(), "start: {:?}", started);
    drain_channel_reports();
    println!("xtask-qmp: device_del blk0");
    let crw = wait_for_channel_report(5);
    check!(crw.is_some(), "no CRW within 5 s of the unplug");
    let mut event = drv.on_channel_report(crw.unwrap());
    if event == Event::Pending {
        event = drv.poll();
    }
    check!(
        matches!(event, Event::Done(Err(IoError::NotOperational))),
        "{:?}",
        event
    );
    check!(
        discovery::find_device(&Cpu, 0, 0x0200).is_some(),
        "the other devices are gone too"
    );
    Ok(())
}

guest_tests![
    stcrw_cc1_with_nothing_pending,
    hot_unplug_raises_a_channel_report,
    hot_unplug_during_a_request_fails_it_not_operational,
];
