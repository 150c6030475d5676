//! `cargo xtask bench [WHAT]`: the benchmarks, each printing `name: value`
//! lines (measurements of this machine, never checked against a bound).
//! Without WHAT every benchmark runs, one after the other, in one run.

use crate::{bench_blk, bench_boot};
use anyhow::{bail, Result};
use std::path::Path;

/// The benchmarks `cargo xtask bench` knows.
pub const KNOWN: &str = "all, boot, blk";

/// Runs benchmark `what` (`all`: every one).
pub fn run(root: &Path, what: &str) -> Result<()> {
    match what {
        "all" => {
            bench_boot::run(root)?;
            bench_blk::run(root)
        }
        "boot" => bench_boot::run(root),
        "blk" => bench_blk::run(root),
        other => bail!("unknown benchmark {other:?} (known: {KNOWN})"),
    }
}
