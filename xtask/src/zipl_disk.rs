//! A disk in zipl's SCSI boot-map format, for QEMU's own firmware
//! (`s390-ccw.img`, `pc-bios/s390-ccw/bootmap.c`, "IPL a SCSI disk"), so
//! `cargo xtask bench` can time it booting the same kernel and initrd.
//!
//! Blocks of 512 bytes, big-endian:
//! - 0, the master boot record: `zIPL`, version 1, 8 reserved bytes, then
//!   a block pointer to the program table;
//! - 1, the program table: `zIPL` and 12 reserved bytes, then block
//!   pointers to component tables (entry 0 is the default);
//! - 2, the component table: a 32-byte header (`zIPL`, type 0 = IPL), then
//!   32-byte entries: a block pointer to a block list, 7 pad bytes, the
//!   type (2 = load, 1 = execute) and the load address (or the PSW);
//! - 3 and 4, the block lists of the kernel and the initrd: block pointers
//!   (first block, block size, block count - 1), ended by a zero pointer;
//! - then the data.
//!
//! A block pointer is 16 bytes: block number (8), size (2), count - 1 (2),
//! reserved (4). zipl itself also writes a stage-3 loader that fills the
//! kernel's parameter area (initrd address and size, command line); here
//! the parameter area is written into the kernel image on the disk
//! instead, so the firmware only loads and jumps.

/// Bytes per block.
const BLOCK: usize = 512;
/// Where the initrd is loaded (as by examples/bootloader on the same
/// machine: 17 MiB).
pub const INITRD_ADDRESS: u64 = 0x110_0000;
/// The kernel image is loaded from this offset and address on (the first
/// 64 KiB hold only its IPL records, which zipl skips too).
const KERNEL_OFFSET: usize = 0x10000;
/// The PSW the firmware starts Linux with (ESA/390 format, as zipl
/// writes it): 31-bit addressing, entry 0x10000.
const KERNEL_PSW: u64 = 0x0008_0000_8001_0000;
/// Most blocks one block pointer covers (count - 1 is 16 bits).
const BLOCKS_PER_POINTER: usize = 0x1_0000;

fn block_pointer(block: u64, count: usize) -> [u8; 16] {
    let mut p = [0u8; 16];
    p[0..8].copy_from_slice(&block.to_be_bytes());
    p[8..10].copy_from_slice(&(BLOCK as u16).to_be_bytes());
    p[10..12].copy_from_slice(&((count - 1) as u16).to_be_bytes());
    p
}

/// A zipl SCSI-format disk booting `kernel` with `initrd` and
/// `command_line`.
pub fn build(kernel: &[u8], initrd: &[u8], command_line: &str) -> Vec<u8> {
    let mut image = kernel.to_vec();
    image[0x10408..0x10410].copy_from_slice(&INITRD_ADDRESS.to_be_bytes());
    image[0x10410..0x10418].copy_from_slice(&(initrd.len() as u64).to_be_bytes());
    let line = command_line.as_bytes();
    image[0x10480..0x10480 + line.len()].copy_from_slice(line);
    image[0x10480 + line.len()] = 0;
    let kernel_data = &image[KERNEL_OFFSET..];

    let mut disk = vec![0u8; 5 * BLOCK];
    disk[0..4].copy_from_slice(b"zIPL");
    disk[4..8].copy_from_slice(&1u32.to_be_bytes());
    disk[16..32].copy_from_slice(&block_pointer(1, 1));
    disk[BLOCK..BLOCK + 4].copy_from_slice(b"zIPL");
    disk[BLOCK + 16..BLOCK + 32].copy_from_slice(&block_pointer(2, 1));
    let table = 2 * BLOCK;
    disk[table..table + 4].copy_from_slice(b"zIPL");
    let mut entry = table + 32;
    for (list_block, address, data) in [
        (3u64, KERNEL_OFFSET as u64, kernel_data),
        (4, INITRD_ADDRESS, initrd),
    ] {
        disk[entry..entry + 16].copy_from_slice(&block_pointer(list_block, 1));
        disk[entry + 23] = 2;
        disk[entry + 24..entry + 32].copy_from_slice(&address.to_be_bytes());
        entry += 32;
        let first = (disk.len() / BLOCK) as u64;
        let blocks = data.len().div_ceil(BLOCK);
        let list = list_block as usize * BLOCK;
        for (i, start) in (0..blocks).step_by(BLOCKS_PER_POINTER).enumerate() {
            let count = (blocks - start).min(BLOCKS_PER_POINTER);
            disk[list + 16 * i..list + 16 * (i + 1)]
                .copy_from_slice(&block_pointer(first + start as u64, count));
        }
        disk.extend_from_slice(data);
        disk.resize(disk.len().next_multiple_of(BLOCK), 0);
    }
    disk[entry + 23] = 1;
    disk[entry + 24..entry + 32].copy_from_slice(&KERNEL_PSW.to_be_bytes());
    disk
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_points_at_the_tables_and_the_data() {
        let mut kernel = vec![0u8; 0x20000];
        kernel[0x10000] = 0xa7;
        let disk = build(&kernel, &[9; 1000], "console=ttysclp0");
        let u64_at = |o: usize| u64::from_be_bytes(disk[o..o + 8].try_into().unwrap());
        assert_eq!(&disk[0..4], b"zIPL");
        assert_eq!(u64_at(16), 1);
        assert_eq!(u64_at(512 + 16), 2);
        assert_eq!(disk[1024 + 32 + 23], 2);
        assert_eq!(u64_at(1024 + 32 + 24), 0x10000);
        assert_eq!(disk[1024 + 96 + 23], 1);
        assert_eq!(u64_at(1024 + 96 + 24), KERNEL_PSW);
        let kernel_block = u64_at(3 * 512) as usize;
        assert_eq!(disk[kernel_block * 512], 0xa7);
        // 64 KiB of kernel = 128 blocks: count - 1 = 127.
        assert_eq!(&disk[3 * 512 + 10..3 * 512 + 12], &[0, 127]);
        assert_eq!(u64_at(3 * 512 + 16), 0);
        let initrd_block = u64_at(4 * 512) as usize;
        assert_eq!(disk[initrd_block * 512], 9);
    }
}
