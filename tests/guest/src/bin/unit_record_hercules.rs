//! The unit-record drivers on Hercules' real device emulations: the 3215
//! console (a line written, the operator's reply to a prompt read back),
//! the 1403 printer (lines with spacing and skips; xtask compares the
//! printer file, and a stopped printer gives intervention required) and
//! the 3505 reader (the deck xtask loads, read to end of file).
//!
//! The operator's actions come from hao rules in `xtask/src/hercules.rs`
//! that react to `xtask-herc:` lines this program prints.
#![no_std]
#![deny(clippy::undocumented_unsafe_blocks)]
#![no_main]

use guest_tests::subchannel_of;
use s390_cio::css::Cpu;
use s390_cio::devices::ebcdic;
use s390_cio::devices::unit_record::{
    CardReader, Console, Printer, RecordArea, RecordChannel, Spacing, UnitRecordError, CARD_BYTES,
};
use s390_cio::driver::{Clock, Subchannel, TodClock};
use s390_cio::memory::RealMemory;
use s390_cio::structures::SubchannelId;
use s390_cio_boot::testing::{TestFailure, TestResult};
use s390_cio_boot::{check, check_eq, guest_tests, println};

const CONSOLE: u16 = 0x0009;
const READER: u16 = 0x000c;
const PRINTER: u16 = 0x000e;

/// The reply the hao rule types at the console (`xtask/src/hercules.rs`).
const OPERATOR_REPLY: &[u8] = b"S390-CIO OPERATOR REPLY";
/// The deck xtask loads into the 3505 (`xtask/src/hercules.rs`).
const DECK: [&str; 3] = [
    "S390-CIO READER CARD 1",
    "S390-CIO READER CARD 2 0123456789",
    "S390-CIO READER CARD 3 LAST",
];

// SAFETY: the drivers only touch the record areas the tests give them,
// which live on the test's stack below 2 GiB and are used by nothing else.
static MEMORY: RealMemory = unsafe { RealMemory::new() };

/// A record area's storage, doubleword aligned.
#[repr(C, align(8))]
struct AreaStorage([u8; RecordArea::SIZE]);

impl AreaStorage {
    fn new() -> Self {
        AreaStorage([0; RecordArea::SIZE])
    }

    /// The record channel of subchannel `id` over this storage; requests
    /// are tagged from `first_tag` on.
    fn channel(
        &self,
        id: SubchannelId,
        first_tag: u32,
    ) -> Result<RecordChannel<'static, Cpu, RealMemory, TodClock>, TestFailure> {
        let area = RecordArea::new(self.0.as_ptr() as u32)
            .ok_or_else(|| TestFailure::new(format_args!("record area not addressable")))?;
        Ok(RecordChannel::new(
            Subchannel::new(&Cpu, &MEMORY, id, first_tag),
            &MEMORY,
            &TodClock,
            area,
        ))
    }
}

/// A console line written by the driver (the harness's own lines go the
/// same way), then one with every printable character the 3215 path keeps.
fn console_writes_lines() -> TestResult {
    let id = subchannel_of(CONSOLE)?;
    let storage = AreaStorage::new();
    let mut console = Console::new(storage.channel(id, 0x9000)?);
    check_eq!(
        console.write_line(b"S390-CIO CONSOLE LINE 1"),
        Ok(()),
        "write"
    );
    check_eq!(console.write_line(b""), Ok(()), "empty line");
    let long = [b'X'; 153];
    check_eq!(
        console.write_line(&long),
        Err(UnitRecordError::TooLong {
            len: 153,
            capacity: 152
        }),
        "over-long line"
    );
    Ok(())
}

/// The guest prompts; the operator (a hao rule) types a reply, which the
/// READ INQUIRY returns, converted to ASCII. Whether the reply comes
/// before the read starts (attention, kept by the device) or while it
/// waits, the driver returns it.
fn console_reads_the_reply_to_a_prompt() -> TestResult {
    let id = subchannel_of(CONSOLE)?;
    let storage = AreaStorage::new();
    let mut console = Console::new(storage.channel(id, 0x9100)?);
    let mut reply = [0u8; 80];
    let len = console.prompt(b"xtask-herc: reply 0009", &mut reply);
    check_eq!(len, Ok(OPERATOR_REPLY.len()), "reply length");
    check!(
        &reply[..OPERATOR_REPLY.len()] == OPERATOR_REPLY,
        "reply {:?}",
        core::str::from_utf8(&reply[..OPERATOR_REPLY.len()])
    );
    Ok(())
}

/// Lines with each kind of carriage control; xtask compares the printer
/// file with what these movements print (`xtask/src/programs.rs`).
fn printer_prints_lines_with_carriage_control() -> TestResult {
    let id = subchannel_of(PRINTER)?;
    let storage = AreaStorage::new();
    let mut printer = Printer::new(storage.channel(id, 0x9200)?);
    check_eq!(
        printer.write_line(b"S390-CIO PRINTER LINE 1", Spacing::Lines(1)),
        Ok(()),
        "space 1"
    );
    check_eq!(
        printer.write_line(b"S390-CIO PRINTER LINE 2", Spacing::Lines(2)),
        Ok(()),
        "space 2"
    );
    check_eq!(printer.space(Spacing::Lines(1)), Ok(()), "space immediate");
    check_eq!(
        printer.write_line(b"S390-CIO PRINTER LINE 3", Spacing::SkipToChannel(1)),
        Ok(()),
        "skip to channel 1"
    );
    check_eq!(
        printer.write_line(b"S390-CIO PRINTER PAGE 2", Spacing::Lines(1)),
        Ok(()),
        "page 2"
    );
    check_eq!(
        printer.write_line(b"X", Spacing::Lines(4)),
        Err(UnitRecordError::InvalidSpacing(Spacing::Lines(4))),
        "space 4"
    );
    check_eq!(
        printer.space(Spacing::SkipToChannel(13)),
        Err(UnitRecordError::InvalidSpacing(Spacing::SkipToChannel(13))),
        "channel 13"
    );
    Ok(())
}

/// How long the printer is left idle after each request to the operator
/// before it is tried.
const REQUEST_SETTLE_US: u64 = 100_000;
/// How often a request is repeated: Hercules refuses `start` of a printer
/// it still counts as busy or interrupt pending, and forgets it.
const REQUEST_ATTEMPTS: u32 = 10;

/// Prints the operator `request`, leaves the printer idle for
/// [`REQUEST_SETTLE_US`], then tries a printer no-operation (no paper
/// movement); repeats until its result satisfies `done`, at most
/// [`REQUEST_ATTEMPTS`] times. Returns the last result.
fn printer_after_request(
    printer: &mut Printer<'_, Cpu, RealMemory, TodClock>,
    request: &str,
    done: impl Fn(&Result<(), UnitRecordError>) -> bool,
) -> Result<(), UnitRecordError> {
    let mut result = printer.space(Spacing::None);
    for _ in 0..REQUEST_ATTEMPTS {
        if done(&result) {
            break;
        }
        println!("{}", request);
        let settled = TodClock.now_us() + REQUEST_SETTLE_US;
        while TodClock.now_us() < settled {}
        result = printer.space(Spacing::None);
    }
    result
}

/// The operator stops the printer (panel `stop 000E`): commands end with
/// unit check and sense "intervention required", decoded to its typed
/// error; after `start 000E` the printer works again. (Hercules refuses
/// `start` while the printer is busy or status pending and forgets it, so
/// the test repeats it.)
fn stopped_printer_is_intervention_required() -> TestResult {
    let id = subchannel_of(PRINTER)?;
    let storage = AreaStorage::new();
    let mut printer = Printer::new(storage.channel(id, 0x9300)?);
    let stopped = printer_after_request(&mut printer, "xtask-herc: stop 000E", Result::is_err);
    check_eq!(
        stopped,
        Err(UnitRecordError::InterventionRequired),
        "stopped printer"
    );
    let started = printer_after_request(&mut printer, "xtask-herc: start 000E", Result::is_ok);
    check_eq!(started, Ok(()), "restarted printer");
    Ok(())
}

/// Every card of the deck in order, blank-padded to 80 columns, then end
/// of file; a read after the end stays at end of file.
fn reader_reads_the_deck_to_end_of_file() -> TestResult {
    let id = subchannel_of(READER)?;
    let storage = AreaStorage::new();
    let mut reader = CardReader::new(storage.channel(id, 0x9400)?);
    for (number, text) in DECK.iter().enumerate() {
        let mut card = [0u8; CARD_BYTES];
        check_eq!(
            reader.read_card(&mut card),
            Ok(Some(CARD_BYTES)),
            "card {}",
            number + 1
        );
        for (column, &byte) in card.iter().enumerate() {
            let expected = text.as_bytes().get(column).copied().unwrap_or(b' ');
            check_eq!(
                ebcdic::to_ascii(byte),
                expected,
                "card {} column {}",
                number + 1,
                column + 1
            );
        }
    }
    let mut card = [0u8; CARD_BYTES];
    check_eq!(reader.read_card(&mut card), Ok(None), "end of file");
    Ok(())
}

guest_tests![
    console_writes_lines,
    console_reads_the_reply_to_a_prompt,
    printer_prints_lines_with_carriage_control,
    stopped_printer_is_intervention_required,
    reader_reads_the_deck_to_end_of_file,
];
