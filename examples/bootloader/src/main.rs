//! A Linux bootloader on s390-cio: QEMU starts it with `-bios` in place of
//! its s390-ccw firmware. It finds the boot disk (the IPL device named by
//! the IPL parameter block, as QEMU stores it for `bootindex=1`; else the
//! first virtio-blk device), reads the boot map in sector 0
//! ([`boot_map`]), then the command line, the kernel and the initrd, checks
//! their CRC-32s and the kernel's `S390EP` mark, sets up Linux's s390 boot
//! protocol ([`handoff`]) and jumps to the kernel. On any error it prints
//! why and stops in a disabled wait with a documented code ([`error`]).
//!
//! Placement: QEMU loads a `-bios` ELF near the top of memory
//! (`linker/bootloader.ld` has the facts); `_bootloader_entry` copies the
//! image to its link address, 16 MiB, and records where it was loaded:
//! that address (top of memory - 2 MiB) bounds the initrd, which goes at
//! the first MiB boundary after the image. The kernel is read in place
//! from 0x10000; its first 64 KiB, which cover lowcore and the runtime's
//! new PSWs, wait in a buffer and are copied last, with every interruption
//! off, just before the jump.
#![no_std]
#![no_main]
#![deny(clippy::undocumented_unsafe_blocks)]

mod boot_map;
mod disk;
mod error;
mod handoff;
mod ipl;

use boot_map::{BootMap, Crc32, Entry};
use core::convert::Infallible;
use core::ptr::{addr_of, addr_of_mut};
use disk::Disk;
use error::{BootError, Component};
use handoff::{EP_MARK, EP_MARK_ADDRESS, STAGED_BYTES};
use s390_cio_boot::exit::{self, ExitCode};
use s390_cio_boot::{entry, println};

core::arch::global_asm!(
    r#"
    .section .text.bootloader_entry,"ax"
    .globl _bootloader_entry
_bootloader_entry:
    larl    %r1, _bootloader_entry
    larl    %r6, 3f
    lg      %r2, 0(%r6)
    clgr    %r1, %r2
    je      1f
    lg      %r3, 8(%r6)
    sgr     %r3, %r2
    lgr     %r4, %r1
    lgr     %r5, %r3
0:
    mvcle   %r2, %r4, 0
    jo      0b
1:
    lg      %r7, 16(%r6)
    br      %r7
2:
    larl    %r6, __bootloader_loaded_at
    stg     %r1, 0(%r6)
    jg      _start
    .balign 8
3:
    .quad   _bootloader_entry
    .quad   __load_end
    .quad   2b

    .section .data.bootloader_loaded_at,"aw"
    .balign 8
    .globl __bootloader_loaded_at
__bootloader_loaded_at:
    .quad   0
    "#
);

/// The kernel's first 64 KiB until the jump; first sector 0 and the
/// command line.
#[repr(C, align(4096))]
struct Staging([u8; STAGED_BYTES]);

static mut STAGING: Staging = Staging([0; STAGED_BYTES]);

/// The command line's longest length this bootloader keeps.
const COMMAND_LINE_ROOM: usize = 4096;
static mut COMMAND_LINE: [u8; COMMAND_LINE_ROOM] = [0; COMMAND_LINE_ROOM];

/// The initrd's alignment.
const MIB: u64 = 1 << 20;

fn main() -> ExitCode {
    println!("bootloader: s390-cio Linux bootloader");
    let Err(error) = boot();
    println!("bootloader: error 0x{:03x}: {}", error.wait_code(), error);
    exit::stop(error.wait_code())
}

fn staging_address() -> u64 {
    addr_of_mut!(STAGING) as u64
}

fn staged() -> &'static [u8; STAGED_BYTES] {
    // SAFETY: reads of the buffer happen only after the reads that fill it
    // completed; nothing writes it concurrently.
    unsafe { &(*addr_of!(STAGING)).0 }
}

fn boot() -> Result<Infallible, BootError> {
    let ipl_device = ipl::ipl_device_number();
    match ipl_device {
        Some(number) => println!("bootloader: IPL device 0.0.{number:04x}"),
        None => println!("bootloader: no IPL device, taking the first virtio-blk disk"),
    }
    let mut disk = Disk::open(ipl_device)?;
    println!(
        "bootloader: disk 0.0.{:04x}, {} sectors",
        disk.device_number(),
        disk.capacity()
    );
    // SAFETY: the staging buffer is ours and unused now.
    unsafe { disk.read(0, staging_address(), 512) }?;
    let mut sector0 = [0u8; 512];
    sector0.copy_from_slice(&staged()[..512]);
    let map = BootMap::parse(&sector0, disk.capacity())?;
    let command_line = read_command_line(&mut disk, map.command_line)?;
    let (image_start, image_end, loaded_at) = image_bounds();
    let before = disk.stats();
    read_kernel(&mut disk, map.kernel, image_start)?;
    // SAFETY: the kernel is loaded from 0x10000 (`read_kernel`).
    let limit = unsafe { handoff::command_line_limit() };
    if command_line.len() as u64 + 1 > limit {
        return Err(BootError::CommandLineTooLong {
            length: command_line.len() as u64,
            limit,
        });
    }
    let initrd_start = image_end.next_multiple_of(MIB);
    read_checked(
        &mut disk,
        Component::Initrd,
        map.initrd,
        initrd_start,
        loaded_at.saturating_sub(initrd_start),
    )?;
    let after = disk.stats();
    let (bytes, micros) = (after.bytes - before.bytes, after.micros - before.micros);
    println!(
        "bootloader: read {} KiB in {} us: {} ns per 4 KiB",
        bytes / 1024,
        micros,
        (micros * 1000 * 4096).checked_div(bytes).unwrap_or(0)
    );
    println!(
        "bootloader: kernel {} bytes at 0, initrd {} bytes at 0x{:x}, command line \"{}\"",
        map.kernel.length,
        map.initrd.length,
        initrd_start,
        core::str::from_utf8(command_line).unwrap_or("(not UTF-8)")
    );
    disk.close();
    println!("bootloader: starting Linux at 0x{:x}", handoff::ENTRY);
    s390_cio_boot::console::flush();
    // SAFETY: the kernel is loaded from 0x10000 with its first 64 KiB
    // staged, the initrd at `initrd_start`, the command line checked
    // against the kernel's limit; the runtime runs with every interruption
    // disabled (polled I/O only).
    unsafe { handoff::start_linux(staged(), initrd_start, map.initrd.length, command_line) }
}

/// The image's start and end (at its link address, where it runs), and
/// where QEMU loaded it. LARL reaches the linker's symbols without a GOT
/// entry (GNU ld cannot make GOT entries for them here).
fn image_bounds() -> (u64, u64, u64) {
    let (start, end, loaded_at): (u64, u64, u64);
    // SAFETY: LARL only computes addresses; LG reads the doubleword the
    // entry stub wrote in the image's data.
    unsafe {
        core::arch::asm!(
            "larl {start}, __image_start",
            "larl {end}, __image_end",
            "larl {at}, __bootloader_loaded_at",
            "lg {at}, 0({at})",
            start = out(reg) start,
            end = out(reg) end,
            at = out(reg_addr) loaded_at,
            options(nostack, readonly),
        );
    }
    (start, end, loaded_at)
}

fn read_command_line(disk: &mut Disk, entry: Entry) -> Result<&'static [u8], BootError> {
    let length = entry.length as usize;
    if length >= COMMAND_LINE_ROOM {
        return Err(BootError::CommandLineTooLong {
            length: entry.length,
            limit: COMMAND_LINE_ROOM as u64,
        });
    }
    if length == 0 {
        return Ok(&[]);
    }
    // SAFETY: the staging buffer (64 KiB) is ours and unused now; the
    // command line is shorter than 4 KiB.
    unsafe { disk.read(entry.sector, staging_address(), entry.length) }?;
    check_crc(Component::CommandLine, entry, &[&staged()[..length]])?;
    // SAFETY: the only reference to the command-line buffer is made here,
    // once.
    let line = unsafe { &mut *addr_of_mut!(COMMAND_LINE) };
    line[..length].copy_from_slice(&staged()[..length]);
    Ok(&line[..length])
}

fn read_kernel(disk: &mut Disk, entry: Entry, image_start: u64) -> Result<(), BootError> {
    let rounded = entry.length.next_multiple_of(512);
    if rounded > image_start {
        return Err(BootError::TooLarge {
            component: Component::Kernel,
            length: entry.length,
            room: image_start,
        });
    }
    if entry.length < EP_MARK_ADDRESS + EP_MARK.len() as u64 {
        return Err(BootError::NotLinux);
    }
    let staged_length = STAGED_BYTES as u64;
    // SAFETY: the staging buffer is ours; the rest of the kernel goes to
    // 0x10000 up to below the image (checked above), memory nothing else
    // uses.
    unsafe {
        disk.read(entry.sector, staging_address(), staged_length)?;
        disk.read(
            entry.sector + staged_length / 512,
            handoff::ENTRY,
            entry.length - staged_length,
        )?;
    }
    // SAFETY: the kernel's bytes past the first 64 KiB were just read to
    // 0x10000 and nothing writes them.
    let rest = unsafe {
        core::slice::from_raw_parts(
            handoff::ENTRY as *const u8,
            (entry.length - staged_length) as usize,
        )
    };
    check_crc(Component::Kernel, entry, &[staged(), rest])?;
    let mark_at = (EP_MARK_ADDRESS - handoff::ENTRY) as usize;
    if rest[mark_at..mark_at + EP_MARK.len()] != EP_MARK {
        return Err(BootError::NotLinux);
    }
    Ok(())
}

fn read_checked(
    disk: &mut Disk,
    component: Component,
    entry: Entry,
    address: u64,
    room: u64,
) -> Result<(), BootError> {
    if entry.length == 0 {
        return Ok(());
    }
    if entry.length.next_multiple_of(512) > room {
        return Err(BootError::TooLarge {
            component,
            length: entry.length,
            room,
        });
    }
    // SAFETY: `address .. address + room` is free memory between the
    // image and where QEMU loaded it.
    unsafe { disk.read(entry.sector, address, entry.length) }?;
    // SAFETY: just read, nothing writes it.
    let bytes = unsafe { core::slice::from_raw_parts(address as *const u8, entry.length as usize) };
    check_crc(component, entry, &[bytes])
}

fn check_crc(component: Component, entry: Entry, parts: &[&[u8]]) -> Result<(), BootError> {
    let mut crc = Crc32::new();
    for part in parts {
        crc.update(part);
    }
    let actual = crc.value();
    if actual == entry.crc {
        Ok(())
    } else {
        Err(BootError::Corrupt {
            component,
            expected: entry.crc,
            actual,
        })
    }
}

entry!(main);
