//! `cargo xtask test`: every check and suite, in order, each with its own
//! `SUITE: N passed, N failed` line, then the total.

use crate::bootloader_tests;
use crate::cross;
use crate::fidelity;
use crate::guest::{self, GuestImage, TestOutcome};
use crate::hercules;
use crate::programs::{self, World, PROGRAMS};
use crate::qemu;
use crate::volumes;
use anyhow::{bail, Context, Result};
use std::path::Path;
use std::process::Command;
use std::time::Instant;

/// Passed and failed counts of one suite.
#[derive(Default, Clone, Copy)]
struct Counts {
    passed: usize,
    failed: usize,
}

impl Counts {
    fn add(&mut self, other: Counts) {
        self.passed += other.passed;
        self.failed += other.failed;
    }
}

/// Packages built for the host (clippy, doc, tests).
const HOST_PACKAGES: &[&str] = &[
    "--package",
    "s390-cio",
    "--package",
    "s390-cio-sim",
    "--package",
    "fidelity-scenarios",
    "--package",
    "disk-pattern",
    "--package",
    "xtask",
];
/// Packages built for s390x (clippy).
const TARGET_PACKAGES: &[&str] = &[
    "--package",
    "s390-cio",
    "--package",
    "s390-cio-boot",
    "--package",
    "guest-tests",
    "--package",
    "fidelity-scenarios",
    "--package",
    "disk-pattern",
    "--package",
    "enumerate",
    "--package",
    "bootloader",
];

/// Runs everything, or only the guest programs named in `guests`; fails
/// if anything failed.
pub fn run(root: &Path, self_check: bool, guests: &[String]) -> Result<()> {
    let started = Instant::now();
    let mut total = Counts::default();

    if let Some(unknown) = guests
        .iter()
        .find(|name| !PROGRAMS.iter().any(|p| p.bin == name.as_str()))
    {
        bail!("no guest program {unknown} (see xtask/src/programs.rs)");
    }
    if guests.is_empty() {
        let checks = run_checks(root);
        report("checks", checks);
        total.add(checks);

        let host = run_host_tests(root);
        report("host", host);
        total.add(host);
    }

    for world in [World::Qemu, World::Hercules] {
        let counts = run_guest_suite(root, world, self_check, guests);
        report(world.suite(), counts);
        total.add(counts);
    }

    if guests.is_empty() {
        let counts = run_bootloader_suite(root);
        report("bootloader", counts);
        total.add(counts);

        match fidelity::agreement_table(root) {
            Ok(table) => print!("{table}"),
            Err(error) => println!("xtask: no fidelity table: {error:#}"),
        }
    }

    println!(
        "xtask test finished in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    println!("{} passed, {} failed", total.passed, total.failed);
    if total.failed > 0 {
        bail!("{} failed", total.failed);
    }
    Ok(())
}

fn report(suite: &str, counts: Counts) {
    println!(
        "{suite}: {} passed, {} failed",
        counts.passed, counts.failed
    );
}

/// One check: a command that must succeed.
fn check(name: &str, mut command: Command) -> bool {
    println!("xtask: check {name}");
    match command.status() {
        Ok(status) if status.success() => true,
        Ok(status) => {
            println!("FAIL check {name}: {status}");
            false
        }
        Err(error) => {
            println!("FAIL check {name}: cannot start: {error}");
            false
        }
    }
}

fn host_cargo(root: &Path) -> Command {
    let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    command.current_dir(root);
    command
}

/// fmt, clippy (host and s390x), doc (host and s390x) with warnings denied.
fn run_checks(root: &Path) -> Counts {
    let mut results = Vec::new();

    let mut fmt = host_cargo(root);
    fmt.args(["fmt", "--all", "--check"]);
    results.push(check("fmt", fmt));

    let mut clippy = host_cargo(root);
    clippy.arg("clippy").args(HOST_PACKAGES).args([
        "--all-targets",
        "--all-features",
        "--",
        "-D",
        "warnings",
    ]);
    results.push(check("clippy (host)", clippy));

    let mut clippy = cross::cargo(root);
    clippy
        .arg("clippy")
        .args(cross::CROSS_FLAGS)
        .args(TARGET_PACKAGES)
        .args(["--", "-D", "warnings"]);
    results.push(check("clippy (s390x)", clippy));

    let mut doc = host_cargo(root);
    doc.args(["doc", "--no-deps"])
        .args(HOST_PACKAGES)
        .env("RUSTDOCFLAGS", "-D warnings");
    results.push(check("doc (host)", doc));

    let mut doc = cross::cargo(root);
    doc.arg("doc")
        .args(cross::CROSS_FLAGS)
        .args([
            "--no-deps",
            "--package",
            "s390-cio",
            "--package",
            "s390-cio-boot",
        ])
        .env("RUSTDOCFLAGS", "-D warnings");
    results.push(check("doc (s390x)", doc));

    Counts {
        passed: results.iter().filter(|&&ok| ok).count(),
        failed: results.iter().filter(|&&ok| !ok).count(),
    }
}

/// `cargo test` of the host packages; counts come from libtest's
/// `test result:` lines. A build failure counts as one failure.
fn run_host_tests(root: &Path) -> Counts {
    println!("xtask: host tests");
    let mut command = host_cargo(root);
    command.arg("test").args(HOST_PACKAGES);
    let output = match command.output() {
        Ok(output) => output,
        Err(error) => {
            println!("FAIL host: cannot start cargo test: {error}");
            return Counts {
                passed: 0,
                failed: 1,
            };
        }
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    print!("{stdout}");
    eprint!("{}", String::from_utf8_lossy(&output.stderr));
    let mut counts = Counts::default();
    for line in stdout.lines() {
        if let Some(rest) = line.strip_prefix("test result: ") {
            counts.add(parse_libtest_result(rest));
        }
    }
    if !output.status.success() && counts.failed == 0 {
        println!("FAIL host: cargo test failed ({})", output.status);
        counts.failed += 1;
    }
    counts
}

/// Parses `ok. 12 passed; 0 failed; ...`.
fn parse_libtest_result(rest: &str) -> Counts {
    let mut counts = Counts::default();
    for part in rest.split(';') {
        let part = part
            .trim()
            .trim_start_matches("ok. ")
            .trim_start_matches("FAILED. ");
        if let Some(n) = part.strip_suffix(" passed") {
            counts.passed += n.trim().parse().unwrap_or(0);
        } else if let Some(n) = part.strip_suffix(" failed") {
            counts.failed += n.trim().parse().unwrap_or(0);
        }
    }
    counts
}

/// The bootloader on QEMU: bad disks and one Linux boot.
fn run_bootloader_suite(root: &Path) -> Counts {
    println!("xtask: bootloader suite");
    let mut counts = Counts::default();
    for outcome in bootloader_tests::run(root) {
        match outcome.failure {
            None => {
                counts.passed += 1;
                println!("  ok   {}", outcome.name);
            }
            Some(why) => {
                counts.failed += 1;
                println!("  FAIL {}: {why}", outcome.name);
            }
        }
    }
    counts
}

/// Builds and runs every program of `world` (or those named in `only`),
/// printing a line per test.
fn run_guest_suite(root: &Path, world: World, self_check: bool, only: &[String]) -> Counts {
    println!("xtask: {} guest suite", world.suite());
    let mut counts = Counts::default();
    for program in PROGRAMS.iter().filter(|p| {
        p.worlds.contains(&world)
            && (self_check || !p.self_check)
            && (only.is_empty() || only.iter().any(|name| name == p.bin))
    }) {
        let outcomes = match run_program(root, world, program) {
            Ok(outcomes) => outcomes,
            Err(error) => vec![TestOutcome {
                name: format!("{}/<run>", program.bin),
                failure: Some(format!("{error:#}")),
            }],
        };
        for outcome in outcomes {
            match outcome.failure {
                None => {
                    counts.passed += 1;
                    println!("  ok   {}/{}", world.suite(), outcome.name);
                }
                Some(why) => {
                    counts.failed += 1;
                    println!("  FAIL {}/{}: {why}", world.suite(), outcome.name);
                }
            }
        }
    }
    counts
}

fn run_program(root: &Path, world: World, program: &programs::Program) -> Result<Vec<TestOutcome>> {
    let image = cross::build_guest(root, "guest-tests", program.bin)?;
    let mut printer_outcome = None;
    let run = match world {
        World::Qemu => {
            let dir = cross::work_dir(root, &format!("qemu/{}", program.bin))?;
            qemu::run(
                &image,
                &programs::qemu_devices(root)?,
                &dir,
                program.timeout,
            )?
        }
        World::Hercules => {
            let dir = cross::work_dir(root, &format!("hercules/{}", program.bin))?;
            let boot_volume;
            let boot = if program.ipl {
                boot_volume = ipl_volume(&image, &dir)?;
                hercules::Boot::Ipl(&boot_volume)
            } else {
                hercules::Boot::Restart(&image)
            };
            let run = hercules::run(boot, &dir, program.timeout)
                .with_context(|| format!("running {} under Hercules", program.bin))?;
            if let Some(expected) = program.printer {
                let printed = hercules::printer_output(&dir)?;
                printer_outcome = Some(TestOutcome {
                    name: format!("{}/printer_output", program.bin),
                    failure: (printed != expected)
                        .then(|| format!("1403 printed {printed:?}, expected {expected:?}")),
                });
            }
            run
        }
    };
    println!(
        "  {} ran in {:.2}s ({:?})",
        program.bin,
        run.elapsed.as_secs_f64(),
        run.exit
    );
    if std::env::var_os("XTASK_SHOW_CONSOLE").is_some() {
        for line in &run.console {
            println!("    | {line}");
        }
    }
    // Measurements the guest made (`measure NAME: VALUE`), shown as
    // `NAME: VALUE`; never checked.
    for line in &run.console {
        if let Some(measurement) = line.strip_prefix("measure ") {
            println!("  {measurement}");
        }
    }
    let mut outcomes = guest::outcomes(program.bin, &run, program.timeout);
    if program.bin == "fidelity" {
        outcomes.extend(fidelity::outcomes(root, world, &run));
    }
    outcomes.extend(printer_outcome);
    Ok(outcomes)
}

/// A bootable 3390 in `dir` whose IPL loads `image` (see
/// `volumes::ipl_volume`).
fn ipl_volume(image: &GuestImage, dir: &Path) -> Result<std::path::PathBuf> {
    let bin =
        std::fs::read(&image.bin).with_context(|| format!("reading {}", image.bin.display()))?;
    let load = u32::try_from(image.load_address).context("load address above 4 GiB")?;
    let entry = u32::try_from(image.entry).context("entry above 4 GiB")?;
    volumes::ipl_volume(dir, IPL_VOLUME, &bin, load, entry)?;
    Ok(dir.join(IPL_VOLUME))
}

/// The bootable volume's file name in the run directory.
const IPL_VOLUME: &str = "ipl.3390";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libtest_lines_parse() {
        let c = parse_libtest_result(
            "ok. 12 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.01s",
        );
        assert_eq!((c.passed, c.failed), (12, 0));
        let c = parse_libtest_result("FAILED. 3 passed; 2 failed; 0 ignored");
        assert_eq!((c.passed, c.failed), (3, 2));
    }
}
