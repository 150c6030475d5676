//! The guest programs, the emulators each runs on, and the QEMU machine the
//! example boots in.

use crate::cross;
use crate::guest::{GuestExit, GuestImage};
use crate::qemu;
use anyhow::{bail, Context, Result};
use std::io::Write;
use std::path::Path;
use std::time::Duration;

/// An emulator guest programs run on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum World {
    /// QEMU with TCG: virtio-ccw devices.
    Qemu,
    /// Hercules: 3390 DASD, 3215 console, 1403 printer, 3505 reader.
    Hercules,
}

impl World {
    /// The suite name printed in `SUITE: N passed, N failed`.
    pub fn suite(self) -> &'static str {
        match self {
            World::Qemu => "qemu",
            World::Hercules => "hercules",
        }
    }
}

/// One guest test program (a binary of the `guest-tests` package).
pub struct Program {
    /// Binary name in `tests/guest/src/bin/`.
    pub bin: &'static str,
    /// Emulators it runs on.
    pub worlds: &'static [World],
    /// Only run by `cargo xtask test --self-check`.
    pub self_check: bool,
    /// Longest a run may take before it counts as hung.
    pub timeout: Duration,
    /// What the program must leave on the Hercules 1403 printer, checked as
    /// one more test (`PROGRAM/printer_output`).
    pub printer: Option<&'static str>,
    /// Hercules IPLs it from a bootable 3390 at 0120
    /// (`volumes::ipl_volume`) instead of loading it into storage.
    pub ipl: bool,
}

/// Every guest test program.
pub const PROGRAMS: &[Program] = &[
    Program {
        bin: "runtime",
        worlds: &[World::Qemu, World::Hercules],
        self_check: false,
        timeout: Duration::from_secs(30),
        printer: None,
        ipl: false,
    },
    Program {
        bin: "css_qemu",
        worlds: &[World::Qemu],
        self_check: false,
        timeout: Duration::from_secs(30),
        printer: None,
        ipl: false,
    },
    Program {
        bin: "instructions_qemu",
        worlds: &[World::Qemu],
        self_check: false,
        timeout: Duration::from_secs(30),
        printer: None,
        ipl: false,
    },
    Program {
        bin: "hotplug_qemu",
        worlds: &[World::Qemu],
        self_check: false,
        timeout: Duration::from_secs(30),
        printer: None,
        ipl: false,
    },
    Program {
        bin: "css_hercules",
        worlds: &[World::Hercules],
        self_check: false,
        timeout: Duration::from_secs(30),
        printer: Some("S390-CIO PRINTER TEST LINE\n"),
        ipl: false,
    },
    Program {
        bin: "instructions_hercules",
        worlds: &[World::Hercules],
        self_check: false,
        timeout: Duration::from_secs(30),
        printer: None,
        ipl: false,
    },
    Program {
        bin: "driver",
        worlds: &[World::Qemu, World::Hercules],
        self_check: false,
        timeout: Duration::from_secs(30),
        printer: None,
        ipl: false,
    },
    Program {
        bin: "unsolicited_hercules",
        worlds: &[World::Hercules],
        self_check: false,
        timeout: Duration::from_secs(30),
        printer: None,
        ipl: false,
    },
    Program {
        bin: "unit_record_hercules",
        worlds: &[World::Hercules],
        self_check: false,
        timeout: Duration::from_secs(30),
        // Hercules' 1403 file: a newline per line spaced, CR and form
        // feed for a skip to channel 1.
        printer: Some(concat!(
            "S390-CIO PRINTER LINE 1\n",
            "S390-CIO PRINTER LINE 2\n\n",
            "\n",
            "S390-CIO PRINTER LINE 3\r\x0c",
            "S390-CIO PRINTER PAGE 2\n",
        )),
        ipl: false,
    },
    Program {
        bin: "fidelity",
        worlds: &[World::Qemu, World::Hercules],
        self_check: false,
        timeout: Duration::from_secs(30),
        printer: None,
        ipl: false,
    },
    Program {
        bin: "virtio_qemu",
        worlds: &[World::Qemu],
        self_check: false,
        timeout: Duration::from_secs(30),
        printer: None,
        ipl: false,
    },
    Program {
        bin: "eckd_hercules",
        worlds: &[World::Hercules],
        self_check: false,
        timeout: Duration::from_secs(60),
        printer: None,
        ipl: false,
    },
    Program {
        bin: "ipl_stage2",
        worlds: &[World::Hercules],
        self_check: false,
        timeout: Duration::from_secs(30),
        printer: None,
        ipl: true,
    },
    Program {
        bin: "virtio_workloads_qemu",
        worlds: &[World::Qemu],
        self_check: false,
        timeout: Duration::from_secs(60),
        printer: None,
        ipl: false,
    },
    Program {
        bin: "selfcheck",
        worlds: &[World::Qemu, World::Hercules],
        self_check: true,
        timeout: Duration::from_secs(5),
        printer: None,
        ipl: false,
    },
    Program {
        bin: "selfcheck_crash",
        worlds: &[World::Qemu, World::Hercules],
        self_check: true,
        timeout: Duration::from_secs(10),
        printer: None,
        ipl: false,
    },
];

/// Device numbers of the QEMU machine's devices (subchannel set 0, css 0xfe,
/// the virtual channel subsystem).
pub const QEMU_BLK_DEVNO: u16 = 0x0100;
/// A second virtio-blk disk.
pub const QEMU_BLK2_DEVNO: u16 = 0x0101;
/// A read-only virtio-blk disk.
pub const QEMU_BLK_RO_DEVNO: u16 = 0x0102;
/// The virtio-net device.
pub const QEMU_NET_DEVNO: u16 = 0x0200;
/// Sectors of each test disk (2 MiB).
pub const TEST_DISK_SECTORS: u64 = 4096;

/// A virtio-blk disk of the QEMU machine.
struct Disk {
    /// QEMU's device id (for QMP).
    id: &'static str,
    devno: u16,
    /// The disk id of its pattern (`disk-pattern`).
    pattern: u8,
    read_only: bool,
}

/// The test disks, in the order QEMU numbers their subchannels: blk0 and
/// blk1 first (the hot-unplug tests remove them by id), the read-only disk
/// after the network card, so the older devices keep their subchannels.
const DISKS: [Disk; 3] = [
    Disk {
        id: "blk0",
        devno: QEMU_BLK_DEVNO,
        pattern: 0,
        read_only: false,
    },
    Disk {
        id: "blk1",
        devno: QEMU_BLK2_DEVNO,
        pattern: 1,
        read_only: false,
    },
    Disk {
        id: "blk2",
        devno: QEMU_BLK_RO_DEVNO,
        pattern: 2,
        read_only: true,
    },
];

/// The QEMU devices every guest sees: three virtio-blk disks (raw images
/// written afresh for each run in the known pattern of `disk-pattern`, so
/// a guest's writes never reach the next run; device ids `blk0`, `blk1`,
/// `blk2` for QMP; `blk2` read-only) and a virtio-net card with an
/// isolated user-mode backend, at known device numbers.
pub fn qemu_devices(root: &Path) -> Result<Vec<String>> {
    let dir = cross::work_dir(root, "qemu")?;
    let mut args = Vec::new();
    for disk in &DISKS[..2] {
        args.extend(disk_args(&dir, disk)?);
    }
    args.push("-netdev".to_owned());
    args.push("user,id=net0,restrict=on".to_owned());
    args.push("-device".to_owned());
    args.push(format!(
        "virtio-net-ccw,id=net0-device,netdev=net0,devno=fe.0.{QEMU_NET_DEVNO:04x}"
    ));
    args.extend(disk_args(&dir, &DISKS[2])?);
    Ok(args)
}

/// Writes `disk`'s image into `dir` and returns its `-drive`/`-device`
/// arguments.
fn disk_args(dir: &Path, disk: &Disk) -> Result<Vec<String>> {
    let image = dir.join(format!("{}.img", disk.id));
    write_pattern_image(&image, disk.pattern, TEST_DISK_SECTORS)?;
    let read_only = if disk.read_only { ",readonly=on" } else { "" };
    Ok(vec![
        "-drive".to_owned(),
        format!(
            "file={},if=none,id={}-drive,format=raw{read_only}",
            image.display(),
            disk.id
        ),
        "-device".to_owned(),
        format!(
            "virtio-blk-ccw,id={},drive={}-drive,devno=fe.0.{:04x}",
            disk.id, disk.id, disk.devno
        ),
    ])
}

/// Writes a raw image of `sectors` sectors in the pattern of disk `disk`.
pub fn write_pattern_image(path: &Path, disk: u8, sectors: u64) -> Result<()> {
    let file =
        std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
    let mut out = std::io::BufWriter::new(file);
    let mut sector = [0u8; disk_pattern::SECTOR_SIZE];
    for n in 0..sectors {
        disk_pattern::fill_sector(disk, n, &mut sector);
        out.write_all(&sector)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    out.flush()
        .with_context(|| format!("writing {}", path.display()))
}

/// `cargo xtask run`: boots `examples/enumerate` in QEMU with the standard
/// devices; its console goes to ours.
pub fn run_example(root: &Path) -> Result<()> {
    let image: GuestImage = cross::build_guest(root, "enumerate", "enumerate")?;
    let devices = qemu_devices(root)?;
    println!(
        "xtask: booting {} in QEMU (virtio-blk at 0.0.{QEMU_BLK_DEVNO:04x}, 0.0.{QEMU_BLK2_DEVNO:04x} and read-only 0.0.{QEMU_BLK_RO_DEVNO:04x}, virtio-net at 0.0.{QEMU_NET_DEVNO:04x})",
        image.elf.display()
    );
    match qemu::run_interactive(&image, &devices, Duration::from_secs(60))? {
        GuestExit::Success => Ok(()),
        other => bail!("the example did not exit with success: {other:?}"),
    }
}
