//! The guest programs, the emulators each runs on, and the QEMU machine the
//! example boots in.

use crate::cross;
use crate::guest::{GuestExit, GuestImage};
use crate::qemu;
use anyhow::{bail, Context, Result};
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
/// The virtio-net device.
pub const QEMU_NET_DEVNO: u16 = 0x0200;

/// The QEMU devices every guest sees: two virtio-blk disks (raw images made
/// here; device ids `blk0`, `blk1` for QMP) and a virtio-net card with an
/// isolated user-mode backend, at known device numbers.
pub fn qemu_devices(root: &Path) -> Result<Vec<String>> {
    let dir = cross::work_dir(root, "qemu")?;
    let mut args = Vec::new();
    for (id, devno) in [("blk0", QEMU_BLK_DEVNO), ("blk1", QEMU_BLK2_DEVNO)] {
        let image = dir.join(format!("{id}.img"));
        if !image.exists() {
            std::fs::write(&image, vec![0u8; 1 << 20])
                .with_context(|| format!("creating {}", image.display()))?;
        }
        args.push("-drive".to_owned());
        args.push(format!(
            "file={},if=none,id={id}-drive,format=raw",
            image.display()
        ));
        args.push("-device".to_owned());
        args.push(format!(
            "virtio-blk-ccw,id={id},drive={id}-drive,devno=fe.0.{devno:04x}"
        ));
    }
    args.push("-netdev".to_owned());
    args.push("user,id=net0,restrict=on".to_owned());
    args.push("-device".to_owned());
    args.push(format!(
        "virtio-net-ccw,id=net0-device,netdev=net0,devno=fe.0.{QEMU_NET_DEVNO:04x}"
    ));
    Ok(args)
}

/// `cargo xtask run`: boots `examples/enumerate` in QEMU with the standard
/// devices; its console goes to ours.
pub fn run_example(root: &Path) -> Result<()> {
    let image: GuestImage = cross::build_guest(root, "enumerate", "enumerate")?;
    let devices = qemu_devices(root)?;
    println!(
        "xtask: booting {} in QEMU (virtio-blk at 0.0.{QEMU_BLK_DEVNO:04x} and 0.0.{QEMU_BLK2_DEVNO:04x}, virtio-net at 0.0.{QEMU_NET_DEVNO:04x})",
        image.elf.display()
    );
    match qemu::run_interactive(&image, &devices, Duration::from_secs(60))? {
        GuestExit::Success => Ok(()),
        other => bail!("the example did not exit with success: {other:?}"),
    }
}
