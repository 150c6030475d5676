//! The ECKD driver (`s390_cio::devices::eckd`) on Hercules' 3390s behind a
//! 3990 (volumes made by `xtask/src/volumes.rs`): 0121 has 4 cylinders of
//! 12 × 4096-byte records from track 1 on (block n holds
//! `block_byte(n, i)`), 0122 is the same volume read-only, 0123 has a VTOC
//! (dasdload) with the dataset S390CIO.PAYLOAD. Geometry, reads and
//! writes across track and cylinder boundaries on every data path, each
//! error Hercules can be made to give, the VTOC, and the read throughput
//! (printed as `measure NAME: VALUE`, never checked).
#![no_std]
#![deny(clippy::undocumented_unsafe_blocks)]
#![no_main]

use core::ptr::addr_of_mut;
use guest_tests::subchannel_of;
use s390_cio::css::Cpu;
use s390_cio::devices::eckd::{
    BlockLayout, Buffer, Condition, DataPath, EckdDasd, EckdError, Extent, ProgramArea, RecordId,
    Records, Track, MAX_RECORDS,
};
use s390_cio::driver::{Clock, SenseArea, Subchannel, TodClock};
use s390_cio::memory::{ChannelMemory, RealMemory};
use s390_cio_boot::testing::{TestFailure, TestResult};
use s390_cio_boot::{check, check_eq, guest_tests, println};

const BLOCKS: u16 = 0x0121;
const BLOCKS_READ_ONLY: u16 = 0x0122;
const VTOC: u16 = 0x0123;
const BLOCK: u16 = 4096;
const BLOCKS_PER_TRACK: u32 = 12;
/// Cylinders of the block volume; its blocks start on track 1.
const CYLINDERS: u16 = 4;
const VOLUME_BLOCKS: u32 = (CYLINDERS as u32 * 15 - 1) * BLOCKS_PER_TRACK;
/// The first block of cylinder 1 (track 15).
const CYLINDER_1: u32 = 14 * BLOCKS_PER_TRACK;
/// Blocks of the VTOC volume's dataset.
const PAYLOAD_BLOCKS: u32 = 6;

const AREA_SIZE: usize = ProgramArea::size_for(MAX_RECORDS, DataPath::Midaw) as usize;
const DATA_SIZE: usize = VOLUME_BLOCKS as usize * BLOCK as usize;

/// Everything the channel reads and writes, in one static (DAT off, below
/// 2 GiB: addresses are channel addresses).
#[repr(C, align(4096))]
struct Storage {
    area: [u8; AREA_SIZE],
    sense: [u8; SenseArea::SIZE],
    data: [u8; DATA_SIZE],
}

static mut STORAGE: Storage = Storage {
    area: [0; AREA_SIZE],
    sense: [0; SenseArea::SIZE],
    data: [0; DATA_SIZE],
};

// SAFETY: the drivers touch only `STORAGE` through it, one at a time.
static MEMORY: RealMemory = unsafe { RealMemory::new() };

type Dasd = EckdDasd<'static, Cpu, RealMemory, TodClock>;

fn fail(what: &str, error: EckdError) -> TestFailure {
    TestFailure::new(format_args!("{what}: {error}"))
}

/// Byte `i` of block `n` on the test volumes (as `xtask/src/volumes.rs`).
fn block_byte(n: u32, i: usize) -> u8 {
    (n.wrapping_mul(31) ^ (i as u32).wrapping_mul(7)) as u8
}

/// The driver for `devno` on `path`.
fn open(devno: u16, path: DataPath) -> Result<Dasd, TestFailure> {
    let id = subchannel_of(devno)?;
    // SAFETY: only the addresses are taken, no reference is made.
    let (area, sense) = unsafe {
        (
            addr_of_mut!(STORAGE.area) as u32,
            addr_of_mut!(STORAGE.sense) as u32,
        )
    };
    let sense = SenseArea::new(sense).expect("sense area placement");
    let subchannel = Subchannel::new(&Cpu, &MEMORY, id, 0x7000).with_sense_area(sense);
    let area = ProgramArea::new(area, AREA_SIZE as u32).expect("program area placement");
    EckdDasd::new(subchannel, &MEMORY, &TodClock, area)
        .map(|dasd| dasd.with_data_path(path))
        .map_err(|e| fail("Read Device Characteristics", e))
}

/// The first `len` bytes of the data buffer, offset by `skew` so that
/// IDAWs and MIDAWs have to split records at 4K boundaries.
fn data(skew: u32, len: u32) -> Buffer {
    // SAFETY: as in `open`.
    let address = unsafe { addr_of_mut!(STORAGE.data) } as u64 + u64::from(skew);
    Buffer::new(address, len).expect("data buffer placement")
}

fn layout(dasd: &Dasd) -> Result<BlockLayout, TestFailure> {
    BlockLayout::new(dasd.geometry(), 1, u32::from(CYLINDERS) * 15 - 1, BLOCK)
        .ok_or_else(|| TestFailure::new(format_args!("no block layout")))
}

/// Checks that `count` blocks from `first` are in the buffer at `skew`,
/// each byte `expected(block, i)`.
fn check_blocks(
    skew: u32,
    first: u32,
    count: u32,
    expected: impl Fn(u32, usize) -> u8,
) -> TestResult {
    let mut block = [0u8; BLOCK as usize];
    for n in 0..count {
        let at = data(skew, 1).address() + u64::from(n) * u64::from(BLOCK);
        MEMORY.read(at as u32, &mut block);
        for (i, byte) in block.iter().enumerate() {
            check_eq!(
                *byte,
                expected(first + n, i),
                "block {} byte {}",
                first + n,
                i
            );
        }
    }
    Ok(())
}

/// Read Device Characteristics: a 3390 on a 3990, 4 cylinders of 15
/// tracks, 12 records of 4096 bytes per track.
fn geometry_of_the_block_volume() -> TestResult {
    let dasd = open(BLOCKS, DataPath::Direct)?;
    let rdc = dasd.characteristics();
    check_eq!(rdc.control_unit_type(), 0x3990, "storage control");
    check_eq!(rdc.device_type(), 0x3390, "device type");
    let g = dasd.geometry();
    check_eq!((g.cylinders(), g.heads()), (CYLINDERS, 15), "geometry");
    check_eq!(g.records_per_track(0, BLOCK), BLOCKS_PER_TRACK, "4 KiB");
    check_eq!(g.records_per_track(44, 96), 50, "DSCBs per track");
    Ok(())
}

/// Blocks 160..186 span tracks 14, 15, 16: the cylinder 0 / cylinder 1
/// boundary, in one channel program, on each data path.
fn reads_across_track_and_cylinder_boundaries() -> TestResult {
    for (path, skew) in [
        (DataPath::Direct, 0),
        (DataPath::Idaw, 0x123),
        (DataPath::Midaw, 0x456),
    ] {
        let mut dasd = open(BLOCKS, path)?;
        let layout = layout(&dasd)?;
        let (first, count) = (CYLINDER_1 - 8, 26);
        let buffer = data(skew, count * u32::from(BLOCK));
        // SAFETY: the buffer is ours and nothing else uses it meanwhile.
        unsafe { dasd.read_blocks(&layout, first, count, buffer) }.map_err(|e| fail("read", e))?;
        check_blocks(skew, first, count, block_byte)?;
    }
    Ok(())
}

/// Blocks written across the cylinder boundary (on each path) read back
/// with what was written; blocks around them keep the volume's data.
fn writes_across_boundaries_read_back() -> TestResult {
    let salt = (TodClock.now_us() as u8) | 1;
    let written = |n: u32, i: usize| block_byte(n, i) ^ salt;
    for (k, (path, skew)) in [
        (DataPath::Direct, 0),
        (DataPath::Idaw, 0x321),
        (DataPath::Midaw, 0x800),
    ]
    .into_iter()
    .enumerate()
    {
        let mut dasd = open(BLOCKS, path)?;
        let layout = layout(&dasd)?;
        let first = CYLINDER_1 + 15 * BLOCKS_PER_TRACK - 5 + 40 * k as u32;
        let count = 10;
        for n in 0..count {
            for i in 0..usize::from(BLOCK) {
                let at = data(skew, 1).address() + u64::from(n) * u64::from(BLOCK) + i as u64;
                MEMORY.write(at as u32, &[written(first + n, i)]);
            }
        }
        let buffer = data(skew, count * u32::from(BLOCK));
        // SAFETY: as above.
        unsafe { dasd.write_blocks(&layout, first, count, buffer) }
            .map_err(|e| fail("write", e))?;
        let around = data(skew, (count + 2) * u32::from(BLOCK));
        // SAFETY: as above.
        unsafe { dasd.read_blocks(&layout, first - 1, count + 2, around) }
            .map_err(|e| fail("read back", e))?;
        check_blocks(skew, first - 1, count + 2, |n, i| {
            if n < first || n >= first + count {
                block_byte(n, i)
            } else {
                written(n, i)
            }
        })?;
    }
    Ok(())
}

fn expect(result: Result<(), EckdError>, condition: Condition) -> TestResult {
    match result {
        Err(e) => {
            check_eq!(e.condition(), Some(condition), "{}", e);
            Ok(())
        }
        Ok(()) => Err(TestFailure::new(format_args!(
            "succeeded, expected {condition:?}"
        ))),
    }
}

/// A write to the read-only volume (Hercules `ro`): write inhibited.
fn write_to_read_only_volume_is_write_inhibited() -> TestResult {
    let mut dasd = open(BLOCKS_READ_ONLY, DataPath::Direct)?;
    let layout = layout(&dasd)?;
    let buffer = data(0, u32::from(BLOCK));
    // SAFETY: as above.
    let result = unsafe { dasd.write_blocks(&layout, 5, 1, buffer) };
    expect(result, Condition::WriteInhibited)?;
    // Reading it works.
    // SAFETY: as above.
    unsafe { dasd.read_blocks(&layout, 5, 1, buffer) }.map_err(|e| fail("read", e))?;
    check_blocks(0, 5, 1, block_byte)
}

/// Records past the end of the Define Extent, and a search on a track
/// outside it: file protected.
fn records_outside_the_extent_are_file_protected() -> TestResult {
    let mut dasd = open(BLOCKS, DataPath::Direct)?;
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
    let records = |first: RecordId, count: u32| Records {
        extent,
        first,
        records_per_track: BLOCKS_PER_TRACK,
        count,
        record_length: BLOCK,
    };
    // SAFETY: as above.
    let result = unsafe {
        dasd.read_records(
            records(RecordId::new(0, 3, 11), 3),
            data(0, 3 * u32::from(BLOCK)),
        )
    };
    expect(result, Condition::FileProtected)?;
    // SAFETY: as above.
    let result = unsafe {
        dasd.read_records(
            records(RecordId::new(0, 4, 1), 1),
            data(0, u32::from(BLOCK)),
        )
    };
    expect(result, Condition::FileProtected)
}

/// Record 13 of a track of 12: no record found when Locate Record
/// searches it; Read Count after the last record passes the index point
/// and reads R1 again, which the driver reports as not on the track.
fn missing_record_is_no_record_found() -> TestResult {
    let mut dasd = open(BLOCKS, DataPath::Direct)?;
    let extent = dasd.volume_extent();
    let records = Records {
        extent,
        first: RecordId::new(1, 7, 13),
        records_per_track: BLOCKS_PER_TRACK,
        count: 1,
        record_length: BLOCK,
    };
    // SAFETY: as above.
    let result = unsafe { dasd.read_records(records, data(0, u32::from(BLOCK))) };
    expect(result, Condition::NoRecordFound)?;
    let missing = dasd.read_count(RecordId::new(0, 0, 4));
    check_eq!(
        missing,
        Err(EckdError::RecordNotOnTrack {
            wanted: RecordId::new(0, 0, 4),
            found: RecordId::new(0, 0, 1)
        }),
        "Read Count past the last record"
    );
    Ok(())
}

/// A transfer length other than the records' is caught.
fn wrong_record_length_is_reported() -> TestResult {
    let mut dasd = open(BLOCKS, DataPath::Direct)?;
    let records = Records {
        extent: dasd.volume_extent(),
        first: RecordId::new(0, 1, 1),
        records_per_track: BLOCKS_PER_TRACK,
        count: 1,
        record_length: 2048,
    };
    // SAFETY: as above.
    let result = unsafe { dasd.read_records(records, data(0, 2048)) };
    check!(
        matches!(result, Err(EckdError::WrongLength { .. })),
        "{:?}",
        result
    );
    Ok(())
}

/// Read IPL gives R1 of track 0; Read Count and Read Key and Data give
/// the VOL1 label; Read Count Key and Data gives a block with its count.
fn read_ipl_count_key_and_data() -> TestResult {
    let mut dasd = open(BLOCKS, DataPath::Direct)?;
    // SAFETY: as above.
    let got = unsafe { dasd.read_ipl(data(0, 64)) }.map_err(|e| fail("Read IPL", e))?;
    check_eq!(got, 24, "IPL1 length");
    let count = dasd
        .read_count(RecordId::new(0, 0, 3))
        .map_err(|e| fail("Read Count", e))?;
    check_eq!((count.key_length, count.data_length), (4, 80), "VOL1 count");
    let label = dasd
        .volume_label()
        .map_err(|e| TestFailure::new(format_args!("label: {e}")))?;
    check_eq!(label.volser, [0xE2, 0xF3, 0xF9, 0xF0, 0xC2, 0xD2], "volser");
    let buffer = data(0, 8 + u32::from(BLOCK));
    // SAFETY: as above.
    let (count, got) = unsafe { dasd.read_count_key_and_data(RecordId::new(0, 2, 3), buffer) }
        .map_err(|e| fail("Read CKD", e))?;
    check_eq!(count.id, RecordId::new(0, 2, 3), "count id");
    check_eq!(
        (count.data_length, got),
        (BLOCK, 8 + u32::from(BLOCK)),
        "length"
    );
    let mut first = [0u8; 16];
    MEMORY.read(buffer.address() as u32 + 8, &mut first);
    let block = BLOCKS_PER_TRACK + 2;
    for (i, byte) in first.iter().enumerate() {
        check_eq!(*byte, block_byte(block, i), "byte {}", i);
    }
    Ok(())
}

/// The VTOC of the dasdload volume: the format-4 DSCB, the dataset by
/// name, and its blocks read from its first extent.
fn vtoc_finds_the_payload_dataset() -> TestResult {
    let mut dasd = open(VTOC, DataPath::Midaw)?;
    let (at, format4) = dasd
        .vtoc()
        .map_err(|e| TestFailure::new(format_args!("VTOC: {e}")))?;
    check_eq!(format4.dscbs_per_track, 50, "DS4DEVDT");
    check!(format4.highest_format1 > at, "DS4HPCHR {:?}", format4);
    let dataset = dasd
        .find_dataset("S390CIO.PAYLOAD")
        .map_err(|e| TestFailure::new(format_args!("find: {e}")))?;
    check_eq!(dataset.block_length, BLOCK, "DS1BLKL");
    let extent = dataset.extents[0].ok_or_else(|| TestFailure::new(format_args!("no extent")))?;
    let records = extent.records(BLOCKS_PER_TRACK, PAYLOAD_BLOCKS, BLOCK);
    // SAFETY: as above.
    unsafe { dasd.read_records(records, data(0x40, PAYLOAD_BLOCKS * u32::from(BLOCK))) }
        .map_err(|e| fail("payload", e))?;
    check_blocks(0x40, 0, PAYLOAD_BLOCKS, block_byte)?;
    let missing = dasd.find_dataset("S390CIO.NOTHERE");
    check!(missing.is_err(), "{:?}", missing);
    Ok(())
}

/// Reads the whole block volume on each path, timed with the TOD clock,
/// and prints the rate (a measurement, not a check).
fn read_throughput() -> TestResult {
    for (path, name) in [
        (DataPath::Direct, "direct"),
        (DataPath::Idaw, "idaw"),
        (DataPath::Midaw, "midaw"),
    ] {
        let mut dasd = open(BLOCKS, path)?;
        let layout = layout(&dasd)?;
        let buffer = data(0, VOLUME_BLOCKS * u32::from(BLOCK));
        let start = TodClock.now_us();
        // SAFETY: as above.
        unsafe { dasd.read_blocks(&layout, 0, VOLUME_BLOCKS, buffer) }
            .map_err(|e| fail("read", e))?;
        let elapsed = (TodClock.now_us() - start).max(1);
        let last = VOLUME_BLOCKS - 1;
        check_blocks(last * u32::from(BLOCK), last, 1, block_byte)?;
        let bytes = u64::from(VOLUME_BLOCKS) * u64::from(BLOCK);
        // Bytes per microsecond = MB/s; two decimals.
        let centi = bytes * 100 / elapsed;
        println!(
            "measure eckd_read_{}_mb_per_s: {}.{:02} ({} bytes in {} us)",
            name,
            centi / 100,
            centi % 100,
            bytes,
            elapsed
        );
    }
    Ok(())
}

guest_tests![
    geometry_of_the_block_volume,
    reads_across_track_and_cylinder_boundaries,
    writes_across_boundaries_read_back,
    write_to_read_only_volume_is_write_inhibited,
    records_outside_the_extent_are_file_protected,
    missing_record_is_no_record_found,
    wrong_record_length_is_reported,
    read_ipl_count_key_and_data,
    vtoc_finds_the_payload_dataset,
    read_throughput,
];
