//! Channel-subsystem guest tests on QEMU: the machine `xtask` starts has
//! virtio-blk disks at device numbers 0100 and 0101 and a virtio-net card at
//! 0200 (see `xtask/src/programs.rs`).
#![no_std]
#![deny(clippy::undocumented_unsafe_blocks)]
#![no_main]

use core::sync::atomic::{AtomicU32, Ordering};
use guest_tests::{nop_program, subchannel_of, wait_for_status};
use s390_cio::css::{ChannelSubsystem, Cpu};
use s390_cio::discovery;
use s390_cio::instructions::{
    ClearResult, HaltResult, StartResult, StoreResult, TestSubchannelResult,
};
use s390_cio::structures::{Irb, Schib, SubchannelId, SubchannelType};
use s390_cio_boot::interrupts::{self, InterruptClasses, IoInterruption};
use s390_cio_boot::testing::TestResult;
use s390_cio_boot::{check, check_eq, guest_tests};

const BLK: u16 = 0x0100;
const BLK2: u16 = 0x0101;
const NET: u16 = 0x0200;
/// virtio-ccw's control-unit type; the model is the virtio device id.
const VIRTIO_CU_TYPE: u16 = 0x3832;
const VIRTIO_ID_NET: u8 = 1;
const VIRTIO_ID_BLOCK: u8 = 2;

/// STSCH finds the three devices by device number, with the PMCW fields QEMU
/// sets for a virtio-ccw subchannel.
fn stsch_finds_chosen_devices() -> TestResult {
    for devno in [BLK, BLK2, NET] {
        let found = discovery::find_device(&Cpu, 0, devno);
        check!(found.is_some(), "device {:04x} not found", devno);
        let (_, schib) = found.unwrap();
        check!(
            schib.pmcw.is_device_number_valid(),
            "V bit of {:04x}",
            devno
        );
        check_eq!(schib.pmcw.subchannel_type(), SubchannelType::Io, "type");
        check!(schib.pmcw.pim() != 0, "PIM of {:04x} is 0", devno);
        check_eq!(schib.pmcw.device_number(), devno, "device number");
    }
    Ok(())
}

/// SENSE ID says 3832 with the virtio device id as model.
fn sense_id_identifies_virtio_devices() -> TestResult {
    for (devno, model) in [
        (BLK, VIRTIO_ID_BLOCK),
        (BLK2, VIRTIO_ID_BLOCK),
        (NET, VIRTIO_ID_NET),
    ] {
        let id = subchannel_of(devno)?;
        let identity = discovery::sense_id(&Cpu, id);
        check!(
            identity.is_ok(),
            "SENSE ID of {:04x}: {:?}",
            devno,
            identity
        );
        let identity = identity.unwrap();
        check_eq!(
            identity.control_unit_type,
            VIRTIO_CU_TYPE,
            "CU type of {:04x}",
            devno
        );
        check_eq!(
            identity.control_unit_model,
            model,
            "CU model of {:04x}",
            devno
        );
    }
    Ok(())
}

/// STSCH of a subchannel that does not exist: cc 3, SCHIB untouched.
fn stsch_cc3_for_missing_subchannel() -> TestResult {
    let id = SubchannelId::new(0, 0xffff).unwrap();
    let mut schib = Schib::default();
    check_eq!(
        Cpu.store_subchannel(id, &mut schib),
        StoreResult::NotOperational,
        "cc"
    );
    check!(schib == Schib::default(), "SCHIB was written");
    Ok(())
}

/// TSCH with nothing pending: cc 1.
fn tsch_cc1_when_nothing_pending() -> TestResult {
    let id = subchannel_of(BLK)?;
    let mut irb = Irb::default();
    check_eq!(
        Cpu.test_subchannel(id, &mut irb),
        TestSubchannelResult::NoStatusPending,
        "cc"
    );
    Ok(())
}

/// SSCH while the last start's status is still pending: cc 1; TSCH then
/// collects it and a new SSCH is accepted.
fn ssch_cc1_while_status_pending() -> TestResult {
    let id = subchannel_of(BLK)?;
    let program = nop_program();
    let orb = program.orb(0x1111);
    // SAFETY: `program` lives until the end of this function, after TSCH has
    // collected every start's final status.
    let cc = unsafe { Cpu.start_subchannel(id, &orb) };
    check_eq!(cc, StartResult::Started, "first SSCH");
    let mut schib = Schib::default();
    for _ in 0..1000 {
        Cpu.store_subchannel(id, &mut schib);
        if schib.scsw.is_status_pending() {
            break;
        }
    }
    check!(schib.scsw.is_status_pending(), "NOP never completed");
    // SAFETY: as above.
    let cc = unsafe { Cpu.start_subchannel(id, &orb) };
    check_eq!(cc, StartResult::StatusPending, "second SSCH");
    let irb = wait_for_status(id)?;
    check!(irb.scsw.device_status().channel_end(), "channel end");
    check!(irb.scsw.device_status().device_end(), "device end");
    // SAFETY: as above.
    let cc = unsafe { Cpu.start_subchannel(id, &orb) };
    check_eq!(cc, StartResult::Started, "third SSCH");
    wait_for_status(id)?;
    Ok(())
}

/// HSCH on an idle subchannel: cc 0, then status pending with the halt
/// function.
fn hsch_on_idle_subchannel() -> TestResult {
    let id = subchannel_of(BLK)?;
    check_eq!(Cpu.halt_subchannel(id), HaltResult::Initiated, "cc");
    let irb = wait_for_status(id)?;
    check!(
        irb.scsw.function_control().halt(),
        "halt function in {:?}",
        irb.scsw
    );
    Ok(())
}

/// CSCH on an idle subchannel: cc 0, then status pending with the clear
/// function.
fn csch_on_idle_subchannel() -> TestResult {
    let id = subchannel_of(BLK)?;
    check_eq!(Cpu.clear_subchannel(id), ClearResult::Initiated, "cc");
    let irb = wait_for_status(id)?;
    check!(
        irb.scsw.function_control().clear(),
        "clear function in {:?}",
        irb.scsw
    );
    Ok(())
}

/// Clears every I/O interruption pending for the test ISC; returns how many.
fn drain_pending_interruptions() -> usize {
    interrupts::enable_isc(guest_tests::ISC);
    (0..64)
        .take_while(|_| Cpu.test_pending_interruption().is_some())
        .count()
}

/// TPI with no interruption pending stores nothing and gives cc 0.
fn tpi_with_nothing_pending() -> TestResult {
    let drained = drain_pending_interruptions();
    check!(drained < 64, "interruptions keep coming");
    let pending = Cpu.test_pending_interruption();
    check!(
        pending.is_none(),
        "an interruption was pending: {:x?}",
        pending
    );
    Ok(())
}

/// QEMU quirk (TCG, 7.2): TSCH that clears status pending does not withdraw
/// the subchannel's pending I/O interruption, as the PoP says it must
/// ("TEST SUBCHANNEL": cc 0 clears the interruption condition); TPI still
/// finds it afterwards. Drivers must therefore treat an interruption whose
/// TSCH gives cc 1 as spurious. If QEMU is fixed, this test fails and the
/// quirk can go from the notes.
fn qemu_quirk_tsch_leaves_interruption_pending() -> TestResult {
    drain_pending_interruptions();
    let id = subchannel_of(BLK2)?;
    let program = nop_program();
    // SAFETY: `program` outlives the start; TSCH below collects its status.
    let cc = unsafe { Cpu.start_subchannel(id, &program.orb(0x5157)) };
    check_eq!(cc, StartResult::Started, "SSCH");
    let irb = wait_for_status(id)?;
    check!(irb.scsw.is_primary(), "primary status");
    let stale = Cpu.test_pending_interruption();
    check!(
        stale.is_some(),
        "QEMU now withdraws the interruption (PoP behaviour)"
    );
    check_eq!(
        stale.unwrap().interruption_parameter,
        0x5157,
        "stale interruption's parameter"
    );
    let mut irb = Irb::default();
    check_eq!(
        Cpu.test_subchannel(id, &mut irb),
        TestSubchannelResult::NoStatusPending,
        "TSCH after the stale interruption"
    );
    Ok(())
}

/// A NOP's completion is a pending I/O interruption that TPI clears, with
/// our subchannel id and interruption parameter.
fn tpi_clears_a_pending_interruption() -> TestResult {
    drain_pending_interruptions();
    let id = subchannel_of(BLK2)?;
    let program = nop_program();
    // SAFETY: `program` outlives the start; TSCH below collects its status.
    let cc = unsafe { Cpu.start_subchannel(id, &program.orb(0xc0ffee)) };
    check_eq!(cc, StartResult::Started, "SSCH");
    let mut code = None;
    for _ in 0..1000 {
        code = Cpu.test_pending_interruption();
        if code.is_some() {
            break;
        }
    }
    check!(code.is_some(), "no interruption pending");
    let code = code.unwrap();
    check_eq!(code.subchannel_id, id.raw(), "subchannel id");
    check_eq!(
        code.interruption_parameter,
        0xc0ffee,
        "interruption parameter"
    );
    let irb = wait_for_status(id)?;
    check!(irb.scsw.is_primary(), "primary status");
    Ok(())
}

static LAST_IO_PARAMETER: AtomicU32 = AtomicU32::new(0);

fn record_io_interruption(interruption: IoInterruption) {
    LAST_IO_PARAMETER.store(interruption.interruption_parameter, Ordering::SeqCst);
}

/// The I/O new PSW: an enabled wait ends with the NOP's I/O interruption,
/// which the runtime hands to the installed handler with the lowcore's
/// interruption parameter.
fn io_interruption_ends_enabled_wait() -> TestResult {
    drain_pending_interruptions();
    interrupts::set_io_handler(record_io_interruption);
    let id = subchannel_of(BLK2)?;
    let before = interrupts::io_interruption_count();
    let program = nop_program();
    // SAFETY: `program` outlives the start; TSCH below collects its status.
    let cc = unsafe { Cpu.start_subchannel(id, &program.orb(0x42)) };
    check_eq!(cc, StartResult::Started, "SSCH");
    interrupts::wait_for_interrupt(InterruptClasses {
        io: true,
        external: false,
    });
    check_eq!(
        interrupts::io_interruption_count(),
        before + 1,
        "interruptions taken"
    );
    check_eq!(
        LAST_IO_PARAMETER.load(Ordering::SeqCst),
        0x42,
        "interruption parameter"
    );
    let irb = wait_for_status(id)?;
    check!(irb.scsw.is_primary(), "primary status");
    Ok(())
}

guest_tests![
    stsch_finds_chosen_devices,
    sense_id_identifies_virtio_devices,
    stsch_cc3_for_missing_subchannel,
    tsch_cc1_when_nothing_pending,
    ssch_cc1_while_status_pending,
    hsch_on_idle_subchannel,
    csch_on_idle_subchannel,
    tpi_with_nothing_pending,
    qemu_quirk_tsch_leaves_interruption_pending,
    tpi_clears_a_pending_interruption,
    io_interruption_ends_enabled_wait,
];
