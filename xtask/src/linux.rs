//! A real Linux guest for QEMU: Debian's s390x kernel and `busybox-static`,
//! an initramfs around a caller's init script, and a QEMU runner that times
//! the console up to a marker line.
//!
//! - [`fetch`] downloads the two Debian packages for s390x with apt, using
//!   private package lists (`apt-get update` with `-oDir::State::Lists`
//!   pointing into the cache, so the host's own lists and architecture
//!   settings are untouched), and unpacks them with `dpkg -x`. Everything is
//!   cached under `target/xtask/linux/`; a second call does no network I/O.
//! - [`Initramfs`] writes a `newc` cpio archive (the format of the kernel's
//!   `Documentation/driver-api/early-userspace/buffer-format.rst`),
//!   uncompressed, with busybox as `/bin/busybox` and `/bin/sh`, a
//!   `/dev/console` node and the caller's `/init` script.
//! - [`boot`] starts QEMU with the caller's firmware choice (`-kernel` and
//!   `-initrd` directly, a `-bios` image, or QEMU's own s390-ccw firmware,
//!   the last two booting from the caller's disks) and extra arguments,
//!   reads the console, notes when the marker line appears and stops the
//!   machine when the guest powers off or the marker's follow-up ends.
//!
//! Linux's s390 boot protocol, as QEMU's `-kernel` and any bootloader set it
//! up: the image at 0, entry at 0x10000 in 64-bit mode, the parameter area
//! at 0x10400 (initrd start at 0x10408, initrd size at 0x10410, command line
//! at 0x10480).

use crate::qemu;
use anyhow::{bail, Context, Result};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The Debian metapackage that names the current s390x kernel package.
const KERNEL_METAPACKAGE: &str = "linux-image-s390x";
/// The statically linked busybox.
const BUSYBOX_PACKAGE: &str = "busybox-static";
/// The file in the cache directory that says the unpacked tree is complete.
const COMPLETE_STAMP: &str = "complete";

/// The unpacked kernel and busybox.
#[derive(Clone, Debug)]
pub struct LinuxParts {
    /// `boot/vmlinuz-*`: the s390 kernel image (loaded at 0, entry 0x10000).
    pub kernel: PathBuf,
    /// `bin/busybox` from `busybox-static`.
    pub busybox: PathBuf,
    /// The kernel package's name, e.g. `linux-image-6.1.0-50-s390x`.
    pub kernel_package: String,
}

impl LinuxParts {
    /// The kernel module at `relative` (e.g. `drivers/block/virtio_blk.ko`,
    /// uncompressed in Debian's package) under the unpacked kernel's
    /// `lib/modules/VERSION/kernel/`.
    pub fn module(&self, relative: &str) -> Result<PathBuf> {
        let version = self
            .kernel
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_prefix("vmlinuz-"))
            .with_context(|| format!("no version in {}", self.kernel.display()))?;
        let unpacked = self
            .kernel
            .parent()
            .and_then(Path::parent)
            .with_context(|| format!("no tree above {}", self.kernel.display()))?;
        let path = unpacked
            .join("lib/modules")
            .join(version)
            .join("kernel")
            .join(relative);
        if !path.exists() {
            bail!("{} is missing", path.display());
        }
        Ok(path)
    }
}

/// The cache directory of [`fetch`].
pub fn cache_dir(root: &Path) -> PathBuf {
    root.join("target/xtask/linux")
}

/// Downloads (first time only) and unpacks Debian's s390x kernel and
/// `busybox-static`; prints what it does when it touches the network.
pub fn fetch(root: &Path) -> Result<LinuxParts> {
    let dir = cache_dir(root);
    let unpacked = dir.join("root");
    if !dir.join(COMPLETE_STAMP).exists() {
        download_and_unpack(&dir, &unpacked)?;
    }
    let kernel_package = std::fs::read_to_string(dir.join(COMPLETE_STAMP))
        .context("reading the cache stamp")?
        .trim()
        .to_owned();
    let boot = unpacked.join("boot");
    let kernel = std::fs::read_dir(&boot)
        .with_context(|| format!("listing {}", boot.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .find(|path| {
            path.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("vmlinuz-"))
        })
        .with_context(|| format!("no vmlinuz-* in {}", boot.display()))?;
    let busybox = unpacked.join("bin/busybox");
    if !busybox.exists() {
        bail!("{} is missing", busybox.display());
    }
    Ok(LinuxParts {
        kernel,
        busybox,
        kernel_package,
    })
}

fn download_and_unpack(dir: &Path, unpacked: &Path) -> Result<()> {
    let lists = dir.join("apt/lists");
    let cache = dir.join("apt/cache");
    let debs = dir.join("debs");
    for d in [
        lists.join("partial"),
        cache.join("archives/partial"),
        debs.clone(),
    ] {
        std::fs::create_dir_all(&d).with_context(|| format!("creating {}", d.display()))?;
    }
    let apt_options = [
        "-q".to_owned(),
        "-oAPT::Architecture=s390x".to_owned(),
        "-oAPT::Architectures=s390x".to_owned(),
        format!("-oDir::State::Lists={}", lists.display()),
        format!("-oDir::Cache={}", cache.display()),
        "-oDebug::NoLocking=1".to_owned(),
        "-oAPT::Sandbox::User=root".to_owned(),
    ];
    println!(
        "xtask: fetching Debian's s390x package lists (private lists in {})",
        lists.display()
    );
    run_quiet(
        Command::new("apt-get").args(&apt_options).arg("update"),
        "apt-get update",
    )?;
    let depends = Command::new("apt-cache")
        .args(&apt_options)
        .args(["depends", KERNEL_METAPACKAGE])
        .output()
        .context("cannot start apt-cache")?;
    if !depends.status.success() {
        bail!(
            "apt-cache depends {KERNEL_METAPACKAGE} failed: {}",
            String::from_utf8_lossy(&depends.stderr).trim()
        );
    }
    let kernel_package = kernel_package_of(&String::from_utf8_lossy(&depends.stdout))
        .with_context(|| format!("{KERNEL_METAPACKAGE} names no linux-image package"))?;
    println!("xtask: downloading {kernel_package} and {BUSYBOX_PACKAGE} (s390x)");
    for stale in std::fs::read_dir(&debs)? {
        std::fs::remove_file(stale?.path())?;
    }
    run_quiet(
        Command::new("apt-get")
            .current_dir(&debs)
            .args(&apt_options)
            .args(["download", &kernel_package, BUSYBOX_PACKAGE]),
        "apt-get download",
    )?;
    if unpacked.exists() {
        std::fs::remove_dir_all(unpacked)?;
    }
    std::fs::create_dir_all(unpacked)?;
    for deb in std::fs::read_dir(&debs)? {
        let deb = deb?.path();
        run_quiet(
            Command::new("dpkg").arg("-x").arg(&deb).arg(unpacked),
            "dpkg -x",
        )?;
    }
    std::fs::write(dir.join(COMPLETE_STAMP), format!("{kernel_package}\n"))?;
    Ok(())
}

/// The `linux-image-*` dependency in `apt-cache depends` output.
fn kernel_package_of(depends: &str) -> Option<String> {
    depends.lines().find_map(|line| {
        let name = line.trim().strip_prefix("Depends: ")?;
        name.starts_with("linux-image-")
            .then(|| name.trim().to_owned())
    })
}

/// Runs `command`, showing its output only when it fails.
fn run_quiet(command: &mut Command, what: &str) -> Result<()> {
    let output = command
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("cannot start {what}"))?;
    if !output.status.success() {
        bail!(
            "{what} failed ({}):\n{}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(())
}

/// The shell script `/init` of a guest that prints `marker` and powers off.
pub fn marker_init_script(marker: &str) -> String {
    format!(
        "#!/bin/sh\n\
         /bin/busybox mount -t proc proc /proc\n\
         /bin/busybox echo {marker}\n\
         /bin/busybox poweroff -f\n"
    )
}

/// A `newc` cpio archive under construction.
pub struct Initramfs {
    bytes: Vec<u8>,
    next_inode: u32,
}

/// Mode bits of cpio entries (`stat(2)` file types).
const S_IFDIR: u32 = 0o040000;
const S_IFREG: u32 = 0o100000;
const S_IFLNK: u32 = 0o120000;
const S_IFCHR: u32 = 0o020000;

impl Initramfs {
    /// The archive with the directories and device node every init needs
    /// (`/bin`, `/dev`, `/dev/console`, `/proc`, `/sys`, `/tmp`), busybox as
    /// `/bin/busybox` and `/bin/sh`, and `init_script` as `/init`.
    pub fn with_busybox(busybox: &Path, init_script: &str) -> Result<Initramfs> {
        let mut archive = Initramfs {
            bytes: Vec::new(),
            next_inode: 1,
        };
        for dir in ["bin", "dev", "proc", "sys", "tmp"] {
            archive.entry(dir, S_IFDIR | 0o755, (0, 0), &[]);
        }
        archive.entry("dev/console", S_IFCHR | 0o600, (5, 1), &[]);
        let busybox_bytes =
            std::fs::read(busybox).with_context(|| format!("reading {}", busybox.display()))?;
        archive.entry("bin/busybox", S_IFREG | 0o755, (0, 0), &busybox_bytes);
        archive.entry("bin/sh", S_IFLNK | 0o777, (0, 0), b"busybox");
        archive.entry("init", S_IFREG | 0o755, (0, 0), init_script.as_bytes());
        Ok(archive)
    }

    /// Adds the regular file `name` (a path without a leading `/`, in a
    /// directory the archive has) with `data`, mode 0644.
    pub fn add_file(&mut self, name: &str, data: &[u8]) {
        self.entry(name, S_IFREG | 0o644, (0, 0), data);
    }

    /// One `070701` header, the name and the data, each padded to 4 bytes.
    fn entry(&mut self, name: &str, mode: u32, rdev: (u32, u32), data: &[u8]) {
        let inode = self.next_inode;
        self.next_inode += 1;
        let nlink = if mode & S_IFDIR == S_IFDIR { 2 } else { 1 };
        let fields = [
            inode,
            mode,
            0,
            0,
            nlink,
            0,
            data.len() as u32,
            0,
            0,
            rdev.0,
            rdev.1,
            name.len() as u32 + 1,
            0,
        ];
        self.bytes.extend_from_slice(b"070701");
        for field in fields {
            self.bytes
                .extend_from_slice(format!("{field:08x}").as_bytes());
        }
        self.bytes.extend_from_slice(name.as_bytes());
        self.bytes.push(0);
        self.pad();
        self.bytes.extend_from_slice(data);
        self.pad();
    }

    fn pad(&mut self) {
        while !self.bytes.len().is_multiple_of(4) {
            self.bytes.push(0);
        }
    }

    /// The finished archive (with its `TRAILER!!!` entry).
    pub fn finish(mut self) -> Vec<u8> {
        self.entry("TRAILER!!!", 0, (0, 0), &[]);
        self.bytes
    }

    /// Writes the finished archive to `path`.
    pub fn write_to(self, path: &Path) -> Result<()> {
        std::fs::write(path, self.finish()).with_context(|| format!("writing {}", path.display()))
    }
}

/// How QEMU gets the kernel.
#[derive(Clone, Debug)]
pub enum Firmware {
    /// `-kernel KERNEL -initrd INITRD -append CMDLINE`: QEMU loads Linux
    /// itself (no firmware runs).
    Direct {
        /// The kernel image.
        kernel: PathBuf,
        /// The initramfs.
        initrd: PathBuf,
        /// The kernel command line.
        append: String,
    },
    /// `-bios IMAGE`: QEMU loads this firmware ELF near the top of memory
    /// and starts it; it boots from a disk of the caller's arguments.
    Bios(PathBuf),
    /// QEMU's own firmware (`s390-ccw.img`), booting from a disk of the
    /// caller's arguments.
    S390Ccw,
}

/// One boot of Linux in QEMU.
#[derive(Clone, Debug)]
pub struct Boot {
    /// Where the kernel comes from.
    pub firmware: Firmware,
    /// Extra QEMU arguments (disks, `-device ...,bootindex=1`, ...).
    pub args: Vec<String>,
    /// Guest memory in MiB.
    pub memory_mib: u32,
    /// The console line (substring) that ends the measurement.
    pub marker: String,
    /// Longest the boot may take.
    pub timeout: Duration,
    /// Print each console line as it arrives.
    pub echo: bool,
}

/// What one boot showed.
#[derive(Clone, Debug)]
pub struct BootRun {
    /// Every console line.
    pub console: Vec<String>,
    /// When each console line arrived, from QEMU's start (parallel to
    /// `console`; QEMU's stderr lines, added at the end, have none).
    pub line_times: Vec<Duration>,
    /// Time from starting QEMU to the marker line, if it appeared.
    pub to_marker: Option<Duration>,
    /// Time until QEMU ended (or was stopped).
    pub elapsed: Duration,
    /// QEMU's exit status (`None` if it was killed at the timeout).
    pub exit_code: Option<i32>,
}

/// How long QEMU may take to end by itself after the marker (Linux's
/// power-off) before it is stopped.
const AFTER_MARKER: Duration = Duration::from_secs(10);

/// Boots Linux as `boot` says and collects the console until QEMU ends,
/// the timeout passes, or [`AFTER_MARKER`] after the marker.
pub fn boot(boot: &Boot) -> Result<BootRun> {
    let mut command = Command::new("qemu-system-s390x");
    command
        .args(["-M", "s390-ccw-virtio", "-accel", "tcg"])
        .args(["-m", &boot.memory_mib.to_string()])
        .args(["-nodefaults", "-display", "none", "-serial", "stdio"])
        .args(["-action", "panic=exit-failure"]);
    match &boot.firmware {
        Firmware::Direct {
            kernel,
            initrd,
            append,
        } => {
            command
                .arg("-kernel")
                .arg(kernel)
                .arg("-initrd")
                .arg(initrd)
                .args(["-append", append]);
        }
        Firmware::Bios(image) => {
            command.arg("-bios").arg(image);
        }
        Firmware::S390Ccw => {}
    }
    command
        .args(&boot.args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let start = Instant::now();
    let mut child = command.spawn().context("cannot start qemu-system-s390x")?;
    let stdout = child.stdout.take().context("no stdout")?;
    let stderr_reader = qemu::drain_stderr(&mut child)?;
    let (lines_tx, lines_rx) = std::sync::mpsc::channel::<(String, Instant)>();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).split(b'\n') {
            let Ok(line) = line else { break };
            let text = String::from_utf8_lossy(&line)
                .trim_end_matches('\r')
                .to_owned();
            if lines_tx.send((text, Instant::now())).is_err() {
                break;
            }
        }
    });
    let mut console = Vec::new();
    let mut line_times = Vec::new();
    let mut to_marker = None;
    let mut deadline = start + boot.timeout;
    let exit_code = loop {
        let now = Instant::now();
        if now >= deadline {
            child.kill().ok();
            child.wait().ok();
            break None;
        }
        match lines_rx.recv_timeout((deadline - now).min(Duration::from_millis(100))) {
            Ok((line, at)) => {
                if boot.echo {
                    println!("{line}");
                    std::io::stdout().flush().ok();
                }
                if to_marker.is_none() && line.contains(&boot.marker) {
                    to_marker = Some(at - start);
                    deadline = deadline.min(at + AFTER_MARKER);
                }
                console.push(line);
                line_times.push(at - start);
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                let status = child.wait().context("waiting for qemu-system-s390x")?;
                break status.code();
            }
        }
    };
    let elapsed = start.elapsed();
    reader.join().ok();
    let stderr = stderr_reader.join().unwrap_or_default();
    for line in stderr.lines().filter(|l| !l.trim().is_empty()) {
        console.push(format!("qemu: {line}"));
    }
    Ok(BootRun {
        console,
        line_times,
        to_marker,
        elapsed,
        exit_code,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernel_package_is_found_in_apt_cache_output() {
        let out = "linux-image-s390x\n  Depends: linux-image-6.1.0-50-s390x\n";
        assert_eq!(
            kernel_package_of(out).as_deref(),
            Some("linux-image-6.1.0-50-s390x")
        );
        assert_eq!(kernel_package_of("linux-image-s390x\n"), None);
    }

    #[test]
    fn cpio_entries_are_newc_and_aligned() {
        let mut archive = Initramfs {
            bytes: Vec::new(),
            next_inode: 1,
        };
        archive.entry("init", S_IFREG | 0o755, (0, 0), b"abc");
        let bytes = archive.finish();
        assert_eq!(&bytes[..6], b"070701");
        let filesize = std::str::from_utf8(&bytes[6 + 6 * 8..6 + 7 * 8]).unwrap();
        assert_eq!(filesize, "00000003");
        let namesize = std::str::from_utf8(&bytes[6 + 11 * 8..6 + 12 * 8]).unwrap();
        assert_eq!(namesize, "00000005");
        // header 110 + "init\0" = 115 -> 116; data 3 -> 4: trailer at 120.
        assert_eq!(&bytes[120..126], b"070701");
        assert_eq!(bytes.len() % 4, 0);
        assert!(bytes.windows(10).any(|w| w == b"TRAILER!!!"));
    }
}
