//! The guest test harness: a table of plain functions, one result line each,
//! and a summary line the host parses.
//!
//! ```ignore
//! use s390_cio_boot::testing::{Test, TestResult};
//! use s390_cio_boot::{check, check_eq, guest_tests};
//!
//! fn stsch_of_subchannel_0() -> TestResult {
//!     check!(1 + 1 == 2, "arithmetic works");
//!     Ok(())
//! }
//! guest_tests![stsch_of_subchannel_0];
//! ```
//!
//! Output protocol (read by `xtask`): first the plan, `plan: NAME NAME ...`
//! (several lines if long), then per test `ok NAME` or
//! `FAIL NAME: message`, then `N passed, N failed`. The host counts a test of
//! the plan with no result line as failed (the guest hung or crashed in it).

use crate::exit::ExitCode;
use core::fmt::{self, Write};
use heapless::String;
use spin::Mutex;

/// Longest failure message kept (the rest is cut).
const MESSAGE_LEN: usize = 140;

/// The message of the failure being reported. Tests run one at a time, so
/// one buffer serves all, and [`TestFailure`] stays a small token that
/// `?` moves cheaply.
static FAILURE_MESSAGE: Mutex<String<MESSAGE_LEN>> = Mutex::new(String::new());

/// Why a guest test failed; the message (with the place of the failed
/// check) is kept by the harness until the test's result line is printed.
#[derive(Debug)]
pub struct TestFailure {
    _message_recorded: (),
}

impl TestFailure {
    /// A failure with a formatted message (cut at 140 bytes, the 3215
    /// console's line).
    pub fn new(args: fmt::Arguments<'_>) -> Self {
        let mut message = FAILURE_MESSAGE.lock();
        message.clear();
        Truncating(&mut message).write_fmt(args).ok();
        TestFailure {
            _message_recorded: (),
        }
    }
}

struct Truncating<'a>(&'a mut String<MESSAGE_LEN>);

impl Write for Truncating<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for c in s.chars() {
            if self.0.push(c).is_err() {
                break;
            }
        }
        Ok(())
    }
}

/// What a guest test returns.
pub type TestResult = Result<(), TestFailure>;

/// One guest test: a name and a function.
pub struct Test {
    /// The test's name, as printed (no spaces).
    pub name: &'static str,
    /// The test itself.
    pub run: fn() -> TestResult,
}

/// Fails the current test with a message unless `cond` holds.
#[macro_export]
macro_rules! check {
    ($cond:expr, $($msg:tt)+) => {
        if !$cond {
            return Err($crate::testing::TestFailure::new(format_args!(
                "{} (line {}): {}", stringify!($cond), line!(), format_args!($($msg)+)
            )));
        }
    };
}

/// Fails the current test unless the two values are equal, printing both.
#[macro_export]
macro_rules! check_eq {
    ($left:expr, $right:expr, $($msg:tt)+) => {
        match (&$left, &$right) {
            (left, right) => {
                if left != right {
                    return Err($crate::testing::TestFailure::new(format_args!(
                        "{:x?} != {:x?} (line {}): {}", left, right, line!(), format_args!($($msg)+)
                    )));
                }
            }
        }
    };
}

/// Declares the program's test table and a `main` that runs it.
#[macro_export]
macro_rules! guest_tests {
    ($($test:path),* $(,)?) => {
        static GUEST_TESTS: &[$crate::testing::Test] = &[
            $($crate::testing::Test { name: stringify!($test), run: $test },)*
        ];
        fn __guest_test_main() -> $crate::exit::ExitCode {
            $crate::testing::run(GUEST_TESTS)
        }
        $crate::entry!(__guest_test_main);
    };
}

/// Width of a plan line before it is continued on the next.
const PLAN_LINE: usize = 100;

/// Runs every test in order, prints the plan, one line per test and the
/// summary; the exit code says whether all passed.
pub fn run(tests: &[Test]) -> ExitCode {
    print_plan(tests);
    let mut passed = 0usize;
    let mut failed = 0usize;
    for test in tests {
        match (test.run)() {
            Ok(()) => {
                passed += 1;
                crate::println!("ok {}", test.name);
            }
            Err(TestFailure { .. }) => {
                failed += 1;
                crate::println!("FAIL {}: {}", test.name, FAILURE_MESSAGE.lock().as_str());
            }
        }
    }
    crate::println!("{} passed, {} failed", passed, failed);
    if failed == 0 {
        ExitCode::Success
    } else {
        ExitCode::Failure
    }
}

fn print_plan(tests: &[Test]) {
    let mut width = 0;
    for test in tests {
        if width > 0 && width + test.name.len() > PLAN_LINE {
            crate::println!();
            width = 0;
        }
        if width == 0 {
            crate::print!("plan:");
            width = 5;
        }
        crate::print!(" {}", test.name);
        width += 1 + test.name.len();
    }
    if width > 0 {
        crate::println!();
    }
}
