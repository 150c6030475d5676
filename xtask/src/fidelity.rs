//! Simulator fidelity: the scenarios of `tests/fidelity` run as the guest
//! program `fidelity` on QEMU (virtio family) and Hercules (eckd and
//! console families) must print the traces the simulator prints (the
//! expected files `tests/fidelity/expected/{virtio,eckd,console}.txt`,
//! checked against the simulator by `sim/tests/fidelity.rs`), line for
//! line.
//!
//! The simulator follows the PoP. Where an emulator departs from it, the
//! departure is one row of [`QUIRKS`]: the world, the scenario, the trace
//! lines the emulator prints instead, and why that is a quirk. A scenario
//! passes when the emulator prints exactly the simulator's trace with its
//! quirks' lines in place; a quirk that is no longer seen fails too, so
//! the table stays true. [`agreement_table`] prints the result as a
//! scenario × world table.

use crate::guest::{GuestRun, TestOutcome};
use crate::programs::World;
use anyhow::{Context, Result};
use std::path::Path;

/// A known departure of an emulator from the PoP in one scenario.
pub struct Quirk {
    /// The emulator.
    pub world: World,
    /// The scenario (as in the expected files).
    pub scenario: &'static str,
    /// A short name for the agreement table.
    pub name: &'static str,
    /// What the emulator does, and what the PoP says instead.
    pub why: &'static str,
    /// The lines of the scenario's trace that differ: (index in the
    /// trace, the emulator's line).
    pub lines: &'static [(usize, &'static str)],
}

/// Every known quirk. A scenario may have several; each replaces its own
/// lines of the scenario's trace.
pub const QUIRKS: &[Quirk] = &[
    Quirk {
        world: World::Qemu,
        scenario: "pci",
        name: "no-pci",
        why: "QEMU ignores the CCW's PCI flag: no PCI status at all. PoP: PCI makes \
              intermediate status, which joins the final status while TSCH has not cleared it",
        lines: &[(1, "tsch cc0 fc4 ac00 sc07 ds0c cs00 ccw+10 rc0")],
    },
    Quirk {
        world: World::Qemu,
        scenario: "suspend",
        name: "no-suspend-status",
        why: "QEMU suspends without making the subchannel status pending, so TSCH \
              finds nothing (cc 1). PoP: with the ORB's U bit zero, suspension \
              gives intermediate status (status pending, suspended)",
        lines: &[
            (1, "stsch cc0 fc4 ac01 sc00 ds00 cs00 ccw+10 rc0"),
            (2, "tsch cc1"),
        ],
    },
    Quirk {
        world: World::Qemu,
        scenario: "il_nosli",
        name: "il-is-program-check",
        why: "QEMU's virtio-ccw rejects a READ_FEAT whose count is not 5 (without SLI) \
              with program check, no device status, residual 0. PoP: the command runs \
              and ends with incorrect length, channel end and device end, residual 3",
        lines: &[(1, "tsch cc0 fc4 ac00 sc17 ds00 cs20 ccw+8 rc0")],
    },
    Quirk {
        world: World::Qemu,
        scenario: "il_sli",
        name: "stale-residual",
        why: "after READ_FEAT left residual 3, QEMU shows 3 again for a NOOP: it stores \
              no residual count for a command without data. PoP: the residual count \
              is the last CCW's, 0 for a NOOP of count 0",
        lines: &[(3, "tsch cc0 fc4 ac00 sc07 ds0c cs00 ccw+8 rc3")],
    },
    Quirk {
        world: World::Qemu,
        scenario: "unit_check",
        name: "unit-check-alone",
        why: "QEMU ends a rejected command with unit check alone (no channel end, device \
              end) and leaves the previous residual count (3, stale-residual); the \
              simulator's VirtioBlk presents CE+DE+UC and residual 80 as a 3990 does. \
              The device status is the device's choice: a model difference, not a \
              PoP departure of QEMU's channel",
        lines: &[(1, "tsch cc0 fc4 ac00 sc17 ds02 cs00 ccw+8 rc3")],
    },
    Quirk {
        world: World::Qemu,
        scenario: "halt",
        name: "stale-ccw-address",
        why: "no-suspend-status, and while suspended the SCSW keeps the previous \
              program's CCW address (+8, unit_check's SENSE). PoP: the address of the \
              suspended CCW + 8 (+10)",
        lines: &[
            (1, "stsch cc0 fc4 ac01 sc00 ds00 cs00 ccw+8 rc0"),
            (2, "tsch cc1"),
        ],
    },
    Quirk {
        world: World::Qemu,
        scenario: "halt",
        name: "halt-stays-suspended",
        why: "HSCH of a suspended program: status pending with the halt function alone \
              and the suspended bit still set. PoP: start and halt function, the \
              suspended bit reset (instructions_qemu names it too)",
        lines: &[(4, "tsch cc0 fc2 ac01 sc01 ds00 cs00 ccw+10 rc0")],
    },
    Quirk {
        world: World::Qemu,
        scenario: "clear",
        name: "no-suspend-status",
        why: "as in the suspend scenario",
        lines: &[
            (1, "stsch cc0 fc4 ac01 sc00 ds00 cs00 ccw+10 rc0"),
            (2, "tsch cc1"),
        ],
    },
    Quirk {
        world: World::Hercules,
        scenario: "pci",
        name: "pci-status-apart",
        why: "Hercules presents the PCI's intermediate status on its own (subchannel and \
              device active, CCW address +8) and holds the final status back for a \
              second TSCH. PoP: intermediate status still pending when the program \
              ends is merged into the final status; one TSCH takes both",
        lines: &[
            (1, "tsch cc0 fc4 ac06 sc09 ds00 cs80 ccw+8 rc0"),
            (2, "tsch cc0 fc4 ac00 sc07 ds0c cs00 ccw+10 rc0"),
        ],
    },
    Quirk {
        world: World::Hercules,
        scenario: "program_check",
        name: "residual-of-bad-ccw",
        why: "for a CCW rejected with program check (command code 0x00) Hercules stores \
              the CCW's count (8) as residual count, the simulator 0; no data was \
              transferred either way. Not a departure: the count-field table of the \
              System/370 PoP, whose I/O the channel subsystem keeps, makes the count \
              unpredictable after a program check",
        lines: &[(1, "tsch cc0 fc4 ac00 sc17 ds00 cs20 ccw+8 rc8")],
    },
    Quirk {
        world: World::Hercules,
        scenario: "halt",
        name: "halt-leaves-active",
        why: "HSCH of a suspended program: status with channel end + device end and \
              the subchannel- and device-active bits, which stay after TSCH. PoP: halt \
              ends the activity (instructions_hercules names it too)",
        lines: &[
            (4, "tsch cc0 fc6 ac06 sc01 ds0c cs00 ccw+10 rc0"),
            (5, "stsch cc0 fc0 ac06 sc00 ds0c cs00 ccw+10 rc0"),
        ],
    },
    Quirk {
        world: World::Hercules,
        scenario: "clear",
        name: "clear-zeroes-ccw-address",
        why: "after CSCH Hercules stores CCW address 0; the simulator, like QEMU, keeps \
              the last one. Not a departure: the PoP gives the CCW address no meaning \
              after a clear",
        lines: &[
            (4, "tsch cc0 fc1 ac00 sc01 ds00 cs00 ccw0 rc0"),
            (5, "stsch cc0 fc0 ac00 sc00 ds00 cs00 ccw0 rc0"),
        ],
    },
    Quirk {
        world: World::Hercules,
        scenario: "halt_active",
        name: "active-ccw-address",
        why: "while a READ INQUIRY waits for the operator, Hercules' SCSW shows the \
              READ's address + 8; the simulator 0, as no CCW has ended yet (the PoP \
              gives the CCW address meaning once status is pending or the program is \
              suspended)",
        lines: &[
            (1, "stsch cc0 fc4 ac06 sc00 ds00 cs00 ccw+8 rc0"),
            (3, "stsch cc0 fc6 ac16 sc00 ds00 cs00 ccw+8 rc0"),
        ],
    },
    Quirk {
        world: World::Hercules,
        scenario: "halt_active",
        name: "halt-waits-for-device",
        why: "Hercules' 3215 ignores the halt signal: the READ goes on until the \
              operator enters a line (23 bytes, residual 57), and the halt status \
              still shows halt pending; STSCH after TSCH keeps that device status and \
              count. PoP: the halt signal ends the device's operation, and the status \
              leaves no activity",
        lines: &[
            (4, "tsch cc0 fc6 ac10 sc07 ds0c cs00 ccw+8 rc39"),
            (5, "stsch cc0 fc0 ac00 sc00 ds0c cs00 ccw+8 rc39"),
        ],
    },
];

/// The device families a world's `fidelity` program runs.
fn families(world: World) -> &'static [&'static str] {
    match world {
        World::Qemu => &["virtio"],
        World::Hercules => &["eckd", "console"],
    }
}

/// Trace lines by scenario, in order of first appearance.
type Traces = Vec<(String, Vec<String>)>;

/// Collects `SCENARIO: LINE` lines (with `prefix` stripped first; lines
/// without it are skipped).
fn parse<'a>(lines: impl Iterator<Item = &'a str>, prefix: &str) -> Traces {
    let mut traces: Traces = Vec::new();
    for line in lines {
        let Some(rest) = line.trim_end().strip_prefix(prefix) else {
            continue;
        };
        let Some((scenario, entry)) = rest.split_once(": ") else {
            continue;
        };
        match traces.iter_mut().find(|(name, _)| name == scenario) {
            Some((_, entries)) => entries.push(entry.to_owned()),
            None => traces.push((scenario.to_owned(), vec![entry.to_owned()])),
        }
    }
    traces
}

/// The expected files of `world`'s families, parsed into one list (the
/// families' scenario names differ).
fn expected(root: &Path, world: World) -> Result<Traces> {
    let mut traces = Traces::new();
    for family in families(world) {
        let path = root
            .join("tests/fidelity/expected")
            .join(format!("{family}.txt"));
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        traces.extend(parse(text.lines(), ""));
    }
    Ok(traces)
}

/// One outcome `fidelity/SCENARIO` per scenario of the expected traces
/// (the simulator's, `expected`), from the `fidelity SCENARIO: LINE`
/// lines of `console`, with `world`'s quirks applied to the expectation.
pub fn compare(world: World, expected: &Traces, console: &[String]) -> Vec<TestOutcome> {
    let actual = parse(console.iter().map(String::as_str), "fidelity ");
    let mut outcomes = Vec::new();
    for (scenario, pop) in expected {
        let mut want = pop.clone();
        let quirks: Vec<&Quirk> = QUIRKS
            .iter()
            .filter(|q| q.world == world && q.scenario == scenario)
            .collect();
        let mut failure = None;
        for quirk in &quirks {
            for &(index, line) in quirk.lines {
                match want.get_mut(index) {
                    Some(slot) => *slot = line.to_owned(),
                    None => {
                        failure = Some(format!(
                            "quirk {} replaces line {index}, but the trace has {} lines",
                            quirk.name,
                            want.len()
                        ))
                    }
                }
            }
        }
        let got = actual
            .iter()
            .find(|(name, _)| name == scenario)
            .map(|(_, lines)| lines.as_slice())
            .unwrap_or_default();
        if failure.is_none() && got != want.as_slice() {
            failure = Some(describe(&quirks, pop, &want, got));
        }
        outcomes.push(TestOutcome {
            name: format!("fidelity/{scenario}"),
            failure,
        });
    }
    for (scenario, _) in &actual {
        if !expected.iter().any(|(name, _)| name == scenario) {
            outcomes.push(TestOutcome {
                name: format!("fidelity/{scenario}"),
                failure: Some("scenario printed by the guest but not in the expected file".into()),
            });
        }
    }
    outcomes
}

/// Says where `got` departs from `want` (the PoP trace with the quirks
/// applied), and whether a listed quirk is no longer seen.
fn describe(quirks: &[&Quirk], pop: &[String], want: &[String], got: &[String]) -> String {
    if got.is_empty() {
        return "the guest printed no trace for this scenario".to_owned();
    }
    let mut message = String::new();
    if !quirks.is_empty() && got == pop {
        let names: Vec<&str> = quirks.iter().map(|q| q.name).collect();
        message.push_str(&format!(
            "the emulator now follows the PoP: drop quirk {} from QUIRKS; ",
            names.join(", ")
        ));
    }
    let index = want
        .iter()
        .zip(got)
        .position(|(w, g)| w != g)
        .unwrap_or(want.len().min(got.len()));
    message.push_str(&format!(
        "line {index}: expected {:?}, got {:?} (PoP/simulator: {:?}); whole trace:\n{}",
        want.get(index).map(String::as_str).unwrap_or("<end>"),
        got.get(index).map(String::as_str).unwrap_or("<end>"),
        pop.get(index).map(String::as_str).unwrap_or("<end>"),
        got.iter()
            .map(|l| format!("    | {l}"))
            .collect::<Vec<_>>()
            .join("\n")
    ));
    message
}

/// The fidelity outcomes of a run of the guest program `fidelity` on
/// `world`; an unreadable expected file is one failure.
pub fn outcomes(root: &Path, world: World, run: &GuestRun) -> Vec<TestOutcome> {
    match expected(root, world) {
        Ok(expected) => compare(world, &expected, &run.console),
        Err(error) => vec![TestOutcome {
            name: "fidelity/<expected>".to_owned(),
            failure: Some(format!("{error:#}")),
        }],
    }
}

/// The agreement table: one row per scenario, a column per world (QEMU
/// runs the virtio family, Hercules the eckd and console families, the
/// simulator all and defines the PoP traces): `agree`, the quirk's name,
/// or `-` where the world does not run the scenario; then the quirks with
/// their reasons.
pub fn agreement_table(root: &Path) -> Result<String> {
    let qemu = expected(root, World::Qemu)?;
    let hercules = expected(root, World::Hercules)?;
    let mut scenarios: Vec<&str> = Vec::new();
    for (name, _) in qemu.iter().chain(&hercules) {
        if !scenarios.contains(&name.as_str()) {
            scenarios.push(name);
        }
    }
    let cell = |world: World, traces: &Traces, scenario: &str| -> String {
        if !traces.iter().any(|(name, _)| name == scenario) {
            return "-".to_owned();
        }
        let names: Vec<&str> = QUIRKS
            .iter()
            .filter(|q| q.world == world && q.scenario == scenario)
            .map(|q| q.name)
            .collect();
        if names.is_empty() {
            "agree".to_owned()
        } else {
            names.join(",")
        }
    };
    let mut rows = vec![[
        "scenario".to_owned(),
        "QEMU (virtio)".to_owned(),
        "Hercules (3390, 3215)".to_owned(),
        "sim".to_owned(),
    ]];
    for scenario in scenarios {
        rows.push([
            scenario.to_owned(),
            cell(World::Qemu, &qemu, scenario),
            cell(World::Hercules, &hercules, scenario),
            "PoP".to_owned(),
        ]);
    }
    let widths: Vec<usize> = (0..4)
        .map(|c| rows.iter().map(|r| r[c].len()).max().unwrap_or(0))
        .collect();
    let mut out = String::from("fidelity agreement (simulator = PoP):\n");
    for row in &rows {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(text, &w)| format!("{text:w$}"))
            .collect();
        out.push_str(&format!("  {}\n", cells.join("  ").trim_end()));
    }
    for quirk in QUIRKS {
        out.push_str(&format!(
            "  quirk {} ({}, {}): {}\n",
            quirk.name,
            quirk.world.suite(),
            quirk.scenario,
            quirk.why
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn traces(text: &str) -> Traces {
        parse(text.lines(), "")
    }

    fn console(lines: &[&str]) -> Vec<String> {
        lines.iter().map(|l| l.to_string()).collect()
    }

    fn failed(outcomes: &[TestOutcome]) -> Vec<&str> {
        outcomes
            .iter()
            .filter(|o| o.failure.is_some())
            .map(|o| o.name.as_str())
            .collect()
    }

    #[test]
    fn identical_traces_agree() {
        let expected = traces("a: ssch cc0\na: tsch cc0 fc4\nb: ssch cc0\n");
        let run = console(&[
            "plan: scenarios",
            "fidelity a: ssch cc0",
            "fidelity a: tsch cc0 fc4",
            "fidelity b: ssch cc0",
            "ok scenarios",
        ]);
        let outcomes = compare(World::Hercules, &expected, &run);
        assert_eq!(outcomes.len(), 2);
        assert!(failed(&outcomes).is_empty());
    }

    #[test]
    fn a_difference_fails_its_scenario_only() {
        let expected = traces("a: ssch cc0\nb: ssch cc0\n");
        let run = console(&["fidelity a: ssch cc2", "fidelity b: ssch cc0"]);
        let outcomes = compare(World::Hercules, &expected, &run);
        assert_eq!(failed(&outcomes), ["fidelity/a"]);
        assert!(outcomes[0]
            .failure
            .as_ref()
            .unwrap()
            .contains("expected \"ssch cc0\", got \"ssch cc2\""));
    }

    #[test]
    fn missing_and_unexpected_scenarios_fail() {
        let expected = traces("a: ssch cc0\n");
        let run = console(&["fidelity z: ssch cc0"]);
        let outcomes = compare(World::Qemu, &expected, &run);
        assert_eq!(failed(&outcomes), ["fidelity/a", "fidelity/z"]);
    }

    #[test]
    fn every_quirk_replaces_lines_of_a_real_scenario() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        for quirk in QUIRKS {
            let expected = expected(&root, quirk.world).unwrap();
            let (_, lines) = expected
                .iter()
                .find(|(name, _)| name == quirk.scenario)
                .unwrap_or_else(|| panic!("quirk {}: no scenario {}", quirk.name, quirk.scenario));
            for &(index, line) in quirk.lines {
                assert!(index < lines.len(), "quirk {}: line {index}", quirk.name);
                assert_ne!(lines[index], line, "quirk {}: same as the PoP", quirk.name);
            }
        }
    }

    #[test]
    fn the_table_has_a_row_per_scenario() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let table = agreement_table(&root).unwrap();
        assert!(table.contains("sense_id"));
        assert!(table.contains("halt"));
    }
}
