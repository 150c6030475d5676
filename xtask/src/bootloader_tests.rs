//! The `bootloader` suite of `cargo xtask test`: examples/bootloader on
//! QEMU with bad disks (each must print its error and stop in the
//! documented disabled wait, never start a kernel) and one Linux boot to
//! the init's marker.
//!
//! With `-d guest_errors` QEMU reports a disabled wait other than 0xfff as
//! `PSW: 0x<mask> 0x<address>` (and exits 1 with `-action
//! panic=exit-failure`): the address is the bootloader's error code.

use crate::boot_disk::{self, COMMAND_LINE_ENTRY, ENTRY_CRC, KERNEL_ENTRY};
use crate::bootloader::{self, BOOT_DEVNO, MARKER, MEMORY_MIB};
use crate::cross;
use crate::guest::TestOutcome;
use crate::linux::{self, Boot, Firmware};
use anyhow::{bail, Result};
use std::path::Path;
use std::time::Duration;

/// A kernel-shaped image: 128 KiB with the `S390EP` mark at 0x10008.
fn fake_kernel() -> Vec<u8> {
    let mut kernel = vec![0x07u8; 128 * 1024];
    kernel[0x10008..0x1000e].copy_from_slice(b"S390EP");
    kernel
}

/// A disk whose boot map is fine but whose kernel is not.
fn disk_with(kernel: &[u8]) -> Vec<u8> {
    boot_disk::build(kernel, &[0x5a; 4096], "console=ttysclp0")
}

/// One bad-input case.
struct Case {
    name: &'static str,
    /// The disk, or none at all.
    disk: Option<Vec<u8>>,
    /// Whether the disk is the IPL device (`bootindex=1`).
    bootindex: bool,
    /// The disabled-wait code.
    code: u64,
    /// Text the error message must contain.
    message: &'static str,
}

fn cases() -> Vec<Case> {
    let good = disk_with(&fake_kernel());
    let mut wrong_magic = good.clone();
    wrong_magic[0..8].copy_from_slice(b"NOTABOOT");
    let mut corrupt = good.clone();
    corrupt[512 + 0x20000 - 1] ^= 0xff;
    let mut truncated = good.clone();
    truncated.truncate(512 * 100);
    let no_kernel = boot_disk::build(&[], &[1; 512], "console=ttysclp0");
    let not_linux = disk_with(&vec![0u8; 128 * 1024]);
    let mut bad_line_crc = good.clone();
    bad_line_crc[COMMAND_LINE_ENTRY + ENTRY_CRC] ^= 1;
    let mut kernel_past_end = good.clone();
    kernel_past_end[KERNEL_ENTRY..KERNEL_ENTRY + 8].copy_from_slice(&u64::MAX.to_be_bytes());
    let mut version_2 = good.clone();
    version_2[8..12].copy_from_slice(&2u32.to_be_bytes());
    // The kernel's parameter area says it takes 16 bytes of command line
    // with the zero; "console=ttysclp0" needs 17.
    let mut short_limit = fake_kernel();
    short_limit[0x10430..0x10438].copy_from_slice(&16u64.to_be_bytes());
    // The bootloader runs at 16 MiB: a kernel loaded from 0 must end below.
    let mut huge = fake_kernel();
    huge.resize(17 << 20, 0x07);
    vec![
        Case {
            name: "no_disk_at_all",
            disk: None,
            bootindex: false,
            code: 0x201,
            message: "no boot disk",
        },
        Case {
            name: "wrong_magic",
            disk: Some(wrong_magic.clone()),
            bootindex: true,
            code: 0x204,
            message: "wrong magic",
        },
        Case {
            name: "first_virtio_blk_without_ipl_device",
            disk: Some(wrong_magic),
            bootindex: false,
            code: 0x204,
            message: "wrong magic",
        },
        Case {
            name: "missing_kernel",
            disk: Some(no_kernel),
            bootindex: true,
            code: 0x206,
            message: "no kernel",
        },
        Case {
            name: "truncated_image",
            disk: Some(truncated),
            bootindex: true,
            code: 0x207,
            message: "truncated image: the kernel",
        },
        Case {
            name: "kernel_entry_past_the_disk",
            disk: Some(kernel_past_end),
            bootindex: true,
            code: 0x207,
            message: "truncated image: the kernel",
        },
        Case {
            name: "corrupt_kernel",
            disk: Some(corrupt),
            bootindex: true,
            code: 0x208,
            message: "corrupt kernel",
        },
        Case {
            name: "corrupt_command_line",
            disk: Some(bad_line_crc),
            bootindex: true,
            code: 0x208,
            message: "corrupt command line",
        },
        Case {
            name: "kernel_without_s390ep_mark",
            disk: Some(not_linux),
            bootindex: true,
            code: 0x209,
            message: "not an s390 Linux image",
        },
        Case {
            name: "unsupported_boot_map_version",
            disk: Some(version_2),
            bootindex: true,
            code: 0x205,
            message: "unsupported boot map version 2",
        },
        Case {
            name: "command_line_over_the_kernels_limit",
            disk: Some(disk_with(&short_limit)),
            bootindex: true,
            code: 0x20b,
            message: "longer than the kernel's limit (16",
        },
        Case {
            name: "kernel_over_the_memory_map",
            disk: Some(disk_with(&huge)),
            bootindex: true,
            code: 0x20a,
            message: "the kernel (17825792 bytes) does not fit",
        },
    ]
}

/// Runs every case and the Linux boot; one outcome each.
pub fn run(root: &Path) -> Vec<TestOutcome> {
    let image = match bootloader::build_image(root) {
        Ok(image) => image,
        Err(error) => {
            return vec![TestOutcome {
                name: "bootloader/<build>".to_owned(),
                failure: Some(format!("{error:#}")),
            }]
        }
    };
    let mut outcomes: Vec<TestOutcome> = cases()
        .into_iter()
        .map(|case| TestOutcome {
            name: format!("bootloader/{}", case.name),
            failure: run_case(root, &image, &case)
                .err()
                .map(|e| format!("{e:#}")),
        })
        .collect();
    outcomes.push(TestOutcome {
        name: "bootloader/boots_linux_to_the_marker".to_owned(),
        failure: boots_linux(root, &image).err().map(|e| format!("{e:#}")),
    });
    outcomes
}

fn run_case(root: &Path, image: &Path, case: &Case) -> Result<()> {
    let mut args = vec!["-d".to_owned(), "guest_errors".to_owned()];
    if let Some(disk) = &case.disk {
        let path = cross::work_dir(root, "bootloader")?.join(format!("{}.img", case.name));
        std::fs::write(&path, disk)?;
        let mut disk_args = bootloader::boot_disk_args(&path);
        if !case.bootindex {
            let device = disk_args.last_mut().expect("a -device argument");
            *device = format!("virtio-blk-ccw,drive=boot,devno=fe.0.{BOOT_DEVNO:04x}");
        }
        args.extend(disk_args);
    }
    let run = linux::boot(&Boot {
        firmware: Firmware::Bios(image.to_path_buf()),
        args,
        memory_mib: MEMORY_MIB,
        marker: "bootloader: starting Linux".to_owned(),
        timeout: Duration::from_secs(20),
        echo: false,
    })?;
    let console = run.console.join("\n");
    let error_line = format!("bootloader: error 0x{:03x}: ", case.code);
    let wait_psw = format!("0x{:016x}", case.code);
    let stopped_at_code = run
        .console
        .iter()
        .any(|l| l.contains("PSW: 0x") && l.trim_end().ends_with(&wait_psw));
    if run.to_marker.is_some() {
        bail!("the bootloader jumped to the kernel:\n{console}");
    }
    if !run
        .console
        .iter()
        .any(|l| l.starts_with(&error_line) && l.contains(case.message))
    {
        bail!("no `{error_line}...{}` line:\n{console}", case.message);
    }
    if run.exit_code != Some(1) || !stopped_at_code {
        bail!(
            "not stopped in the disabled wait at 0x{:x} (QEMU exit {:?}):\n{console}",
            case.code,
            run.exit_code
        );
    }
    Ok(())
}

fn boots_linux(root: &Path, image: &Path) -> Result<()> {
    let disk = bootloader::linux_disk(root)?;
    let run = bootloader::boot_linux(image, &disk.disk, false)?;
    if run.to_marker.is_none() {
        bail!(
            "no `{MARKER}` line (QEMU exit {:?}):\n{}",
            run.exit_code,
            run.console.join("\n")
        );
    }
    if !run
        .console
        .iter()
        .any(|l| l.starts_with("bootloader: starting Linux"))
    {
        bail!("Linux was not started by the bootloader");
    }
    Ok(())
}
