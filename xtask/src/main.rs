//! `cargo xtask`: build, run and test s390-cio.
//!
//! Two commands are the project's interface (see README.md): `run` boots the
//! example in QEMU, `test` runs every check and test suite. Both first install
//! whatever the machine is missing (see `setup`).

mod bench;
mod bench_blk;
mod bench_boot;
mod boot_disk;
mod bootloader;
mod bootloader_tests;
mod cross;
mod fidelity;
mod fuzz;
mod guest;
mod hercules;
mod linux;
mod programs;
mod qemu;
mod setup;
mod soak;
mod test;
mod volumes;
mod zipl_disk;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use std::path::{Path, PathBuf};

#[derive(Parser)]
#[command(name = "cargo xtask", about = "Build, run and test s390-cio")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Boot Debian's s390x kernel and a busybox initramfs from a disk in
    /// QEMU with examples/bootloader as firmware, up to the init's marker
    /// (`run enumerate`: the device-listing example instead).
    Run {
        /// `bootloader` (default) or `enumerate`.
        #[arg(default_value = "bootloader")]
        example: String,
    },
    /// Run every check and test: fmt, clippy (host and s390x), doc, host
    /// tests, the QEMU guest suite and the Hercules guest suite.
    Test {
        /// Also run a guest program with one failing and one hanging test,
        /// to show that the harness reports both by name.
        #[arg(long)]
        self_check: bool,
        /// Only run these guest programs (binaries of `tests/guest`), on
        /// each emulator they are for; skips the checks and host tests.
        #[arg(long = "guest", value_name = "PROGRAM")]
        guests: Vec<String>,
    },
    /// Install the apt packages and toolchain pieces the other commands need.
    Setup,
    /// Run random fault schedules against the subchannel driver on the
    /// simulator, checked by an oracle; the last line counts lost,
    /// misattributed, hung and corrupted requests (all must be 0).
    Soak {
        /// How many schedules.
        #[arg(long, default_value_t = 10_000)]
        schedules: u64,
        /// Seed of the first schedule (schedule i uses seed + i).
        #[arg(long)]
        seed: Option<u64>,
    },
    /// Explore every interleaving of interruption delivery, driver and
    /// channel steps for small scenarios; the last line is
    /// `states: N, violations: 0`.
    ModelCheck,
    /// Measure, side by side, and print `name: value` lines (never checked
    /// against a bound).
    Bench {
        /// What to measure: `boot` (Linux boot time and the bootloader),
        /// `blk` (virtio-blk sequential reads, ours against Linux's), or
        /// `all` of them.
        #[arg(default_value = "all")]
        what: String,
    },
    /// Run the coverage-guided fuzzer (libFuzzer) over every decoder and
    /// builder of `src/structures`; the last line is `execs: N, crashes: N`.
    Fuzz {
        /// How many inputs to run.
        #[arg(long, default_value_t = 1_000_000)]
        execs: u64,
        /// libFuzzer's random seed (32-bit).
        #[arg(long)]
        seed: Option<u64>,
    },
}

fn main() {
    if let Err(error) = run(Cli::parse()) {
        eprintln!("xtask: error: {error:#}");
        std::process::exit(1);
    }
}

fn run(cli: Cli) -> Result<()> {
    let root = repo_root()?;
    match cli.command {
        Command::Run { example } => {
            setup::ensure_tools()?;
            match example.as_str() {
                "bootloader" => bootloader::run(&root),
                "enumerate" => programs::run_example(&root),
                other => bail!("unknown example {other:?} (known: bootloader, enumerate)"),
            }
        }
        Command::Test { self_check, guests } => {
            setup::ensure_tools()?;
            test::run(&root, self_check, &guests)
        }
        Command::Setup => setup::ensure_tools(),
        Command::Fuzz { execs, seed } => fuzz::run(&root, execs, seed),
        Command::Soak { schedules, seed } => soak::run(&root, schedules, seed),
        Command::ModelCheck => soak::model_check(&root),
        Command::Bench { what } => {
            setup::ensure_tools()?;
            bench::run(&root, &what)
        }
    }
}

/// The workspace root; xtask refuses to run from anywhere else.
fn repo_root() -> Result<PathBuf> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let root = manifest
        .parent()
        .context("xtask is not inside the workspace")?
        .to_path_buf();
    let cwd = std::env::current_dir()?;
    if cwd.canonicalize()? != root.canonicalize()? {
        bail!(
            "run cargo xtask from the repository root {} (not {})",
            root.display(),
            cwd.display()
        );
    }
    Ok(root)
}
