//! `examples/bootloader` on QEMU: its firmware image, the Linux boot disk
//! it reads, `cargo xtask run` (boot Debian's kernel to a marker), and the
//! `bootloader` guest suite of `cargo xtask test` (bad disks and one
//! Linux boot).
//!
//! QEMU starts the bootloader as `-bios` in place of its s390-ccw
//! firmware: hw/s390x/ipl.c loads a `-bios` ELF at fwbase = (min(RAM,
//! 2 GiB) - 2 MiB) rounded down to 64 KiB, adding fwbase to each segment's
//! physical address and, for a PIE like s390-ccw.img, to each
//! R_390_RELATIVE word; it starts the CPU at fwbase + e_entry. The
//! bootloader is linked at 16 MiB with load addresses from 0
//! (`linker/bootloader.ld`) and copies itself there first, so it does not
//! depend on QEMU's relocation nor on the memory size. An ordinary
//! `-drive ...,bootindex=1` boot then uses it: QEMU stores the IPL
//! parameter block naming that disk, which the bootloader reads with
//! DIAGNOSE 0x308.

use crate::boot_disk;
use crate::cross;
use crate::linux::{self, Boot, BootRun, Firmware, Initramfs, LinuxParts};
use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// The line the Linux guests' init prints before powering off.
pub const MARKER: &str = "S390-CIO-LINUX-MARKER";
/// The kernel command line on the boot disk.
pub const COMMAND_LINE: &str = "console=ttysclp0 quiet";
/// Guest memory for Linux boots (MiB).
pub const MEMORY_MIB: u32 = 512;
/// Device number of the boot disk.
pub const BOOT_DEVNO: u16 = 0x0100;

/// The bootloader's firmware image: the stripped ELF QEMU loads.
pub fn build_image(root: &Path) -> Result<PathBuf> {
    let guest = cross::build_guest(root, "bootloader", "bootloader")?;
    let image = guest.elf.with_extension("img");
    let status = Command::new("s390x-linux-gnu-objcopy")
        .arg("--strip-all")
        .arg(&guest.elf)
        .arg(&image)
        .status()
        .context("cannot start s390x-linux-gnu-objcopy")?;
    if !status.success() {
        bail!("stripping {} failed: {status}", guest.elf.display());
    }
    Ok(image)
}

/// The Linux parts, the marker initramfs and the boot disk holding them.
pub struct LinuxDisk {
    /// Kernel and busybox.
    pub parts: LinuxParts,
    /// The initramfs whose init prints [`MARKER`] and powers off.
    pub initrd: PathBuf,
    /// The boot disk (kernel, initrd, [`COMMAND_LINE`]).
    pub disk: PathBuf,
}

/// Fetches Linux (cached) and writes the initramfs and the boot disk.
pub fn linux_disk(root: &Path) -> Result<LinuxDisk> {
    let parts = linux::fetch(root)?;
    let dir = cross::work_dir(root, "bootloader")?;
    let initrd = dir.join("initrd.cpio");
    Initramfs::with_busybox(&parts.busybox, &linux::marker_init_script(MARKER))?
        .write_to(&initrd)?;
    let kernel = std::fs::read(&parts.kernel)
        .with_context(|| format!("reading {}", parts.kernel.display()))?;
    let initrd_bytes = std::fs::read(&initrd)?;
    let disk = dir.join("linux-disk.img");
    std::fs::write(
        &disk,
        boot_disk::build(&kernel, &initrd_bytes, COMMAND_LINE),
    )
    .with_context(|| format!("writing {}", disk.display()))?;
    Ok(LinuxDisk {
        parts,
        initrd,
        disk,
    })
}

/// QEMU arguments for a virtio-blk boot disk at [`BOOT_DEVNO`] with
/// `bootindex=1`.
pub fn boot_disk_args(disk: &Path) -> Vec<String> {
    vec![
        "-drive".to_owned(),
        format!(
            "file={},if=none,id=boot,format=raw,readonly=on",
            disk.display()
        ),
        "-device".to_owned(),
        format!("virtio-blk-ccw,drive=boot,devno=fe.0.{BOOT_DEVNO:04x},bootindex=1"),
    ]
}

/// Boots Linux from `disk` with the bootloader `image`.
pub fn boot_linux(image: &Path, disk: &Path, echo: bool) -> Result<BootRun> {
    linux::boot(&Boot {
        firmware: Firmware::Bios(image.to_path_buf()),
        args: boot_disk_args(disk),
        memory_mib: MEMORY_MIB,
        marker: MARKER.to_owned(),
        timeout: Duration::from_secs(120),
        echo,
    })
}

/// `cargo xtask run`: Debian's kernel and a busybox initramfs on a disk,
/// booted by the bootloader in QEMU; the console is shown up to the
/// marker.
pub fn run(root: &Path) -> Result<()> {
    let image = build_image(root)?;
    let linux = linux_disk(root)?;
    println!(
        "xtask: booting {} from {} with {} (QEMU -bios)",
        linux.parts.kernel_package,
        linux.disk.display(),
        image.display()
    );
    let run = boot_linux(&image, &linux.disk, true)?;
    match run.to_marker {
        Some(at) => {
            println!(
                "xtask: Linux reached the marker after {:.2} s; QEMU ended after {:.2} s (exit {:?})",
                at.as_secs_f64(),
                run.elapsed.as_secs_f64(),
                run.exit_code
            );
            Ok(())
        }
        None => bail!(
            "Linux did not reach the marker (QEMU exit {:?})",
            run.exit_code
        ),
    }
}
