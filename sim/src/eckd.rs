//! A 3390 ECKD DASD behind a 3990 storage control, as a [`Device`].
//!
//! The volume is `cylinders` × 15 tracks. Each track has a home address
//! (its CCHH), a record zero (R0: 8 bytes of data, no key) and user records
//! R1, R2, ... each with a count field (CC HH R, key length, data length),
//! an optional key and a data area. [`Eckd3390::formatted`] builds a volume
//! with the same records on every track (e.g. 12 × 4096, as Linux's CDL and
//! LDL layouts use); [`Eckd3390::format_track`] lays out one track;
//! [`Eckd3390::data`], [`Eckd3390::write_data`] and [`Eckd3390::write_key`]
//! reach record contents directly, for test setup and checking.
//!
//! The channel commands are modelled after the IBM 3990 storage control
//! reference: SENSE ID (`FF 3990 C2 3390 02 00` with a CIW for Read
//! Configuration Data), Read Device Characteristics, Define Extent, Locate
//! Record (operations orient, write data, read data; orientations count,
//! home address, data), Seek, Search ID Equal/High/Equal-or-High, Read Data,
//! Read Key and Data, Read Count, Read Count Key and Data (and their
//! multitrack forms), Write Data (and multitrack), Read IPL, No-Operation
//! and Read Configuration Data.
//! Errors end the command with unit check and 32 bytes of sense in the
//! 24-byte compatibility format (byte 27 bit 0 set), which
//! [`s390_cio::structures::EckdSense`] decodes.
//!
//! # Channel-program boundaries
//!
//! A 3990 forgets Define Extent, positioning and the Locate Record domain at
//! the start of each channel program: the channel's [`Device::start`] at
//! each start function, and [`Device::halt`] and [`Device::reset`] (HSCH,
//! CSCH), begin a new program ([`Eckd3390::begin_program`]).
//!
//! The model does not see the chain-command flag, so it cannot reject a
//! Locate Record domain left incomplete at the end of a program.

use s390_cio::structures::{Ciw, CiwType, DeviceStatus, SenseId};

use crate::device::{Device, DONE};
use crate::stream::DataStream;

/// Tracks (heads) per cylinder of a 3390.
pub const TRACKS_PER_CYLINDER: u16 = 15;
/// The most cylinders a volume can have (3390 with 2-byte cylinder numbers).
pub const MAX_CYLINDERS: u16 = 65520;
/// Bytes per track of a 3390 (Read Device Characteristics bytes 17-19).
pub const TRACK_LENGTH: u32 = 58786;
/// The largest R0 data length (Read Device Characteristics bytes 44-45).
pub const MAX_R0_LENGTH: u16 = 57326;
/// The largest data length of a record alone on a track (R1 maximum).
pub const MAX_R1_LENGTH: u16 = 56664;
/// Sectors per track.
pub const SECTORS_PER_TRACK: u8 = 224;
/// Bytes of sense data the 3990 presents.
pub const SENSE_LEN: usize = 32;

/// 34-byte cells per 3390 track, for the track-capacity formula.
const CELLS_PER_TRACK: u32 = 1729;
/// Cells of the home address and record zero.
const HA_R0_CELLS: u32 = 10;

/// Command codes the model knows.
mod cmd {
    pub const WRITE_DATA: u8 = 0x05;
    pub const READ_DATA: u8 = 0x06;
    pub const READ_IPL: u8 = 0x02;
    pub const NOP: u8 = 0x03;
    pub const SEEK: u8 = 0x07;
    pub const READ_KEY_DATA: u8 = 0x0E;
    pub const READ_COUNT: u8 = 0x12;
    pub const READ_CKD: u8 = 0x1E;
    pub const SEARCH_ID_EQUAL: u8 = 0x31;
    pub const SEARCH_ID_HIGH: u8 = 0x51;
    pub const SEARCH_ID_EQUAL_HIGH: u8 = 0x71;
    pub const LOCATE_RECORD: u8 = 0x47;
    pub const DEFINE_EXTENT: u8 = 0x63;
    pub const READ_DEVICE_CHARACTERISTICS: u8 = 0x64;
    pub const READ_CONFIGURATION_DATA: u8 = 0xFA;
    /// The multitrack bit of read, write and search commands.
    pub const MULTITRACK: u8 = 0x80;
}

/// Sense byte 0 and byte 1 bits, and the 24-byte-format messages used.
mod sense {
    pub const COMMAND_REJECT: u8 = 0x80;
    pub const INTERVENTION_REQUIRED: u8 = 0x40;
    pub const EQUIPMENT_CHECK: u8 = 0x10;
    pub const INVALID_TRACK_FORMAT: u8 = 0x40;
    pub const END_OF_CYLINDER: u8 = 0x20;
    pub const NO_RECORD_FOUND: u8 = 0x08;
    pub const FILE_PROTECTED: u8 = 0x04;
    pub const WRITE_INHIBITED: u8 = 0x02;
    /// Format 0 message 1: invalid command.
    pub const INVALID_COMMAND: u8 = 0x01;
    /// Format 0 message 2: invalid command sequence.
    pub const INVALID_SEQUENCE: u8 = 0x02;
    /// Format 0 message 3: CCW count less than required.
    pub const COUNT_TOO_SMALL: u8 = 0x03;
    /// Format 0 message 4: invalid parameter.
    pub const INVALID_PARAMETER: u8 = 0x04;
    /// Format 1 message 0: device equipment check.
    pub const DEVICE_EQUIPMENT: u8 = 0x10;
    /// Byte 27 bit 0: 24-byte compatibility format.
    pub const COMPATIBILITY_FORMAT: u8 = 0x80;
}

/// Define Extent file mask (byte 0) fields.
mod mask {
    pub const WRITE_CONTROL: u8 = 0xC0;
    pub const INHIBIT_ALL_WRITES: u8 = 0x40;
    pub const RESERVED: u8 = 0x20;
    pub const SEEK_CONTROL: u8 = 0x18;
    pub const INHIBIT_SEEK_AND_MULTITRACK: u8 = 0x18;
    /// Global attributes byte: architecture mode bits, ECKD.
    pub const ARCHITECTURE: u8 = 0xC0;
    /// Global attributes byte: CKD conversion mode.
    pub const CKD_CONVERSION: u8 = 0x20;
}

/// Locate Record parameter fields.
mod locate {
    pub const ORIENTATION: u8 = 0xC0;
    pub const ORIENT_COUNT: u8 = 0x00;
    pub const ORIENT_HOME: u8 = 0x40;
    pub const ORIENT_DATA: u8 = 0x80;
    pub const CODE: u8 = 0x3F;
    pub const ORIENT: u8 = 0x00;
    pub const WRITE_DATA: u8 = 0x01;
    pub const READ_DATA: u8 = 0x06;
    /// Auxiliary byte: transfer length factor valid.
    pub const TLF_VALID: u8 = 0x80;
}

/// A count field: where a record is, its record number, key and data
/// lengths (8 bytes on the track: CC HH R KL DL DL).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CountField {
    /// Cylinder number (CC).
    pub cylinder: u16,
    /// Head number (HH).
    pub head: u16,
    /// Record number (R).
    pub record: u8,
    /// Key length (KL).
    pub key_length: u8,
    /// Data length (DL DL).
    pub data_length: u16,
}

impl CountField {
    /// The 8 bytes of the count field as the channel sees them.
    pub fn to_bytes(self) -> [u8; 8] {
        let c = self.cylinder.to_be_bytes();
        let h = self.head.to_be_bytes();
        let d = self.data_length.to_be_bytes();
        [
            c[0],
            c[1],
            h[0],
            h[1],
            self.record,
            self.key_length,
            d[0],
            d[1],
        ]
    }

    /// The record identifier CCHHR (the first 5 bytes).
    pub fn id(self) -> [u8; 5] {
        let b = self.to_bytes();
        [b[0], b[1], b[2], b[3], b[4]]
    }
}

/// One record on a track: count, key and data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    count: CountField,
    key: Vec<u8>,
    /// The data written so far; bytes past its end up to the data length
    /// read as zero (so that big empty volumes cost no memory).
    data: Vec<u8>,
}

impl Record {
    fn new(count: CountField) -> Self {
        Self {
            count,
            key: vec![0; usize::from(count.key_length)],
            data: Vec::new(),
        }
    }

    /// The count field.
    pub fn count(&self) -> CountField {
        self.count
    }

    /// The key (as long as the key length).
    pub fn key(&self) -> &[u8] {
        &self.key
    }

    /// The data area, as long as the data length.
    pub fn data(&self) -> Vec<u8> {
        let mut out = self.data.clone();
        out.resize(usize::from(self.count.data_length), 0);
        out
    }
}

/// Why a volume could not be built or a record not reached directly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum VolumeError {
    /// The cylinder count is 0 or above [`MAX_CYLINDERS`].
    InvalidCylinders(u32),
    /// The records do not fit on a 3390 track.
    TrackOverflow {
        /// Records asked for (without R0).
        records: usize,
    },
    /// There is no such track on the volume.
    NoSuchTrack {
        /// Cylinder asked for.
        cylinder: u16,
        /// Head asked for.
        head: u16,
    },
    /// The track has no record with that number.
    NoSuchRecord {
        /// Record number asked for.
        record: u8,
    },
    /// More bytes than the key or data length of the record.
    TooLong {
        /// Bytes given.
        given: usize,
        /// Bytes the record holds.
        room: usize,
    },
}

impl core::fmt::Display for VolumeError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::InvalidCylinders(n) => write!(f, "invalid cylinder count {n}"),
            Self::TrackOverflow { records } => {
                write!(f, "{records} records do not fit on a 3390 track")
            }
            Self::NoSuchTrack { cylinder, head } => {
                write!(f, "no track cylinder {cylinder} head {head}")
            }
            Self::NoSuchRecord { record } => write!(f, "no record {record} on the track"),
            Self::TooLong { given, room } => write!(f, "{given} bytes given, room for {room}"),
        }
    }
}

/// The 34-byte cells a record with key length `kl` and data length `dl`
/// takes on a 3390 track (the 3390 track-capacity formula).
fn record_cells(kl: u32, dl: u32) -> u32 {
    let dn = (dl + 6).div_ceil(232) + 1;
    let data = (dl + 6 * dn).div_ceil(34);
    let key = if kl == 0 {
        0
    } else {
        let kn = (kl + 6).div_ceil(232) + 1;
        9 + (kl + 6 * kn).div_ceil(34)
    };
    9 + key + data
}

/// Whether records with these key and data lengths fit on one track.
fn fits(records: &[(u8, u16)]) -> bool {
    let cells: u32 = records
        .iter()
        .map(|&(kl, dl)| record_cells(u32::from(kl), u32::from(dl)))
        .sum();
    HA_R0_CELLS + cells <= CELLS_PER_TRACK
}

/// The EBCDIC code of an ASCII digit, capital letter or space (anything
/// else becomes EBCDIC zero, as in configuration-data fields).
fn ebcdic(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => 0xF0 + (c - b'0'),
        b'A'..=b'I' => 0xC1 + (c - b'A'),
        b'J'..=b'R' => 0xD1 + (c - b'J'),
        b'S'..=b'Z' => 0xE2 + (c - b'S'),
        b' ' => 0x40,
        _ => 0xF0,
    }
}

/// Where the access mechanism is on the current track.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Orientation {
    /// Just after the home address (the index point was passed).
    Index,
    /// After the count field of record `n` (index into the track).
    Count(usize),
    /// After the data field of record `n`.
    Data(usize),
}

/// The extent and masks a Define Extent (or Read IPL) set up.
#[derive(Debug, Clone, Copy)]
struct Extent {
    file_mask: u8,
    attributes: u8,
    block_size: u16,
    begin: (u16, u16),
    end: (u16, u16),
}

/// The Locate Record domain in force.
#[derive(Debug, Clone, Copy)]
struct Domain {
    operation: u8,
    remaining: u8,
    transfer_length: u16,
}

/// What the control unit remembers within one channel program.
#[derive(Debug, Clone, Copy, Default)]
struct Chain {
    /// Define Extent or Read IPL seen: no further Define Extent.
    extent: Option<Extent>,
    read_ipl: bool,
    /// A Seek, Locate Record or Read IPL positioned the device.
    positioned: bool,
    domain: Option<Domain>,
    /// The last Search ID Equal matched all five bytes (Write Data may
    /// follow).
    id_equal: bool,
    /// The index point was passed once without an intervening read.
    index_seen: bool,
    previous: Option<u8>,
}

/// A unit check: the sense to keep.
struct Check {
    byte0: u8,
    byte1: u8,
    format_message: u8,
}

impl Check {
    fn reject(message: u8) -> Self {
        Self {
            byte0: sense::COMMAND_REJECT,
            byte1: 0,
            format_message: message,
        }
    }

    fn byte1(bit: u8) -> Self {
        Self {
            byte0: 0,
            byte1: bit,
            format_message: 0,
        }
    }
}

type Outcome = Result<DeviceStatus, Check>;

/// A 3390 volume behind a 3990 storage control.
#[derive(Debug, Clone)]
pub struct Eckd3390 {
    cylinders: u16,
    tracks: Vec<Vec<Record>>,
    cylinder: u16,
    head: u16,
    orientation: Orientation,
    chain: Chain,
    sense: [u8; SENSE_LEN],
    ready: bool,
    equipment_check: bool,
    write_inhibited: bool,
}

impl Eckd3390 {
    /// Control-unit type in SENSE ID and Read Device Characteristics.
    pub const CONTROL_UNIT_TYPE: u16 = 0x3990;
    /// Control-unit model (a 3990 model 2 in ECKD mode, as Hercules shows).
    pub const CONTROL_UNIT_MODEL: u8 = 0xC2;
    /// Device type.
    pub const DEVICE_TYPE: u16 = 0x3390;
    /// Device model, in SENSE ID and Read Device Characteristics alike (the
    /// 3390 geometry does not depend on it; the cylinder count does).
    pub const DEVICE_MODEL: u8 = 0x02;

    /// A volume of `cylinders` cylinders whose tracks hold only the home
    /// address and R0.
    pub fn unformatted(cylinders: u16) -> Result<Self, VolumeError> {
        if cylinders == 0 || cylinders > MAX_CYLINDERS {
            return Err(VolumeError::InvalidCylinders(u32::from(cylinders)));
        }
        let mut tracks = Vec::with_capacity(usize::from(cylinders) * 15);
        for cylinder in 0..cylinders {
            for head in 0..TRACKS_PER_CYLINDER {
                tracks.push(vec![Record::new(CountField {
                    cylinder,
                    head,
                    record: 0,
                    key_length: 0,
                    data_length: 8,
                })]);
            }
        }
        Ok(Self {
            cylinders,
            tracks,
            cylinder: 0,
            head: 0,
            orientation: Orientation::Index,
            chain: Chain::default(),
            sense: [0; SENSE_LEN],
            ready: true,
            equipment_check: false,
            write_inhibited: false,
        })
    }

    /// A volume whose every track holds R0 and `records_per_track` records
    /// R1, R2, ... without key, of `data_length` zero bytes each (e.g. 12 ×
    /// 4096).
    pub fn formatted(
        cylinders: u16,
        records_per_track: u8,
        data_length: u16,
    ) -> Result<Self, VolumeError> {
        let layout = vec![(0u8, data_length); usize::from(records_per_track)];
        if !fits(&layout) {
            return Err(VolumeError::TrackOverflow {
                records: layout.len(),
            });
        }
        let mut volume = Self::unformatted(cylinders)?;
        for cylinder in 0..cylinders {
            for head in 0..TRACKS_PER_CYLINDER {
                volume.format_track(cylinder, head, &layout)?;
            }
        }
        Ok(volume)
    }

    /// Lays out one track anew: R0, then R1, R2, ... with the given key
    /// and data lengths, all zero.
    pub fn format_track(
        &mut self,
        cylinder: u16,
        head: u16,
        records: &[(u8, u16)],
    ) -> Result<(), VolumeError> {
        if records.len() > 255 || !fits(records) {
            return Err(VolumeError::TrackOverflow {
                records: records.len(),
            });
        }
        let track = self
            .track_mut(cylinder, head)
            .ok_or(VolumeError::NoSuchTrack { cylinder, head })?;
        track.truncate(1);
        for (n, &(key_length, data_length)) in (1..=255u8).zip(records) {
            track.push(Record::new(CountField {
                cylinder,
                head,
                record: n,
                key_length,
                data_length,
            }));
        }
        Ok(())
    }

    /// The number of cylinders.
    pub fn cylinders(&self) -> u16 {
        self.cylinders
    }

    /// The records of a track, R0 first.
    pub fn records(&self, cylinder: u16, head: u16) -> Option<&[Record]> {
        self.track_index(cylinder, head)
            .and_then(|i| self.tracks.get(i))
            .map(Vec::as_slice)
    }

    /// The data area of record `record` of a track.
    pub fn data(&self, cylinder: u16, head: u16, record: u8) -> Option<Vec<u8>> {
        self.records(cylinder, head)?
            .iter()
            .find(|r| r.count.record == record)
            .map(Record::data)
    }

    /// Replaces the start of record `record`'s data area with `data`; the
    /// rest of the area becomes zero.
    pub fn write_data(
        &mut self,
        cylinder: u16,
        head: u16,
        record: u8,
        data: &[u8],
    ) -> Result<(), VolumeError> {
        let r = self.record_mut(cylinder, head, record)?;
        let room = usize::from(r.count.data_length);
        if data.len() > room {
            return Err(VolumeError::TooLong {
                given: data.len(),
                room,
            });
        }
        r.data = data.to_vec();
        Ok(())
    }

    /// Replaces record `record`'s key; a shorter `key` is padded with
    /// zeros.
    pub fn write_key(
        &mut self,
        cylinder: u16,
        head: u16,
        record: u8,
        key: &[u8],
    ) -> Result<(), VolumeError> {
        let r = self.record_mut(cylinder, head, record)?;
        let room = usize::from(r.count.key_length);
        if key.len() > room {
            return Err(VolumeError::TooLong {
                given: key.len(),
                room,
            });
        }
        r.key = key.to_vec();
        r.key.resize(room, 0);
        Ok(())
    }

    /// The track the access mechanism is on: (cylinder, head).
    pub fn position(&self) -> (u16, u16) {
        (self.cylinder, self.head)
    }

    /// Starts a new channel program: forgets Define Extent, positioning
    /// and the Locate Record domain (see the module documentation).
    pub fn begin_program(&mut self) {
        self.chain = Chain::default();
        self.orientation = Orientation::Index;
    }

    /// Makes the device not ready (`false`): every command then ends with
    /// unit check, intervention required; or ready again (`true`).
    pub fn set_ready(&mut self, ready: bool) {
        self.ready = ready;
    }

    /// Makes the next command end with unit check, equipment check.
    pub fn inject_equipment_check(&mut self) {
        self.equipment_check = true;
    }

    /// Inhibits writing to the device (`true`): write operations end with
    /// command reject and write inhibited, whatever the file mask.
    pub fn set_write_inhibited(&mut self, inhibited: bool) {
        self.write_inhibited = inhibited;
    }

    /// The 64 bytes Read Device Characteristics returns.
    pub fn device_characteristics(&self) -> [u8; 64] {
        let mut rdc = [0u8; 64];
        rdc[0..2].copy_from_slice(&Self::CONTROL_UNIT_TYPE.to_be_bytes());
        rdc[2] = Self::CONTROL_UNIT_MODEL;
        rdc[3..5].copy_from_slice(&Self::DEVICE_TYPE.to_be_bytes());
        rdc[5] = Self::DEVICE_MODEL;
        // Storage-control and device facilities.
        rdc[6..10].copy_from_slice(&0xD200_0000u32.to_be_bytes());
        rdc[10] = 0x20; // device class: DASD
        rdc[11] = 0x26; // device type code
        rdc[12..14].copy_from_slice(&self.cylinders.to_be_bytes());
        rdc[14..16].copy_from_slice(&TRACKS_PER_CYLINDER.to_be_bytes());
        rdc[16] = SECTORS_PER_TRACK;
        rdc[17..20].copy_from_slice(&TRACK_LENGTH.to_be_bytes()[1..]);
        rdc[20..22].copy_from_slice(&1428u16.to_be_bytes()); // HA + R0 bytes
        rdc[22] = 2; // track-capacity formula 2, factors F1-F5
        rdc[23..28].copy_from_slice(&[34, 19, 9, 6, 116]);
        rdc[40] = 0x26; // MDR record id
        rdc[41] = 0x26; // OBR record id
        rdc[42] = 0x10; // storage-control type code
        rdc[43] = 0x02; // read-trackset parameter length
        rdc[44..46].copy_from_slice(&MAX_R0_LENGTH.to_be_bytes());
        rdc[47] = 0x01; // track set
        rdc[48] = 6; // factor F6
        rdc[49..51].copy_from_slice(&0x7708u16.to_be_bytes()); // RPS factors
        rdc
    }

    /// The 256 bytes Read Configuration Data returns: node-element
    /// descriptors (NEDs) for the device, the string, the storage director
    /// and the subsystem (a token NED), then a general node-element
    /// qualifier. Type, model, manufacturer ("HRC", plant "ZZ") and serial
    /// numbers are EBCDIC; the unit address is 0.
    pub fn configuration_data() -> [u8; 256] {
        let mut rcd = [0u8; 256];
        let neds: [(u32, String); 4] = [
            (
                0xDC01_0100,
                format!(
                    "  {:04X}0{:02X}HRCZZ000000000001",
                    Self::DEVICE_TYPE,
                    Self::DEVICE_MODEL
                ),
            ),
            (
                0xD402_0000,
                format!(
                    "  {:04X}0{:02X}HRCZZ000000000003",
                    Self::DEVICE_TYPE,
                    Self::DEVICE_MODEL
                ),
            ),
            (
                0xD000_0000,
                format!(
                    "  {:04X}0{:02X}HRCZZ000000000002",
                    Self::CONTROL_UNIT_TYPE,
                    Self::CONTROL_UNIT_MODEL
                ),
            ),
            (
                0xF000_0001,
                format!("  {:04X}   HRCZZ000000000001", Self::CONTROL_UNIT_TYPE),
            ),
        ];
        for (ned, (flags, text)) in rcd.chunks_exact_mut(32).zip(neds) {
            ned[..4].copy_from_slice(&flags.to_be_bytes());
            for (dst, c) in ned[4..30].iter_mut().zip(text.bytes()) {
                *dst = ebcdic(c);
            }
        }
        // General NEQ: flags, interface id, missing-interrupt interval,
        // path/cluster id, interface protocol (parallel), format flags.
        rcd[224] = 0x80;
        rcd[230] = 0x1E;
        rcd[234] = 0x80;
        rcd[241] = 0x80;
        rcd[242] = 0x80;
        rcd
    }

    fn track_index(&self, cylinder: u16, head: u16) -> Option<usize> {
        (cylinder < self.cylinders && head < TRACKS_PER_CYLINDER)
            .then(|| usize::from(cylinder) * 15 + usize::from(head))
    }

    fn track_mut(&mut self, cylinder: u16, head: u16) -> Option<&mut Vec<Record>> {
        let i = self.track_index(cylinder, head)?;
        self.tracks.get_mut(i)
    }

    fn record_mut(
        &mut self,
        cylinder: u16,
        head: u16,
        record: u8,
    ) -> Result<&mut Record, VolumeError> {
        self.track_mut(cylinder, head)
            .ok_or(VolumeError::NoSuchTrack { cylinder, head })?
            .iter_mut()
            .find(|r| r.count.record == record)
            .ok_or(VolumeError::NoSuchRecord { record })
    }

    /// The records of the current track (never empty: R0 is always there).
    fn current(&self) -> &[Record] {
        self.records(self.cylinder, self.head).unwrap_or_default()
    }

    fn current_record(&self, n: usize) -> Option<&Record> {
        self.current().get(n)
    }

    fn extent(&self) -> Extent {
        self.chain.extent.unwrap_or(Extent {
            file_mask: 0,
            attributes: 0,
            block_size: 0,
            begin: (0, 0),
            end: (self.cylinders - 1, TRACKS_PER_CYLINDER - 1),
        })
    }

    fn in_extent(&self, cylinder: u16, head: u16) -> bool {
        let e = self.extent();
        (cylinder, head) >= e.begin && (cylinder, head) <= e.end
    }

    fn domain_active(&self) -> bool {
        self.chain.domain.is_some_and(|d| d.remaining > 0)
    }

    fn seek(&mut self, cylinder: u16, head: u16) {
        self.cylinder = cylinder;
        self.head = head;
        self.orientation = Orientation::Index;
    }

    /// Moves to the next track for a multitrack operation.
    fn advance_track(&mut self) -> Result<(), Check> {
        let in_domain = self.domain_active();
        if !in_domain
            && self.extent().file_mask & mask::SEEK_CONTROL == mask::INHIBIT_SEEK_AND_MULTITRACK
        {
            return Err(Check::byte1(sense::FILE_PROTECTED));
        }
        if !in_domain && self.head + 1 >= TRACKS_PER_CYLINDER {
            return Err(Check::byte1(sense::END_OF_CYLINDER));
        }
        let (cylinder, head) = if self.head + 1 >= TRACKS_PER_CYLINDER {
            (self.cylinder.saturating_add(1), 0)
        } else {
            (self.cylinder, self.head + 1)
        };
        if cylinder >= self.cylinders || !self.in_extent(cylinder, head) {
            return Err(Check::byte1(sense::FILE_PROTECTED));
        }
        self.seek(cylinder, head);
        Ok(())
    }

    /// Orients to the next count field (skipping R0 unless `with_r0`),
    /// passing the index point as `command` allows; returns its index.
    fn next_count(&mut self, command: u8, with_r0: bool) -> Result<usize, Check> {
        let multitrack = command & cmd::MULTITRACK != 0;
        let search = matches!(
            command & !cmd::MULTITRACK,
            cmd::SEARCH_ID_EQUAL | cmd::SEARCH_ID_HIGH | cmd::SEARCH_ID_EQUAL_HIGH
        );
        // Bounded: at most two passes over a track (each pass either
        // finds a record or passes the index point, which the second time
        // ends with an error) on each of at most all tracks.
        for _ in 0..(2 * self.tracks.len() + 2) {
            let next = match self.orientation {
                Orientation::Index => 0,
                Orientation::Count(n) | Orientation::Data(n) => n + 1,
            };
            if next < self.current().len() {
                self.orientation = Orientation::Count(next);
                if next == 0 && !with_r0 {
                    continue;
                }
                return Ok(next);
            }
            let multitrack_read = multitrack && !search && !self.domain_active();
            if self.chain.index_seen && !multitrack_read {
                return Err(Check::byte1(sense::NO_RECORD_FOUND));
            }
            if multitrack {
                self.advance_track()?;
                if !search {
                    self.chain.index_seen = true;
                }
            } else {
                self.orientation = Orientation::Index;
                self.chain.index_seen = true;
            }
        }
        Err(Check::byte1(sense::NO_RECORD_FOUND))
    }

    fn sense_bytes(&self, check: &Check) -> [u8; SENSE_LEN] {
        let mut s = [0u8; SENSE_LEN];
        s[0] = check.byte0;
        s[1] = check.byte1;
        if self.cylinders > 4095 {
            s[5] = 0xFF;
            s[6] = 0xFF;
        } else {
            let [high, low] = self.cylinder.to_be_bytes();
            s[5] = low;
            s[6] = (high << 4) | (self.head.to_be_bytes()[1] & 0x0F);
        }
        s[7] = check.format_message;
        s[27] = sense::COMPATIBILITY_FORMAT;
        s[29..31].copy_from_slice(&self.cylinder.to_be_bytes());
        s[31] = self.head.to_be_bytes()[1];
        s
    }

    /// Reads the command's parameters; fewer than `N` bytes is a command
    /// reject (CCW count less than required).
    fn parameters<const N: usize>(data: &mut DataStream<'_>) -> Result<[u8; N], Check> {
        let mut buf = [0u8; N];
        if data.read(&mut buf) < N {
            return Err(Check::reject(sense::COUNT_TOO_SMALL));
        }
        Ok(buf)
    }

    fn require_positioned(&self) -> Result<(), Check> {
        if self.chain.positioned {
            Ok(())
        } else {
            Err(Check::reject(sense::INVALID_SEQUENCE))
        }
    }

    /// Within a Locate Record domain, the domain's operation must be one
    /// of `allowed`.
    fn require_operation(&self, allowed: &[u8]) -> Result<(), Check> {
        match self.chain.domain {
            Some(d) if d.remaining > 0 && !allowed.contains(&d.operation) => {
                Err(Check::reject(sense::INVALID_SEQUENCE))
            }
            _ => Ok(()),
        }
    }

    fn outside_domain(&self) -> Result<(), Check> {
        if self.domain_active() {
            Err(Check::reject(sense::INVALID_SEQUENCE))
        } else {
            Ok(())
        }
    }

    fn check_writable(&self) -> Result<(), Check> {
        if self.write_inhibited {
            return Err(Check {
                byte0: sense::COMMAND_REJECT,
                byte1: sense::WRITE_INHIBITED,
                format_message: sense::INVALID_PARAMETER,
            });
        }
        if self.extent().file_mask & mask::WRITE_CONTROL == mask::INHIBIT_ALL_WRITES {
            return Err(Check::byte1(sense::FILE_PROTECTED));
        }
        Ok(())
    }

    fn run(&mut self, command: u8, data: &mut DataStream<'_>) -> Outcome {
        match command {
            cmd::READ_IPL => self.read_ipl(data),
            cmd::NOP => {
                if self.domain_active() && self.chain.previous != Some(cmd::READ_IPL) {
                    return Err(Check::reject(sense::INVALID_SEQUENCE));
                }
                Ok(DONE)
            }
            cmd::SEEK => self.seek_command(data),
            cmd::DEFINE_EXTENT => self.define_extent(data),
            cmd::LOCATE_RECORD => self.locate_record(data),
            cmd::READ_DEVICE_CHARACTERISTICS => {
                self.outside_domain()?;
                data.write(&self.device_characteristics());
                Ok(DONE)
            }
            cmd::READ_CONFIGURATION_DATA => {
                self.outside_domain()?;
                data.write(&Self::configuration_data());
                Ok(DONE)
            }
            c if matches!(
                c & !cmd::MULTITRACK,
                cmd::SEARCH_ID_EQUAL | cmd::SEARCH_ID_HIGH | cmd::SEARCH_ID_EQUAL_HIGH
            ) =>
            {
                self.search_id(c, data)
            }
            c if c & !cmd::MULTITRACK == cmd::READ_DATA => self.read(c, data, false),
            c if c & !cmd::MULTITRACK == cmd::READ_KEY_DATA => self.read(c, data, true),
            c if c & !cmd::MULTITRACK == cmd::READ_COUNT => self.read_count(c, data),
            c if c & !cmd::MULTITRACK == cmd::READ_CKD => self.read_ckd(c, data),
            c if c & !cmd::MULTITRACK == cmd::WRITE_DATA => self.write(c, data),
            _ => Err(Check::reject(sense::INVALID_COMMAND)),
        }
    }

    fn read_ipl(&mut self, data: &mut DataStream<'_>) -> Outcome {
        if self.chain.extent.is_some() || self.domain_active() {
            return Err(Check::reject(sense::INVALID_SEQUENCE));
        }
        self.chain.extent = Some(self.extent());
        self.chain.domain = Some(Domain {
            operation: locate::READ_DATA,
            remaining: 2,
            transfer_length: 0,
        });
        self.seek(0, 0);
        self.chain.index_seen = false;
        let n = self.next_count(cmd::READ_IPL, false)?;
        self.chain.read_ipl = true;
        self.chain.positioned = true;
        self.transfer_data(n, data, false)
    }

    /// Sends the (key and) data of record `n` of the current track.
    fn transfer_data(&mut self, n: usize, data: &mut DataStream<'_>, key: bool) -> Outcome {
        let Some(record) = self.current_record(n) else {
            return Err(Check::byte1(sense::NO_RECORD_FOUND));
        };
        let mut bytes = if key { record.key.clone() } else { Vec::new() };
        bytes.extend_from_slice(&record.data());
        let empty = record.count.data_length == 0;
        data.write(&bytes);
        self.orientation = Orientation::Data(n);
        Ok(if empty {
            DONE | DeviceStatus::UNIT_EXCEPTION
        } else {
            DONE
        })
    }

    fn seek_command(&mut self, data: &mut DataStream<'_>) -> Outcome {
        self.outside_domain()?;
        if self.extent().file_mask & mask::SEEK_CONTROL != 0 {
            return Err(Check::byte1(sense::FILE_PROTECTED));
        }
        let p: [u8; 6] = Self::parameters(data)?;
        let bin = u16::from_be_bytes([p[0], p[1]]);
        let cylinder = u16::from_be_bytes([p[2], p[3]]);
        let head = u16::from_be_bytes([p[4], p[5]]);
        if bin != 0 || cylinder >= self.cylinders || head >= TRACKS_PER_CYLINDER {
            return Err(Check::reject(sense::INVALID_PARAMETER));
        }
        if !self.in_extent(cylinder, head) {
            return Err(Check::byte1(sense::FILE_PROTECTED));
        }
        self.seek(cylinder, head);
        self.chain.positioned = true;
        Ok(DONE)
    }

    fn define_extent(&mut self, data: &mut DataStream<'_>) -> Outcome {
        let p: [u8; 16] = Self::parameters(data)?;
        if self.domain_active() || self.chain.extent.is_some() {
            return Err(Check::reject(sense::INVALID_SEQUENCE));
        }
        let file_mask = p[0];
        let attributes = p[1];
        let block_size = match u16::from_be_bytes([p[2], p[3]]) {
            0 => MAX_R0_LENGTH + 8,
            n => n,
        };
        let begin = (
            u16::from_be_bytes([p[8], p[9]]),
            u16::from_be_bytes([p[10], p[11]]),
        );
        let end = (
            u16::from_be_bytes([p[12], p[13]]),
            u16::from_be_bytes([p[14], p[15]]),
        );
        let last = (self.cylinders - 1, TRACKS_PER_CYLINDER - 1);
        let valid = file_mask & mask::RESERVED == 0
            && attributes & mask::ARCHITECTURE == mask::ARCHITECTURE
            && block_size <= MAX_R0_LENGTH + 8
            && p[4..7] == [0, 0, 0]
            && begin.1 < TRACKS_PER_CYLINDER
            && end.1 < TRACKS_PER_CYLINDER
            && begin <= end
            && end <= last;
        if !valid {
            return Err(Check::reject(sense::INVALID_PARAMETER));
        }
        self.chain.extent = Some(Extent {
            file_mask,
            attributes,
            block_size,
            begin,
            end,
        });
        Ok(DONE)
    }

    fn locate_record(&mut self, data: &mut DataStream<'_>) -> Outcome {
        let p: [u8; 16] = Self::parameters(data)?;
        if self.domain_active() || (self.chain.extent.is_none() && !self.chain.read_ipl) {
            return Err(Check::reject(sense::INVALID_SEQUENCE));
        }
        let orientation = p[0] & locate::ORIENTATION;
        let operation = p[0] & locate::CODE;
        let auxiliary = p[1];
        let count = p[3];
        let cylinder = u16::from_be_bytes([p[4], p[5]]);
        let head = u16::from_be_bytes([p[6], p[7]]);
        let search: [u8; 5] = [p[8], p[9], p[10], p[11], p[12]];
        let sector = p[13];
        let tlf = u16::from_be_bytes([p[14], p[15]]);
        let extent = self.extent();
        let combination = matches!(
            (orientation, operation),
            (
                locate::ORIENT_COUNT,
                locate::ORIENT | locate::WRITE_DATA | locate::READ_DATA
            ) | (locate::ORIENT_HOME, locate::ORIENT | locate::READ_DATA)
                | (
                    locate::ORIENT_DATA,
                    locate::ORIENT | locate::WRITE_DATA | locate::READ_DATA
                )
        );
        let tlf_valid = auxiliary & locate::TLF_VALID != 0;
        let valid = combination
            && auxiliary & !locate::TLF_VALID == 0
            && p[2] == 0
            && (operation == locate::ORIENT) == (count == 0)
            && cylinder < self.cylinders
            && head < TRACKS_PER_CYLINDER
            && (sector == 0xFF || sector < SECTORS_PER_TRACK)
            && tlf_valid == (tlf != 0)
            && tlf <= extent.block_size;
        if !valid {
            return Err(Check::reject(sense::INVALID_PARAMETER));
        }
        if operation == locate::WRITE_DATA {
            self.check_writable()?;
        }
        if !self.in_extent(cylinder, head) {
            return Err(Check::byte1(sense::FILE_PROTECTED));
        }
        self.seek(cylinder, head);
        self.chain.index_seen = false;
        match orientation {
            locate::ORIENT_HOME => {
                // The search argument's CCHH must match the home address.
                if search[..4] != [p[4], p[5], p[6], p[7]] {
                    return Err(Check::byte1(sense::NO_RECORD_FOUND));
                }
            }
            _ => {
                let found = self
                    .current()
                    .iter()
                    .position(|r| r.count.id() == search)
                    .ok_or(Check::byte1(sense::NO_RECORD_FOUND))?;
                self.orientation = if orientation == locate::ORIENT_DATA {
                    Orientation::Data(found)
                } else {
                    Orientation::Count(found)
                };
            }
        }
        self.chain.positioned = true;
        self.chain.domain = Some(Domain {
            operation,
            remaining: count,
            transfer_length: if tlf_valid { tlf } else { extent.block_size },
        });
        Ok(DONE)
    }

    fn search_id(&mut self, command: u8, data: &mut DataStream<'_>) -> Outcome {
        self.require_positioned()?;
        self.outside_domain()?;
        let mut argument = [0u8; 5];
        let given = data.read(&mut argument);
        let n = self.next_count(command, true)?;
        let id = self
            .current_record(n)
            .map(|r| r.count.id())
            .unwrap_or_default();
        let ordering = id[..given].cmp(&argument[..given]);
        let base = command & !cmd::MULTITRACK;
        let hit = match base {
            cmd::SEARCH_ID_EQUAL => ordering.is_eq(),
            cmd::SEARCH_ID_HIGH => ordering.is_gt(),
            _ => ordering.is_ge(),
        };
        self.chain.id_equal = hit && given == 5 && base == cmd::SEARCH_ID_EQUAL;
        Ok(if hit {
            DONE | DeviceStatus::STATUS_MODIFIER
        } else {
            DONE
        })
    }

    fn read(&mut self, command: u8, data: &mut DataStream<'_>, key: bool) -> Outcome {
        self.require_positioned()?;
        self.require_operation(&[locate::READ_DATA])?;
        self.chain.index_seen = false;
        let n = match self.orientation {
            Orientation::Count(n) => n,
            _ => self.next_count(command, false)?,
        };
        self.transfer_data(n, data, key)
    }

    fn read_count(&mut self, command: u8, data: &mut DataStream<'_>) -> Outcome {
        self.require_positioned()?;
        self.require_operation(&[locate::READ_DATA])?;
        let n = self.next_count(command, false)?;
        let count = self
            .current_record(n)
            .map(|r| r.count.to_bytes())
            .unwrap_or_default();
        data.write(&count);
        Ok(DONE)
    }

    fn read_ckd(&mut self, command: u8, data: &mut DataStream<'_>) -> Outcome {
        self.require_positioned()?;
        self.require_operation(&[locate::READ_DATA])?;
        self.chain.index_seen = false;
        let n = self.next_count(command, false)?;
        let Some(record) = self.current_record(n) else {
            return Err(Check::byte1(sense::NO_RECORD_FOUND));
        };
        let mut bytes = record.count.to_bytes().to_vec();
        bytes.extend_from_slice(&record.key);
        bytes.extend_from_slice(&record.data());
        data.write(&bytes);
        self.orientation = Orientation::Data(n);
        Ok(DONE)
    }

    fn write(&mut self, command: u8, data: &mut DataStream<'_>) -> Outcome {
        let domain = self.chain.domain.filter(|d| d.remaining > 0);
        if domain.is_none() && !self.chain.id_equal {
            return Err(Check::reject(sense::INVALID_SEQUENCE));
        }
        self.require_operation(&[locate::WRITE_DATA])?;
        self.check_writable()?;
        self.chain.index_seen = false;
        let n = match self.orientation {
            Orientation::Count(n) => n,
            _ => self.next_count(command, false)?,
        };
        let data_length = self.current_record(n).map_or(0, |r| r.count.data_length);
        let conversion = self.extent().attributes & mask::CKD_CONVERSION != 0;
        if let Some(d) = domain {
            if !conversion && data_length != d.transfer_length {
                return Err(Check::byte1(sense::INVALID_TRACK_FORMAT));
            }
        }
        if data_length == 0 {
            return Ok(DONE | DeviceStatus::UNIT_EXCEPTION);
        }
        let mut buf = vec![0u8; usize::from(data_length)];
        data.read(&mut buf);
        let (cylinder, head) = (self.cylinder, self.head);
        if let Some(record) = self.track_mut(cylinder, head).and_then(|t| t.get_mut(n)) {
            record.data = buf;
        }
        self.orientation = Orientation::Data(n);
        Ok(DONE)
    }
}

impl Device for Eckd3390 {
    fn start(&mut self) {
        self.begin_program();
    }

    fn sense_id(&self) -> SenseId {
        let id = SenseId::new(
            Self::CONTROL_UNIT_TYPE,
            Self::CONTROL_UNIT_MODEL,
            Self::DEVICE_TYPE,
            Self::DEVICE_MODEL,
        );
        id.with_ciw(Ciw {
            kind: CiwType::ReadConfigurationData,
            command: cmd::READ_CONFIGURATION_DATA,
            count: 0x100,
        })
        .unwrap_or(id)
    }

    fn execute(&mut self, command: u8, data: &mut DataStream<'_>) -> DeviceStatus {
        let outcome = if !self.ready {
            Err(Check {
                byte0: sense::INTERVENTION_REQUIRED,
                byte1: 0,
                format_message: 0,
            })
        } else if core::mem::take(&mut self.equipment_check) {
            Err(Check {
                byte0: sense::EQUIPMENT_CHECK,
                byte1: 0,
                format_message: sense::DEVICE_EQUIPMENT,
            })
        } else {
            self.run(command, data)
        };
        let status = match outcome {
            Ok(status) => {
                if command != cmd::LOCATE_RECORD {
                    if let Some(d) = self.chain.domain.as_mut() {
                        d.remaining = d.remaining.saturating_sub(1);
                    }
                }
                if command & !cmd::MULTITRACK != cmd::SEARCH_ID_EQUAL
                    && command & !cmd::MULTITRACK != cmd::WRITE_DATA
                    && command & !cmd::MULTITRACK != cmd::READ_DATA
                {
                    self.chain.id_equal = false;
                }
                status
            }
            Err(check) => {
                self.sense = self.sense_bytes(&check);
                DONE | DeviceStatus::UNIT_CHECK
            }
        };
        self.chain.previous = Some(command);
        status
    }

    fn sense(&mut self) -> Vec<u8> {
        core::mem::replace(&mut self.sense, [0; SENSE_LEN]).to_vec()
    }

    fn halt(&mut self) {
        self.begin_program();
    }

    fn reset(&mut self) {
        self.begin_program();
        self.sense = [0; SENSE_LEN];
    }
}
