//! The boot disk `examples/bootloader` reads: a boot map in sector 0 and
//! three components (kernel, initrd, command line), each starting on a
//! sector boundary. The format is documented in
//! `examples/bootloader/src/boot_map.rs`; this is its writer.

/// Bytes per sector.
const SECTOR: usize = 512;
/// The boot map's magic.
pub const MAGIC: [u8; 8] = *b"S390CIOB";
/// Offsets of the three entries in sector 0.
pub const KERNEL_ENTRY: usize = 16;
/// The initrd's entry.
pub const INITRD_ENTRY: usize = 40;
/// The command line's entry.
pub const COMMAND_LINE_ENTRY: usize = 64;
/// Offset of the CRC-32 inside an entry.
pub const ENTRY_CRC: usize = 16;

/// A disk image with `kernel`, `initrd` and `command_line`.
pub fn build(kernel: &[u8], initrd: &[u8], command_line: &str) -> Vec<u8> {
    let mut disk = vec![0u8; SECTOR];
    disk[0..8].copy_from_slice(&MAGIC);
    disk[8..12].copy_from_slice(&1u32.to_be_bytes());
    for (offset, bytes) in [
        (KERNEL_ENTRY, kernel),
        (INITRD_ENTRY, initrd),
        (COMMAND_LINE_ENTRY, command_line.as_bytes()),
    ] {
        let sector = (disk.len() / SECTOR) as u64;
        disk[offset..offset + 8].copy_from_slice(&sector.to_be_bytes());
        disk[offset + 8..offset + 16].copy_from_slice(&(bytes.len() as u64).to_be_bytes());
        disk[offset + ENTRY_CRC..offset + ENTRY_CRC + 4]
            .copy_from_slice(&crc32(bytes).to_be_bytes());
        disk.extend_from_slice(bytes);
        disk.resize(disk.len().next_multiple_of(SECTOR), 0);
    }
    disk
}

/// CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320), as zlib's.
pub fn crc32(bytes: &[u8]) -> u32 {
    let table: Vec<u32> = (0..256u32)
        .map(|i| {
            (0..8).fold(i, |c, _| {
                if c & 1 != 0 {
                    0xEDB8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                }
            })
        })
        .collect();
    !bytes.iter().fold(0xFFFF_FFFFu32, |c, &b| {
        table[((c ^ u32::from(b)) & 0xFF) as usize] ^ (c >> 8)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_matches_the_standard_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn components_start_on_sectors_after_the_map() {
        let disk = build(&[1; 600], &[2; 10], "console=ttysclp0");
        let sector = |o: usize| u64::from_be_bytes(disk[o..o + 8].try_into().unwrap());
        assert_eq!(sector(KERNEL_ENTRY), 1);
        assert_eq!(sector(INITRD_ENTRY), 3);
        assert_eq!(sector(COMMAND_LINE_ENTRY), 4);
        assert_eq!(disk.len(), 5 * 512);
        assert_eq!(&disk[4 * 512..4 * 512 + 16], b"console=ttysclp0");
    }
}
