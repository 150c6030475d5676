//! Installs what `run` and `test` need on a Debian machine that has only
//! rustup's stable Rust: the emulators, the s390x linker, and Debian's Rust
//! (with its library source, for `-Zbuild-std=core`) for the cross build.
//! Nothing slow happens when everything is present.

use anyhow::{bail, Context, Result};
use std::path::Path;
use std::process::Command;

/// A file the project needs and the Debian package that provides it.
const REQUIRED: &[(&str, &str)] = &[
    ("/usr/bin/qemu-system-s390x", "qemu-system-misc"),
    ("/usr/bin/hercules", "hercules"),
    ("/usr/bin/dasdinit", "hercules"),
    ("/usr/bin/s390x-linux-gnu-ld", "binutils-s390x-linux-gnu"),
    (
        "/usr/bin/s390x-linux-gnu-objcopy",
        "binutils-s390x-linux-gnu",
    ),
    ("/usr/bin/rustc", "rustc-web"),
    ("/usr/bin/cargo", "cargo-web"),
    (
        "/usr/lib/rustlib/src/rust/library/core/Cargo.toml",
        "rust-web-src",
    ),
    ("/usr/bin/cargo-clippy", "rust-web-clippy"),
];

/// Installs the missing packages with apt-get (running `apt-get update`
/// first, and retrying after it if the install failed), or fails saying
/// exactly what is missing.
pub fn ensure_tools() -> Result<()> {
    let mut missing: Vec<&str> = REQUIRED
        .iter()
        .filter(|(path, _)| !Path::new(path).exists())
        .map(|&(_, package)| package)
        .collect();
    missing.dedup();
    if missing.is_empty() {
        return Ok(());
    }
    eprintln!("xtask: installing missing packages: {}", missing.join(" "));
    let sudo = if is_root() {
        None
    } else if Path::new("/usr/bin/sudo").exists() {
        Some("sudo")
    } else {
        bail!(
            "missing packages {} and not root (no sudo): install them with apt-get",
            missing.join(" ")
        );
    };
    apt(sudo, &["update", "-q"]).context("apt-get update failed")?;
    let mut install = vec!["install", "-y", "-q"];
    install.extend(&missing);
    apt(sudo, &install).with_context(|| format!("could not install {}", missing.join(" ")))?;
    let still: Vec<&str> = REQUIRED
        .iter()
        .filter(|(path, _)| !Path::new(path).exists())
        .map(|&(path, _)| path)
        .collect();
    if !still.is_empty() {
        bail!("still missing after apt-get install: {}", still.join(" "));
    }
    Ok(())
}

fn apt(sudo: Option<&str>, args: &[&str]) -> Result<()> {
    let mut command = match sudo {
        Some(sudo) => {
            let mut c = Command::new(sudo);
            c.arg("apt-get");
            c
        }
        None => Command::new("apt-get"),
    };
    command.args(args).env("DEBIAN_FRONTEND", "noninteractive");
    let status = command.status().context("cannot start apt-get")?;
    if !status.success() {
        bail!("apt-get {} exited with {}", args.join(" "), status);
    }
    Ok(())
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout.starts_with(b"0\n"))
        .unwrap_or(false)
}
