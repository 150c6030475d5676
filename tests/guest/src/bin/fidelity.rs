//! The fidelity scenarios (`tests/fidelity`) on this machine: on QEMU the
//! virtio family against the virtio-blk disk at 0100, on Hercules the eckd
//! family against the 3390 at 0120 and the console family against the
//! second 3215 at 001F (the first, 0009, prints this program's output).
//! Each trace line is printed as `fidelity SCENARIO: LINE`; `cargo xtask
//! test` compares them with the simulator's traces
//! (`xtask/src/fidelity.rs`). The one guest test fails only if none of
//! the devices is there.
#![no_std]
#![deny(clippy::undocumented_unsafe_blocks)]
#![no_main]

use core::cell::UnsafeCell;
use core::ptr;
use fidelity_scenarios::{Bench, Family, AREA_LEN};
use guest_tests::subchannel_of;
use s390_cio::css::Cpu;
use s390_cio::discovery;
use s390_cio::driver::{Clock, TodClock};
use s390_cio::structures::SubchannelId;
use s390_cio_boot::testing::{TestFailure, TestResult};
use s390_cio_boot::{guest_tests, println};

/// The virtio-blk disk of the QEMU machine.
const VIRTIO_DEVNO: u16 = 0x0100;
/// The 3390 of the Hercules configuration.
const ECKD_DEVNO: u16 = 0x0120;
/// The second 3215 of the Hercules configuration; its operator's input
/// comes from a hao rule (`xtask/src/hercules.rs`).
const CONSOLE_DEVNO: u16 = 0x001F;

/// How long one `advance` of the bench waits, in microseconds.
const ADVANCE_US: u64 = 10;

/// The scenarios' scratch area: CCWs, parameters and data.
#[repr(C, align(8))]
struct Area(UnsafeCell<[u8; AREA_LEN]>);

// SAFETY: the guest runs on one CPU and only the bench (one at a time)
// touches the area.
unsafe impl Sync for Area {}

/// Static, so it lies in the image (below 16 MiB) and outlives every
/// channel program.
static AREA: Area = Area(UnsafeCell::new([0; AREA_LEN]));

/// The machine as a bench: the CPU's instructions, the static area.
struct Machine {
    id: SubchannelId,
}

impl Bench for Machine {
    type Css = Cpu;

    fn css(&self) -> &Cpu {
        &Cpu
    }

    fn subchannel(&self) -> SubchannelId {
        self.id
    }

    fn base(&self) -> u32 {
        AREA.0.get() as u32
    }

    fn write(&mut self, offset: u32, bytes: &[u8]) {
        let offset = offset as usize;
        assert!(offset + bytes.len() <= AREA_LEN);
        let area = AREA.0.get().cast::<u8>();
        for (i, &b) in bytes.iter().enumerate() {
            // SAFETY: in bounds (checked above); volatile, as the channel
            // reads the area behind the compiler's back.
            unsafe { ptr::write_volatile(area.add(offset + i), b) };
        }
    }

    fn read(&self, offset: u32, out: &mut [u8]) {
        let offset = offset as usize;
        assert!(offset + out.len() <= AREA_LEN);
        let area = AREA.0.get().cast::<u8>();
        for (i, b) in out.iter_mut().enumerate() {
            // SAFETY: in bounds (checked above); volatile, as the channel
            // wrote the area behind the compiler's back.
            *b = unsafe { ptr::read_volatile(area.add(offset + i)) };
        }
    }

    /// Lets [`ADVANCE_US`] of TOD time pass, so the scenarios' poll limit
    /// is time (about 2 s), not a number of polls that a loaded host's
    /// Hercules device thread may outlast.
    fn advance(&self) {
        let until = TodClock.now_us() + ADVANCE_US;
        while TodClock.now_us() < until {
            core::hint::spin_loop();
        }
    }

    fn operator_input(&mut self) {
        println!("xtask-herc: reply {CONSOLE_DEVNO:04X}");
    }
}

/// Runs each family whose device this machine has and prints its traces.
fn scenarios() -> TestResult {
    let families = [
        (Family::Virtio, VIRTIO_DEVNO),
        (Family::Eckd, ECKD_DEVNO),
        (Family::Console, CONSOLE_DEVNO),
    ];
    let mut ran = false;
    for (family, devno) in families {
        if discovery::find_device(&Cpu, 0, devno).is_none() {
            continue;
        }
        let mut machine = Machine {
            id: subchannel_of(devno)?,
        };
        println!("fidelity family {}", family.name());
        for &scenario in family.scenarios() {
            let trace = fidelity_scenarios::run(&mut machine, family, scenario);
            trace.for_each_line(|line| println!("fidelity {}: {}", scenario.name(), line));
        }
        ran = true;
    }
    if ran {
        Ok(())
    } else {
        Err(TestFailure::new(format_args!(
            "none of {VIRTIO_DEVNO:04x}, {ECKD_DEVNO:04x}, {CONSOLE_DEVNO:04x} is here"
        )))
    }
}

guest_tests![scenarios];
