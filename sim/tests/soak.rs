//! The soak harness and the model checker (`s390_cio_sim::soak`,
//! `s390_cio_sim::model_check`) as host tests: 10,000 random fault
//! schedules, every interleaving of the one-injection scenarios, and a
//! check that the oracle notices a broken run.

use s390_cio::driver::{IoError, RequestTag};
use s390_cio::structures::Orb;
use s390_cio_sim::model_check::{explore, scenarios, Exploration};
use s390_cio_sim::soak::{run_schedule, Counts, Driver};

/// The harness's start: every program and buffer lives in simulated
/// storage that nothing else touches while the request runs.
fn start(driver: &mut Driver<'_>, orb: Orb, now: u64) -> Result<RequestTag, IoError> {
    // SAFETY: see above.
    unsafe { driver.start(orb, now) }
}

/// Runs schedules `seeds` on two threads; the counts and the first failing
/// seed's problems and trace.
fn soak(seeds: std::ops::Range<u64>) -> (Counts, Option<String>) {
    let middle = seeds.start + (seeds.end - seeds.start) / 2;
    let half = |range: std::ops::Range<u64>| {
        move || {
            let mut counts = Counts::default();
            let mut first = None;
            for seed in range {
                let (verdict, report) = run_schedule(seed, start);
                counts.add(&verdict.counts);
                if first.is_none() {
                    first = report.map(|r| format!("seed {seed}: {:?}\n{r}", verdict.problems));
                }
            }
            (counts, first)
        }
    };
    let (mut counts, first) = std::thread::scope(|scope| {
        let low = scope.spawn(half(seeds.start..middle));
        let (high_counts, high_first) = half(middle..seeds.end)();
        let (low_counts, low_first) = low.join().expect("the soak thread panicked");
        let mut counts = low_counts;
        counts.add(&high_counts);
        (counts, low_first.or(high_first))
    });
    counts.schedules = seeds.end - seeds.start;
    (counts, first)
}

#[test]
fn ten_thousand_fault_schedules_match_the_oracle() {
    let (counts, first) = soak(0..10_000);
    assert!(counts.clean(), "{counts}\n{}", first.unwrap_or_default());
    assert_eq!(
        counts.to_string(),
        "schedules: 10000, lost: 0, misattributed: 0, hung: 0, corrupted: 0"
    );
}

#[test]
fn every_interleaving_of_one_injection_matches_the_oracle() {
    let mut found = Exploration::default();
    for scenario in scenarios(1) {
        explore(&scenario, start, &mut found);
    }
    if let Some(violation) = found.violations.first() {
        panic!("{violation}");
    }
    assert!(found.states > 1000, "explored only {} states", found.states);
    assert!(found.ends >= found.scenarios);
}

/// A start that also scribbles on storage outside every buffer.
fn scribbling_start(driver: &mut Driver<'_>, orb: Orb, now: u64) -> Result<RequestTag, IoError> {
    driver.css().memory_mut().write(0x7F00, &[0xEE; 4]).ok();
    start(driver, orb, now)
}

#[test]
fn the_oracle_notices_storage_changed_outside_the_buffers() {
    let (verdict, report) = run_schedule(1, scribbling_start);
    assert!(verdict.counts.corrupted > 0, "{:?}", verdict);
    assert!(report.is_some_and(|r| r.contains("trace:")));
}
