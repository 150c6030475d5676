//! `soak`: runs seeded fault schedules against the subchannel driver on the
//! simulator and checks each against its oracle (`s390_cio_sim::soak`).
//!
//! `soak --schedules N [--seed S] [--threads T] [--verbose]`: schedule `i` uses seed `S + i` (`S` is 0 unless given). The last line is
//! `schedules: N, lost: L, misattributed: M, hung: H, corrupted: C`; the
//! exit status is non-zero if any count is, after the first failing seed,
//! its problems and its simulator trace. `--verbose` prints every failing
//! seed's problems as they come.

use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use s390_cio::driver::{IoError, RequestTag};
use s390_cio::structures::Orb;
use s390_cio_sim::soak::{run_schedule, Counts, Driver};

/// The harness's start: the programs and buffers of a schedule live in the
/// simulator's storage, which nothing else touches while a request runs.
fn start(driver: &mut Driver<'_>, orb: Orb, now: u64) -> Result<RequestTag, IoError> {
    // SAFETY: see above; the storage outlives every request of the run.
    unsafe { driver.start(orb, now) }
}

struct Args {
    schedules: u64,
    seed: u64,
    threads: usize,
    verbose: bool,
}

fn parse() -> Result<Args, String> {
    let mut args = Args {
        schedules: 1000,
        seed: 0,
        threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
        verbose: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--schedules" => args.schedules = number(&value()?)?,
            "--seed" => args.seed = number(&value()?)?,
            "--threads" => args.threads = number(&value()?)?.max(1) as usize,
            "--verbose" => args.verbose = true,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(args)
}

fn number(text: &str) -> Result<u64, String> {
    let parsed = match text.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => text.parse(),
    };
    parsed.map_err(|e| format!("{text}: {e}"))
}

fn main() -> ExitCode {
    let args = match parse() {
        Ok(args) => args,
        Err(e) => {
            eprintln!("soak: {e}");
            return ExitCode::from(2);
        }
    };
    let next = AtomicU64::new(0);
    let total = Mutex::new(Counts::default());
    let first_failure: Mutex<Option<(u64, String)>> = Mutex::new(None);
    std::thread::scope(|scope| {
        for _ in 0..args.threads {
            scope.spawn(|| {
                let mut counts = Counts::default();
                loop {
                    let i = next.fetch_add(256, Ordering::Relaxed);
                    if i >= args.schedules {
                        break;
                    }
                    for i in i..(i + 256).min(args.schedules) {
                        let seed = args.seed.wrapping_add(i);
                        let (verdict, report) = run_schedule(seed, start);
                        counts.add(&verdict.counts);
                        if args.verbose {
                            for problem in &verdict.problems {
                                println!("seed {seed}: {problem}");
                            }
                        }
                        if let Some(report) = report {
                            let mut first = first_failure.lock().unwrap_or_else(|e| e.into_inner());
                            if first.as_ref().is_none_or(|(s, _)| seed < *s) {
                                let text = format!("{}\n{report}", verdict.problems.join("\n"));
                                *first = Some((seed, text));
                            }
                        }
                    }
                }
                total.lock().unwrap_or_else(|e| e.into_inner()).add(&counts);
            });
        }
    });
    let total = total.into_inner().unwrap_or_else(|e| e.into_inner());
    let failure = first_failure
        .into_inner()
        .unwrap_or_else(|e| e.into_inner());
    if let Some((seed, text)) = &failure {
        println!("first failing seed: {seed}\n{text}");
        println!("first failing seed: {seed} (rerun: --schedules 1 --seed {seed})");
    }
    println!("{total}");
    if total.clean() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
