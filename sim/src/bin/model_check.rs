//! `model_check`: explores every order of actions of every small scenario
//! (`s390_cio_sim::model_check`) against the soak oracle.
//!
//! `model_check [--injections K] [--threads T]`: scenarios of two
//! requests with up to `K` injected events (default 3). The last line is
//! `states: N, violations: V`, N counting distinct states (by fingerprint,
//! per scenario, summed); the exit status is non-zero on a violation, after
//! the first one's scenario, action path, problems and trace.

use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use s390_cio::driver::{IoError, RequestTag};
use s390_cio::structures::Orb;
use s390_cio_sim::model_check::{explore, scenarios, Exploration};
use s390_cio_sim::soak::Driver;

/// The harness's start: the programs and buffers of a scenario live in the
/// simulator's storage, which nothing else touches while a request runs.
fn start(driver: &mut Driver<'_>, orb: Orb, now: u64) -> Result<RequestTag, IoError> {
    // SAFETY: see above; the storage outlives every request of the run.
    unsafe { driver.start(orb, now) }
}

fn main() -> ExitCode {
    let mut injections = 3;
    let mut threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().and_then(|v| v.parse::<usize>().ok());
        match (flag.as_str(), value) {
            ("--injections", Some(k)) => injections = k,
            ("--threads", Some(t)) => threads = t.max(1),
            _ => {
                eprintln!("usage: model_check [--injections K] [--threads T]");
                return ExitCode::from(2);
            }
        }
    }
    let all = scenarios(injections);
    let next = AtomicUsize::new(0);
    let total = Mutex::new(Exploration::default());
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                let mut found = Exploration::default();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(scenario) = all.get(i) else { break };
                    explore(scenario, start, &mut found);
                }
                let mut total = total.lock().unwrap_or_else(|e| e.into_inner());
                total.states += found.states;
                total.ends += found.ends;
                total.scenarios += found.scenarios;
                total.violations.extend(found.violations);
            });
        }
    });
    let total = total.into_inner().unwrap_or_else(|e| e.into_inner());
    if let Some(first) = total.violations.first() {
        println!("{first}");
        for violation in &total.violations {
            println!("violating scenario: {}", violation.scenario);
        }
    }
    println!(
        "scenarios: {}, checked ends: {}, injections: up to {injections}",
        total.scenarios, total.ends
    );
    println!(
        "states: {}, violations: {}",
        total.states,
        total.violations.len()
    );
    if total.violations.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
