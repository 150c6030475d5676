//! The 3390 volumes of the Hercules runs, written here or by `dasdload`.
//!
//! Hercules keeps a CKD volume as a `CKD_P370` image: a 512-byte header
//! ("CKD_P370", heads and track size little-endian, device type 0x90 for a
//! 3390), then one fixed-size slot per track: a 5-byte home address (flag,
//! CC, HH), the records (8-byte count CC HH R KL DL, key, data, R0 first)
//! and eight 0xFF bytes after the last (see platform.md).
//!
//! - `blocks.3390` (0121, and a read-only copy at 0122): 4 cylinders;
//!   track 0 as `dasdinit` writes it (IPL1, IPL2, VOL1 with 4-byte keys),
//!   every other track 12 records of 4096 bytes without keys, as the data
//!   part of Linux's CDL layout. Block n (track 1 + n / 12, record
//!   n % 12 + 1) holds [`block_byte`]`(n, i)` at byte i.
//! - `vtoc.3390` (0123): built by `dasdload`: a VTOC and the dataset
//!   `S390CIO.PAYLOAD` of [`VTOC_PAYLOAD_BLOCKS`] blocks of 4096 bytes
//!   (RECFM FB), block n holding `block_byte(n, i)` as well.

use anyhow::{bail, Context, Result};
use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};

/// Bytes of a track slot in a 3390 `CKD_P370` image (Hercules' value).
pub const TRACK_SLOT: usize = 56832;
/// Tracks per cylinder.
pub const HEADS: u16 = 15;
/// Cylinders of the block volume.
pub const BLOCK_VOLUME_CYLINDERS: u16 = 4;
/// Bytes per block.
pub const BLOCK_SIZE: usize = 4096;
/// Blocks per track.
pub const BLOCKS_PER_TRACK: u32 = 12;
/// Blocks of the VTOC volume's dataset.
pub const VTOC_PAYLOAD_BLOCKS: u32 = 6;

/// Byte `i` of block `n` on the test volumes (the guest computes the same).
pub fn block_byte(n: u32, i: usize) -> u8 {
    (n.wrapping_mul(31) ^ (i as u32).wrapping_mul(7)) as u8
}

fn block(n: u32) -> Vec<u8> {
    (0..BLOCK_SIZE).map(|i| block_byte(n, i)).collect()
}

/// A record to write: key and data (the count field is derived).
pub struct CkdRecord {
    /// The key (0-255 bytes).
    pub key: Vec<u8>,
    /// The data.
    pub data: Vec<u8>,
}

/// ASCII to EBCDIC (code page 037, the library's table).
pub fn ebcdic(text: &str) -> Vec<u8> {
    text.bytes()
        .map(s390_cio::devices::ebcdic::from_ascii)
        .collect()
}

/// Track 0 as `dasdinit` writes it: R1 IPL1 (24 bytes), R2 IPL2 (144
/// bytes), R3 VOL1 (80 bytes, VTOC pointer 0/1/1), 4-byte keys.
pub fn track_zero(volser: &str, ipl1: &[u8], ipl2: &[u8]) -> Vec<CkdRecord> {
    let mut vol1 = ebcdic("VOL1");
    vol1.extend(ebcdic(&format!("{volser:<6}")));
    vol1.push(0x40);
    vol1.extend([0, 0, 0, 1, 1]);
    vol1.resize(80, 0x40);
    vec![
        CkdRecord {
            key: ebcdic("IPL1"),
            data: ipl1.to_vec(),
        },
        CkdRecord {
            key: ebcdic("IPL2"),
            data: ipl2.to_vec(),
        },
        CkdRecord {
            key: ebcdic("VOL1"),
            data: vol1,
        },
    ]
}

/// A `CKD_P370` image of `cylinders` cylinders whose track (cylinder,
/// head) holds `records(cylinder, head)` after R0.
pub fn ckd_image(cylinders: u16, records: impl Fn(u16, u16) -> Vec<CkdRecord>) -> Result<Vec<u8>> {
    let mut image = Vec::with_capacity(512 + usize::from(cylinders) * 15 * TRACK_SLOT);
    image.extend_from_slice(b"CKD_P370");
    image.extend_from_slice(&u32::from(HEADS).to_le_bytes());
    image.extend_from_slice(&(TRACK_SLOT as u32).to_le_bytes());
    image.push(0x90);
    image.resize(512, 0);
    for cylinder in 0..cylinders {
        for head in 0..HEADS {
            let start = image.len();
            let [c0, c1] = cylinder.to_be_bytes();
            let [h0, h1] = head.to_be_bytes();
            image.extend([0, c0, c1, h0, h1]);
            image.extend([c0, c1, h0, h1, 0, 0, 0, 8]);
            image.extend([0; 8]);
            for (r, record) in (1u8..).zip(records(cylinder, head)) {
                let kl = u8::try_from(record.key.len()).context("key longer than 255")?;
                let dl = u16::try_from(record.data.len()).context("data longer than 65535")?;
                let [d0, d1] = dl.to_be_bytes();
                image.extend([c0, c1, h0, h1, r, kl, d0, d1]);
                image.extend(&record.key);
                image.extend(&record.data);
            }
            image.extend([0xFF; 8]);
            if image.len() - start > TRACK_SLOT {
                bail!("track {cylinder}/{head} does not fit its slot");
            }
            image.resize(start + TRACK_SLOT, 0);
        }
    }
    Ok(image)
}

/// The block volume (see the module documentation).
pub fn blocks_volume() -> Result<Vec<u8>> {
    let ipl1 = [0u8; 24];
    let ipl2 = [0u8; 144];
    ckd_image(BLOCK_VOLUME_CYLINDERS, |cylinder, head| {
        let track = u32::from(cylinder) * u32::from(HEADS) + u32::from(head);
        if track == 0 {
            return track_zero("S390BK", &ipl1, &ipl2);
        }
        (0..BLOCKS_PER_TRACK)
            .map(|r| CkdRecord {
                key: Vec::new(),
                data: block((track - 1) * BLOCKS_PER_TRACK + r),
            })
            .collect()
    })
}

/// One dataset for `dasdload`: name, contents, tracks.
pub struct Dataset<'a> {
    /// The dataset name.
    pub name: &'a str,
    /// Its contents, a multiple of 4096 bytes (RECFM FB, LRECL = BLKSIZE =
    /// 4096).
    pub contents: &'a [u8],
    /// Tracks to allocate.
    pub tracks: u32,
}

/// Runs `dasdload` in `dir` for a volume `volser` of `cylinders`
/// cylinders with `datasets` and a one-track VTOC after them; the image
/// is `dir/name`.
pub fn dasdload(
    dir: &Path,
    name: &str,
    volser: &str,
    cylinders: u16,
    datasets: &[Dataset<'_>],
) -> Result<()> {
    let mut control = format!("{volser} 3390 {cylinders}\n");
    for (i, dataset) in datasets.iter().enumerate() {
        if dataset.contents.len() % BLOCK_SIZE != 0 {
            bail!("{} is not a multiple of {BLOCK_SIZE} bytes", dataset.name);
        }
        let file = format!("{name}.dataset{i}");
        fs::write(dir.join(&file), dataset.contents)?;
        control.push_str(&format!(
            "{} SEQ {file} TRK {} 0 0 PS FB {BLOCK_SIZE} {BLOCK_SIZE}\n",
            dataset.name, dataset.tracks
        ));
    }
    control.push_str("S390CIO.VTOC VTOC TRK 1\n");
    let control_file = format!("{name}.ctl");
    fs::write(dir.join(&control_file), control)?;
    let _ = fs::remove_file(dir.join(name));
    let out = Command::new("dasdload")
        .args([control_file.as_str(), name, "0"])
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .context("running dasdload")?;
    if !out.status.success() || !dir.join(name).exists() {
        bail!(
            "dasdload failed ({}): {}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(())
}

/// The VTOC volume (see the module documentation), as `dir/name`.
pub fn vtoc_volume(dir: &Path, name: &str) -> Result<()> {
    let contents: Vec<u8> = (0..VTOC_PAYLOAD_BLOCKS).flat_map(block).collect();
    dasdload(
        dir,
        name,
        "S390VT",
        2,
        &[Dataset {
            name: "S390CIO.PAYLOAD",
            contents: &contents,
            tracks: 2,
        }],
    )
}

/// Where the IPL2 record (the second IPL channel program and the start
/// stub) is read to.
pub const IPL2_ADDRESS: u32 = 0x800;
/// Where the start stub stores the TOD clock, first thing after the IPL
/// (the stage-2 program reads it there).
pub const IPL_TOD_ADDRESS: u32 = 0x3F8;
/// The payload's header: magic, body length, FNV-1a 32 of the body, the
/// value its code returns, 16 bytes reserved.
pub const PAYLOAD_MAGIC: &[u8; 8] = b"S390PAYL";
/// Bytes of the payload header.
pub const PAYLOAD_HEADER: usize = 32;
/// Bytes of the payload (header, code, filler).
pub const PAYLOAD_LEN: usize = 16 * BLOCK_SIZE;
/// The value the payload's code returns.
pub const PAYLOAD_RESULT: u32 = 0x5039_0C10;

/// FNV-1a, 32 bits.
pub fn fnv1a(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811C_9DC5, |h, &b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}

/// The payload stage 2 loads: a header, then code that returns
/// [`PAYLOAD_RESULT`] (`lgfi %r2,RESULT; br %r14`, the C calling
/// convention), then filler (`block_byte` of block 100 and on).
pub fn payload() -> Vec<u8> {
    let mut body = vec![0xC0, 0x21];
    body.extend(PAYLOAD_RESULT.to_be_bytes());
    body.extend([0x07, 0xFE]);
    let mut n = 0;
    while body.len() < PAYLOAD_LEN - PAYLOAD_HEADER {
        body.push(block_byte(100 + (n / BLOCK_SIZE) as u32, n % BLOCK_SIZE));
        n += 1;
    }
    let mut payload = PAYLOAD_MAGIC.to_vec();
    payload.extend((body.len() as u32).to_be_bytes());
    payload.extend(fnv1a(&body).to_be_bytes());
    payload.extend(u64::from(PAYLOAD_RESULT).to_be_bytes());
    payload.resize(PAYLOAD_HEADER, 0);
    payload.extend(body);
    payload
}

/// A record read back from an image: count, key, data.
struct ImageRecord {
    count: [u8; 8],
    key: Vec<u8>,
    data: Vec<u8>,
}

fn slot(cylinder: u16, head: u16) -> usize {
    512 + (usize::from(cylinder) * usize::from(HEADS) + usize::from(head)) * TRACK_SLOT
}

/// The records (R0 included) of a track of a `CKD_P370` image.
fn read_track(image: &[u8], cylinder: u16, head: u16) -> Result<Vec<ImageRecord>> {
    let track = image
        .get(slot(cylinder, head)..slot(cylinder, head) + TRACK_SLOT)
        .context("track past the end of the image")?;
    let mut at = 5;
    let mut records = Vec::new();
    while track.get(at..at + 8) != Some(&[0xFF; 8][..]) {
        let count: [u8; 8] = track
            .get(at..at + 8)
            .context("track without end marker")?
            .try_into()?;
        let kl = usize::from(count[5]);
        let dl = usize::from(u16::from_be_bytes([count[6], count[7]]));
        let key = track
            .get(at + 8..at + 8 + kl)
            .context("key past the slot")?;
        let data = track
            .get(at + 8 + kl..at + 8 + kl + dl)
            .context("data past the slot")?;
        records.push(ImageRecord {
            count,
            key: key.to_vec(),
            data: data.to_vec(),
        });
        at += 8 + kl + dl;
    }
    Ok(records)
}

/// Writes `records` (R0 included, counts as given but for the data length)
/// as the track's contents.
fn write_track(image: &mut [u8], cylinder: u16, head: u16, records: &[ImageRecord]) -> Result<()> {
    let [c0, c1] = cylinder.to_be_bytes();
    let [h0, h1] = head.to_be_bytes();
    let mut track = vec![0, c0, c1, h0, h1];
    for record in records {
        let mut count = record.count;
        count[6..8].copy_from_slice(&u16::try_from(record.data.len())?.to_be_bytes());
        track.extend(count);
        track.extend(&record.key);
        track.extend(&record.data);
    }
    track.extend([0xFF; 8]);
    if track.len() > TRACK_SLOT {
        bail!("track {cylinder}/{head} does not fit its slot");
    }
    track.resize(TRACK_SLOT, 0);
    image[slot(cylinder, head)..slot(cylinder, head) + TRACK_SLOT].copy_from_slice(&track);
    Ok(())
}

/// The first track of dataset `name`, from the VTOC the VOL1 label points
/// at (the format-1 DSCB's first extent).
fn dataset_start(image: &[u8], name: &str) -> Result<(u16, u16)> {
    let track0 = read_track(image, 0, 0)?;
    let vol1 = track0
        .iter()
        .find(|r| r.key == ebcdic("VOL1"))
        .context("no VOL1 label")?;
    let vtoc = (
        u16::from_be_bytes([vol1.data[11], vol1.data[12]]),
        u16::from_be_bytes([vol1.data[13], vol1.data[14]]),
    );
    let mut key = ebcdic(name);
    key.resize(44, 0x40);
    let dscb = read_track(image, vtoc.0, vtoc.1)?
        .into_iter()
        .find(|r| r.key == key && r.data.first() == Some(&0xF1))
        .with_context(|| format!("no format-1 DSCB for {name}"))?;
    // DS1EXT1 is at byte 105 of the DSCB, 61 of its data; CC HH at +2.
    let extent = dscb.data.get(61..71).context("short DSCB")?;
    Ok((
        u16::from_be_bytes([extent[2], extent[3]]),
        u16::from_be_bytes([extent[4], extent[5]]),
    ))
}

/// A format-0 CCW (IPL channel programs are format 0).
fn ccw0(command: u8, address: u32, flags: u8, count: u16) -> [u8; 8] {
    let [_, a0, a1, a2] = address.to_be_bytes();
    let [n0, n1] = count.to_be_bytes();
    [command, a0, a1, a2, flags, 0, n0, n1]
}

/// CCW flags: command chaining, suppress length indication.
const CC: u8 = 0x40;
const SLI: u8 = 0x20;

/// A bootable 3390 built by `dasdload` and patched: the datasets
/// S390CIO.STAGE2 (`stage2`, loaded at `load`, entered at `entry` in
/// 64-bit mode) and S390CIO.PAYLOAD ([`payload`]), a VTOC, and IPL
/// records that load stage 2:
///
/// - IPL1 (R1 of track 0, 24 bytes): an ESA/390 PSW (31-bit, all
///   interruptions off) pointing at the start stub, then READ DATA of
///   IPL2 to [`IPL2_ADDRESS`] and a TIC to it.
/// - IPL2 (R2): SEEK to stage 2's first track, SEARCH ID EQUAL for R1
///   and a TIC back to it, one READ DATA per 4096-byte record (multitrack
///   after the first, so it goes on to the next track of the cylinder);
///   then the seek and search arguments and the start stub: STCK to
///   [`IPL_TOD_ADDRESS`], SIGP set architecture to z/Architecture (order
///   0x12, parameter 1, CPU 0), SAM64, and a branch to `entry`.
pub fn ipl_volume(dir: &Path, name: &str, stage2: &[u8], load: u32, entry: u32) -> Result<()> {
    let mut stage2 = stage2.to_vec();
    stage2.resize(stage2.len().next_multiple_of(BLOCK_SIZE), 0);
    let records = stage2.len() / BLOCK_SIZE;
    let tracks = |n: usize| n.div_ceil(BLOCKS_PER_TRACK as usize) as u32;
    let payload = payload();
    dasdload(
        dir,
        name,
        "S390IP",
        3,
        &[
            Dataset {
                name: "S390CIO.STAGE2",
                contents: &stage2,
                tracks: tracks(records),
            },
            Dataset {
                name: "S390CIO.PAYLOAD",
                contents: &payload,
                tracks: tracks(payload.len() / BLOCK_SIZE),
            },
        ],
    )?;
    let path = dir.join(name);
    let mut image = fs::read(&path)?;
    let (cylinder, head) = dataset_start(&image, "S390CIO.STAGE2")?;
    let room = (usize::from(HEADS - head)) * BLOCKS_PER_TRACK as usize;
    if records > room {
        bail!("stage 2 ({records} records) does not fit the rest of cylinder {cylinder}");
    }
    if load as usize + stage2.len() > 0x100_0000 {
        bail!("stage 2 must load below 16 MiB (format-0 CCWs)");
    }
    let ccws = 3 + records;
    let seek_argument = IPL2_ADDRESS + 8 * ccws as u32;
    let search_argument = seek_argument + 8;
    let stub = search_argument + 8;
    let mut ipl2 = Vec::new();
    ipl2.extend(ccw0(0x07, seek_argument, CC, 6));
    ipl2.extend(ccw0(0x31, search_argument, CC, 5));
    ipl2.extend(ccw0(0x08, IPL2_ADDRESS + 8, 0, 0));
    for r in 0..records {
        let command = if r == 0 { 0x06 } else { 0x86 };
        let flags = if r + 1 == records { 0 } else { CC };
        ipl2.extend(ccw0(
            command,
            load + (r * BLOCK_SIZE) as u32,
            flags,
            BLOCK_SIZE as u16,
        ));
    }
    let [c0, c1] = cylinder.to_be_bytes();
    let [h0, h1] = head.to_be_bytes();
    ipl2.extend([0, 0, c0, c1, h0, h1, 0, 0]);
    ipl2.extend([c0, c1, h0, h1, 1, 0, 0, 0]);
    let [t0, t1, t2, t3] = IPL_TOD_ADDRESS.to_be_bytes();
    if [t0, t1] != [0, 0] || t2 > 0x0F {
        bail!("the TOD address must fit a 12-bit displacement");
    }
    ipl2.extend([0xB2, 0x05, t2, t3]); // stck IPL_TOD_ADDRESS
    ipl2.extend([0xA7, 0x18, 0x00, 0x01]); // lhi %r1,1
    ipl2.extend([0xA7, 0x08, 0x00, 0x00]); // lhi %r0,0
    ipl2.extend([0xAE, 0x10, 0x00, 0x12]); // sigp %r1,%r0,0x12
    ipl2.extend([0x01, 0x0E]); // sam64
    ipl2.extend([0xC0, 0x2F]); // llilf %r2,entry
    ipl2.extend(entry.to_be_bytes());
    ipl2.extend([0x07, 0xF2]); // br %r2
    let mut ipl1 = vec![0x00, 0x08, 0x00, 0x00];
    ipl1.extend((0x8000_0000 | stub).to_be_bytes());
    ipl1.extend(ccw0(0x06, IPL2_ADDRESS, CC | SLI, ipl2.len() as u16));
    ipl1.extend(ccw0(0x08, IPL2_ADDRESS, 0, 0));
    let mut track0 = read_track(&image, 0, 0)?;
    let ipl_record = |n: u8| track0.iter().position(|r| r.count[4] == n);
    let (r1, r2) = (
        ipl_record(1).context("no IPL1 record")?,
        ipl_record(2).context("no IPL2 record")?,
    );
    track0[r1].data = ipl1;
    track0[r2].data = ipl2;
    write_track(&mut image, 0, 0, &track0)?;
    fs::write(&path, image)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_layout() {
        let image = blocks_volume().unwrap();
        assert_eq!(image.len(), 512 + 4 * 15 * TRACK_SLOT);
        assert_eq!(&image[..8], b"CKD_P370");
        assert_eq!(&image[8..16], &[15, 0, 0, 0, 0, 0xDE, 0, 0]);
        // Track 1: home address, R0, then R1's count and data.
        let t1 = 512 + TRACK_SLOT;
        assert_eq!(&image[t1..t1 + 5], &[0, 0, 0, 0, 1]);
        assert_eq!(&image[t1 + 21..t1 + 29], &[0, 0, 0, 1, 1, 0, 0x10, 0]);
        assert_eq!(image[t1 + 29 + 5], block_byte(0, 5));
        // Track 0's VOL1 label.
        let vol1 = 512 + 5 + 16 + (8 + 4 + 24) + (8 + 4 + 144) + 8 + 4;
        assert_eq!(&image[vol1..vol1 + 4], &ebcdic("VOL1")[..]);
    }

    #[test]
    fn payload_and_ipl_ccws() {
        let p = payload();
        assert_eq!(p.len(), PAYLOAD_LEN);
        assert_eq!(&p[..8], PAYLOAD_MAGIC);
        let len = u32::from_be_bytes(p[8..12].try_into().unwrap()) as usize;
        assert_eq!(len, PAYLOAD_LEN - PAYLOAD_HEADER);
        let sum = u32::from_be_bytes(p[12..16].try_into().unwrap());
        assert_eq!(sum, fnv1a(&p[PAYLOAD_HEADER..]));
        assert_eq!(&p[PAYLOAD_HEADER..PAYLOAD_HEADER + 2], &[0xC0, 0x21]);
        assert_eq!(fnv1a(b"a"), 0xE40C_292C);
        assert_eq!(
            ccw0(0x06, 0x02_0000, CC, 4096),
            [0x06, 0x02, 0x00, 0x00, 0x40, 0, 0x10, 0x00]
        );
    }
}
