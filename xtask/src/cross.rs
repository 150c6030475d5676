//! The cross build of guest programs for `s390x-unknown-none-softfloat`.
//!
//! rustup's stable Rust cannot build `core` for this target (no rust-src), so
//! guests are built by Debian's Rust (`/usr/bin/cargo`, `/usr/bin/rustc`,
//! library source from `rust-web-src`) with `-Zbuild-std=core`, which needs
//! `RUSTC_BOOTSTRAP=1`. They get their own target directory so that the two
//! toolchains never invalidate each other's host artifacts.

use crate::guest::GuestImage;
use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The one bare-metal s390x target.
pub const TARGET: &str = "s390x-unknown-none-softfloat";

/// Flags every cross cargo command gets: the target, `core` built from
/// Debian's source (with compiler-builtins' memcpy/memset, which the linker
/// would otherwise miss), and the separate target directory.
pub const CROSS_FLAGS: &[&str] = &[
    "--target",
    TARGET,
    "-Zbuild-std=core",
    "-Zbuild-std-features=compiler-builtins-mem",
    "--target-dir",
    "target/cross",
];

/// A `cargo` command that runs Debian's toolchain for the cross build.
pub fn cargo(root: &Path) -> Command {
    let path = std::env::var("PATH").unwrap_or_default();
    let mut command = Command::new("/usr/bin/cargo");
    command
        .current_dir(root)
        .env("PATH", format!("/usr/bin:{path}"))
        .env("RUSTC", "/usr/bin/rustc")
        .env("RUSTC_BOOTSTRAP", "1")
        .env_remove("RUSTUP_TOOLCHAIN")
        .env_remove("CARGO")
        .env_remove("RUSTC_WRAPPER")
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("RUSTFLAGS");
    command
}

/// Runs a cross `cargo` subcommand (`build`, `clippy`, `doc`) with the
/// standard flags and `extra` arguments after them.
pub fn cargo_run(root: &Path, subcommand: &str, extra: &[&str]) -> Result<()> {
    let mut command = cargo(root);
    command.arg(subcommand).args(CROSS_FLAGS).args(extra);
    let status = command
        .status()
        .with_context(|| format!("cannot start /usr/bin/cargo {subcommand}"))?;
    if !status.success() {
        bail!(
            "cross cargo {subcommand} {} failed: {status}",
            extra.join(" ")
        );
    }
    Ok(())
}

/// Builds binary `bin` of `package` in release mode and makes its raw image.
pub fn build_guest(root: &Path, package: &str, bin: &str) -> Result<GuestImage> {
    cargo_run(
        root,
        "build",
        &["--release", "--package", package, "--bin", bin],
    )?;
    let elf = root
        .join("target/cross")
        .join(TARGET)
        .join("release")
        .join(bin);
    let bin_path = elf.with_extension("bin");
    let status = Command::new("s390x-linux-gnu-objcopy")
        .args(["-O", "binary"])
        .arg(&elf)
        .arg(&bin_path)
        .status()
        .context("cannot start s390x-linux-gnu-objcopy")?;
    if !status.success() {
        bail!("objcopy of {} failed: {status}", elf.display());
    }
    let bytes = std::fs::read(&elf).with_context(|| format!("reading {}", elf.display()))?;
    let (entry, load_address) = parse_elf(&bytes).with_context(|| format!("{}", elf.display()))?;
    Ok(GuestImage {
        elf,
        bin: bin_path,
        load_address,
        entry,
    })
}

/// Reads the entry point and the lowest load address (the start of the
/// `objcopy -O binary` image) from a big-endian ELF64 file.
fn parse_elf(bytes: &[u8]) -> Result<(u64, u64)> {
    let u16_at = |at: usize| -> Result<u16> {
        let b = bytes.get(at..at + 2).context("truncated ELF")?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    };
    let u32_at = |at: usize| -> Result<u32> {
        let b = bytes.get(at..at + 4).context("truncated ELF")?;
        Ok(u32::from_be_bytes(b.try_into()?))
    };
    let u64_at = |at: usize| -> Result<u64> {
        let b = bytes.get(at..at + 8).context("truncated ELF")?;
        Ok(u64::from_be_bytes(b.try_into()?))
    };
    if bytes.get(..6) != Some(b"\x7fELF\x02\x02") {
        bail!("not a big-endian ELF64 file");
    }
    let entry = u64_at(0x18)?;
    let phoff = u64_at(0x20)? as usize;
    let phentsize = usize::from(u16_at(0x36)?);
    let phnum = usize::from(u16_at(0x38)?);
    const PT_LOAD: u32 = 1;
    let mut lowest = None::<u64>;
    for i in 0..phnum {
        let ph = phoff + i * phentsize;
        if u32_at(ph)? == PT_LOAD && u64_at(ph + 0x20)? > 0 {
            let paddr = u64_at(ph + 0x18)?;
            lowest = Some(lowest.map_or(paddr, |l| l.min(paddr)));
        }
    }
    let lowest = lowest.context("no loadable segment")?;
    Ok((entry, lowest))
}

/// The directory for files a run produces (disk images, logs).
pub fn work_dir(root: &Path, name: &str) -> Result<PathBuf> {
    let dir = root.join("target/xtask").join(name);
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    Ok(dir)
}
