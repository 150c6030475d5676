//! `cargo xtask fuzz`: coverage-guided fuzzing of the byte decoders and
//! builders in `src/structures/`.
//!
//! The fuzz target lives in `fuzz/`, a cargo workspace of its own (outside
//! the root workspace) that links libFuzzer through the `libfuzzer-sys`
//! crate, as cargo-fuzz does; no cargo-fuzz install is needed. It is built
//! here with the host toolchain and the `sancov` instrumentation flags
//! libFuzzer needs (all stable `-C` options), for the host target given
//! explicitly, so that build scripts and proc macros stay uninstrumented.
//! Everything goes to `target/fuzz`: the build, the growing corpus
//! (`target/fuzz/corpus`, read together with the known-good images in
//! `fuzz/seeds/`) and crashing inputs (`target/fuzz/artifacts`).
//!
//! libFuzzer's own log goes to stderr; the last line on stdout is
//! `execs: N, crashes: C`. A crash (libFuzzer stops at the first) makes the
//! command fail and names the file holding the input; replay it with
//! `target/fuzz/x86_64-unknown-linux-gnu/release/structures FILE`.

use anyhow::{bail, Context, Result};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The host target, named so that `RUSTFLAGS` reach only the fuzzed code.
const HOST_TARGET: &str = "x86_64-unknown-linux-gnu";

/// The fuzz target's binary name (`[[bin]]` in `fuzz/Cargo.toml`).
const FUZZ_BIN: &str = "structures";

/// Instrumentation libFuzzer needs: edge coverage as inline 8-bit counters
/// with a PC table, and comparison tracing so it can solve magic values.
/// `--cfg fuzzing` is what cargo-fuzz sets too.
const RUSTFLAGS: &str = "--cfg fuzzing \
    -Cpasses=sancov-module \
    -Cllvm-args=-sanitizer-coverage-level=4 \
    -Cllvm-args=-sanitizer-coverage-inline-8bit-counters \
    -Cllvm-args=-sanitizer-coverage-pc-table \
    -Cllvm-args=-sanitizer-coverage-trace-compares";

/// Longest input libFuzzer generates: more than the largest structure
/// (a 256-byte SENSE ID reply) plus the selector byte.
const MAX_LEN: usize = 512;

/// Builds the fuzzer, runs it for `execs` executions (with libFuzzer seed
/// `seed`, if given) and prints `execs: N, crashes: C` as the last line.
/// Fails if the fuzzer found a crash, naming the input's file.
pub fn run(root: &Path, execs: u64, seed: Option<u64>) -> Result<()> {
    let seed = seed
        .map(|s| u32::try_from(s).context("libFuzzer's -seed is a 32-bit number"))
        .transpose()?;
    let fuzzer = build(root)?;
    let dir = root.join("target/fuzz");
    let corpus = dir.join("corpus");
    let artifacts = dir.join("artifacts");
    for d in [&corpus, &artifacts] {
        std::fs::create_dir_all(d).with_context(|| format!("cannot create {}", d.display()))?;
    }
    let mut command = Command::new(&fuzzer);
    command
        .current_dir(root)
        .arg(format!("-runs={execs}"))
        .arg(format!("-max_len={MAX_LEN}"))
        .arg("-print_final_stats=1")
        // libFuzzer glues the prefix and the file name together.
        .arg(format!("-artifact_prefix={}/", artifacts.display()))
        .arg(&corpus)
        .arg(root.join("fuzz/seeds"))
        .stdin(Stdio::null())
        .stdout(Stdio::inherit())
        .stderr(Stdio::piped());
    if let Some(seed) = seed {
        command.arg(format!("-seed={seed}"));
    }
    eprintln!("xtask: fuzzing with {}", fuzzer.display());
    let mut child = command
        .spawn()
        .with_context(|| format!("cannot start {}", fuzzer.display()))?;
    let stderr = child.stderr.take().context("no stderr pipe")?;
    let mut report = Report::default();
    for line in BufReader::new(stderr).lines() {
        let line = line.context("reading the fuzzer's output")?;
        eprintln!("{line}");
        report.read_line(&line);
    }
    let status = child.wait().context("waiting for the fuzzer")?;
    let done = report
        .execs()
        .with_context(|| format!("the fuzzer ({status}) did not say how many inputs it ran"))?;
    println!("execs: {done}, crashes: {}", report.crashes.len());
    if !report.crashes.is_empty() {
        bail!(
            "the fuzzer found a crash; input saved in {} (replay: {} FILE)",
            report.crashes.join(", "),
            fuzzer.display()
        );
    }
    if !status.success() {
        bail!("the fuzzer failed: {status}");
    }
    Ok(())
}

/// Builds the instrumented fuzz target and returns its path.
fn build(root: &Path) -> Result<PathBuf> {
    let status = Command::new("cargo")
        .current_dir(root)
        .args(["build", "--release", "--manifest-path", "fuzz/Cargo.toml"])
        .args(["--target", HOST_TARGET, "--bin", FUZZ_BIN])
        .env("CARGO_TARGET_DIR", root.join("target/fuzz"))
        .env("RUSTFLAGS", RUSTFLAGS)
        // Flags from an outer (cross) build would override RUSTFLAGS.
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_BUILD_RUSTFLAGS")
        .env_remove("CARGO_BUILD_TARGET")
        .env_remove("RUSTC")
        .env_remove("RUSTC_WRAPPER")
        .status()
        .context("cannot start cargo to build the fuzzer")?;
    if !status.success() {
        bail!("building the fuzzer failed: {status}");
    }
    Ok(root
        .join("target/fuzz")
        .join(HOST_TARGET)
        .join("release")
        .join(FUZZ_BIN))
}

/// What the fuzzer's log says about a run.
#[derive(Debug, Default, PartialEq)]
struct Report {
    /// From `stat::number_of_executed_units: N` (`-print_final_stats=1`).
    final_stat: Option<u64>,
    /// From `Done N runs in S second(s)`.
    done: Option<u64>,
    /// From the last status line (`#N\tNEW ...`), if nothing better.
    last_status: Option<u64>,
    /// Files of crashing, leaking or timing-out inputs.
    crashes: Vec<String>,
}

impl Report {
    /// Takes in one line of libFuzzer's output.
    fn read_line(&mut self, line: &str) {
        let line = line.trim_end();
        if let Some(rest) = line.strip_prefix("stat::number_of_executed_units:") {
            self.final_stat = rest.trim().parse().ok().or(self.final_stat);
        } else if let Some(rest) = line.strip_prefix("Done ") {
            if let Some(n) = rest.split_whitespace().next() {
                self.done = n.parse().ok().or(self.done);
            }
        } else if let Some(rest) = line.strip_prefix('#') {
            let n = rest.split(|c: char| !c.is_ascii_digit()).next();
            if let Some(n) = n.and_then(|n| n.parse().ok()) {
                self.last_status = Some(n);
            }
        }
        if let Some((_, path)) = line.split_once("Test unit written to ") {
            self.crashes.push(path.trim().to_string());
        }
    }

    /// Inputs executed, by the most precise line seen.
    fn execs(&self) -> Option<u64> {
        self.final_stat.or(self.done).or(self.last_status)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(log: &str) -> Report {
        let mut report = Report::default();
        for line in log.lines() {
            report.read_line(line);
        }
        report
    }

    #[test]
    fn a_clean_run() {
        let r = report(
            "#2\tINITED cov: 11 ft: 11 corp: 1/1b exec/s: 0 rss: 27Mb\n\
             #100000\tDONE   cov: 13 ft: 13 corp: 2/5b lim: 994 exec/s: 0 rss: 27Mb\n\
             Done 100000 runs in 0 second(s)\n\
             stat::number_of_executed_units: 100001\n",
        );
        assert_eq!(r.execs(), Some(100_001));
        assert!(r.crashes.is_empty());
        assert_eq!(report("Done 7 runs in 1 second(s)\n").execs(), Some(7));
    }

    #[test]
    fn a_crash() {
        let r = report(
            "#512\tNEW    cov: 20 ft: 20 corp: 5/50b\n\
             ==1== ERROR: libFuzzer: deadly signal\n\
             artifact_prefix='t/'; Test unit written to t/crash-26b1c6f5\n\
             stat::number_of_executed_units: 513\n",
        );
        assert_eq!(r.execs(), Some(513));
        assert_eq!(r.crashes, ["t/crash-26b1c6f5"]);
        assert_eq!(report("#512\tpulse  cov: 20\n").execs(), Some(512));
    }
}
