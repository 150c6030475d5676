//! The on-disk format: a boot map in sector 0 naming three components.
//!
//! Sector 0 (512 bytes, big-endian fields):
//!
//! | offset | size | field |
//! |--------|------|-------|
//! | 0      | 8    | magic `S390CIOB` |
//! | 8      | 4    | version, 1 |
//! | 12     | 4    | reserved, 0 |
//! | 16     | 24   | kernel entry |
//! | 40     | 24   | initrd entry (length 0: none) |
//! | 64     | 24   | command line entry (length 0: empty) |
//!
//! An entry: first sector (8 bytes), length in bytes (8), CRC-32 of the
//! bytes (4; IEEE 802.3, the one of zlib and `cksum -o 3`), reserved (4).
//! Each component starts on a sector boundary; the last sector is padded.
//! `cargo xtask run` builds such a disk (`xtask/src/boot_disk.rs`).

use crate::error::{BootError, Component};

/// Bytes per sector.
pub const SECTOR: u64 = 512;
/// The magic at the start of sector 0.
pub const MAGIC: [u8; 8] = *b"S390CIOB";
/// The one version there is.
pub const VERSION: u32 = 1;

/// Where a component is on the disk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry {
    /// First sector.
    pub sector: u64,
    /// Length in bytes.
    pub length: u64,
    /// CRC-32 of the bytes.
    pub crc: u32,
}

impl Entry {
    fn parse(bytes: &[u8]) -> Entry {
        Entry {
            sector: be_u64(&bytes[0..8]),
            length: be_u64(&bytes[8..16]),
            crc: be_u32(&bytes[16..20]),
        }
    }

    /// The sector after the last one, or `None` if it overflows.
    pub fn end_sector(&self) -> Option<u64> {
        self.sector.checked_add(self.length.div_ceil(SECTOR))
    }
}

/// The parsed sector 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BootMap {
    /// The kernel (length > 0).
    pub kernel: Entry,
    /// The initrd (length 0: none).
    pub initrd: Entry,
    /// The command line (length 0: empty).
    pub command_line: Entry,
}

impl BootMap {
    /// Checks and parses sector 0 of a disk of `capacity` sectors.
    pub fn parse(sector0: &[u8; 512], capacity: u64) -> Result<BootMap, BootError> {
        let mut magic = [0; 8];
        magic.copy_from_slice(&sector0[0..8]);
        if magic != MAGIC {
            return Err(BootError::WrongMagic(magic));
        }
        let version = be_u32(&sector0[8..12]);
        if version != VERSION {
            return Err(BootError::UnsupportedVersion(version));
        }
        let map = BootMap {
            kernel: Entry::parse(&sector0[16..40]),
            initrd: Entry::parse(&sector0[40..64]),
            command_line: Entry::parse(&sector0[64..88]),
        };
        if map.kernel.length == 0 {
            return Err(BootError::MissingKernel);
        }
        for (component, entry) in [
            (Component::Kernel, map.kernel),
            (Component::Initrd, map.initrd),
            (Component::CommandLine, map.command_line),
        ] {
            let end_sector = entry.end_sector().unwrap_or(u64::MAX);
            if entry.length > 0 && (entry.sector == 0 || end_sector > capacity) {
                return Err(BootError::Truncated {
                    component,
                    end_sector,
                    capacity,
                });
            }
        }
        Ok(map)
    }
}

fn be_u64(bytes: &[u8]) -> u64 {
    let mut b = [0; 8];
    b.copy_from_slice(bytes);
    u64::from_be_bytes(b)
}

fn be_u32(bytes: &[u8]) -> u32 {
    let mut b = [0; 4];
    b.copy_from_slice(bytes);
    u32::from_be_bytes(b)
}

/// The CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320) table.
const CRC_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        table[i] = c;
        i += 1;
    }
    table
};

/// A running CRC-32.
#[derive(Clone, Copy, Debug)]
pub struct Crc32(u32);

impl Crc32 {
    /// The CRC of nothing yet.
    pub const fn new() -> Crc32 {
        Crc32(0xFFFF_FFFF)
    }

    /// Adds `bytes`.
    pub fn update(&mut self, bytes: &[u8]) {
        let mut c = self.0;
        for &b in bytes {
            c = CRC_TABLE[((c ^ u32::from(b)) & 0xFF) as usize] ^ (c >> 8);
        }
        self.0 = c;
    }

    /// The CRC of everything added.
    pub fn value(self) -> u32 {
        !self.0
    }
}
