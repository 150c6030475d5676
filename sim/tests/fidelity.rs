//! The fidelity scenarios (`tests/fidelity`) on the simulator, which
//! follows the PoP: their traces are the expected files
//! `tests/fidelity/expected/{virtio,eckd,console}.txt` that `cargo xtask test`
//! compares QEMU's and Hercules' consoles against.
//!
//! `FIDELITY_BLESS=1 cargo test -p s390-cio-sim --test fidelity` rewrites
//! the expected files from the simulator.

use std::fmt::Write as _;
use std::path::PathBuf;

use fidelity_scenarios::{Bench, Family, AREA_LEN};
use s390_cio::devices::ebcdic;
use s390_cio::discovery;
use s390_cio::structures::{Isc, SubchannelId};
use s390_cio_sim::eckd::Eckd3390;
use s390_cio_sim::virtio_blk::VirtioBlk;
use s390_cio_sim::{Console, Device, Simulator};

/// Where the scratch area lives in simulated storage.
const BASE: u32 = 0x0001_0000;

struct SimBench {
    sim: Simulator,
    id: SubchannelId,
}

impl SimBench {
    fn new(device_number: u16, device: impl Device) -> Self {
        let sim = Simulator::new();
        sim.add_device(device_number, device);
        let (id, _) = discovery::find_device(&sim, 0, device_number).expect("device installed");
        discovery::enable(&sim, id, Isc::new(3).expect("ISC 3")).expect("enable");
        Self { sim, id }
    }
}

impl Bench for SimBench {
    type Css = Simulator;

    fn css(&self) -> &Simulator {
        &self.sim
    }

    fn subchannel(&self) -> SubchannelId {
        self.id
    }

    fn base(&self) -> u32 {
        BASE
    }

    fn write(&mut self, offset: u32, bytes: &[u8]) {
        assert!(offset as usize + bytes.len() <= AREA_LEN);
        self.sim
            .memory_mut()
            .write(u64::from(BASE + offset), bytes)
            .expect("scratch area in storage");
    }

    fn read(&self, offset: u32, out: &mut [u8]) {
        assert!(offset as usize + out.len() <= AREA_LEN);
        self.sim
            .memory()
            .read(u64::from(BASE + offset), out)
            .expect("scratch area in storage");
    }

    fn advance(&self) {
        self.sim.step();
    }

    fn operator_input(&mut self) {
        let line: Vec<u8> = b"S390-CIO OPERATOR REPLY".to_vec();
        self.sim
            .with_device(self.id, |console: &mut Console| console.push_input(&line))
            .expect("the console family's bench has a console");
    }
}

/// Track 0 of a `dasdinit` volume (10 cylinders): R1 `IPL1` with 24
/// bytes, R2 `IPL2` with 144, R3 `VOL1` with 80 starting `VOL1S390IO`,
/// keys and label in EBCDIC.
fn dasdinit_volume() -> Eckd3390 {
    let mut volume = Eckd3390::unformatted(10).expect("10 cylinders");
    volume
        .format_track(0, 0, &[(4, 24), (4, 144), (4, 80)])
        .expect("track 0 layout fits");
    let ebcdic = |text: &[u8]| -> Vec<u8> { text.iter().map(|&c| ebcdic::from_ascii(c)).collect() };
    for (record, key) in [(1, b"IPL1"), (2, b"IPL2"), (3, b"VOL1")] {
        volume.write_key(0, 0, record, &ebcdic(key)).expect("key");
    }
    let mut label = ebcdic(b"VOL1S390IO");
    label.resize(80, 0x40);
    volume.write_data(0, 0, 3, &label).expect("label");
    volume
}

/// Every scenario of `family` on `bench`, as `SCENARIO: LINE` lines.
fn traces(bench: &mut SimBench, family: Family) -> String {
    let mut out = String::new();
    for &scenario in family.scenarios() {
        let trace = fidelity_scenarios::run(bench, family, scenario);
        trace.for_each_line(|line| {
            writeln!(out, "{}: {line}", scenario.name()).expect("writing to a String");
        });
    }
    out
}

fn expected_path(family: Family) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fidelity/expected")
        .join(format!("{}.txt", family.name()))
}

/// Compares (or with `FIDELITY_BLESS` set, writes) the expected file.
fn check(family: Family, actual: &str) {
    let path = expected_path(family);
    if std::env::var_os("FIDELITY_BLESS").is_some() {
        std::fs::write(&path, actual).expect("writing the expected file");
        return;
    }
    let expected = std::fs::read_to_string(&path).expect("reading the expected file");
    assert_eq!(
        actual,
        expected,
        "the simulator's {} traces differ from {} (FIDELITY_BLESS=1 rewrites it)",
        family.name(),
        path.display()
    );
}

#[test]
fn virtio_scenarios_match_the_expected_traces() {
    let mut bench = SimBench::new(0x0100, VirtioBlk::new(2048));
    check(Family::Virtio, &traces(&mut bench, Family::Virtio));
}

#[test]
fn eckd_scenarios_match_the_expected_traces() {
    let mut bench = SimBench::new(0x0120, dasdinit_volume());
    check(Family::Eckd, &traces(&mut bench, Family::Eckd));
}

#[test]
fn console_scenarios_match_the_expected_traces() {
    let mut bench = SimBench::new(0x001F, Console::new().awaiting_operator());
    check(Family::Console, &traces(&mut bench, Family::Console));
}

/// Every line a guest prints must survive Hercules' 3215 console.
#[test]
fn trace_lines_are_short_and_console_safe() {
    for family in [Family::Virtio, Family::Eckd, Family::Console] {
        let text = std::fs::read_to_string(expected_path(family)).expect("expected file");
        for line in text.lines() {
            assert!(line.len() < 100, "too long: {line}");
            assert!(!line.contains(['[', ']', '^', '|']), "unsafe: {line}");
        }
    }
}

/// Running a scenario leaves the subchannel idle, so the order of
/// scenarios does not leak into their traces.
#[test]
fn scenarios_leave_the_subchannel_idle() {
    let mut bench = SimBench::new(0x0100, VirtioBlk::new(2048));
    for &scenario in Family::Virtio.scenarios() {
        fidelity_scenarios::run(&mut bench, Family::Virtio, scenario);
        let scsw = bench.sim.scsw(bench.id).expect("subchannel");
        assert!(scsw.function_control().is_empty(), "{scenario:?}");
        assert!(!scsw.is_status_pending(), "{scenario:?}");
    }
}
