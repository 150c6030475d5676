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

/// ASCII to EBCDIC for letters, digits and blanks.
pub fn ebcdic(text: &str) -> Vec<u8> {
    text.bytes()
        .map(|c| match c {
            b'A'..=b'I' => 0xC1 + (c - b'A'),
            b'J'..=b'R' => 0xD1 + (c - b'J'),
            b'S'..=b'Z' => 0xE2 + (c - b'S'),
            b'0'..=b'9' => 0xF0 + (c - b'0'),
            _ => 0x40,
        })
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
}
