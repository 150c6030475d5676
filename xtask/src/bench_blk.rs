//! `cargo xtask bench blk`: sequential reads of a 256 MiB virtio-blk disk
//! by this crate's driver in a bare-metal guest and by Linux, in the same
//! QEMU disk configuration, measured in one run.
//!
//! - The image: [`IMAGE_MIB`] MiB in the pattern of disk [`BENCH_DISK`]
//!   (`disk-pattern`), made on first use in `target/xtask/bench-blk/` and
//!   kept (both sides only read it); never part of `cargo xtask test`.
//! - Both guests get `-drive file=IMG,if=none,id=d0,format=raw -device
//!   virtio-blk-ccw,drive=d0,devno=fe.0.0100` and nothing else.
//! - Ours: `tests/guest/src/bin/blk_bench.rs`, 4 KiB and 64 KiB requests,
//!   1 and 16 in flight, polled and interrupt-driven, timed with the TOD
//!   clock; it prints its own `blk_guest_*` lines.
//! - Linux: Debian's s390x kernel (`linux.rs`) with `virtio_blk.ko` and
//!   busybox in an initramfs; busybox `dd if=/dev/vda of=/dev/null
//!   iflag=direct` (O_DIRECT: no page cache) reads the same image, one `dd`
//!   for depth 1 and sixteen `dd`s on sixteen slices of the disk at once
//!   for depth 16; timed with the kernel's monotonic clock (`now at` of
//!   `/proc/timer_list`, nanoseconds). Linux's latency is its time per
//!   request times the depth (Little's law: the mean time a request is in
//!   flight with `depth` always outstanding).
//! - `blk_read_ratio_vs_linux`: the geometric mean over the four
//!   configurations of ours (polled) over Linux's MB/s; higher is better.
//!   MB is 10^6 bytes.

use crate::cross;
use crate::guest::{self, GuestExit};
use crate::linux::{self, Boot, Firmware, Initramfs};
use crate::programs;
use crate::qemu;
use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Size of the bench image.
pub const IMAGE_MIB: u64 = 256;
/// The disk id of the image's pattern (`BENCH_DISK` in the guest).
const BENCH_DISK: u8 = 5;
/// The line Linux's init prints when it is done.
const MARKER: &str = "S390-CIO-BENCH-BLK-DONE";
/// Longest either side may take.
const TIMEOUT: Duration = Duration::from_secs(900);

/// `name: value` lines, in the order measured.
type Figures = Vec<(String, String)>;

/// One measured configuration: request size and depth.
struct Config {
    name: &'static str,
    request: u64,
    depth: u64,
}

const CONFIGS: [Config; 4] = [
    Config {
        name: "read_4k_qd1",
        request: 4096,
        depth: 1,
    },
    Config {
        name: "read_4k_qd16",
        request: 4096,
        depth: 16,
    },
    Config {
        name: "read_64k_qd1",
        request: 65536,
        depth: 1,
    },
    Config {
        name: "read_64k_qd16",
        request: 65536,
        depth: 16,
    },
];

/// Runs both sides and prints every figure.
pub fn run(root: &Path) -> Result<()> {
    let dir = cross::work_dir(root, "bench-blk")?;
    let image = bench_image(&dir)?;
    let disk = vec![
        "-drive".to_owned(),
        format!("file={},if=none,id=d0,format=raw", image.display()),
        "-device".to_owned(),
        "virtio-blk-ccw,drive=d0,devno=fe.0.0100".to_owned(),
    ];
    println!("blk_image_mib: {IMAGE_MIB}");
    let ours = run_guest(root, &dir, &disk)?;
    for (name, value) in &ours {
        println!("{name}: {value}");
    }
    let linux = run_linux(root, &dir, &disk)?;
    for (name, value) in &linux {
        println!("{name}: {value}");
    }
    let mut product = 1.0;
    let mut product_irq = 1.0;
    for config in &CONFIGS {
        let linux_mbps = figure(&linux, &format!("blk_linux_{}_mbps", config.name))?;
        let ours_mbps = figure(&ours, &format!("blk_guest_{}_mbps", config.name))?;
        let irq_mbps = figure(&ours, &format!("blk_guest_irq_{}_mbps", config.name))?;
        let ratio = ours_mbps / linux_mbps;
        println!("blk_{}_ratio_vs_linux: {ratio:.2}", config.name);
        product *= ratio;
        product_irq *= irq_mbps / linux_mbps;
    }
    let n = CONFIGS.len() as f64;
    println!(
        "blk_read_ratio_vs_linux_irq: {:.2}",
        product_irq.powf(1.0 / n)
    );
    println!("blk_read_ratio_vs_linux: {:.2}", product.powf(1.0 / n));
    Ok(())
}

/// The bench image, made if it is missing or not of the expected size.
fn bench_image(dir: &Path) -> Result<PathBuf> {
    let image = dir.join("bench.img");
    let size = IMAGE_MIB << 20;
    let made = std::fs::metadata(&image).is_ok_and(|m| m.len() == size);
    if !made {
        println!(
            "xtask: writing the {IMAGE_MIB} MiB bench image {}",
            image.display()
        );
        programs::write_pattern_image(&image, BENCH_DISK, size / 512)?;
    }
    Ok(image)
}

/// A figure of `lines`, as a number.
fn figure(lines: &Figures, name: &str) -> Result<f64> {
    let (_, value) = lines
        .iter()
        .find(|(n, _)| n == name)
        .with_context(|| format!("no {name} figure"))?;
    value
        .parse()
        .with_context(|| format!("{name}: {value:?} is not a number"))
}

/// Runs the guest and returns its `blk_guest_*` lines.
fn run_guest(root: &Path, dir: &Path, disk: &[String]) -> Result<Figures> {
    let image = cross::build_guest(root, "guest-tests", "blk_bench")?;
    let run = qemu::run(&image, disk, dir, TIMEOUT)?;
    let failed: Vec<_> = guest::outcomes("blk_bench", &run, TIMEOUT)
        .into_iter()
        .filter_map(|o| o.failure.map(|why| format!("{}: {why}", o.name)))
        .collect();
    if run.exit != GuestExit::Success || !failed.is_empty() {
        bail!(
            "the bench guest failed ({:?}): {}\n{}",
            run.exit,
            failed.join("; "),
            run.console.join("\n")
        );
    }
    Ok(run
        .console
        .iter()
        .filter(|line| line.starts_with("blk_guest_"))
        .filter_map(|line| line.split_once(": "))
        .map(|(name, value)| (name.to_owned(), value.trim().to_owned()))
        .collect())
}

/// Linux's `/init`: load virtio_blk, wait for `/dev/vda`, then per
/// configuration start `depth` `dd`s on consecutive slices and print
/// `linux-bench NAME START_NS END_NS DDS_THAT_READ_ALL`.
fn init_script() -> String {
    let mut script = String::from(
        "#!/bin/sh\n\
         /bin/busybox --install -s /bin\n\
         export PATH=/bin\n\
         mount -t proc proc /proc\n\
         mount -t sysfs sys /sys\n\
         mount -t devtmpfs dev /dev\n\
         insmod /virtio_blk.ko\n\
         while [ ! -b /dev/vda ]; do sleep 0.1; done\n\
         now() { grep -m1 'now at' /proc/timer_list | { read _ _ ns _; echo $ns; }; }\n\
         run() {\n\
         \x20 start=$(now)\n\
         \x20 i=0\n\
         \x20 while [ $i -lt $4 ]; do\n\
         \x20   dd if=/dev/vda of=/dev/null bs=$2 count=$3 skip=$((i * $3)) iflag=direct 2>/tmp/dd$i &\n\
         \x20   i=$((i + 1))\n\
         \x20 done\n\
         \x20 wait\n\
         \x20 end=$(now)\n\
         \x20 all=$(cat /tmp/dd* | grep -c \"^$3+0 records in\")\n\
         \x20 rm /tmp/dd*\n\
         \x20 echo \"linux-bench $1 $start $end $all\"\n\
         }\n",
    );
    for config in &CONFIGS {
        let per_dd = (IMAGE_MIB << 20) / config.request / config.depth;
        script.push_str(&format!(
            "run {} {} {per_dd} {}\n",
            config.name, config.request, config.depth
        ));
    }
    script.push_str(&format!("echo {MARKER}\npoweroff -f\n"));
    script
}

/// Boots Linux on the disk and returns its `blk_linux_*` figures.
fn run_linux(root: &Path, dir: &Path, disk: &[String]) -> Result<Figures> {
    let parts = linux::fetch(root)?;
    let module = parts.module("drivers/block/virtio_blk.ko")?;
    let initrd = dir.join("initrd.cpio");
    let mut archive = Initramfs::with_busybox(&parts.busybox, &init_script())?;
    let module_bytes =
        std::fs::read(&module).with_context(|| format!("reading {}", module.display()))?;
    archive.add_file("virtio_blk.ko", &module_bytes);
    archive.write_to(&initrd)?;
    let run = linux::boot(&Boot {
        firmware: Firmware::Direct {
            kernel: parts.kernel.clone(),
            initrd,
            append: "console=ttysclp0 quiet".to_owned(),
        },
        args: disk.to_vec(),
        memory_mib: 512,
        marker: MARKER.to_owned(),
        timeout: TIMEOUT,
        echo: false,
    })?;
    if run.to_marker.is_none() {
        bail!(
            "Linux did not finish the bench:\n{}",
            run.console.join("\n")
        );
    }
    let mut figures = vec![
        ("blk_linux_kernel".to_owned(), parts.kernel_package.clone()),
        (
            "blk_linux_reader".to_owned(),
            "busybox dd iflag=direct".to_owned(),
        ),
    ];
    figures.extend(linux_figures(&run.console)?);
    Ok(figures)
}

/// Linux's MB/s and latency per configuration, from the `linux-bench`
/// lines of its console.
fn linux_figures(console: &[String]) -> Result<Figures> {
    let mut figures = Figures::new();
    for config in &CONFIGS {
        let line = console
            .iter()
            .find_map(|l| l.strip_prefix(&format!("linux-bench {} ", config.name)))
            .with_context(|| format!("Linux printed no {} line", config.name))?;
        let fields: Vec<u64> = line
            .split_whitespace()
            .map(str::parse)
            .collect::<Result<_, _>>()
            .with_context(|| format!("bad bench line {line:?}"))?;
        let [start_ns, end_ns, complete] = fields[..] else {
            bail!("bad bench line {line:?}");
        };
        if complete != config.depth {
            bail!(
                "{}: {complete} of {} dd processes read their whole slice",
                config.name,
                config.depth
            );
        }
        let elapsed_us = end_ns.saturating_sub(start_ns) as f64 / 1000.0;
        let bytes = (IMAGE_MIB << 20) as f64;
        let requests = bytes / config.request as f64;
        let name = format!("blk_linux_{}", config.name);
        figures.push((format!("{name}_mbps"), format!("{:.2}", bytes / elapsed_us)));
        figures.push((
            format!("{name}_latency_us"),
            format!("{:.1}", elapsed_us * config.depth as f64 / requests),
        ));
    }
    Ok(figures)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn console(lines: &[&str]) -> Vec<String> {
        lines.iter().map(|l| l.to_string()).collect()
    }

    #[test]
    fn linux_lines_become_mbps_and_latency() {
        // 256 MiB in 2.68435456 s is 100 MB/s.
        let lines = console(&[
            "linux-bench read_4k_qd1 1000000000 3684354560 1",
            "linux-bench read_4k_qd16 0 2684354560 16",
            "linux-bench read_64k_qd1 0 2684354560 1",
            "linux-bench read_64k_qd16 0 2684354560 16",
        ]);
        let figures = linux_figures(&lines).unwrap();
        let get = |name: &str| figure(&figures, name).unwrap();
        assert_eq!(get("blk_linux_read_4k_qd1_mbps"), 100.0);
        // 65536 requests in 2684354.56 us, one at a time.
        assert_eq!(get("blk_linux_read_4k_qd1_latency_us"), 41.0);
        // Sixteen at a time: each in flight sixteen times as long.
        assert_eq!(get("blk_linux_read_4k_qd16_latency_us"), 655.4);
        assert_eq!(get("blk_linux_read_64k_qd16_mbps"), 100.0);
    }

    #[test]
    fn a_dd_that_read_less_than_its_slice_fails_the_run() {
        let lines = console(&[
            "linux-bench read_4k_qd1 0 100 1",
            "linux-bench read_4k_qd16 0 100 15",
        ]);
        let error = linux_figures(&lines).unwrap_err().to_string();
        assert!(error.contains("15 of 16"), "{error}");
    }

    #[test]
    fn the_init_script_runs_every_configuration_over_the_whole_image() {
        let script = init_script();
        assert!(script.contains("run read_4k_qd1 4096 65536 1\n"));
        assert!(script.contains("run read_4k_qd16 4096 4096 16\n"));
        assert!(script.contains("run read_64k_qd1 65536 4096 1\n"));
        assert!(script.contains("run read_64k_qd16 65536 256 16\n"));
        assert!(script.contains("iflag=direct"));
        assert!(script.ends_with(&format!("echo {MARKER}\npoweroff -f\n")));
    }
}
