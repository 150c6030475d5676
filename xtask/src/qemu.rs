//! Running a guest under QEMU (`qemu-system-s390x`, TCG).
//!
//! QEMU loads the ELF's segments at their physical addresses and starts CPU 0
//! at the entry point (the BIOS is skipped). The guest's console is the SCLP
//! VT220 console on stdout. A disabled wait at 0xfff makes QEMU exit 0; any
//! other disabled wait exits 1 thanks to `-action panic=exit-failure`.

use crate::guest::{GuestExit, GuestImage, GuestRun};
use anyhow::{Context, Result};
use std::process::Command;
use std::time::{Duration, Instant};

/// Exit status of `timeout` when it had to stop the command.
const TIMED_OUT: i32 = 124;
/// Exit status after `timeout -k` killed a command that ignored SIGTERM.
const KILLED: i32 = 137;

/// The machine every guest runs on; `devices` adds `-device`/`-drive`
/// arguments.
fn command(image: &GuestImage, devices: &[String], timeout: Duration) -> Command {
    let mut command = Command::new("timeout");
    command
        .args([
            "-k",
            "1",
            &timeout.as_secs().to_string(),
            "qemu-system-s390x",
        ])
        .args(["-M", "s390-ccw-virtio", "-accel", "tcg", "-m", "128"])
        .args(["-nodefaults", "-display", "none", "-serial", "stdio"])
        .args(["-action", "panic=exit-failure"])
        .args(devices)
        .arg("-kernel")
        .arg(&image.elf)
        .stdin(std::process::Stdio::null());
    command
}

/// Runs `image` to its end or the timeout and collects its console.
pub fn run(image: &GuestImage, devices: &[String], timeout: Duration) -> Result<GuestRun> {
    let start = Instant::now();
    let output = command(image, devices, timeout)
        .output()
        .context("cannot start qemu-system-s390x")?;
    let elapsed = start.elapsed();
    let console: Vec<String> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| l.trim_end_matches('\r').to_owned())
        .collect();
    let exit = match output.status.code() {
        Some(0) => GuestExit::Success,
        Some(1) => GuestExit::Failure { code: None },
        Some(TIMED_OUT) | Some(KILLED) => GuestExit::TimedOut,
        other => GuestExit::Crashed {
            detail: format!(
                "qemu exit status {other:?}: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            ),
        },
    };
    Ok(GuestRun {
        console,
        exit,
        elapsed,
    })
}

/// Runs `image` with the console going straight to our stdout (for
/// `cargo xtask run`); returns whether it exited with success.
pub fn run_interactive(
    image: &GuestImage,
    devices: &[String],
    timeout: Duration,
) -> Result<GuestExit> {
    let status = command(image, devices, timeout)
        .status()
        .context("cannot start qemu-system-s390x")?;
    Ok(match status.code() {
        Some(0) => GuestExit::Success,
        Some(1) => GuestExit::Failure { code: None },
        Some(TIMED_OUT) | Some(KILLED) => GuestExit::TimedOut,
        other => GuestExit::Crashed {
            detail: format!("qemu exit status {other:?}"),
        },
    })
}
