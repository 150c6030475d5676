//! The volume label and the VTOC (volume table of contents): the VOL1
//! label on cylinder 0 head 0 record 3 points at the VTOC, whose first
//! record is the format-4 DSCB describing the VTOC itself; format-1 DSCBs
//! name datasets and give their first three extents (z/OS DFSMSdfp
//! Advanced Services, "Data Set Control Block (DSCB)" and "Volume Label";
//! the layouts are those of Hercules' `dasdblks.h` as well).
//!
//! A DSCB is a record with a 44-byte key and 96 bytes of data, 140 bytes
//! read with Read Key and Data; the offsets below count from the start of
//! the key.

use super::dasd::{EckdDasd, Extent, Records};
use super::error::{Condition, EckdError};
use super::geometry::{RecordId, Track};
use crate::css::ChannelSubsystem;
use crate::devices::ebcdic;
use crate::driver::Clock;
use crate::memory::ChannelMemory;
use core::fmt;

/// Where the volume label is: cylinder 0, head 0, record 3.
pub const VOLUME_LABEL: RecordId = RecordId::new(0, 0, 3);
/// Bytes of a DSCB: a 44-byte key and 96 bytes of data.
pub const DSCB_LEN: usize = 140;
/// Bytes of a dataset name (the DSCB key), blank-padded EBCDIC.
pub const NAME_LEN: usize = 44;

/// "VOL1" in EBCDIC.
const VOL1: [u8; 4] = [0xE5, 0xD6, 0xD3, 0xF1];
/// Format identifiers (byte 44).
const FORMAT1: u8 = 0xF1;
const FORMAT4: u8 = 0xF4;
/// Offsets in a format-1 DSCB.
const DS1NOEPV: usize = 59;
const DS1BLKL: usize = 86;
const DS1LRECL: usize = 88;
const DS1LSTAR: usize = 98;
const DS1EXT1: usize = 105;
/// Offsets in a format-4 DSCB.
const DS4HPCHR: usize = 45;
const DS4DEVSZ: usize = 62;
const DS4DEVDT: usize = 74;
const DS4VTOCE: usize = 105;

/// Why the volume label or the VTOC could not be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum VtocError {
    /// Reading a record failed.
    Eckd(EckdError),
    /// Record 3 of track 0 is not a VOL1 label.
    NoVolumeLabel,
    /// The record the label points at is not a format-4 DSCB (its format
    /// identifier is given).
    NoFormat4(u8),
    /// A DSCB shorter than 140 bytes.
    ShortDscb(usize),
    /// No format-1 DSCB has this name.
    NotFound,
    /// A dataset name longer than 44 bytes or with a character that has
    /// no EBCDIC code here.
    BadName,
}

impl From<EckdError> for VtocError {
    fn from(error: EckdError) -> Self {
        VtocError::Eckd(error)
    }
}

impl fmt::Display for VtocError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VtocError::Eckd(e) => write!(f, "{e}"),
            VtocError::NoVolumeLabel => write!(f, "no VOL1 label"),
            VtocError::NoFormat4(id) => write!(f, "VTOC starts with format {id:#04x}, not F4"),
            VtocError::ShortDscb(len) => write!(f, "DSCB of {len} bytes"),
            VtocError::NotFound => write!(f, "no such dataset"),
            VtocError::BadName => write!(f, "not a dataset name"),
        }
    }
}

/// The VOL1 label: volume serial and where the VTOC starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct VolumeLabel {
    /// The volume serial, EBCDIC.
    pub volser: [u8; 6],
    /// The format-4 DSCB's address (CCHHR).
    pub vtoc: RecordId,
}

impl VolumeLabel {
    /// The label in a VOL1 record's data (at least 16 bytes: "VOL1",
    /// volser, security byte, VTOC CCHHR).
    pub fn from_data(data: &[u8]) -> Result<Self, VtocError> {
        let data = data.get(..16).ok_or(VtocError::NoVolumeLabel)?;
        if data[..4] != VOL1 {
            return Err(VtocError::NoVolumeLabel);
        }
        let mut volser = [0u8; 6];
        volser.copy_from_slice(&data[4..10]);
        Ok(VolumeLabel {
            volser,
            vtoc: RecordId::from_bytes([data[11], data[12], data[13], data[14], data[15]]),
        })
    }
}

/// One extent of a dataset: a type, a sequence number and a range of
/// tracks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct DatasetExtent {
    /// Extent type (0x01 data, 0x81 on cylinder boundaries, ...).
    pub kind: u8,
    /// Sequence number within the dataset.
    pub sequence: u8,
    /// First track.
    pub begin: Track,
    /// Last track.
    pub end: Track,
}

impl DatasetExtent {
    /// The 10-byte extent descriptor; `None` for an unused one (type 0).
    fn from_bytes(bytes: &[u8]) -> Option<Self> {
        let b = bytes.get(..10)?;
        (b[0] != 0).then(|| DatasetExtent {
            kind: b[0],
            sequence: b[1],
            begin: Track::from_bytes([b[2], b[3], b[4], b[5]]),
            end: Track::from_bytes([b[6], b[7], b[8], b[9]]),
        })
    }

    /// The first `count` records of this extent, R1 on, for a dataset of
    /// fixed `record_length`-byte records, `records_per_track` to a
    /// track: what [`EckdDasd::read_records`] reads.
    pub fn records(&self, records_per_track: u32, count: u32, record_length: u16) -> Records {
        Records {
            extent: Extent {
                begin: self.begin,
                end: self.end,
            },
            first: RecordId {
                track: self.begin,
                record: 1,
            },
            records_per_track,
            count,
            record_length,
        }
    }
}

fn u16_at(bytes: &[u8; DSCB_LEN], at: usize) -> u16 {
    u16::from_be_bytes([bytes[at], bytes[at + 1]])
}

fn record_at(bytes: &[u8; DSCB_LEN], at: usize) -> RecordId {
    RecordId::from_bytes([
        bytes[at],
        bytes[at + 1],
        bytes[at + 2],
        bytes[at + 3],
        bytes[at + 4],
    ])
}

/// The format-4 DSCB: the VTOC's own description.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Format4 {
    /// The highest address of a format-1 DSCB (DS4HPCHR).
    pub highest_format1: RecordId,
    /// Device size: cylinders and tracks per cylinder (DS4DEVSZ).
    pub device_size: (u16, u16),
    /// DSCBs per track (DS4DEVDT).
    pub dscbs_per_track: u8,
    /// The VTOC's extent (DS4VTOCE).
    pub vtoc: Option<DatasetExtent>,
}

impl Format4 {
    /// Decodes a 140-byte DSCB that must be format 4.
    pub fn from_dscb(dscb: &[u8; DSCB_LEN]) -> Result<Self, VtocError> {
        if dscb[NAME_LEN] != FORMAT4 {
            return Err(VtocError::NoFormat4(dscb[NAME_LEN]));
        }
        Ok(Format4 {
            highest_format1: record_at(dscb, DS4HPCHR),
            device_size: (u16_at(dscb, DS4DEVSZ), u16_at(dscb, DS4DEVSZ + 2)),
            dscbs_per_track: dscb[DS4DEVDT],
            vtoc: DatasetExtent::from_bytes(&dscb[DS4VTOCE..]),
        })
    }
}

/// A format-1 DSCB: a dataset's name, record format and first three
/// extents.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Format1 {
    /// The dataset name, blank-padded EBCDIC.
    pub name: [u8; NAME_LEN],
    /// Extents on this volume (DS1NOEPV).
    pub extent_count: u8,
    /// Block length (DS1BLKL).
    pub block_length: u16,
    /// Logical record length (DS1LRECL).
    pub record_length: u16,
    /// Last block written: relative track and record number (DS1LSTAR).
    pub last_used: (u16, u8),
    /// The first three extents (DS1EXT1-3); further ones are in format-3
    /// DSCBs, not read here.
    pub extents: [Option<DatasetExtent>; 3],
}

impl Format1 {
    /// Decodes a 140-byte DSCB; `None` unless it is format 1.
    pub fn from_dscb(dscb: &[u8; DSCB_LEN]) -> Option<Self> {
        if dscb[NAME_LEN] != FORMAT1 {
            return None;
        }
        let mut name = [0u8; NAME_LEN];
        name.copy_from_slice(&dscb[..NAME_LEN]);
        let extent = |i: usize| DatasetExtent::from_bytes(&dscb[DS1EXT1 + 10 * i..]);
        Some(Format1 {
            name,
            extent_count: dscb[DS1NOEPV],
            block_length: u16_at(dscb, DS1BLKL),
            record_length: u16_at(dscb, DS1LRECL),
            last_used: (u16_at(dscb, DS1LSTAR), dscb[DS1LSTAR + 2]),
            extents: [extent(0), extent(1), extent(2)],
        })
    }
}

/// A dataset name in blank-padded EBCDIC, from ASCII letters, digits and
/// `. $ # @ -` (lower case is taken as upper case).
pub fn dataset_name(ascii: &str) -> Result<[u8; NAME_LEN], VtocError> {
    if ascii.len() > NAME_LEN {
        return Err(VtocError::BadName);
    }
    let mut name = [0x40u8; NAME_LEN];
    for (out, c) in name.iter_mut().zip(ascii.bytes()) {
        let c = c.to_ascii_uppercase();
        if !c.is_ascii_alphanumeric() && !b".$#@-".contains(&c) {
            return Err(VtocError::BadName);
        }
        *out = ebcdic::from_ascii(c);
    }
    Ok(name)
}

impl<C: ChannelSubsystem, M: ChannelMemory, K: Clock> EckdDasd<'_, C, M, K> {
    /// The VOL1 label.
    pub fn volume_label(&mut self) -> Result<VolumeLabel, VtocError> {
        let count = self.read_count(VOLUME_LABEL)?;
        let mut record = [0u8; 96];
        let got = self.read_key_and_data(VOLUME_LABEL, &mut record)?;
        let key = usize::from(count.key_length);
        VolumeLabel::from_data(record.get(key..got).unwrap_or_default())
    }

    /// The DSCB at `id`.
    pub fn read_dscb(&mut self, id: RecordId) -> Result<[u8; DSCB_LEN], VtocError> {
        let mut dscb = [0u8; DSCB_LEN];
        let got = self.read_key_and_data(id, &mut dscb)?;
        if got < DSCB_LEN {
            return Err(VtocError::ShortDscb(got));
        }
        Ok(dscb)
    }

    /// The label's VTOC: its address and its format-4 DSCB.
    pub fn vtoc(&mut self) -> Result<(RecordId, Format4), VtocError> {
        let label = self.volume_label()?;
        let format4 = Format4::from_dscb(&self.read_dscb(label.vtoc)?)?;
        Ok((label.vtoc, format4))
    }

    /// The format-1 DSCB of the dataset named `name` (ASCII, e.g.
    /// `"SYS1.PAYLOAD"`): the VTOC's records are read in order from the
    /// format-4 DSCB up to the highest format-1 DSCB it names, a track at
    /// a time.
    pub fn find_dataset(&mut self, name: &str) -> Result<Format1, VtocError> {
        let wanted = dataset_name(name)?;
        let (start, format4) = self.vtoc()?;
        let geometry = self.geometry();
        let mut id = RecordId {
            track: start.track,
            record: start.record.saturating_add(1),
        };
        let last = format4.highest_format1;
        while id <= last {
            let next_track = match self.read_dscb(id) {
                Ok(dscb) => {
                    if let Some(format1) = Format1::from_dscb(&dscb) {
                        if format1.name == wanted {
                            return Ok(format1);
                        }
                    }
                    id.record == u8::MAX
                }
                Err(VtocError::Eckd(e)) if e.condition() == Some(Condition::NoRecordFound) => true,
                Err(e) => return Err(e),
            };
            id = if next_track {
                let track = geometry
                    .linear(id.track)
                    .and_then(|t| geometry.track(t + 1))
                    .ok_or(VtocError::NotFound)?;
                RecordId { track, record: 1 }
            } else {
                RecordId {
                    track: id.track,
                    record: id.record + 1,
                }
            };
        }
        Err(VtocError::NotFound)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label() {
        let mut data = [0x40u8; 80];
        data[..4].copy_from_slice(&VOL1);
        data[4..10].copy_from_slice(&[0xE2, 0xF3, 0xF9, 0xF0, 0xC9, 0xD6]);
        data[11..16].copy_from_slice(&[0, 0, 0, 1, 1]);
        let label = VolumeLabel::from_data(&data).unwrap();
        assert_eq!(label.vtoc, RecordId::new(0, 1, 1));
        assert_eq!(label.volser, [0xE2, 0xF3, 0xF9, 0xF0, 0xC9, 0xD6]);
        data[3] = 0xF2;
        assert_eq!(VolumeLabel::from_data(&data), Err(VtocError::NoVolumeLabel));
        assert_eq!(
            VolumeLabel::from_data(&data[..15]),
            Err(VtocError::NoVolumeLabel)
        );
    }

    #[test]
    fn format1_and_format4() {
        let mut dscb = [0u8; DSCB_LEN];
        dscb[..NAME_LEN].copy_from_slice(&dataset_name("SYS1.X").unwrap());
        assert_eq!(Format4::from_dscb(&dscb), Err(VtocError::NoFormat4(0)));
        assert_eq!(Format1::from_dscb(&dscb), None);
        dscb[NAME_LEN] = FORMAT1;
        dscb[DS1NOEPV] = 1;
        dscb[DS1BLKL..DS1BLKL + 2].copy_from_slice(&4096u16.to_be_bytes());
        dscb[DS1LSTAR..DS1LSTAR + 3].copy_from_slice(&[0, 2, 7]);
        dscb[DS1EXT1..DS1EXT1 + 10].copy_from_slice(&[1, 0, 0, 1, 0, 0, 0, 2, 0, 14]);
        let f1 = Format1::from_dscb(&dscb).unwrap();
        assert_eq!(&f1.name[..6], &[0xE2, 0xE8, 0xE2, 0xF1, 0x4B, 0xE7]);
        assert_eq!(f1.name[6], 0x40);
        assert_eq!((f1.extent_count, f1.block_length), (1, 4096));
        assert_eq!(f1.last_used, (2, 7));
        assert_eq!(
            f1.extents,
            [
                Some(DatasetExtent {
                    kind: 1,
                    sequence: 0,
                    begin: Track {
                        cylinder: 1,
                        head: 0
                    },
                    end: Track {
                        cylinder: 2,
                        head: 14
                    },
                }),
                None,
                None
            ]
        );
        dscb[NAME_LEN] = FORMAT4;
        dscb[DS4HPCHR..DS4HPCHR + 5].copy_from_slice(&[0, 0, 0, 1, 3]);
        dscb[DS4DEVSZ..DS4DEVSZ + 4].copy_from_slice(&[0, 10, 0, 15]);
        dscb[DS4DEVDT] = 50;
        let f4 = Format4::from_dscb(&dscb).unwrap();
        assert_eq!(f4.highest_format1, RecordId::new(0, 1, 3));
        assert_eq!((f4.device_size, f4.dscbs_per_track), ((10, 15), 50));
        assert_eq!(f4.vtoc, f1.extents[0], "DS4VTOCE is where DS1EXT1 is");
    }

    #[test]
    fn an_extent_gives_its_records_from_r1() {
        let extent = DatasetExtent {
            kind: 1,
            sequence: 0,
            begin: Track {
                cylinder: 1,
                head: 2,
            },
            end: Track {
                cylinder: 2,
                head: 14,
            },
        };
        let records = extent.records(12, 30, 4096);
        assert_eq!(records.first, RecordId::new(1, 2, 1));
        assert_eq!(
            (records.extent.begin, records.extent.end),
            (extent.begin, extent.end)
        );
        assert_eq!(
            (
                records.records_per_track,
                records.count,
                records.record_length
            ),
            (12, 30, 4096)
        );
    }

    #[test]
    fn names() {
        assert_eq!(
            dataset_name("a.b$#@-9").unwrap()[..9],
            [0xC1, 0x4B, 0xC2, 0x5B, 0x7B, 0x7C, 0x60, 0xF9, 0x40]
        );
        assert_eq!(dataset_name("A B"), Err(VtocError::BadName));
        assert_eq!(dataset_name(&"A".repeat(45)), Err(VtocError::BadName));
    }
}
