//! `cargo xtask soak` and `cargo xtask model-check`: the subchannel driver
//! against the simulator's fault injection, checked by an oracle
//! (`sim/src/soak.rs`, `sim/src/model_check.rs`).
//!
//! Both run a release binary of the `s390-cio-sim` crate with the host
//! toolchain and stream its output; its last line is the summary
//! (`schedules: N, lost: 0, misattributed: 0, hung: 0, corrupted: 0`, or
//! `states: N, violations: 0`), and a failure comes with the failing seed
//! or action path and the simulator's trace.

use anyhow::{bail, Context, Result};
use std::path::Path;
use std::process::{Command, Stdio};

/// The simulator crate that holds both binaries.
const SIM_PACKAGE: &str = "s390-cio-sim";

/// `cargo run --release` of `bin` in the simulator crate with `args`, from
/// `root`, output streamed; fails on a non-zero exit.
fn run_sim_bin(root: &Path, bin: &str, args: &[String]) -> Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(&cargo)
        .current_dir(root)
        .args(["run", "--release", "-p", SIM_PACKAGE, "--bin", bin, "--"])
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::inherit())
        .stderr(Stdio::inherit())
        .status()
        .with_context(|| format!("cannot start {cargo} to run {bin}"))?;
    if !status.success() {
        bail!("{bin} failed ({status}); the failing case and its trace are above");
    }
    Ok(())
}

/// Runs `schedules` random fault schedules (schedule `i` from seed
/// `seed + i`, seed 0 unless given) and checks each against the oracle.
pub fn run(root: &Path, schedules: u64, seed: Option<u64>) -> Result<()> {
    let mut args = vec!["--schedules".to_string(), schedules.to_string()];
    if let Some(seed) = seed {
        args.extend(["--seed".to_string(), seed.to_string()]);
    }
    run_sim_bin(root, "soak", &args)
}

/// Explores every interleaving of the small scenarios against the oracle.
pub fn model_check(root: &Path) -> Result<()> {
    run_sim_bin(root, "model_check", &[])
}
