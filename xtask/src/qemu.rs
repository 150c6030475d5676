//! Running a guest under QEMU (`qemu-system-s390x`, TCG).
//!
//! QEMU loads the ELF's segments at their physical addresses and starts CPU 0
//! at the entry point (the BIOS is skipped). The guest's console is the SCLP
//! VT220 console on stdout. A disabled wait at 0xfff makes QEMU exit 0; any
//! other disabled wait exits 1 thanks to `-action panic=exit-failure`.
//!
//! A guest can ask the host to act on the machine from outside: a console
//! line `xtask-qmp: device_del ID` or `xtask-qmp: block_resize DRIVE BYTES`
//! makes the runner send that command over QEMU's QMP socket (hot-unplug,
//! which raises channel reports in the guest; a disk resize, which a
//! virtio-blk device signals as a configuration change).

use crate::guest::{GuestExit, GuestImage, GuestRun};
use anyhow::{bail, Context, Result};
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// Console prefix of a guest's request to the host.
const QMP_REQUEST: &str = "xtask-qmp: ";

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

/// Runs `image` to its end or the timeout and collects its console,
/// answering the guest's QMP requests on a socket in `work_dir`.
pub fn run(
    image: &GuestImage,
    devices: &[String],
    work_dir: &Path,
    timeout: Duration,
) -> Result<GuestRun> {
    let socket = work_dir.join("qmp.sock");
    let _ = std::fs::remove_file(&socket);
    let start = Instant::now();
    let mut child = command(image, devices, timeout)
        .arg("-qmp")
        .arg(format!("unix:{},server=on,wait=off", socket.display()))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("cannot start qemu-system-s390x")?;
    let stdout = child.stdout.take().context("no stdout")?;
    let stderr_reader = drain_stderr(&mut child)?;
    let mut console = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.context("reading QEMU's console")?;
        let line = line.trim_end_matches('\r').to_owned();
        if let Some(request) = line.strip_prefix(QMP_REQUEST) {
            if let Err(error) = qmp_request(&socket, request) {
                console.push(format!("xtask: QMP request {request:?} failed: {error:#}"));
            }
        }
        console.push(line);
    }
    let status = child.wait().context("waiting for qemu-system-s390x")?;
    let elapsed = start.elapsed();
    let stderr = stderr_reader.join().unwrap_or_default();
    Ok(GuestRun {
        console,
        exit: exit_of(status, &stderr),
        elapsed,
    })
}

/// How the guest ended, from QEMU's exit status (under `timeout`).
fn exit_of(status: ExitStatus, stderr: &str) -> GuestExit {
    match status.code() {
        Some(0) => GuestExit::Success,
        Some(1) => GuestExit::Failure { code: None },
        Some(TIMED_OUT) | Some(KILLED) => GuestExit::TimedOut,
        other => GuestExit::Crashed {
            detail: format!("qemu exit status {other:?}: {}", stderr.trim()),
        },
    }
}

/// Sends one request (`device_del ID`, `block_resize DRIVE BYTES`) over
/// QMP and waits for QEMU's answer.
fn qmp_request(socket: &Path, request: &str) -> Result<()> {
    let command = match request.split_whitespace().collect::<Vec<_>>()[..] {
        ["device_del", id] => {
            format!(r#"{{"execute": "device_del", "arguments": {{"id": "{id}"}}}}"#)
        }
        ["block_resize", drive, bytes] => {
            let bytes: u64 = bytes.parse().context("block_resize size")?;
            format!(
                r#"{{"execute": "block_resize", "arguments": {{"device": "{drive}", "size": {bytes}}}}}"#
            )
        }
        _ => bail!("unknown request"),
    };
    let stream = UnixStream::connect(socket).context("connecting to QMP")?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut writer = stream.try_clone()?;
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).context("QMP greeting")?;
    writer.write_all(b"{\"execute\": \"qmp_capabilities\"}\n")?;
    read_qmp_return(&mut reader)?;
    writer.write_all(command.as_bytes())?;
    writer.write_all(b"\n")?;
    read_qmp_return(&mut reader)
}

/// Reads QMP messages until the command's `return` (events come between).
fn read_qmp_return(reader: &mut impl BufRead) -> Result<()> {
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            bail!("QMP closed");
        }
        if line.contains("\"return\"") {
            return Ok(());
        }
        if line.contains("\"error\"") {
            bail!("QMP error: {}", line.trim());
        }
    }
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
    Ok(exit_of(status, "(on the console above)"))
}

/// Reads `child`'s piped stderr to its end on a thread of its own (so a
/// chatty QEMU never blocks on a full pipe); join the handle for the text.
pub fn drain_stderr(child: &mut Child) -> Result<std::thread::JoinHandle<String>> {
    let mut stderr = child.stderr.take().context("no stderr")?;
    Ok(std::thread::spawn(move || {
        let mut text = String::new();
        stderr.read_to_string(&mut text).ok();
        text
    }))
}
