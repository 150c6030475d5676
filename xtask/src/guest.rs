//! What a guest run produced, and how its console becomes test results.
//!
//! Guests follow the protocol of `boot/src/testing.rs`: `plan: NAME ...`
//! lines, then `ok NAME` or `FAIL NAME: message` per test, then
//! `N passed, N failed`. A test of the plan without a result line failed: the
//! guest hung (timeout) or crashed in it, or never got to it.

use std::path::PathBuf;
use std::time::Duration;

/// A guest program ready to load.
#[derive(Clone, Debug)]
pub struct GuestImage {
    /// The linked ELF file (QEMU loads it with `-kernel`).
    pub elf: PathBuf,
    /// `objcopy -O binary` of the ELF (Hercules loads it with `loadcore`).
    pub bin: PathBuf,
    /// Where `bin` belongs in memory.
    pub load_address: u64,
    /// The entry point.
    pub entry: u64,
}

/// How a guest ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GuestExit {
    /// Disabled wait at 0xfff.
    Success,
    /// Disabled wait at another address (`boot/src/exit.rs` lists them).
    Failure {
        /// The disabled-wait PSW address, if the emulator reported it.
        code: Option<u64>,
    },
    /// Killed at the timeout.
    TimedOut,
    /// The emulator stopped some other way.
    Crashed {
        /// What the emulator said.
        detail: String,
    },
}

/// The console and end of one guest run.
#[derive(Clone, Debug)]
pub struct GuestRun {
    /// The guest's console lines only, in order.
    pub console: Vec<String>,
    /// How it ended.
    pub exit: GuestExit,
    /// Wall-clock time of the run.
    pub elapsed: Duration,
}

/// The result of one guest test.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TestOutcome {
    /// `program/test`.
    pub name: String,
    /// `None` if it passed, else why not.
    pub failure: Option<String>,
}

/// Turns a run of `program` into one outcome per test of its plan, adding
/// failures for whatever the exit and summary say went wrong.
pub fn outcomes(program: &str, run: &GuestRun, timeout: Duration) -> Vec<TestOutcome> {
    let mut plan: Vec<String> = Vec::new();
    let mut results: Vec<(String, Option<String>)> = Vec::new();
    let mut summary = None;
    for line in &run.console {
        let line = line.trim_end();
        if let Some(names) = line.strip_prefix("plan:") {
            plan.extend(names.split_whitespace().map(str::to_owned));
        } else if let Some(name) = line.strip_prefix("ok ") {
            results.push((name.trim().to_owned(), None));
        } else if let Some(rest) = line.strip_prefix("FAIL ") {
            let (name, message) = rest.split_once(": ").unwrap_or((rest, ""));
            results.push((name.trim().to_owned(), Some(message.to_owned())));
        } else if let Some(counts) = parse_summary(line) {
            summary = Some(counts);
        }
    }
    let full = |test: &str| format!("{program}/{test}");
    let why_stopped = match &run.exit {
        GuestExit::Success => "guest exited with success but printed no result".to_owned(),
        GuestExit::Failure { code } => match code {
            Some(code) => format!("guest stopped (disabled wait {code:#x}) in this test"),
            None => "guest stopped with a failure in this test".to_owned(),
        },
        GuestExit::TimedOut => format!(
            "guest hung: timed out after {}s in this test",
            timeout.as_secs()
        ),
        GuestExit::Crashed { detail } => format!("emulator stopped in this test: {detail}"),
    };
    let mut outcomes = Vec::new();
    let mut first_missing = true;
    for test in &plan {
        match results.iter().find(|(name, _)| name == test) {
            Some((_, failure)) => outcomes.push(TestOutcome {
                name: full(test),
                failure: failure.clone(),
            }),
            None => {
                let failure = if first_missing {
                    format!("{why_stopped}; last console lines:\n{}", tail(&run.console))
                } else {
                    "not run: the guest stopped in an earlier test".to_owned()
                };
                first_missing = false;
                outcomes.push(TestOutcome {
                    name: full(test),
                    failure: Some(failure),
                });
            }
        }
    }
    for (name, _) in &results {
        if !plan.contains(name) {
            outcomes.push(TestOutcome {
                name: full(name),
                failure: Some("result for a test that is not in the plan".to_owned()),
            });
        }
    }
    if plan.is_empty() {
        outcomes.push(TestOutcome {
            name: full("<start>"),
            failure: Some(format!(
                "no test plan printed ({:?}); last console lines:\n{}",
                run.exit,
                tail(&run.console)
            )),
        });
    } else if results.len() == plan.len() {
        let passed = results.iter().filter(|(_, f)| f.is_none()).count();
        let expected = (passed, results.len() - passed);
        let consistent =
            summary == Some(expected) && (run.exit == GuestExit::Success) == (expected.1 == 0);
        if !consistent {
            outcomes.push(TestOutcome {
                name: full("<summary>"),
                failure: Some(format!(
                    "summary {summary:?} or exit {:?} disagrees with the results {expected:?}",
                    run.exit
                )),
            });
        }
    }
    outcomes
}

/// Parses `N passed, N failed`.
pub fn parse_summary(line: &str) -> Option<(usize, usize)> {
    let (passed, rest) = line.trim().split_once(" passed, ")?;
    let failed = rest.strip_suffix(" failed")?;
    Some((passed.parse().ok()?, failed.parse().ok()?))
}

fn tail(console: &[String]) -> String {
    let start = console.len().saturating_sub(10);
    console[start..]
        .iter()
        .map(|l| format!("    | {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(lines: &[&str], exit: GuestExit) -> GuestRun {
        GuestRun {
            console: lines.iter().map(|s| s.to_string()).collect(),
            exit,
            elapsed: Duration::ZERO,
        }
    }

    fn failed(outcomes: &[TestOutcome]) -> Vec<&str> {
        outcomes
            .iter()
            .filter(|o| o.failure.is_some())
            .map(|o| o.name.as_str())
            .collect()
    }

    #[test]
    fn all_passed() {
        let r = run(
            &["plan: a b", "ok a", "ok b", "2 passed, 0 failed"],
            GuestExit::Success,
        );
        let o = outcomes("p", &r, Duration::from_secs(1));
        assert_eq!(o.len(), 2);
        assert!(failed(&o).is_empty());
    }

    #[test]
    fn a_failure_is_named() {
        let r = run(
            &["plan: a b", "ok a", "FAIL b: x != y", "1 passed, 1 failed"],
            GuestExit::Failure { code: Some(1) },
        );
        let o = outcomes("p", &r, Duration::from_secs(1));
        assert_eq!(failed(&o), ["p/b"]);
        assert_eq!(o[1].failure.as_deref(), Some("x != y"));
    }

    #[test]
    fn a_hang_fails_the_test_it_hung_in_and_the_rest() {
        let r = run(&["plan: a b", "plan: c", "ok a"], GuestExit::TimedOut);
        let o = outcomes("p", &r, Duration::from_secs(7));
        assert_eq!(failed(&o), ["p/b", "p/c"]);
        assert!(o[1]
            .failure
            .as_ref()
            .unwrap()
            .contains("timed out after 7s"));
        assert!(o[2].failure.as_ref().unwrap().contains("not run"));
    }

    #[test]
    fn no_plan_is_a_failure() {
        let r = run(&["PANIC: boom"], GuestExit::Failure { code: Some(2) });
        assert_eq!(
            failed(&outcomes("p", &r, Duration::from_secs(1))),
            ["p/<start>"]
        );
    }

    #[test]
    fn a_wrong_summary_is_a_failure() {
        let r = run(
            &["plan: a", "ok a", "0 passed, 1 failed"],
            GuestExit::Success,
        );
        assert_eq!(
            failed(&outcomes("p", &r, Duration::from_secs(1))),
            ["p/<summary>"]
        );
    }

    #[test]
    fn success_exit_with_failures_is_a_failure() {
        let r = run(
            &["plan: a", "FAIL a: no", "0 passed, 1 failed"],
            GuestExit::Success,
        );
        assert_eq!(
            failed(&outcomes("p", &r, Duration::from_secs(1))),
            ["p/a", "p/<summary>"]
        );
    }

    #[test]
    fn summary_parses() {
        assert_eq!(parse_summary("12 passed, 3 failed"), Some((12, 3)));
        assert_eq!(parse_summary("12 passed"), None);
    }
}
