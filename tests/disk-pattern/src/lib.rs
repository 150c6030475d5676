//! The known pattern of the test disks (`no_std`): every 512-byte sector
//! of disk `d` holds its disk id and its sector number, so a read that
//! lands on the wrong disk, the wrong sector or the wrong place in the
//! buffer is seen.
//!
//! Doubleword `i` (0 to 63) of sector `n` is, big-endian,
//! `d << 56 | (n & 0xff_ffff_ffff) << 8 | i`.
#![no_std]

/// Bytes per sector.
pub const SECTOR_SIZE: usize = 512;

/// Fills `sector` (512 bytes) with the pattern of sector `n` of disk `disk`.
pub fn fill_sector(disk: u8, n: u64, sector: &mut [u8; SECTOR_SIZE]) {
    for (i, word) in sector.chunks_exact_mut(8).enumerate() {
        word.copy_from_slice(&doubleword(disk, n, i).to_be_bytes());
    }
}

/// Whether `sector` holds the pattern of sector `n` of disk `disk`.
pub fn is_sector(disk: u8, n: u64, sector: &[u8]) -> bool {
    sector.len() == SECTOR_SIZE
        && sector
            .chunks_exact(8)
            .enumerate()
            .all(|(i, word)| word == doubleword(disk, n, i).to_be_bytes())
}

/// Whether `data` holds the pattern of the sectors of disk `disk` from
/// sector `first` on (a whole number of sectors).
pub fn is_sectors(disk: u8, first: u64, data: &[u8]) -> bool {
    data.len().is_multiple_of(SECTOR_SIZE)
        && data
            .chunks_exact(SECTOR_SIZE)
            .enumerate()
            .all(|(k, sector)| is_sector(disk, first + k as u64, sector))
}

fn doubleword(disk: u8, n: u64, i: usize) -> u64 {
    u64::from(disk) << 56 | (n & 0xff_ffff_ffff) << 8 | i as u64
}
