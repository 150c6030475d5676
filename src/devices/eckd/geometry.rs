//! Read Device Characteristics and the geometry it gives: cylinders, heads,
//! and how many records of a given length fit on a track (IBM 3990/9390
//! Storage Control Reference, "Read Device Characteristics"; IBM 3390
//! Direct Access Storage Reference, "Track Capacity").

use core::fmt;

/// The 64 bytes Read Device Characteristics returns.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct DeviceCharacteristics {
    bytes: [u8; DeviceCharacteristics::LEN],
}

/// Why the device characteristics give no usable geometry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum GeometryError {
    /// Fewer than 64 bytes came back.
    TooShort(usize),
    /// Zero cylinders or zero tracks per cylinder.
    Empty {
        /// Cylinders (bytes 12-13).
        cylinders: u16,
        /// Tracks per cylinder (bytes 14-15).
        heads: u16,
    },
    /// A track-capacity formula (byte 22) this crate does not compute, or
    /// a cell size (factor F1) of zero.
    UnknownFormula(u8),
}

impl fmt::Display for GeometryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GeometryError::TooShort(len) => {
                write!(f, "{len} bytes of device characteristics, 64 needed")
            }
            GeometryError::Empty { cylinders, heads } => {
                write!(f, "empty geometry: {cylinders} cylinders, {heads} heads")
            }
            GeometryError::UnknownFormula(formula) => {
                write!(f, "unknown track-capacity formula {formula}")
            }
        }
    }
}

impl DeviceCharacteristics {
    /// Bytes of the answer.
    pub const LEN: usize = 64;

    /// The answer in `bytes` (at least 64 bytes; more are ignored).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, GeometryError> {
        let bytes = bytes
            .get(..Self::LEN)
            .and_then(|b| <[u8; Self::LEN]>::try_from(b).ok())
            .ok_or(GeometryError::TooShort(bytes.len()))?;
        Ok(DeviceCharacteristics { bytes })
    }

    /// The raw bytes.
    pub const fn as_bytes(&self) -> &[u8; Self::LEN] {
        &self.bytes
    }

    fn u16_at(&self, at: usize) -> u16 {
        u16::from_be_bytes([self.bytes[at], self.bytes[at + 1]])
    }

    /// Storage-control type (bytes 0-1), e.g. 0x3990.
    pub fn control_unit_type(&self) -> u16 {
        self.u16_at(0)
    }

    /// Device type (bytes 3-4), e.g. 0x3390.
    pub fn device_type(&self) -> u16 {
        self.u16_at(3)
    }

    /// Device model (byte 5).
    pub fn device_model(&self) -> u8 {
        self.bytes[5]
    }

    /// Primary cylinders (bytes 12-13).
    pub fn cylinders(&self) -> u16 {
        self.u16_at(12)
    }

    /// Tracks per cylinder (bytes 14-15).
    pub fn tracks_per_cylinder(&self) -> u16 {
        self.u16_at(14)
    }

    /// Track length in bytes (bytes 17-19).
    pub fn track_length(&self) -> u32 {
        u32::from_be_bytes([0, self.bytes[17], self.bytes[18], self.bytes[19]])
    }

    /// The track-capacity formula (byte 22).
    pub fn formula(&self) -> u8 {
        self.bytes[22]
    }

    /// The largest R0 data length (bytes 44-45).
    pub fn max_r0_length(&self) -> u16 {
        self.u16_at(44)
    }

    /// The geometry these characteristics describe.
    pub fn geometry(&self) -> Result<Geometry, GeometryError> {
        let (cylinders, heads) = (self.cylinders(), self.tracks_per_cylinder());
        if cylinders == 0 || heads == 0 {
            return Err(GeometryError::Empty { cylinders, heads });
        }
        let factor = |at: usize| u32::from(self.bytes[at]);
        if self.formula() != Formula2::ID || factor(23) == 0 || factor(27) == 0 {
            return Err(GeometryError::UnknownFormula(self.formula()));
        }
        Ok(Geometry {
            cylinders,
            heads,
            track_length: self.track_length(),
            capacity: Formula2 {
                cell: factor(23),
                record_overhead: factor(24),
                key_overhead: factor(25),
                piece_overhead: factor(26),
                half_piece: factor(27),
                piece_offset: factor(48),
            },
        })
    }
}

impl fmt::Debug for DeviceCharacteristics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "DeviceCharacteristics {{ {:04x}/{:02x} on {:04x}, {} cylinders, {} heads }}",
            self.device_type(),
            self.device_model(),
            self.control_unit_type(),
            self.cylinders(),
            self.tracks_per_cylinder()
        )
    }
}

/// Track-capacity formula 2 (the 3390's), with factors F1-F6 from bytes
/// 23-27 and 48: a track holds `track_length / F1` cells; a record takes
/// F2 cells, plus `F3 + ceil((KL + F4 * kn) / F1)` for a key, plus
/// `ceil((DL + F4 * dn) / F1)` for its data, where `n = ceil((L + F6) /
/// (2 * F5)) + 1`. For a 3390 (34, 19, 9, 6, 116, 6) this gives IBM's
/// table: 12 records of 4096 bytes, 21 of 2048, 33 of 1024, 49 of 512.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
struct Formula2 {
    cell: u32,
    record_overhead: u32,
    key_overhead: u32,
    piece_overhead: u32,
    half_piece: u32,
    piece_offset: u32,
}

impl Formula2 {
    const ID: u8 = 2;

    fn field_cells(&self, len: u32) -> u32 {
        let pieces = (len + self.piece_offset).div_ceil(2 * self.half_piece) + 1;
        (len + self.piece_overhead * pieces).div_ceil(self.cell)
    }

    fn record_cells(&self, key_length: u8, data_length: u16) -> u32 {
        let key = match key_length {
            0 => 0,
            kl => self.key_overhead + self.field_cells(u32::from(kl)),
        };
        self.record_overhead + key + self.field_cells(u32::from(data_length))
    }
}

/// A volume's shape: cylinders × heads tracks, each of `track_length`
/// bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Geometry {
    cylinders: u16,
    heads: u16,
    track_length: u32,
    capacity: Formula2,
}

impl Geometry {
    /// Cylinders.
    pub const fn cylinders(&self) -> u16 {
        self.cylinders
    }

    /// Tracks (heads) per cylinder.
    pub const fn heads(&self) -> u16 {
        self.heads
    }

    /// Tracks on the volume.
    pub const fn tracks(&self) -> u32 {
        self.cylinders as u32 * self.heads as u32
    }

    /// Bytes per track.
    pub const fn track_length(&self) -> u32 {
        self.track_length
    }

    /// How many records with `key_length` key bytes and `data_length` data
    /// bytes fit on one track (0 if not even one does, or if the factors
    /// make a record take no room at all).
    pub fn records_per_track(&self, key_length: u8, data_length: u16) -> u32 {
        let cells = self.track_length / self.capacity.cell;
        cells
            .checked_div(self.capacity.record_cells(key_length, data_length))
            .unwrap_or(0)
    }

    /// The track with linear number `track` (cylinder × heads + head), if
    /// it is on the volume.
    pub fn track(&self, track: u32) -> Option<Track> {
        (track < self.tracks()).then(|| Track {
            cylinder: (track / u32::from(self.heads)) as u16,
            head: (track % u32::from(self.heads)) as u16,
        })
    }

    /// The linear number of `track`, if it is on the volume.
    pub fn linear(&self, track: Track) -> Option<u32> {
        (track.cylinder < self.cylinders && track.head < self.heads)
            .then(|| u32::from(track.cylinder) * u32::from(self.heads) + u32::from(track.head))
    }
}

/// A track: cylinder and head (CCHH).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Track {
    /// Cylinder number (CC).
    pub cylinder: u16,
    /// Head number (HH).
    pub head: u16,
}

impl Track {
    /// The 4 bytes CCHH.
    pub const fn to_bytes(self) -> [u8; 4] {
        let [c0, c1] = self.cylinder.to_be_bytes();
        let [h0, h1] = self.head.to_be_bytes();
        [c0, c1, h0, h1]
    }

    /// The track named by the 4 bytes CCHH.
    pub const fn from_bytes(bytes: [u8; 4]) -> Self {
        Track {
            cylinder: u16::from_be_bytes([bytes[0], bytes[1]]),
            head: u16::from_be_bytes([bytes[2], bytes[3]]),
        }
    }
}

/// A record identifier: track and record number (CCHHR).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct RecordId {
    /// The track.
    pub track: Track,
    /// The record number (R; R0 is the track descriptor record).
    pub record: u8,
}

impl RecordId {
    /// Record `record` on cylinder `cylinder`, head `head`.
    pub const fn new(cylinder: u16, head: u16, record: u8) -> Self {
        RecordId {
            track: Track { cylinder, head },
            record,
        }
    }

    /// The 5 bytes CCHHR.
    pub const fn to_bytes(self) -> [u8; 5] {
        let [c0, c1, h0, h1] = self.track.to_bytes();
        [c0, c1, h0, h1, self.record]
    }

    /// The record named by the 5 bytes CCHHR.
    pub const fn from_bytes(bytes: [u8; 5]) -> Self {
        RecordId {
            track: Track::from_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]),
            record: bytes[4],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a 3390-2 behind a 3990 answers (the simulator's model and
    /// Hercules agree on the geometry bytes).
    fn rdc_3390(cylinders: u16) -> [u8; 64] {
        let mut rdc = [0u8; 64];
        rdc[0..2].copy_from_slice(&0x3990u16.to_be_bytes());
        rdc[3..5].copy_from_slice(&0x3390u16.to_be_bytes());
        rdc[5] = 2;
        rdc[12..14].copy_from_slice(&cylinders.to_be_bytes());
        rdc[14..16].copy_from_slice(&15u16.to_be_bytes());
        rdc[17..20].copy_from_slice(&58786u32.to_be_bytes()[1..]);
        rdc[22] = 2;
        rdc[23..28].copy_from_slice(&[34, 19, 9, 6, 116]);
        rdc[44..46].copy_from_slice(&57326u16.to_be_bytes());
        rdc[48] = 6;
        rdc
    }

    #[test]
    fn ibm_3390_capacity_table() {
        let g = DeviceCharacteristics::from_bytes(&rdc_3390(10))
            .unwrap()
            .geometry()
            .unwrap();
        assert_eq!((g.cylinders(), g.heads(), g.tracks()), (10, 15, 150));
        for (len, records) in [(4096, 12), (2048, 21), (1024, 33), (512, 49), (56664, 1)] {
            assert_eq!(g.records_per_track(0, len), records, "{len}");
        }
        assert_eq!(g.records_per_track(0, 56665), 0);
        assert_eq!(g.records_per_track(44, 96), 50, "DSCBs per track");
    }

    #[test]
    fn tracks_and_ids() {
        let rdc = DeviceCharacteristics::from_bytes(&rdc_3390(10)).unwrap();
        let g = rdc.geometry().unwrap();
        assert_eq!(
            g.track(16),
            Some(Track {
                cylinder: 1,
                head: 1
            })
        );
        assert_eq!(g.track(150), None);
        assert_eq!(
            g.linear(Track {
                cylinder: 9,
                head: 14
            }),
            Some(149)
        );
        assert_eq!(
            g.linear(Track {
                cylinder: 9,
                head: 15
            }),
            None
        );
        let id = RecordId::new(0x0102, 0x000E, 7);
        assert_eq!(id.to_bytes(), [1, 2, 0, 14, 7]);
        assert_eq!(RecordId::from_bytes(id.to_bytes()), id);
        assert_eq!(rdc.control_unit_type(), 0x3990);
        assert_eq!((rdc.device_type(), rdc.device_model()), (0x3390, 2));
        assert_eq!(rdc.max_r0_length(), 57326);
    }

    #[test]
    fn bad_characteristics() {
        assert_eq!(
            DeviceCharacteristics::from_bytes(&[0; 63]),
            Err(GeometryError::TooShort(63))
        );
        let mut rdc = rdc_3390(0);
        assert_eq!(
            DeviceCharacteristics::from_bytes(&rdc).unwrap().geometry(),
            Err(GeometryError::Empty {
                cylinders: 0,
                heads: 15
            })
        );
        rdc = rdc_3390(10);
        rdc[24] = 0;
        rdc[26] = 0;
        let g = DeviceCharacteristics::from_bytes(&rdc)
            .unwrap()
            .geometry()
            .unwrap();
        assert_eq!(g.records_per_track(0, 0), 0, "records of no cells");
        rdc[22] = 1;
        assert_eq!(
            DeviceCharacteristics::from_bytes(&rdc).unwrap().geometry(),
            Err(GeometryError::UnknownFormula(1))
        );
    }
}
