//! The 3390 ECKD model driven through the simulated channel subsystem:
//! channel programs in simulated storage, SSCH, run, TSCH, then the data
//! and the sense decoded by `EckdSense`.

mod common;

use common::*;
use s390_cio::css::ChannelSubsystem;
use s390_cio::structures::{
    commands, Ccw1, CcwFlags, CiwType, DeviceStatus, EckdSense, EckdSenseReason, Irb, Orb, SenseId,
    SubchannelId, SubchannelStatus,
};
use s390_cio_sim::eckd::{CountField, Eckd3390, VolumeError, MAX_R1_LENGTH};
use s390_cio_sim::{Simulator, DONE};

const CYLINDERS: u16 = 10;
const BLOCK: u16 = 4096;
/// Parameter areas.
const DE: u32 = 0x2000;
const LR: u32 = 0x2010;
const SEEK: u32 = 0x2020;
const SEARCH: u32 = 0x2030;
const SENSE_AREA: u32 = 0x2100;

const READ_IPL: u8 = 0x02;
const WRITE_DATA: u8 = 0x05;
const READ_DATA: u8 = 0x06;
const SEEK_CMD: u8 = 0x07;
const READ_KEY_DATA: u8 = 0x0E;
const READ_COUNT: u8 = 0x12;
const READ_CKD: u8 = 0x1E;
const SEARCH_ID_EQUAL: u8 = 0x31;
const LOCATE_RECORD: u8 = 0x47;
const DEFINE_EXTENT: u8 = 0x63;
const RDC: u8 = 0x64;
const READ_DATA_MT: u8 = 0x86;
const WRITE_DATA_MT: u8 = 0x85;

/// Locate Record operations.
const OP_ORIENT: u8 = 0x00;
const OP_WRITE: u8 = 0x01;
const OP_READ: u8 = 0x06;

/// File masks.
const MASK_READ_ONLY: u8 = 0x40;
const MASK_WRITE_UPDATE: u8 = 0x80;

fn volume() -> Eckd3390 {
    Eckd3390::formatted(CYLINDERS, 12, BLOCK).unwrap()
}

fn pattern(seed: u8) -> Vec<u8> {
    (0..BLOCK).map(|i| seed.wrapping_add(i as u8)).collect()
}

/// A 12 × 4096 volume whose every record holds a pattern named by its
/// place.
fn filled() -> Eckd3390 {
    let mut v = volume();
    for c in 0..2 {
        for h in 0..15 {
            for r in 1..=12u8 {
                v.write_data(c, h, r, &pattern(seed(c, h, r))).unwrap();
            }
        }
    }
    v
}

fn seed(c: u16, h: u16, r: u8) -> u8 {
    (c as u8).wrapping_mul(97) ^ (h as u8).wrapping_mul(13) ^ r
}

fn define_extent(mask: u8, block: u16, begin: (u16, u16), end: (u16, u16)) -> [u8; 16] {
    let mut p = [0u8; 16];
    p[0] = mask;
    p[1] = 0xC0;
    p[2..4].copy_from_slice(&block.to_be_bytes());
    p[8..10].copy_from_slice(&begin.0.to_be_bytes());
    p[10..12].copy_from_slice(&begin.1.to_be_bytes());
    p[12..14].copy_from_slice(&end.0.to_be_bytes());
    p[14..16].copy_from_slice(&end.1.to_be_bytes());
    p
}

fn whole_volume(mask: u8) -> [u8; 16] {
    define_extent(mask, BLOCK, (0, 0), (CYLINDERS - 1, 14))
}

fn locate(operation: u8, count: u8, track: (u16, u16), record: u8, tlf: u16) -> [u8; 16] {
    let mut p = [0u8; 16];
    p[0] = operation;
    p[1] = if tlf != 0 { 0x80 } else { 0 };
    p[3] = count;
    for at in [4, 8] {
        p[at..at + 2].copy_from_slice(&track.0.to_be_bytes());
        p[at + 2..at + 4].copy_from_slice(&track.1.to_be_bytes());
    }
    p[12] = record;
    p[14..16].copy_from_slice(&tlf.to_be_bytes());
    p
}

fn cchhr(c: u16, h: u16, r: u8) -> [u8; 5] {
    let [c0, c1] = c.to_be_bytes();
    let [h0, h1] = h.to_be_bytes();
    [c0, c1, h0, h1, r]
}

fn ccw(command: u8, count: u16, address: u32) -> Ccw1 {
    Ccw1::new(command, CcwFlags::CC, count, address)
}

fn sim(device: Eckd3390) -> (Simulator, SubchannelId) {
    sim_with(device)
}

fn put(sim: &Simulator, address: u32, bytes: &[u8]) {
    sim.memory_mut().write(address.into(), bytes).unwrap();
}

fn get(sim: &Simulator, address: u32, len: usize) -> Vec<u8> {
    sim.memory().slice(address.into(), len).unwrap().to_vec()
}

/// Runs `ccws` as a new channel program (the last CCW's chain flag is
/// dropped) and returns the final IRB.
fn run(sim: &Simulator, id: SubchannelId, ccws: &[Ccw1]) -> Irb {
    let mut ccws = ccws.to_vec();
    if let Some(last) = ccws.last_mut() {
        *last = Ccw1::new(
            last.command(),
            last.flags().difference(CcwFlags::CC),
            last.count(),
            last.data_address(),
        );
    }
    sim.memory_mut().write_ccw1s(PROGRAM, &ccws).unwrap();
    assert_eq!(ssch(sim, id, &Orb::new(PROGRAM)).condition_code(), 0);
    finish(sim, id)
}

/// SENSE in a program of its own, decoded.
fn sense(sim: &Simulator, id: SubchannelId) -> EckdSense {
    let irb = run(sim, id, &[ccw(commands::SENSE, 32, SENSE_AREA)]);
    assert_eq!(irb.scsw.device_status(), DONE);
    let bytes = get(sim, SENSE_AREA, 32);
    let sense = EckdSense::from_bytes(&bytes).unwrap();
    assert!(sense.is_24_byte_format());
    sense
}

fn assert_ok(sim: &Simulator, irb: &Irb) {
    assert_eq!(irb.scsw.device_status(), DONE, "{}", sim.trace());
    assert!(irb.scsw.subchannel_status().is_empty(), "{}", sim.trace());
}

/// The program ended with unit check at the CCW `index` (0-based), and
/// the sense says `reason`.
fn assert_check(sim: &Simulator, id: SubchannelId, irb: &Irb, index: u32, reason: EckdSenseReason) {
    assert_eq!(
        irb.scsw.device_status(),
        DONE | DeviceStatus::UNIT_CHECK,
        "{}",
        sim.trace()
    );
    assert_eq!(irb.scsw.ccw_address(), PROGRAM + 8 * (index + 1));
    assert_eq!(sense(sim, id).reason(), reason);
}

#[test]
fn sense_id_is_the_3990_3390_hercules_shows() {
    let (sim, id) = sim(volume());
    let irb = run(
        &sim,
        id,
        &[Ccw1::new(
            commands::SENSE_ID,
            CcwFlags::SLI,
            256,
            SENSE_AREA,
        )],
    );
    assert_eq!(irb.scsw.device_status(), DONE);
    let bytes = get(&sim, SENSE_AREA, 12);
    assert_eq!(
        bytes,
        [0xFF, 0x39, 0x90, 0xC2, 0x33, 0x90, 0x02, 0x00, 0x40, 0xFA, 0x01, 0x00]
    );
    let sid = SenseId::from_bytes(&bytes).unwrap();
    assert_eq!(
        sid.ciw(CiwType::ReadConfigurationData).unwrap().command,
        0xFA
    );
}

#[test]
fn read_device_characteristics_gives_the_geometry() {
    let (sim, id) = sim(volume());
    let irb = run(&sim, id, &[ccw(RDC, 64, DATA)]);
    assert_ok(&sim, &irb);
    let rdc = get(&sim, DATA, 64);
    let be16 = |at: usize| u16::from_be_bytes([rdc[at], rdc[at + 1]]);
    assert_eq!(be16(0), 0x3990);
    assert_eq!(rdc[2], 0xC2);
    assert_eq!(be16(3), 0x3390);
    assert_eq!(rdc[10], 0x20);
    assert_eq!(be16(12), CYLINDERS);
    assert_eq!(be16(14), 15);
    assert_eq!(rdc[16], 224);
    assert_eq!(u32::from_be_bytes([0, rdc[17], rdc[18], rdc[19]]), 58786);
    assert_eq!(rdc[22], 2);
    assert_eq!(be16(44), 57326);
}

#[test]
fn define_extent_locate_read_one_record() {
    let (sim, id) = sim(filled());
    put(&sim, DE, &whole_volume(MASK_READ_ONLY));
    put(&sim, LR, &locate(OP_READ, 1, (1, 3), 5, BLOCK));
    let irb = run(
        &sim,
        id,
        &[
            ccw(DEFINE_EXTENT, 16, DE),
            ccw(LOCATE_RECORD, 16, LR),
            ccw(READ_DATA_MT, BLOCK, DATA),
        ],
    );
    assert_ok(&sim, &irb);
    assert_eq!(get(&sim, DATA, 4096), pattern(seed(1, 3, 5)));
}

fn read_records(
    start: (u16, u16),
    record: u8,
    count: u8,
    extent_end: (u16, u16),
) -> (Simulator, SubchannelId, Irb) {
    let (sim, id) = sim(filled());
    put(
        &sim,
        DE,
        &define_extent(MASK_READ_ONLY, BLOCK, (0, 0), extent_end),
    );
    put(&sim, LR, &locate(OP_READ, count, start, record, BLOCK));
    let mut ccws = vec![ccw(DEFINE_EXTENT, 16, DE), ccw(LOCATE_RECORD, 16, LR)];
    for i in 0..u32::from(count) {
        ccws.push(ccw(READ_DATA_MT, BLOCK, DATA + i * 4096));
    }
    let irb = run(&sim, id, &ccws);
    (sim, id, irb)
}

#[test]
fn locate_read_several_records_across_a_track_boundary() {
    let (sim, _, irb) = read_records((0, 0), 11, 4, (CYLINDERS - 1, 14));
    assert_ok(&sim, &irb);
    let expected = [seed(0, 0, 11), seed(0, 0, 12), seed(0, 1, 1), seed(0, 1, 2)];
    for (i, s) in expected.into_iter().enumerate() {
        assert_eq!(
            get(&sim, DATA + i as u32 * 4096, 4096),
            pattern(s),
            "record {i}"
        );
    }
}

#[test]
fn locate_read_across_a_cylinder_boundary() {
    let (sim, id, irb) = read_records((0, 14), 12, 3, (CYLINDERS - 1, 14));
    assert_ok(&sim, &irb);
    let expected = [seed(0, 14, 12), seed(1, 0, 1), seed(1, 0, 2)];
    for (i, s) in expected.into_iter().enumerate() {
        assert_eq!(
            get(&sim, DATA + i as u32 * 4096, 4096),
            pattern(s),
            "record {i}"
        );
    }
    assert_eq!(
        sim.with_device::<Eckd3390, _>(id, |d| d.position()),
        Some((1, 0))
    );
}

#[test]
fn multitrack_read_past_the_extent_is_file_protected() {
    let (sim, id, irb) = read_records((0, 14), 12, 2, (0, 14));
    assert_check(&sim, id, &irb, 3, EckdSenseReason::FileProtected);
    assert_eq!(get(&sim, DATA, 4096), pattern(seed(0, 14, 12)));
}

#[test]
fn write_data_then_read_back() {
    let (sim, id) = sim(filled());
    put(&sim, DE, &whole_volume(MASK_WRITE_UPDATE));
    put(&sim, LR, &locate(OP_WRITE, 2, (1, 7), 12, BLOCK));
    put(&sim, DATA, &[0xAA; 4096]);
    put(&sim, DATA + 4096, &[0xBB; 4096]);
    let irb = run(
        &sim,
        id,
        &[
            ccw(DEFINE_EXTENT, 16, DE),
            ccw(LOCATE_RECORD, 16, LR),
            ccw(WRITE_DATA_MT, BLOCK, DATA),
            ccw(WRITE_DATA_MT, BLOCK, DATA + 4096),
        ],
    );
    assert_ok(&sim, &irb);
    let stored = |c, h, r| {
        sim.with_device::<Eckd3390, _>(id, |d| d.data(c, h, r))
            .flatten()
            .unwrap()
    };
    assert_eq!(stored(1, 7, 12), vec![0xAA; 4096]);
    assert_eq!(stored(1, 8, 1), vec![0xBB; 4096]);
    assert_eq!(stored(1, 8, 2), pattern(seed(1, 8, 2)));

    put(&sim, DE, &whole_volume(MASK_READ_ONLY));
    put(&sim, LR, &locate(OP_READ, 2, (1, 7), 12, BLOCK));
    let irb = run(
        &sim,
        id,
        &[
            ccw(DEFINE_EXTENT, 16, DE),
            ccw(LOCATE_RECORD, 16, LR),
            ccw(READ_DATA_MT, BLOCK, DATA + 0x4000),
            ccw(READ_DATA_MT, BLOCK, DATA + 0x5000),
        ],
    );
    assert_ok(&sim, &irb);
    assert_eq!(get(&sim, DATA + 0x4000, 4096), vec![0xAA; 4096]);
    assert_eq!(get(&sim, DATA + 0x5000, 4096), vec![0xBB; 4096]);
}

#[test]
fn seek_search_tic_loop_then_read_data() {
    let (sim, id) = sim(filled());
    put(&sim, SEEK, &[0, 0, 0, 1, 0, 2]);
    put(&sim, SEARCH, &cchhr(1, 2, 7));
    let irb = run(
        &sim,
        id,
        &[
            ccw(SEEK_CMD, 6, SEEK),
            ccw(SEARCH_ID_EQUAL, 5, SEARCH),
            Ccw1::tic(PROGRAM + 8),
            ccw(READ_DATA, BLOCK, DATA),
        ],
    );
    assert_ok(&sim, &irb);
    assert_eq!(irb.scsw.ccw_address(), PROGRAM + 32);
    assert_eq!(get(&sim, DATA, 4096), pattern(seed(1, 2, 7)));
}

#[test]
fn search_for_a_missing_record_ends_with_no_record_found() {
    let (sim, id) = sim(filled());
    put(&sim, SEEK, &[0, 0, 0, 1, 0, 2]);
    put(&sim, SEARCH, &cchhr(1, 2, 13));
    let irb = run(
        &sim,
        id,
        &[
            ccw(SEEK_CMD, 6, SEEK),
            ccw(SEARCH_ID_EQUAL, 5, SEARCH),
            Ccw1::tic(PROGRAM + 8),
            ccw(READ_DATA, BLOCK, DATA),
        ],
    );
    assert_check(&sim, id, &irb, 1, EckdSenseReason::NoRecordFound);
}

#[test]
fn search_then_write_data_updates_the_record() {
    let (sim, id) = sim(filled());
    put(&sim, SEEK, &[0, 0, 0, 0, 0, 4]);
    put(&sim, SEARCH, &cchhr(0, 4, 3));
    put(&sim, DATA, &[0x5A; 4096]);
    let irb = run(
        &sim,
        id,
        &[
            ccw(SEEK_CMD, 6, SEEK),
            ccw(SEARCH_ID_EQUAL, 5, SEARCH),
            Ccw1::tic(PROGRAM + 8),
            ccw(WRITE_DATA, BLOCK, DATA),
        ],
    );
    assert_ok(&sim, &irb);
    let stored = sim
        .with_device::<Eckd3390, _>(id, |d| d.data(0, 4, 3))
        .flatten();
    assert_eq!(stored, Some(vec![0x5A; 4096]));
}

#[test]
fn read_ipl_reads_record_one_then_record_two() {
    let mut volume = Eckd3390::unformatted(CYLINDERS).unwrap();
    volume
        .format_track(0, 0, &[(4, 24), (4, 144), (4, 80)])
        .unwrap();
    let ipl1: Vec<u8> = (1..=24).collect();
    let ipl2 = [0x42u8; 144];
    volume.write_data(0, 0, 1, &ipl1).unwrap();
    volume.write_data(0, 0, 2, &ipl2).unwrap();
    volume.write_key(0, 0, 1, b"IPL1").unwrap();
    let (sim, id) = sim(volume);
    put(&sim, SEEK, &[0, 0, 0, 0, 0, 1]);
    let irb = run(
        &sim,
        id,
        &[
            ccw(READ_IPL, 24, 0x3000),
            ccw(READ_DATA, 144, 0x3100),
            ccw(SEEK_CMD, 6, SEEK),
        ],
    );
    assert_ok(&sim, &irb);
    assert_eq!(get(&sim, 0x3000, 24), ipl1);
    assert_eq!(get(&sim, 0x3100, 144), ipl2);

    // Define Extent after Read IPL is rejected.
    put(&sim, DE, &whole_volume(MASK_READ_ONLY));
    let irb = run(
        &sim,
        id,
        &[ccw(READ_IPL, 24, 0x3000), ccw(DEFINE_EXTENT, 16, DE)],
    );
    assert_check(&sim, id, &irb, 1, EckdSenseReason::CommandReject);
}

#[test]
fn read_count_key_and_data_forms() {
    let mut volume = Eckd3390::unformatted(CYLINDERS).unwrap();
    volume.format_track(3, 1, &[(8, 100), (8, 200)]).unwrap();
    volume.write_key(3, 1, 2, b"KEY2").unwrap();
    volume.write_data(3, 1, 2, &[7; 200]).unwrap();
    let (sim, id) = sim(volume);
    put(&sim, SEEK, &[0, 0, 0, 3, 0, 1]);
    let irb = run(
        &sim,
        id,
        &[
            ccw(SEEK_CMD, 6, SEEK),
            ccw(READ_COUNT, 8, DATA),
            ccw(READ_CKD, 216, DATA + 0x100),
            ccw(READ_COUNT, 8, DATA + 0x200),
            ccw(READ_KEY_DATA, 108, DATA + 0x300),
        ],
    );
    assert_ok(&sim, &irb);
    let r1 = CountField {
        cylinder: 3,
        head: 1,
        record: 1,
        key_length: 8,
        data_length: 100,
    };
    let r2 = CountField {
        record: 2,
        data_length: 200,
        ..r1
    };
    assert_eq!(get(&sim, DATA, 8), r1.to_bytes());
    assert_eq!(get(&sim, DATA + 0x100, 8), r2.to_bytes());
    assert_eq!(get(&sim, DATA + 0x108, 8), b"KEY2\0\0\0\0");
    assert_eq!(get(&sim, DATA + 0x110, 200), vec![7; 200]);
    // After R2 the next count is past the index: R1 again, and Read Key
    // and Data after Read Count reads that record's key and data.
    assert_eq!(get(&sim, DATA + 0x200, 8), r1.to_bytes());
    assert_eq!(get(&sim, DATA + 0x300, 108), vec![0; 108]);
}

#[test]
fn locate_record_for_a_missing_record_is_no_record_found() {
    let (sim, id) = sim(filled());
    put(&sim, DE, &whole_volume(MASK_READ_ONLY));
    put(&sim, LR, &locate(OP_READ, 1, (0, 0), 13, BLOCK));
    let irb = run(
        &sim,
        id,
        &[
            ccw(DEFINE_EXTENT, 16, DE),
            ccw(LOCATE_RECORD, 16, LR),
            ccw(READ_DATA, BLOCK, DATA),
        ],
    );
    assert_check(&sim, id, &irb, 1, EckdSenseReason::NoRecordFound);
}

#[test]
fn write_outside_the_extent_is_file_protected() {
    let (sim, id) = sim(filled());
    put(
        &sim,
        DE,
        &define_extent(MASK_WRITE_UPDATE, BLOCK, (0, 0), (0, 14)),
    );
    put(&sim, LR, &locate(OP_WRITE, 1, (1, 0), 1, BLOCK));
    let irb = run(
        &sim,
        id,
        &[
            ccw(DEFINE_EXTENT, 16, DE),
            ccw(LOCATE_RECORD, 16, LR),
            ccw(WRITE_DATA, BLOCK, DATA),
        ],
    );
    assert_check(&sim, id, &irb, 1, EckdSenseReason::FileProtected);
    let stored = sim
        .with_device::<Eckd3390, _>(id, |d| d.data(1, 0, 1))
        .flatten();
    assert_eq!(stored, Some(pattern(seed(1, 0, 1))));
}

#[test]
fn write_with_the_write_inhibit_mask_is_file_protected() {
    let (sim, id) = sim(filled());
    put(&sim, DE, &whole_volume(MASK_READ_ONLY));
    put(&sim, LR, &locate(OP_WRITE, 1, (0, 1), 1, BLOCK));
    let irb = run(
        &sim,
        id,
        &[
            ccw(DEFINE_EXTENT, 16, DE),
            ccw(LOCATE_RECORD, 16, LR),
            ccw(WRITE_DATA, BLOCK, DATA),
        ],
    );
    assert_check(&sim, id, &irb, 1, EckdSenseReason::FileProtected);
}

#[test]
fn write_to_a_write_inhibited_device_is_write_inhibited() {
    let mut volume = filled();
    volume.set_write_inhibited(true);
    let (sim, id) = sim(volume);
    put(&sim, DE, &whole_volume(MASK_WRITE_UPDATE));
    put(&sim, LR, &locate(OP_WRITE, 1, (0, 1), 1, BLOCK));
    let irb = run(
        &sim,
        id,
        &[
            ccw(DEFINE_EXTENT, 16, DE),
            ccw(LOCATE_RECORD, 16, LR),
            ccw(WRITE_DATA, BLOCK, DATA),
        ],
    );
    assert_check(&sim, id, &irb, 1, EckdSenseReason::WriteInhibited);
}

#[test]
fn read_data_without_positioning_is_command_reject() {
    let (sim, id) = sim(filled());
    let irb = run(&sim, id, &[ccw(READ_DATA, BLOCK, DATA)]);
    assert_check(&sim, id, &irb, 0, EckdSenseReason::CommandReject);
    // Only Define Extent: still not positioned.
    put(&sim, DE, &whole_volume(MASK_READ_ONLY));
    let irb = run(
        &sim,
        id,
        &[ccw(DEFINE_EXTENT, 16, DE), ccw(READ_DATA, BLOCK, DATA)],
    );
    assert_check(&sim, id, &irb, 1, EckdSenseReason::CommandReject);
}

#[test]
fn define_extent_twice_is_command_reject() {
    let (sim, id) = sim(filled());
    put(&sim, DE, &whole_volume(MASK_READ_ONLY));
    let irb = run(
        &sim,
        id,
        &[ccw(DEFINE_EXTENT, 16, DE), ccw(DEFINE_EXTENT, 16, DE)],
    );
    assert_check(&sim, id, &irb, 1, EckdSenseReason::CommandReject);
}

#[test]
fn bad_parameters_are_command_reject() {
    let (sim, id) = sim(filled());
    let cases: [(&str, [u8; 16], [u8; 16]); 5] = [
        (
            "extent end before begin",
            define_extent(0, BLOCK, (2, 0), (1, 0)),
            locate(OP_READ, 1, (0, 0), 1, BLOCK),
        ),
        (
            "extent beyond the volume",
            define_extent(0, BLOCK, (0, 0), (CYLINDERS, 0)),
            locate(OP_READ, 1, (0, 0), 1, BLOCK),
        ),
        (
            "locate seek address beyond the volume",
            whole_volume(0),
            locate(OP_READ, 1, (0, 15), 1, BLOCK),
        ),
        (
            "orient with a count",
            whole_volume(0),
            locate(OP_ORIENT, 1, (0, 0), 1, 0),
        ),
        (
            "unknown operation",
            whole_volume(0),
            locate(0x3E, 1, (0, 0), 1, BLOCK),
        ),
    ];
    for (what, de, lr) in cases {
        put(&sim, DE, &de);
        put(&sim, LR, &lr);
        let irb = run(
            &sim,
            id,
            &[ccw(DEFINE_EXTENT, 16, DE), ccw(LOCATE_RECORD, 16, LR)],
        );
        assert_eq!(
            irb.scsw.device_status(),
            DONE | DeviceStatus::UNIT_CHECK,
            "{what}"
        );
        assert_eq!(
            sense(&sim, id).reason(),
            EckdSenseReason::CommandReject,
            "{what}"
        );
    }
    // Too short a Define Extent.
    let irb = run(&sim, id, &[ccw(DEFINE_EXTENT, 8, DE)]);
    assert_check(&sim, id, &irb, 0, EckdSenseReason::CommandReject);
    // An unknown command.
    let irb = run(&sim, id, &[ccw(0xF5, 8, DE)]);
    assert_check(&sim, id, &irb, 0, EckdSenseReason::CommandReject);
}

#[test]
fn write_with_a_length_other_than_the_transfer_length_is_invalid_track_format() {
    let (sim, id) = sim(filled());
    // Block size 0 means the largest R0 plus 8, not the records' 4096.
    put(
        &sim,
        DE,
        &define_extent(MASK_WRITE_UPDATE, 0, (0, 0), (0, 14)),
    );
    put(&sim, LR, &locate(OP_WRITE, 1, (0, 0), 1, 0));
    let irb = run(
        &sim,
        id,
        &[
            ccw(DEFINE_EXTENT, 16, DE),
            ccw(LOCATE_RECORD, 16, LR),
            ccw(WRITE_DATA, BLOCK, DATA),
        ],
    );
    assert_check(&sim, id, &irb, 2, EckdSenseReason::InvalidTrackFormat);
}

#[test]
fn multitrack_read_past_the_last_head_is_end_of_cylinder() {
    let mut volume = filled();
    volume.format_track(0, 14, &[(0, 512)]).unwrap();
    let (sim, id) = sim(volume);
    put(&sim, SEEK, &[0, 0, 0, 0, 0, 14]);
    let irb = run(
        &sim,
        id,
        &[
            ccw(SEEK_CMD, 6, SEEK),
            ccw(READ_DATA_MT, 512, DATA),
            ccw(READ_DATA_MT, 512, DATA),
        ],
    );
    assert_check(&sim, id, &irb, 2, EckdSenseReason::EndOfCylinder);
    // Within the cylinder, multitrack reads go on to the next head.
    put(&sim, SEEK, &[0, 0, 0, 0, 0, 13]);
    let mut ccws = vec![ccw(SEEK_CMD, 6, SEEK)];
    ccws.extend((0..12).map(|_| ccw(READ_DATA_MT, BLOCK, DATA)));
    ccws.push(ccw(READ_DATA_MT, 512, DATA));
    let irb = run(&sim, id, &ccws);
    assert_ok(&sim, &irb);
    assert_eq!(get(&sim, DATA, 512), vec![0; 512]);
    assert_eq!(
        sim.with_device::<Eckd3390, _>(id, |d| d.position()),
        Some((0, 14))
    );
}

#[test]
fn injected_intervention_required_and_equipment_check() {
    let (sim, id) = sim(filled());
    sim.with_device::<Eckd3390, _>(id, |d| d.set_ready(false));
    let irb = run(&sim, id, &[ccw(RDC, 64, DATA)]);
    assert_check(&sim, id, &irb, 0, EckdSenseReason::InterventionRequired);
    sim.with_device::<Eckd3390, _>(id, |d| d.set_ready(true));
    sim.with_device::<Eckd3390, _>(id, Eckd3390::inject_equipment_check);
    let irb = run(&sim, id, &[ccw(RDC, 64, DATA)]);
    assert_check(&sim, id, &irb, 0, EckdSenseReason::EquipmentCheck);
    // One-shot: the next command works.
    let irb = run(&sim, id, &[ccw(RDC, 64, DATA)]);
    assert_ok(&sim, &irb);
}

#[test]
fn a_program_after_a_unit_check_starts_afresh() {
    let (sim, id) = sim(filled());
    put(&sim, DE, &whole_volume(MASK_READ_ONLY));
    put(&sim, LR, &locate(OP_READ, 1, (0, 0), 13, BLOCK));
    sim.memory_mut()
        .write_ccw1s(
            PROGRAM,
            &[
                ccw(DEFINE_EXTENT, 16, DE),
                Ccw1::new(LOCATE_RECORD, CcwFlags::empty(), 16, LR),
            ],
        )
        .unwrap();
    ssch(&sim, id, &Orb::new(PROGRAM));
    let irb = finish(&sim, id);
    assert!(irb.scsw.device_status().unit_check());
    // Same program again: its Define Extent is accepted.
    ssch(&sim, id, &Orb::new(PROGRAM));
    let irb = finish(&sim, id);
    assert_eq!(irb.scsw.ccw_address(), PROGRAM + 16);
    assert!(irb.scsw.device_status().unit_check());
}

#[test]
fn short_parameter_areas_and_garbage_never_panic() {
    let (sim, id) = sim(filled());
    let mut state = 0x1234_5678u32;
    let mut next = || {
        state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        (state >> 24) as u8
    };
    let commands = [
        READ_IPL,
        WRITE_DATA,
        READ_DATA,
        SEEK_CMD,
        READ_KEY_DATA,
        READ_COUNT,
        READ_CKD,
        SEARCH_ID_EQUAL,
        LOCATE_RECORD,
        DEFINE_EXTENT,
        RDC,
        READ_DATA_MT,
        WRITE_DATA_MT,
        0x03,
        0x9E,
        0xB1,
        0x51,
        0x71,
    ];
    for _ in 0..300 {
        let mut ccws = Vec::new();
        for i in 0..6u32 {
            let area = 0x4000 + i * 0x100;
            let params: Vec<u8> = (0..16).map(|_| next()).collect();
            put(&sim, area, &params);
            let command = commands[usize::from(next()) % commands.len()];
            let count = u16::from(next() % 20);
            ccws.push(Ccw1::new(
                command,
                CcwFlags::CC | CcwFlags::SLI,
                count,
                area,
            ));
        }
        let irb = run(&sim, id, &ccws);
        let status = irb.scsw.device_status();
        assert!(
            status.contains(DONE)
                || !irb
                    .scsw
                    .subchannel_status()
                    .difference(SubchannelStatus::INCORRECT_LENGTH)
                    .is_empty(),
            "{}",
            sim.trace()
        );
    }
}

#[test]
fn volume_api() {
    assert_eq!(
        Eckd3390::formatted(1, 13, 4096).unwrap_err(),
        VolumeError::TrackOverflow { records: 13 }
    );
    assert!(Eckd3390::formatted(1, 1, MAX_R1_LENGTH).is_ok());
    assert_eq!(
        Eckd3390::unformatted(0).unwrap_err(),
        VolumeError::InvalidCylinders(0)
    );
    let mut v = volume();
    assert_eq!(v.cylinders(), CYLINDERS);
    assert_eq!(v.records(0, 0).unwrap().len(), 13);
    assert_eq!(v.records(0, 15), None);
    assert_eq!(
        v.write_data(0, 0, 13, b"x"),
        Err(VolumeError::NoSuchRecord { record: 13 })
    );
    assert_eq!(
        v.write_data(0, 0, 1, &[0; 4097]),
        Err(VolumeError::TooLong {
            given: 4097,
            room: 4096
        })
    );
    v.write_data(0, 0, 1, b"abc").unwrap();
    let data = v.data(0, 0, 1).unwrap();
    assert_eq!(&data[..4], b"abc\0");
    assert_eq!(data.len(), 4096);
    assert_eq!(v.records(0, 0).unwrap()[0].count().data_length, 8);
}

#[test]
fn read_configuration_data_as_the_ciw_says() {
    let (sim, id) = sim(volume());
    let irb = run(&sim, id, &[ccw(0xFA, 256, DATA)]);
    assert_ok(&sim, &irb);
    let rcd = get(&sim, DATA, 256);
    assert_eq!(rcd, Eckd3390::configuration_data());
    assert_eq!(rcd[0], 0xDC);
    // EBCDIC "3390" in the device NED's type field.
    assert_eq!(rcd[6..10], [0xF3, 0xF3, 0xF9, 0xF0]);
    assert_eq!(rcd[224], 0x80);
}

#[test]
fn locate_with_home_and_data_orientation() {
    let (sim, id) = sim(filled());
    put(&sim, DE, &whole_volume(MASK_READ_ONLY));
    // Home address orientation: the first Read Data reads R1.
    put(&sim, LR, &locate(0x40 | OP_READ, 1, (0, 3), 0, BLOCK));
    let irb = run(
        &sim,
        id,
        &[
            ccw(DEFINE_EXTENT, 16, DE),
            ccw(LOCATE_RECORD, 16, LR),
            ccw(READ_DATA, BLOCK, DATA),
        ],
    );
    assert_ok(&sim, &irb);
    assert_eq!(get(&sim, DATA, 4096), pattern(seed(0, 3, 1)));
    // Data orientation: past the data of the searched record, so R4.
    put(&sim, LR, &locate(0x80 | OP_READ, 1, (0, 3), 3, BLOCK));
    let irb = run(
        &sim,
        id,
        &[
            ccw(DEFINE_EXTENT, 16, DE),
            ccw(LOCATE_RECORD, 16, LR),
            ccw(READ_DATA, BLOCK, DATA),
        ],
    );
    assert_ok(&sim, &irb);
    assert_eq!(get(&sim, DATA, 4096), pattern(seed(0, 3, 4)));
    // A Seek inside the domain is rejected.
    put(&sim, SEEK, &[0, 0, 0, 0, 0, 1]);
    let irb = run(
        &sim,
        id,
        &[
            ccw(DEFINE_EXTENT, 16, DE),
            ccw(LOCATE_RECORD, 16, LR),
            ccw(SEEK_CMD, 6, SEEK),
        ],
    );
    assert_check(&sim, id, &irb, 2, EckdSenseReason::CommandReject);
}

#[test]
fn each_channel_program_and_clear_start_afresh() {
    let (sim, id) = sim(filled());
    put(&sim, DE, &whole_volume(MASK_READ_ONLY));
    let program = [Ccw1::new(DEFINE_EXTENT, CcwFlags::empty(), 16, DE)];
    sim.memory_mut().write_ccw1s(PROGRAM, &program).unwrap();
    // The channel's start signal begins a new program each time, so each
    // program's Define Extent is its first.
    for _ in 0..2 {
        ssch(&sim, id, &Orb::new(PROGRAM));
        assert_ok(&sim, &finish(&sim, id));
    }
    // CSCH resets the device too.
    sim.clear_subchannel(id);
    finish(&sim, id);
    ssch(&sim, id, &Orb::new(PROGRAM));
    assert_ok(&sim, &finish(&sim, id));
}
