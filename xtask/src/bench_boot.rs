//! `cargo xtask bench boot`: Linux's boot with examples/bootloader against
//! QEMU loading the same kernel and initrd itself (`-kernel -initrd`, with
//! the same disk attached, so both kernels probe the same devices), side
//! by side in one run, and the bootloader's size and read speed.
//!
//! A third boot is QEMU's own firmware (s390-ccw.img) loading the same
//! kernel and initrd from a disk in zipl's SCSI boot-map format
//! (`zipl_disk.rs`).
//!
//! Prints `name: value` lines (`*_to_marker_ms`: QEMU's start to the
//! init's marker line; `bootloader_handoff_ms`: QEMU's start to the
//! bootloader's jump into Linux); the figures are measurements of this
//! machine, never checked against a bound.

use crate::bootloader::{self, COMMAND_LINE, MARKER, MEMORY_MIB};
use crate::cross;
use crate::linux::{self, Boot, Firmware};
use crate::zipl_disk;
use anyhow::{bail, Context, Result};
use std::path::Path;
use std::time::Duration;

/// Boots per firmware (alternating, medians reported).
const ROUNDS: usize = 3;
/// QEMU's own firmware, for its size.
const S390_CCW_IMAGE: &str = "/usr/share/qemu/s390-ccw.img";

/// Runs the boot benchmark.
pub fn run(root: &Path) -> Result<()> {
    let image = bootloader::build_image(root)?;
    let disk = bootloader::linux_disk(root)?;
    let direct = Boot {
        firmware: Firmware::Direct {
            kernel: disk.parts.kernel.clone(),
            initrd: disk.initrd.clone(),
            append: COMMAND_LINE.to_owned(),
        },
        args: bootloader::boot_disk_args(&disk.disk),
        memory_mib: MEMORY_MIB,
        marker: MARKER.to_owned(),
        timeout: Duration::from_secs(120),
        echo: false,
    };
    let kernel = std::fs::read(&disk.parts.kernel)?;
    let initrd = std::fs::read(&disk.initrd)?;
    let zipl = cross::work_dir(root, "bench-boot")?.join("zipl-disk.img");
    std::fs::write(&zipl, zipl_disk::build(&kernel, &initrd, COMMAND_LINE))?;
    let qemu_firmware = Boot {
        firmware: Firmware::S390Ccw,
        args: bootloader::boot_disk_args(&zipl),
        ..direct.clone()
    };
    let mut direct_ms = Vec::new();
    let mut ours_ms = Vec::new();
    let mut firmware_ms = Vec::new();
    let mut read_ns = Vec::new();
    let mut handoff_ms = Vec::new();
    for round in 0..ROUNDS {
        println!("xtask: round {} of {ROUNDS}", round + 1);
        direct_ms.push(marker_ms(&linux::boot(&direct)?, "-kernel -initrd")?);
        let ours = bootloader::boot_linux(&image, &disk.disk, false)?;
        ours_ms.push(marker_ms(&ours, "the bootloader")?);
        read_ns.push(read_ns_per_4kib(&ours.console).context("no read line on the console")?);
        let handoff = ours
            .console
            .iter()
            .position(|l| l.starts_with("bootloader: starting Linux"))
            .and_then(|i| ours.line_times.get(i))
            .context("no hand-off line on the console")?;
        handoff_ms.push(handoff.as_millis() as u64);
        firmware_ms.push(marker_ms(&linux::boot(&qemu_firmware)?, "s390-ccw.img")?);
    }
    let direct = median(&mut direct_ms);
    let ours = median(&mut ours_ms);
    let firmware = median(&mut firmware_ms);
    println!("direct_to_marker_ms: {direct}");
    println!("bootloader_to_marker_ms: {ours}");
    println!("s390_ccw_zipl_to_marker_ms: {firmware}");
    println!("boot_ratio_vs_direct: {:.3}", ours as f64 / direct as f64);
    println!(
        "boot_ratio_vs_s390_ccw_zipl: {:.3}",
        ours as f64 / firmware as f64
    );
    println!("bootloader_handoff_ms: {}", median(&mut handoff_ms));
    println!("bootloader_bytes: {}", std::fs::metadata(&image)?.len());
    if let Ok(meta) = std::fs::metadata(S390_CCW_IMAGE) {
        println!("s390_ccw_img_bytes: {}", meta.len());
    }
    println!("read_ns_per_4kib: {}", median(&mut read_ns));
    Ok(())
}

fn marker_ms(run: &linux::BootRun, what: &str) -> Result<u64> {
    match run.to_marker {
        Some(at) => Ok(at.as_millis() as u64),
        None => bail!(
            "Linux booted by {what} did not reach the marker (exit {:?}):\n{}",
            run.exit_code,
            run.console.join("\n")
        ),
    }
}

/// The bootloader's `... ns per 4 KiB` figure (TOD clock, kernel and initrd
/// read in 128 KiB requests).
fn read_ns_per_4kib(console: &[String]) -> Option<u64> {
    console.iter().find_map(|line| {
        let before = line
            .strip_prefix("bootloader: read ")?
            .strip_suffix(" ns per 4 KiB")?;
        before.rsplit(' ').next()?.parse().ok()
    })
}

fn median(values: &mut [u64]) -> u64 {
    values.sort_unstable();
    values[values.len() / 2]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_figure_is_parsed() {
        let console = [
            "x".to_owned(),
            "bootloader: read 6952 KiB in 130521 us: 75093 ns per 4 KiB".to_owned(),
        ];
        assert_eq!(read_ns_per_4kib(&console), Some(75093));
    }
}
