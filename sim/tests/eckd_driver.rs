//! The ECKD driver (`s390_cio::devices::eckd`) on the simulator's 3390
//! model: geometry, records and blocks across track and cylinder
//! boundaries on every data path, each error the model can provoke as its
//! typed error, recovery of retryable unit checks (the model's and the
//! fault plan's), and the VTOC reader.

mod common;

use common::*;
use s390_cio::devices::eckd::vtoc::{dataset_name, VtocError, DSCB_LEN};
use s390_cio::devices::eckd::{
    BlockLayout, Buffer, Condition, CountField, DataPath, EckdDasd, EckdError, Extent, ProgramArea,
    RecordId, Records, Track, MAX_RECORDS,
};
use s390_cio::driver::{Clock, IoError, RetryCause, SenseArea, Subchannel};
use s390_cio::structures::SubchannelId;
use s390_cio_sim::eckd::Eckd3390;
use s390_cio_sim::{Fault, FaultPlan, Simulator, Trigger};
use std::cell::Cell;

const CYLINDERS: u16 = 10;
const BLOCK: u16 = 4096;
/// The driver's program area.
const AREA: u32 = 0x10000;
/// The subchannel driver's sense area.
const SENSE: u32 = 0x0F00;
/// Data buffers: 1 MiB up, at an address that is not page aligned so that
/// IDAW and MIDAW lists split every record.
const DATA_ADDRESS: u64 = 0x10_0123;

/// Simulated time: each reading steps the simulator once.
struct SimClock<'a> {
    sim: &'a Simulator,
    now: Cell<u64>,
}

impl Clock for SimClock<'_> {
    fn now_us(&self) -> u64 {
        self.sim.step();
        self.now.set(self.now.get() + 1);
        self.now.get()
    }
}

fn clock(sim: &Simulator) -> SimClock<'_> {
    SimClock {
        sim,
        now: Cell::new(0),
    }
}

/// Data that names its block.
fn pattern(block: u32) -> Vec<u8> {
    (0..u32::from(BLOCK))
        .map(|i| (block.wrapping_mul(31) ^ i.wrapping_mul(7)) as u8)
        .collect()
}

/// A 10-cylinder volume of 12 × 4096 on every track; block n (track n / 12,
/// record n % 12 + 1) holds `pattern(n)`.
fn volume() -> Eckd3390 {
    let mut v = Eckd3390::formatted(CYLINDERS, 12, BLOCK).unwrap();
    for block in 0..(3 * 15 * 12) {
        let track = block / 12;
        v.write_data(
            (track / 15) as u16,
            (track % 15) as u16,
            (block % 12 + 1) as u8,
            &pattern(block),
        )
        .unwrap();
    }
    v
}

fn sim(volume: Eckd3390) -> (Simulator, SubchannelId) {
    sim_with(volume)
}

type Dasd<'a> = EckdDasd<'a, Simulator, Simulator, SimClock<'a>>;

fn dasd<'a>(
    sim: &'a Simulator,
    clock: &'a SimClock<'a>,
    id: SubchannelId,
    area_size: u32,
) -> Result<Dasd<'a>, EckdError> {
    let subchannel =
        Subchannel::new(sim, sim, id, 0x1000).with_sense_area(SenseArea::new(SENSE).unwrap());
    EckdDasd::new(
        subchannel,
        sim,
        clock,
        ProgramArea::new(AREA, area_size).unwrap(),
    )
}

fn big_area() -> u32 {
    ProgramArea::size_for(MAX_RECORDS, DataPath::Midaw)
}

fn read_back(sim: &Simulator, address: u64, len: usize) -> Vec<u8> {
    let mut out = vec![0u8; len];
    sim.memory().read(address, &mut out).unwrap();
    out
}

#[test]
fn geometry_from_read_device_characteristics() {
    let (sim, id) = sim(volume());
    let clock = clock(&sim);
    let dasd = dasd(&sim, &clock, id, big_area()).unwrap();
    let rdc = dasd.characteristics();
    assert_eq!(
        (rdc.control_unit_type(), rdc.device_type()),
        (0x3990, 0x3390)
    );
    let g = dasd.geometry();
    assert_eq!((g.cylinders(), g.heads(), g.tracks()), (CYLINDERS, 15, 150));
    assert_eq!(g.records_per_track(0, BLOCK), 12);
    assert_eq!(g.records_per_track(0, 512), 49);
}

/// Blocks 170..=190 cross the track 14 / track 15 boundary, which is the
/// cylinder 0 / cylinder 1 boundary, on every data path.
#[test]
fn reads_across_track_and_cylinder_boundaries_on_every_path() {
    for path in [DataPath::Direct, DataPath::Idaw, DataPath::Midaw] {
        let (sim, id) = sim(volume());
        let clock = clock(&sim);
        let mut dasd = dasd(&sim, &clock, id, big_area())
            .unwrap()
            .with_data_path(path);
        let layout = BlockLayout::new(dasd.geometry(), 0, 3 * 15, BLOCK).unwrap();
        assert_eq!(layout.blocks(), 540);
        assert_eq!(layout.locate(180), Some(RecordId::new(1, 0, 1)));
        let (first, count) = (170u32, 21u32);
        let buffer = Buffer::new(DATA_ADDRESS, count * u32::from(BLOCK)).unwrap();
        // SAFETY: the buffer is simulated storage nothing else uses.
        unsafe { dasd.read_blocks(&layout, first, count, buffer) }.unwrap();
        let data = read_back(&sim, DATA_ADDRESS, buffer.size() as usize);
        for (i, block) in data.chunks(usize::from(BLOCK)).enumerate() {
            assert_eq!(block, pattern(first + i as u32), "{path:?} block {i}");
        }
    }
}

/// A read longer than one program holds is split into several programs.
#[test]
fn long_reads_are_split_into_programs() {
    let (sim, id) = sim(volume());
    let clock = clock(&sim);
    let area = ProgramArea::size_for(16, DataPath::Direct);
    let mut dasd = dasd(&sim, &clock, id, area).unwrap();
    let layout = BlockLayout::new(dasd.geometry(), 0, 45, BLOCK).unwrap();
    let buffer = Buffer::new(DATA_ADDRESS, 100 * u32::from(BLOCK)).unwrap();
    // SAFETY: as above.
    unsafe { dasd.read_blocks(&layout, 5, 100, buffer) }.unwrap();
    let data = read_back(&sim, DATA_ADDRESS, buffer.size() as usize);
    for (i, block) in data.chunks(usize::from(BLOCK)).enumerate() {
        assert_eq!(block, pattern(5 + i as u32), "block {i}");
    }
    let trace = sim.trace();
    // Read Device Characteristics, then 100 blocks 16 at a time.
    assert_eq!(trace.matches("SSCH").count(), 1 + 7, "{trace}");
}

#[test]
fn writes_across_boundaries_reach_the_volume() {
    for path in [DataPath::Direct, DataPath::Idaw, DataPath::Midaw] {
        let (sim, id) = sim(volume());
        let clock = clock(&sim);
        let mut dasd = dasd(&sim, &clock, id, big_area())
            .unwrap()
            .with_data_path(path);
        let layout = BlockLayout::new(dasd.geometry(), 0, 45, BLOCK).unwrap();
        let (first, count) = (175u32, 10u32);
        let mut bytes = Vec::new();
        for block in 0..count {
            bytes.extend(pattern(1000 + block));
        }
        sim.memory_mut().write(DATA_ADDRESS, &bytes).unwrap();
        let buffer = Buffer::new(DATA_ADDRESS, bytes.len() as u32).unwrap();
        // SAFETY: as above.
        unsafe { dasd.write_blocks(&layout, first, count, buffer) }.unwrap();
        sim.with_device(id, |v: &mut Eckd3390| {
            for block in 0..count {
                let at = layout.locate(first + block).unwrap();
                assert_eq!(
                    v.data(at.track.cylinder, at.track.head, at.record).unwrap(),
                    pattern(1000 + block),
                    "{path:?} block {block}"
                );
            }
            assert_eq!(v.data(0, 14, 7).unwrap(), pattern(174), "untouched");
        })
        .unwrap();
    }
}

#[test]
fn blocks_outside_the_layout_are_refused_before_any_io() {
    let (sim, id) = sim(volume());
    let clock = clock(&sim);
    let mut dasd = dasd(&sim, &clock, id, big_area()).unwrap();
    let layout = BlockLayout::new(dasd.geometry(), 15, 2, BLOCK).unwrap();
    let buffer = Buffer::new(DATA_ADDRESS, 2 * u32::from(BLOCK)).unwrap();
    // SAFETY: as above.
    let err = unsafe { dasd.read_blocks(&layout, 23, 2, buffer) }.unwrap_err();
    assert_eq!(
        err,
        EckdError::OutOfRange {
            first: 23,
            count: 2,
            limit: 24
        }
    );
    let short = Buffer::new(DATA_ADDRESS, 100).unwrap();
    // SAFETY: as above.
    let err = unsafe { dasd.read_blocks(&layout, 0, 2, short) }.unwrap_err();
    assert_eq!(
        err,
        EckdError::BufferLength {
            needed: 8192,
            given: 100
        }
    );
    assert!(BlockLayout::new(dasd.geometry(), 149, 2, BLOCK).is_none());
}

fn expect_condition(result: Result<(), EckdError>, condition: Condition) -> EckdError {
    let err = result.unwrap_err();
    assert_eq!(err.condition(), Some(condition), "{err}");
    err
}

#[test]
fn write_to_a_write_inhibited_volume_is_write_inhibited() {
    let mut v = volume();
    v.set_write_inhibited(true);
    let (sim, id) = sim(v);
    let clock = clock(&sim);
    let mut dasd = dasd(&sim, &clock, id, big_area()).unwrap();
    let layout = BlockLayout::new(dasd.geometry(), 0, 15, BLOCK).unwrap();
    let buffer = Buffer::new(DATA_ADDRESS, u32::from(BLOCK)).unwrap();
    // SAFETY: as above.
    let result = unsafe { dasd.write_blocks(&layout, 3, 1, buffer) };
    let err = expect_condition(result, Condition::WriteInhibited);
    assert!(matches!(err, EckdError::Device { attempts: 1, .. }));
}

#[test]
fn records_past_the_extent_are_file_protected() {
    let (sim, id) = sim(volume());
    let clock = clock(&sim);
    let mut dasd = dasd(&sim, &clock, id, big_area()).unwrap();
    let extent = Extent {
        begin: Track {
            cylinder: 0,
            head: 2,
        },
        end: Track {
            cylinder: 0,
            head: 3,
        },
    };
    let buffer = Buffer::new(DATA_ADDRESS, 3 * u32::from(BLOCK)).unwrap();
    // Records 11 and 12 of head 3 are in the extent, the next is not.
    // SAFETY: as above.
    let result = unsafe {
        dasd.read_records(
            Records {
                extent,
                first: RecordId::new(0, 3, 11),
                records_per_track: 12,
                count: 3,
                record_length: BLOCK,
            },
            buffer,
        )
    };
    expect_condition(result, Condition::FileProtected);
    // A search on a track outside the extent.
    let one = Buffer::new(DATA_ADDRESS, u32::from(BLOCK)).unwrap();
    // SAFETY: as above.
    let result = unsafe {
        dasd.read_records(
            Records {
                extent,
                first: RecordId::new(0, 4, 1),
                records_per_track: 12,
                count: 1,
                record_length: BLOCK,
            },
            one,
        )
    };
    expect_condition(result, Condition::FileProtected);
}

#[test]
fn a_record_that_is_not_there_is_no_record_found() {
    let (sim, id) = sim(volume());
    let clock = clock(&sim);
    let mut dasd = dasd(&sim, &clock, id, big_area()).unwrap();
    let extent = dasd.volume_extent();
    let buffer = Buffer::new(DATA_ADDRESS, u32::from(BLOCK)).unwrap();
    // SAFETY: as above.
    let result = unsafe {
        dasd.read_records(
            Records {
                extent,
                first: RecordId::new(0, 1, 13),
                records_per_track: 12,
                count: 1,
                record_length: BLOCK,
            },
            buffer,
        )
    };
    expect_condition(result, Condition::NoRecordFound);
    let err = dasd.read_count(RecordId::new(2, 0, 14)).unwrap_err();
    assert_eq!(err.condition(), Some(Condition::NoRecordFound));
    // Past the last record Read Count passes the index point and reads
    // R1's count again (as Hercules does): not the record asked for.
    assert_eq!(
        dasd.read_count(RecordId::new(2, 0, 13)),
        Err(EckdError::RecordNotOnTrack {
            wanted: RecordId::new(2, 0, 13),
            found: RecordId::new(2, 0, 1)
        })
    );
}

#[test]
fn a_record_of_another_length_is_wrong_length() {
    let (sim, id) = sim(volume());
    let clock = clock(&sim);
    let mut dasd = dasd(&sim, &clock, id, big_area()).unwrap();
    let extent = dasd.volume_extent();
    let buffer = Buffer::new(DATA_ADDRESS, 2048).unwrap();
    // SAFETY: as above.
    let err = unsafe {
        dasd.read_records(
            Records {
                extent,
                first: RecordId::new(0, 1, 1),
                records_per_track: 12,
                count: 1,
                record_length: 2048,
            },
            buffer,
        )
    }
    .unwrap_err();
    assert!(matches!(err, EckdError::WrongLength { .. }), "{err}");
    // Writes need the record's own length (invalid track format).
    // SAFETY: as above.
    let result = unsafe {
        dasd.write_records(
            Records {
                extent,
                first: RecordId::new(0, 1, 1),
                records_per_track: 12,
                count: 1,
                record_length: 2048,
            },
            buffer,
        )
    };
    expect_condition(result, Condition::InvalidTrackFormat);
}

#[test]
fn a_device_not_ready_is_intervention_required() {
    let (sim, id) = sim(volume());
    let clock = clock(&sim);
    let mut dasd = dasd(&sim, &clock, id, big_area()).unwrap();
    sim.with_device(id, |v: &mut Eckd3390| v.set_ready(false))
        .unwrap();
    let err = dasd.read_count(RecordId::new(0, 1, 1)).unwrap_err();
    assert_eq!(err.condition(), Some(Condition::InterventionRequired));
    assert!(matches!(err, EckdError::Device { attempts: 1, .. }));
}

#[test]
fn one_equipment_check_is_recovered_by_a_retry() {
    let (sim, id) = sim(volume());
    let clock = clock(&sim);
    let mut dasd = dasd(&sim, &clock, id, big_area()).unwrap();
    sim.with_device(id, |v: &mut Eckd3390| v.inject_equipment_check())
        .unwrap();
    let layout = BlockLayout::new(dasd.geometry(), 0, 15, BLOCK).unwrap();
    let buffer = Buffer::new(DATA_ADDRESS, 2 * u32::from(BLOCK)).unwrap();
    // SAFETY: as above.
    unsafe { dasd.read_blocks(&layout, 11, 2, buffer) }.unwrap();
    let data = read_back(&sim, DATA_ADDRESS, 2 * usize::from(BLOCK));
    assert_eq!(&data[..usize::from(BLOCK)], pattern(11));
    assert_eq!(&data[usize::from(BLOCK)..], pattern(12));
    // Read Device Characteristics, the read, its SENSE, the read again.
    assert_eq!(sim.trace().matches("SSCH").count(), 4, "{}", sim.trace());
}

/// The 24-byte compatibility sense of an equipment check (byte 0 bit 3),
/// with byte 1 as given.
fn equipment_check(byte1: u8) -> Vec<u8> {
    let mut sense = vec![0u8; 32];
    sense[0] = 0x10;
    sense[1] = byte1;
    sense[27] = 0x80;
    sense
}

#[test]
fn injected_unit_checks_are_retried_then_reported() {
    // The first command of every attempt fails (commands 1, 3, 5: each
    // unit check is followed by the driver's SENSE): retried twice, then
    // typed.
    let (sim, id) = sim(volume());
    let clock1 = clock(&sim);
    let mut dasd = self::dasd(&sim, &clock1, id, big_area())
        .unwrap()
        .with_retries(2);
    let mut plan = FaultPlan::seeded(1);
    for n in [1, 3, 5] {
        plan = plan.inject(
            id,
            Trigger::Nth(n),
            Fault::UnitCheck {
                sense: equipment_check(0),
            },
        );
    }
    sim.set_fault_plan(plan);
    let err = dasd.read_count(RecordId::new(0, 1, 1)).unwrap_err();
    assert!(
        matches!(
            err,
            EckdError::Device {
                condition: Condition::EquipmentCheck,
                attempts: 3,
                ..
            }
        ),
        "{err}"
    );

    // A permanent error is not retried.
    let (sim, id) = sim_with(volume());
    let clock2 = clock(&sim);
    let mut dasd = self::dasd(&sim, &clock2, id, big_area()).unwrap();
    sim.set_fault_plan(FaultPlan::seeded(2).inject(
        id,
        Trigger::Nth(1),
        Fault::UnitCheck {
            sense: equipment_check(0x80),
        },
    ));
    let err = dasd.read_count(RecordId::new(0, 1, 1)).unwrap_err();
    assert!(
        matches!(err, EckdError::Device { attempts: 1, .. }),
        "{err}"
    );

    // One data check among the commands of a long read: recovered.
    let (sim, id) = sim_with(volume());
    let clock3 = clock(&sim);
    let mut dasd = self::dasd(&sim, &clock3, id, big_area())
        .unwrap()
        .with_data_path(DataPath::Midaw);
    let mut data_check = equipment_check(0);
    data_check[0] = 0x08;
    sim.set_fault_plan(FaultPlan::seeded(3).inject(
        id,
        Trigger::Nth(20),
        Fault::UnitCheck { sense: data_check },
    ));
    let layout = BlockLayout::new(dasd.geometry(), 0, 30, BLOCK).unwrap();
    let buffer = Buffer::new(DATA_ADDRESS, 40 * u32::from(BLOCK)).unwrap();
    // SAFETY: as above.
    unsafe { dasd.read_blocks(&layout, 170, 40, buffer) }.unwrap();
    let data = read_back(&sim, DATA_ADDRESS, buffer.size() as usize);
    for (i, block) in data.chunks(usize::from(BLOCK)).enumerate() {
        assert_eq!(block, pattern(170 + i as u32), "block {i}");
    }
}

#[test]
fn channel_faults_are_typed() {
    let (sim, id) = sim(volume());
    let clock = clock(&sim);
    let mut dasd = dasd(&sim, &clock, id, big_area()).unwrap();
    sim.set_fault_plan(FaultPlan::seeded(4).inject(id, Trigger::Nth(1), Fault::NotOperational));
    // The path stops answering at the first command: the subchannel driver
    // sees an ending with path not operational and no channel end, retries,
    // and the retries find no path left (deferred cc 3); the request fails
    // with that cause, never as a success.
    let err = dasd.read_count(RecordId::new(0, 1, 1)).unwrap_err();
    assert!(
        matches!(
            err,
            EckdError::Io(IoError::RetriesExhausted {
                last: RetryCause::NoPath(_),
                ..
            })
        ),
        "{err}\n{}",
        sim.trace()
    );
}

/// A track 0 as dasdinit writes it: R1 IPL1 and R2 IPL2 with 4-byte keys,
/// R3 VOL1 pointing at a VTOC on cylinder 0 head 1, which holds the
/// format-4 DSCB and two format-1 DSCBs.
fn labelled_volume() -> Eckd3390 {
    let mut v = volume();
    v.format_track(0, 0, &[(4, 24), (4, 144), (4, 80)]).unwrap();
    v.write_key(0, 0, 1, &[0xC9, 0xD7, 0xD3, 0xF1]).unwrap();
    let ipl1: Vec<u8> = (0..24).collect();
    v.write_data(0, 0, 1, &ipl1).unwrap();
    v.write_key(0, 0, 3, &[0xE5, 0xD6, 0xD3, 0xF1]).unwrap();
    let mut vol1 = vec![0x40u8; 80];
    vol1[..4].copy_from_slice(&[0xE5, 0xD6, 0xD3, 0xF1]);
    vol1[4..10].copy_from_slice(&[0xE2, 0xF3, 0xF9, 0xF0, 0xC9, 0xD6]);
    vol1[11..16].copy_from_slice(&[0, 0, 0, 1, 1]);
    v.write_data(0, 0, 3, &vol1).unwrap();
    v.format_track(0, 1, &[(44, 96); 50]).unwrap();
    let mut f4 = [0u8; DSCB_LEN];
    f4[..44].fill(0x04);
    f4[44] = 0xF4;
    f4[45..50].copy_from_slice(&[0, 0, 0, 1, 3]);
    f4[105..115].copy_from_slice(&[1, 0, 0, 0, 0, 1, 0, 0, 0, 1]);
    v.write_key(0, 1, 1, &f4[..44]).unwrap();
    v.write_data(0, 1, 1, &f4[44..]).unwrap();
    for (r, name, begin) in [(2u8, "S390CIO.OTHER", 3u8), (3, "S390CIO.DATA", 5)] {
        let mut f1 = [0u8; DSCB_LEN];
        f1[..44].copy_from_slice(&dataset_name(name).unwrap());
        f1[44] = 0xF1;
        f1[59] = 1;
        f1[105..115].copy_from_slice(&[1, 0, 0, 0, 0, begin, 0, 0, 0, begin + 1]);
        v.write_key(0, 1, r, &f1[..44]).unwrap();
        v.write_data(0, 1, r, &f1[44..]).unwrap();
    }
    v
}

#[test]
fn vtoc_reader_finds_a_dataset_by_name() {
    let (sim, id) = sim(labelled_volume());
    let clock = clock(&sim);
    let mut dasd = dasd(&sim, &clock, id, big_area()).unwrap();
    let label = dasd.volume_label().unwrap();
    assert_eq!(label.vtoc, RecordId::new(0, 1, 1));
    let (at, f4) = dasd.vtoc().unwrap();
    assert_eq!(at, label.vtoc);
    assert_eq!(f4.highest_format1, RecordId::new(0, 1, 3));
    let data = dasd.find_dataset("s390cio.data").unwrap();
    let extent = data.extents[0].unwrap();
    assert_eq!(
        (extent.begin, extent.end),
        (
            Track {
                cylinder: 0,
                head: 5
            },
            Track {
                cylinder: 0,
                head: 6
            }
        )
    );
    assert_eq!(dasd.find_dataset("S390CIO.NONE"), Err(VtocError::NotFound));
}

/// A format-1 DSCB on the VTOC's second track: the reader goes through
/// the first track's empty DSCBs, gets no record found after its last,
/// and goes on to the next track.
#[test]
fn vtoc_reader_goes_on_to_the_next_track() {
    let mut v = labelled_volume();
    v.format_track(0, 2, &[(44, 96); 50]).unwrap();
    let mut f1 = [0u8; DSCB_LEN];
    f1[..44].copy_from_slice(&dataset_name("S390CIO.FAR").unwrap());
    f1[44] = 0xF1;
    f1[105..115].copy_from_slice(&[1, 0, 0, 3, 0, 0, 0, 3, 0, 1]);
    v.write_key(0, 2, 1, &f1[..44]).unwrap();
    v.write_data(0, 2, 1, &f1[44..]).unwrap();
    let mut f4 = v.data(0, 1, 1).unwrap();
    f4[1..6].copy_from_slice(&[0, 0, 0, 2, 1]);
    v.write_data(0, 1, 1, &f4).unwrap();
    let (sim, id) = sim(v);
    let clock = clock(&sim);
    let mut dasd = dasd(&sim, &clock, id, big_area()).unwrap();
    let far = dasd.find_dataset("S390CIO.FAR").unwrap();
    assert_eq!(
        far.extents[0].unwrap().begin,
        Track {
            cylinder: 3,
            head: 0
        }
    );
    assert_eq!(dasd.find_dataset("S390CIO.NONE"), Err(VtocError::NotFound));
}

#[test]
fn read_ipl_count_key_and_data() {
    let (sim, id) = sim(labelled_volume());
    let clock = clock(&sim);
    let mut dasd = dasd(&sim, &clock, id, big_area()).unwrap();
    let buffer = Buffer::new(DATA_ADDRESS, 64).unwrap();
    // SAFETY: as above.
    let got = unsafe { dasd.read_ipl(buffer) }.unwrap();
    assert_eq!(got, 24);
    assert_eq!(
        read_back(&sim, DATA_ADDRESS, 24),
        (0..24).collect::<Vec<u8>>()
    );
    assert_eq!(
        dasd.read_count(RecordId::new(0, 0, 2)).unwrap(),
        CountField {
            id: RecordId::new(0, 0, 2),
            key_length: 4,
            data_length: 144
        }
    );
    let buffer = Buffer::new(DATA_ADDRESS, 200).unwrap();
    // SAFETY: as above.
    let (count, got) =
        unsafe { dasd.read_count_key_and_data(RecordId::new(0, 0, 3), buffer) }.unwrap();
    assert_eq!((count.key_length, count.data_length, got), (4, 80, 92));
    assert_eq!(
        read_back(&sim, DATA_ADDRESS + 8, 8),
        [0xE5, 0xD6, 0xD3, 0xF1, 0xE5, 0xD6, 0xD3, 0xF1]
    );
    let mut key_and_data = [0u8; 140];
    let got = dasd
        .read_key_and_data(RecordId::new(0, 1, 1), &mut key_and_data)
        .unwrap();
    assert_eq!((got, key_and_data[0], key_and_data[44]), (140, 0x04, 0xF4));
}
