//! The unit-record drivers (`s390_cio::devices::unit_record`) on the
//! simulator's console, 1403 and 3505 models: the command each operation
//! sends, the EBCDIC text, the typed errors from sense, and status that
//! races the start.

mod common;

use common::*;
use s390_cio::devices::ebcdic;
use s390_cio::devices::unit_record::{
    CardReader, Console, Printer, RecordArea, RecordChannel, Spacing, UnitRecordError, CARD_BYTES,
    DATA_CAPACITY,
};
use s390_cio::driver::{IoError, Subchannel};
use s390_cio::structures::{DeviceStatus, SenseFlags, SubchannelId};
use s390_cio_sim::unit_record::{CardReader3505, Movement, PrintedLine, Printer1403};
use s390_cio_sim::{Console as ConsoleModel, Event, Fault, FaultPlan, Simulator, Trigger};

/// The record area every test uses.
const AREA: u32 = 0x3000;

fn channel<'a>(
    sim: &'a Simulator,
    id: SubchannelId,
    clock: &'a SimClock<'a>,
) -> RecordChannel<'a, Simulator, Simulator, SimClock<'a>> {
    RecordChannel::new(
        Subchannel::new(sim, sim, id, 1),
        sim,
        clock,
        RecordArea::new(AREA).unwrap(),
    )
}

fn ebcdic_of(text: &str) -> Vec<u8> {
    text.bytes().map(ebcdic::from_ascii).collect()
}

fn printed(sim: &Simulator, id: SubchannelId) -> Vec<PrintedLine> {
    sim.with_device(id, |p: &mut Printer1403| p.printed().to_vec())
        .unwrap()
}

#[test]
fn record_area_must_be_aligned_and_below_2_gib() {
    assert!(RecordArea::new(0x1004).is_none());
    assert!(RecordArea::new(0x8000_0000 - RecordArea::SIZE as u32 + 8).is_none());
    assert_eq!(
        RecordArea::new(0x1000).map(RecordArea::address),
        Some(0x1000)
    );
}

#[test]
fn console_writes_a_line_in_ebcdic() {
    let (sim, id) = sim_with(ConsoleModel::new());
    let clock = SimClock::new(&sim);
    let mut console = Console::new(channel(&sim, id, &clock));
    console.write_line(b"Hello, 3215!").unwrap();
    console.write_line(b"").unwrap();
    let lines = sim
        .with_device(id, |c: &mut ConsoleModel| c.lines().to_vec())
        .unwrap();
    assert_eq!(lines, vec![ebcdic_of("Hello, 3215!"), ebcdic_of(" ")]);
}

#[test]
fn console_refuses_a_line_longer_than_the_area_before_any_io() {
    let (sim, id) = sim_with(ConsoleModel::new());
    let clock = SimClock::new(&sim);
    let mut console = Console::new(channel(&sim, id, &clock));
    let long = vec![b'x'; DATA_CAPACITY + 1];
    assert_eq!(
        console.write_line(&long),
        Err(UnitRecordError::TooLong {
            len: DATA_CAPACITY + 1,
            capacity: DATA_CAPACITY
        })
    );
    assert!(
        sim.log().condition_codes("SSCH").is_empty(),
        "{}",
        sim.trace()
    );
}

#[test]
fn console_prompt_returns_the_reply_in_ascii_with_its_length() {
    let mut model = ConsoleModel::new();
    model.push_input(&ebcdic_of("yes, go on"));
    let (sim, id) = sim_with(model);
    let clock = SimClock::new(&sim);
    let mut console = Console::new(channel(&sim, id, &clock));
    let mut reply = [0u8; 40];
    assert_eq!(console.prompt(b"continue?", &mut reply), Ok(10));
    assert_eq!(&reply[..10], b"yes, go on");
    assert_eq!(&reply[10..], &[0; 30], "bytes past the reply were written");
}

#[test]
fn console_reply_longer_than_the_buffer_is_cut_to_it() {
    let mut model = ConsoleModel::new();
    model.push_input(&ebcdic_of("a long answer"));
    let (sim, id) = sim_with(model);
    let clock = SimClock::new(&sim);
    let mut console = Console::new(channel(&sim, id, &clock));
    let mut reply = [0u8; 6];
    assert_eq!(console.read_line(&mut reply), Ok(6));
    assert_eq!(&reply, b"a long");
}

#[test]
fn attention_racing_the_read_is_kept_and_the_read_still_gets_the_line() {
    let mut model = ConsoleModel::new();
    model.push_input(&ebcdic_of("typed early"));
    let (sim, id) = sim_with(model);
    sim.set_fault_plan(FaultPlan::seeded(1).inject(
        id,
        Trigger::Nth(1),
        Fault::DeferredCc1 {
            status: DeviceStatus::ATTENTION,
        },
    ));
    let clock = SimClock::new(&sim);
    let mut console = Console::new(channel(&sim, id, &clock));
    let mut reply = [0u8; 20];
    assert_eq!(console.read_line(&mut reply), Ok(11), "{}", sim.trace());
    assert_eq!(&reply[..11], b"typed early");
    let attention = console.take_unsolicited().expect("attention kept");
    assert!(attention.scsw.device_status().attention());
    assert!(console.take_unsolicited().is_none());
}

#[test]
fn printer_sends_the_command_of_each_spacing() {
    let (sim, id) = sim_with(Printer1403::new());
    let clock = SimClock::new(&sim);
    let mut printer = Printer::new(channel(&sim, id, &clock));
    printer.write_line(b"one", Spacing::Lines(1)).unwrap();
    printer.write_line(b"two", Spacing::Lines(3)).unwrap();
    printer.write_line(b"over", Spacing::None).unwrap();
    printer
        .write_line(b"total", Spacing::SkipToChannel(12))
        .unwrap();
    printer.space(Spacing::SkipToChannel(1)).unwrap();
    printer.space(Spacing::Lines(2)).unwrap();
    let commands: Vec<u8> = sim
        .log()
        .entries()
        .iter()
        .filter_map(|entry| match entry.event {
            Event::Command { command, .. } => Some(command),
            _ => None,
        })
        .collect();
    assert_eq!(commands, vec![0x09, 0x19, 0x01, 0xe1, 0x8b, 0x13]);
    let line = |text: &str, movement| PrintedLine {
        text: Some(ebcdic_of(text)),
        movement,
    };
    assert_eq!(
        printed(&sim, id),
        vec![
            line("one", Movement::Space(1)),
            line("two", Movement::Space(3)),
            line("over", Movement::None),
            line("total", Movement::Skip(12)),
            PrintedLine {
                text: None,
                movement: Movement::Skip(1)
            },
            PrintedLine {
                text: None,
                movement: Movement::Space(2)
            },
        ]
    );
}

#[test]
fn printer_refuses_spacing_it_does_not_have_without_io() {
    let (sim, id) = sim_with(Printer1403::new());
    let clock = SimClock::new(&sim);
    let mut printer = Printer::new(channel(&sim, id, &clock));
    for spacing in [
        Spacing::Lines(0),
        Spacing::Lines(4),
        Spacing::SkipToChannel(0),
        Spacing::SkipToChannel(13),
    ] {
        assert_eq!(
            printer.write_line(b"x", spacing),
            Err(UnitRecordError::InvalidSpacing(spacing))
        );
        assert_eq!(
            printer.space(spacing),
            Err(UnitRecordError::InvalidSpacing(spacing))
        );
    }
    assert!(
        sim.log().condition_codes("SSCH").is_empty(),
        "{}",
        sim.trace()
    );
}

#[test]
fn stopped_printer_is_intervention_required_until_started() {
    let (sim, id) = sim_with(Printer1403::new());
    let clock = SimClock::new(&sim);
    let mut printer = Printer::new(channel(&sim, id, &clock));
    sim.with_device(id, |p: &mut Printer1403| p.set_stopped(true));
    assert_eq!(
        printer.write_line(b"lost?", Spacing::Lines(1)),
        Err(UnitRecordError::InterventionRequired)
    );
    sim.with_device(id, |p: &mut Printer1403| p.set_stopped(false));
    printer.write_line(b"printed", Spacing::Lines(1)).unwrap();
    assert_eq!(printed(&sim, id).len(), 1, "the refused line was printed");
}

#[test]
fn sense_byte_0_decodes_to_typed_errors() {
    for (sense, expected) in [
        (SenseFlags::COMMAND_REJECT, UnitRecordError::CommandReject),
        (SenseFlags::EQUIPMENT_CHECK, UnitRecordError::EquipmentCheck),
        (SenseFlags::DATA_CHECK, UnitRecordError::DataCheck),
        (
            SenseFlags::INTERVENTION_REQUIRED.union(SenseFlags::EQUIPMENT_CHECK),
            UnitRecordError::InterventionRequired,
        ),
    ] {
        let (sim, id) = sim_with(Printer1403::new());
        sim.set_fault_plan(FaultPlan::seeded(2).inject(
            id,
            Trigger::Nth(1),
            Fault::UnitCheck {
                sense: vec![sense.bits()],
            },
        ));
        let clock = SimClock::new(&sim);
        let mut printer = Printer::new(channel(&sim, id, &clock));
        assert_eq!(
            printer.write_line(b"x", Spacing::Lines(1)),
            Err(expected),
            "{sense:?}"
        );
    }
}

#[test]
fn unit_check_with_sense_naming_no_known_condition_keeps_the_driver_error() {
    let (sim, id) = sim_with(Printer1403::new());
    sim.set_fault_plan(FaultPlan::seeded(3).inject(
        id,
        Trigger::Nth(1),
        Fault::UnitCheck {
            sense: vec![SenseFlags::OVERRUN.bits()],
        },
    ));
    let clock = SimClock::new(&sim);
    let mut printer = Printer::new(channel(&sim, id, &clock));
    let error = printer.write_line(b"x", Spacing::Lines(1)).unwrap_err();
    match error {
        UnitRecordError::Io(IoError::UnitCheck {
            sense: Some(sense), ..
        }) => assert_eq!(sense.bytes()[0], SenseFlags::OVERRUN.bits()),
        other => panic!("{other:?}"),
    }
}

#[test]
fn reader_reads_the_deck_then_end_of_file() {
    let deck = [ebcdic_of("CARD ONE"), ebcdic_of("CARD TWO")];
    let (sim, id) = sim_with(CardReader3505::new(deck.iter().map(Vec::as_slice), true));
    let clock = SimClock::new(&sim);
    let mut reader = CardReader::new(channel(&sim, id, &clock));
    for expected in ["CARD ONE", "CARD TWO"] {
        let mut card = [0u8; CARD_BYTES];
        assert_eq!(reader.read_card(&mut card), Ok(Some(CARD_BYTES)));
        let mut padded = ebcdic_of(expected);
        padded.resize(CARD_BYTES, 0x40);
        assert_eq!(card.to_vec(), padded);
    }
    let mut card = [0xAAu8; CARD_BYTES];
    assert_eq!(reader.read_card(&mut card), Ok(None));
    assert_eq!(card, [0xAA; CARD_BYTES], "end of file wrote the card");
    assert_eq!(reader.read_card(&mut card), Ok(None), "end of file stays");
}

#[test]
fn empty_hopper_without_end_of_file_is_intervention_required() {
    let (sim, id) = sim_with(CardReader3505::new([], false));
    let clock = SimClock::new(&sim);
    let mut reader = CardReader::new(channel(&sim, id, &clock));
    let mut card = [0u8; CARD_BYTES];
    assert_eq!(
        reader.read_card(&mut card),
        Err(UnitRecordError::InterventionRequired)
    );
}

#[test]
fn reader_reports_an_interface_control_check_instead_of_reading_again() {
    let deck = [ebcdic_of("ONLY CARD")];
    let (sim, id) = sim_with(CardReader3505::new(deck.iter().map(Vec::as_slice), true));
    sim.set_fault_plan(FaultPlan::seeded(4).inject(
        id,
        Trigger::Nth(1),
        Fault::InterfaceControlCheck,
    ));
    let clock = SimClock::new(&sim);
    let mut reader = CardReader::new(channel(&sim, id, &clock));
    let mut card = [0u8; CARD_BYTES];
    match reader.read_card(&mut card) {
        Err(UnitRecordError::Io(IoError::Channel { scsw })) => {
            assert!(scsw.subchannel_status().interface_control_check())
        }
        other => panic!("{other:?}\n{}", sim.trace()),
    }
    assert_eq!(sim.log().condition_codes("SSCH").len(), 1, "it was retried");
    // The caller decides; here the model had not fed the card yet.
    assert_eq!(reader.read_card(&mut card), Ok(Some(CARD_BYTES)));
    assert_eq!(&card[..9], ebcdic_of("ONLY CARD").as_slice());
}

#[test]
fn printer_reports_a_channel_control_check_instead_of_printing_again() {
    let (sim, id) = sim_with(Printer1403::new());
    sim.set_fault_plan(FaultPlan::seeded(5).inject(
        id,
        Trigger::Nth(1),
        Fault::ChannelControlCheck,
    ));
    let clock = SimClock::new(&sim);
    let mut printer = Printer::new(channel(&sim, id, &clock));
    assert!(matches!(
        printer.write_line(b"ONCE", Spacing::Lines(1)),
        Err(UnitRecordError::Io(IoError::Channel { .. }))
    ));
    assert_eq!(sim.log().condition_codes("SSCH").len(), 1, "it was retried");
}

#[test]
fn console_write_is_retried_after_an_interface_control_check() {
    let (sim, id) = sim_with(ConsoleModel::new());
    sim.set_fault_plan(FaultPlan::seeded(6).inject(
        id,
        Trigger::Nth(1),
        Fault::InterfaceControlCheck,
    ));
    let clock = SimClock::new(&sim);
    let mut console = Console::new(channel(&sim, id, &clock));
    console.write_line(b"AGAIN").unwrap();
    assert_eq!(
        sim.log().condition_codes("SSCH").len(),
        2,
        "{}",
        sim.trace()
    );
}
