//! Channel-subsystem guest tests on Hercules: the configuration in
//! `tests/hercules/hercules.cnf.in` defines a 3215 console at 0009, a 3505
//! reader at 000C (deck made by xtask), a 1403 printer at 000E (its output is
//! checked by xtask) and 3390 DASDs at 0120, 0121, 0122 and 0123, in that
//! subchannel order.
#![no_std]
#![deny(clippy::undocumented_unsafe_blocks)]
#![no_main]

use guest_tests::{nop_program, subchannel_of, wait_for_status, OneCcw};
use s390_cio::css::{ChannelSubsystem, Cpu};
use s390_cio::devices::ebcdic;
use s390_cio::discovery;
use s390_cio::driver;
use s390_cio::instructions::{
    ClearResult, HaltResult, StartResult, StoreResult, TestSubchannelResult,
};
use s390_cio::structures::{CcwFlags, Irb, Schib, SubchannelId, SubchannelType};
use s390_cio_boot::testing::TestResult;
use s390_cio_boot::{check, check_eq, guest_tests};

const CONSOLE: u16 = 0x0009;
const READER: u16 = 0x000c;
const PRINTER: u16 = 0x000e;
const DASD: u16 = 0x0120;
const SECOND_CONSOLE: u16 = 0x001f;
/// Every device of `tests/hercules/hercules.cnf.in`, in definition order
/// (= subchannel number order): the ECKD driver's three volumes come
/// after 0120.
const DEVICES: [u16; 8] = [
    CONSOLE,
    READER,
    PRINTER,
    DASD,
    0x0121,
    0x0122,
    0x0123,
    SECOND_CONSOLE,
];

/// STSCH finds every configured device, in definition order, with the PMCW
/// Hercules sets (one path, 0x80).
fn stsch_finds_configured_devices() -> TestResult {
    for (number, devno) in DEVICES.into_iter().enumerate() {
        let found = discovery::find_device(&Cpu, 0, devno);
        check!(found.is_some(), "device {:04x} not found", devno);
        let (id, schib) = found.unwrap();
        check_eq!(
            usize::from(id.number()),
            number,
            "subchannel number of {:04x}",
            devno
        );
        check_eq!(schib.pmcw.subchannel_type(), SubchannelType::Io, "type");
        check_eq!(schib.pmcw.pim(), 0x80, "PIM of {:04x}", devno);
        check_eq!(schib.pmcw.device_number(), devno, "device number");
    }
    Ok(())
}

/// SENSE ID gives each device's control-unit and device type.
fn sense_id_identifies_devices() -> TestResult {
    for (devno, cu, cu_model, dev, dev_model) in [
        (CONSOLE, 0x3215, 0x00, 0x3215, 0x00),
        (READER, 0x2821, 0x01, 0x3505, 0x01),
        (PRINTER, 0x2821, 0x01, 0x1403, 0x01),
        (DASD, 0x3990, 0xc2, 0x3390, 0x02),
        (SECOND_CONSOLE, 0x3215, 0x00, 0x3215, 0x00),
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
        check_eq!(identity.control_unit_type, cu, "CU type of {:04x}", devno);
        check_eq!(
            identity.control_unit_model,
            cu_model,
            "CU model of {:04x}",
            devno
        );
        check_eq!(
            identity.device_type,
            Some(dev),
            "device type of {:04x}",
            devno
        );
        check_eq!(
            identity.device_model,
            Some(dev_model),
            "device model of {:04x}",
            devno
        );
    }
    Ok(())
}

/// SSCH on a subchannel that was never enabled: cc 3 (Hercules starts with
/// every subchannel disabled when there is no IPL).
fn ssch_cc3_on_disabled_subchannel() -> TestResult {
    let first_unused = SubchannelId::new(0, DEVICES.len() as u16).unwrap();
    let mut schib = Schib::default();
    check_eq!(
        Cpu.store_subchannel(first_unused, &mut schib),
        StoreResult::NotOperational,
        "STSCH past the last device"
    );
    let (id, schib) = discovery::find_device(&Cpu, 0, DASD).unwrap();
    if schib.pmcw.is_enabled() {
        let mut disabled = schib;
        disabled.pmcw.set_enabled(false);
        Cpu.modify_subchannel(id, &disabled);
    }
    let program = nop_program();
    // SAFETY: a not-operational start runs nothing; `program` outlives it.
    let cc = unsafe { Cpu.start_subchannel(id, &program.orb(1)) };
    check_eq!(cc, StartResult::NotOperational, "SSCH on disabled {}", id);
    Ok(())
}

/// TSCH with nothing pending: cc 1; HSCH and CSCH on an idle subchannel
/// initiate their function and end with its status.
fn tsch_hsch_csch_on_idle_subchannel() -> TestResult {
    let id = subchannel_of(DASD)?;
    let mut irb = Irb::default();
    check_eq!(
        Cpu.test_subchannel(id, &mut irb),
        TestSubchannelResult::NoStatusPending,
        "TSCH"
    );
    check_eq!(Cpu.halt_subchannel(id), HaltResult::Initiated, "HSCH");
    let irb = wait_for_status(id)?;
    check!(
        irb.scsw.function_control().halt(),
        "halt function in {:?}",
        irb.scsw
    );
    check_eq!(Cpu.clear_subchannel(id), ClearResult::Initiated, "CSCH");
    let irb = wait_for_status(id)?;
    check!(
        irb.scsw.function_control().clear(),
        "clear function in {:?}",
        irb.scsw
    );
    Ok(())
}

/// Unit-record buffers: one CCW and up to 132 bytes of EBCDIC data.
type UnitRecordProgram = OneCcw<132>;
/// The EBCDIC blank unit-record data is padded with.
const EBCDIC_BLANK: u8 = 0x40;

/// The line xtask expects on the 1403 (`xtask/src/programs.rs`).
const PRINTER_LINE: &str = "S390-CIO PRINTER TEST LINE";
/// The first card of the deck xtask puts in the 3505.
const FIRST_CARD: &str = "S390-CIO READER CARD 1";

/// WRITE (0x09, space after print) of one line to the 1403; xtask compares
/// the printer file with it.
fn printer_prints_a_line() -> TestResult {
    let id = subchannel_of(PRINTER)?;
    let mut program =
        UnitRecordProgram::new(0x09, CcwFlags::SLI, PRINTER_LINE.len() as u16, EBCDIC_BLANK);
    for (to, from) in program.data.iter_mut().zip(PRINTER_LINE.bytes()) {
        *to = ebcdic::from_ascii(from);
    }
    // SAFETY: `program` lives until `run_once` returns.
    let result = unsafe { driver::run_once(&Cpu, id, program.orb()) };
    check!(result.is_ok(), "printer write: {:?}", result);
    Ok(())
}

/// READ (0x02) of one 80-byte card from the 3505.
fn reader_reads_first_card() -> TestResult {
    let id = subchannel_of(READER)?;
    let mut program = UnitRecordProgram::new(0x02, CcwFlags::SLI, 80, EBCDIC_BLANK);
    // SAFETY: `program` lives until `run_once` returns.
    let result = unsafe { driver::run_once(&Cpu, id, program.orb()) };
    check!(result.is_ok(), "card read: {:?}", result);
    for (i, expected) in FIRST_CARD.bytes().enumerate() {
        check_eq!(
            program.data[i],
            ebcdic::from_ascii(expected),
            "card column {}",
            i + 1
        );
    }
    check!(
        program.data[FIRST_CARD.len()..80]
            .iter()
            .all(|&b| b == 0x40),
        "card not blank-padded"
    );
    Ok(())
}

guest_tests![
    stsch_finds_configured_devices,
    sense_id_identifies_devices,
    ssch_cc3_on_disabled_subchannel,
    tsch_hsch_csch_on_idle_subchannel,
    printer_prints_a_line,
    reader_reads_first_card,
];
