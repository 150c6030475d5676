//! Hercules 3.13 test-world runner.
//!
//! Starts a bare-metal s390x guest under Hercules WITHOUT an IPL: the raw
//! image and a small lowcore blob (new PSWs at 0x1a0..0x200) are put into
//! storage with `loadcore`, then `restart` makes the CPU load the restart new
//! PSW (64-bit mode, all interrupts disabled) which points at the entry.
//!
//! Run directory layout (everything relative to `work_dir`, Hercules' cwd):
//! `herc.cnf`, `herc.rc`, `guest.bin`, `lowcore.bin`, `reader.ebc`,
//! `dasd.3390` (fresh copy of `dasd.3390.pristine` every run),
//! `blocks.3390`, `blocks-ro.3390`, `vtoc.3390` (written anew every run,
//! see `volumes.rs`),
//! `printer.txt`, `hercules.log` (Hercules stdout+stderr).
//!
//! Devices (subchannels are numbered in definition order):
//! 0009 3215-C console (0.0.0000), 000C 3505 reader (0.0.0001),
//! 000E 1403 printer (0.0.0002), 0120 3390 DASD (0.0.0003), 0121 3390 of
//! 4 KiB blocks (0.0.0004), 0122 the same read-only (0.0.0005), 0123 3390
//! with a VTOC (0.0.0006), 001F second 3215-C console (0.0.0007).
//!
//! The guest's console lines are taken from the Hercules log: the 3215-C
//! writes each line with `logmsg`, interleaved with Hercules' own `HHC...`
//! messages, which are filtered out here.

use std::fs;
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};

use crate::guest::{GuestExit, GuestImage, GuestRun};
use crate::volumes;

/// Disabled-wait address that means success.
const SUCCESS_ADDRESS: u64 = 0xfff;

/// Lowcore blob: z/Arch new PSWs, loaded at 0x1a0 (restart, external, SVC,
/// program, machine check, I/O; 16 bytes each). Every one but restart is a
/// disabled wait whose address is the new-PSW location itself, so an early
/// unexpected interrupt shows up as `Failure { code: 0x1b0..=0x1f0 }`
/// (0x1d0 = program check before the guest installed its own handler).
const LOWCORE_ADDRESS: u64 = 0x1a0;
const LOWCORE_LEN: u64 = 0x60;
const PSW_MASK_64BIT_DISABLED: u64 = 0x0000_0001_8000_0000;
const PSW_MASK_DISABLED_WAIT: u64 = 0x0002_0001_8000_0000;

/// MAINSIZE 64 (MiB).
const MAIN_STORAGE: u64 = 64 << 20;

/// The card deck given to the 3505 (EBCDIC, code page 037, 80-byte cards
/// padded with EBCDIC blanks 0x40). After the last card the reader presents
/// unit exception (`eof` option).
const READER_DECK: [&str; 3] = [
    "S390-CIO READER CARD 1",
    "S390-CIO READER CARD 2 0123456789",
    "S390-CIO READER CARD 3 LAST",
];

const CONFIG_TEMPLATE: &str = include_str!("../../tests/hercules/hercules.cnf.in");

/// Log growth beyond this means a program-interrupt storm (each program
/// check is traced with a register dump): the run is stopped.
const LOG_LIMIT: u64 = 4 << 20;

/// After Hercules logged the disabled wait, its automatic operator should
/// quit within milliseconds; if it does not, the runner stops it.
const QUIT_GRACE: Duration = Duration::from_secs(2);

const LOG_FILE: &str = "hercules.log";
const PRINTER_FILE: &str = "printer.txt";
const DASD_FILE: &str = "dasd.3390";
const DASD_PRISTINE: &str = "dasd.3390.pristine";
const BLOCKS_FILE: &str = "blocks.3390";
const BLOCKS_READ_ONLY_FILE: &str = "blocks-ro.3390";
const VTOC_FILE: &str = "vtoc.3390";

/// How the guest gets into storage and starts.
#[derive(Clone, Copy, Debug)]
pub enum Boot<'a> {
    /// `loadcore` of the image and its new PSWs, then `restart`.
    Restart(&'a GuestImage),
    /// `ipl 0120` from this 3390 volume (it replaces the usual 0120).
    Ipl(&'a Path),
}

/// Runs a guest under Hercules in `work_dir`, started as `boot` says, and
/// waits at most `timeout`.
pub fn run(boot: Boot<'_>, work_dir: &Path, timeout: Duration) -> anyhow::Result<GuestRun> {
    fs::create_dir_all(work_dir)
        .with_context(|| format!("creating run directory {}", work_dir.display()))?;
    let work_dir = work_dir
        .canonicalize()
        .with_context(|| format!("resolving {}", work_dir.display()))?;

    match boot {
        Boot::Restart(image) => prepare(image, &work_dir)?,
        Boot::Ipl(volume) => prepare_ipl(volume, &work_dir)?,
    }

    let log_path = work_dir.join(LOG_FILE);
    let log =
        fs::File::create(&log_path).with_context(|| format!("creating {}", log_path.display()))?;
    let log_err = log.try_clone()?;

    let secs = format!("{:.3}", timeout.as_secs_f64().max(0.001));
    let start = Instant::now();
    let mut child = Command::new("timeout")
        .args(["-k", "1", &secs, "hercules", "-f", "herc.cnf"])
        .current_dir(&work_dir)
        .env("HERCULES_RC", "herc.rc")
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(log_err)
        .spawn()
        .context("starting `timeout ... hercules` (package `hercules` installed?)")?;

    // Watchdog: `timeout` handles the hang case; this loop also catches a
    // missed automatic-operator quit and a program-interrupt storm.
    let hard_deadline = timeout + Duration::from_secs(15);
    let mut wait_seen_at: Option<Instant> = None;
    let mut stopped_by_runner: Option<String> = None;
    let mut last_check = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        std::thread::sleep(Duration::from_millis(2));
        if last_check.elapsed() < Duration::from_millis(50) {
            continue;
        }
        last_check = Instant::now();
        let size = fs::metadata(&log_path).map(|m| m.len()).unwrap_or(0);
        if size > LOG_LIMIT && stopped_by_runner.is_none() {
            stopped_by_runner = Some(format!(
                "Hercules log exceeded {} MiB (program-interrupt loop?)",
                LOG_LIMIT >> 20
            ));
            terminate(child.id());
        }
        if wait_seen_at.is_none() && size <= LOG_LIMIT {
            let text = read_lossy(&log_path).unwrap_or_default();
            if disabled_wait_psw(&text).is_some() {
                wait_seen_at = Some(Instant::now());
            }
        }
        if let Some(t) = wait_seen_at {
            if t.elapsed() > QUIT_GRACE && stopped_by_runner.is_none() {
                stopped_by_runner = Some("automatic operator did not quit".into());
                terminate(child.id());
            }
        }
        if start.elapsed() > hard_deadline {
            let _ = child.kill();
            let _ = child.wait();
            bail!(
                "hercules did not end {}s after its timeout; see {}",
                hard_deadline.as_secs(),
                log_path.display()
            );
        }
    };
    let elapsed = start.elapsed();

    let text = read_lossy(&log_path)?;
    let console = console_lines(&text);
    let ended = Ended {
        code: status.code(),
        signal: std::os::unix::process::ExitStatusExt::signal(&status),
        past_timeout: elapsed >= timeout,
    };
    let exit = classify(&text, ended, stopped_by_runner);
    Ok(GuestRun {
        console,
        exit,
        elapsed,
    })
}

/// What the guest printed on the 1403 (000E) during the last run in
/// `work_dir`.
pub fn printer_output(work_dir: &Path) -> anyhow::Result<String> {
    let path = work_dir.join(PRINTER_FILE);
    if !path.exists() {
        // Hercules creates the file only when the guest prints.
        return Ok(String::new());
    }
    read_lossy(&path)
}

// ---------------------------------------------------------------------------
// run directory
// ---------------------------------------------------------------------------

fn prepare(image: &GuestImage, dir: &Path) -> anyhow::Result<()> {
    let bin = fs::read(&image.bin)
        .with_context(|| format!("reading guest image {}", image.bin.display()))?;
    let load = image.load_address;
    let end = load + bin.len() as u64;
    if bin.is_empty() {
        bail!("guest image {} is empty", image.bin.display());
    }
    if load < LOWCORE_ADDRESS + LOWCORE_LEN && end > LOWCORE_ADDRESS {
        bail!(
            "guest image {:#x}..{:#x} overlaps the new-PSW area {:#x}..{:#x}",
            load,
            end,
            LOWCORE_ADDRESS,
            LOWCORE_ADDRESS + LOWCORE_LEN
        );
    }
    if end > MAIN_STORAGE {
        bail!("guest image ends at {end:#x}, beyond MAINSIZE 64M");
    }
    if image.entry < load || image.entry >= end || !image.entry.is_multiple_of(2) {
        bail!(
            "entry {:#x} is not an even address inside the image {load:#x}..{end:#x}",
            image.entry
        );
    }
    fs::write(dir.join("guest.bin"), &bin)?;
    fs::write(dir.join("lowcore.bin"), lowcore(image.entry))?;
    fs::write(dir.join("reader.ebc"), reader_deck())?;
    fs::write(dir.join("herc.cnf"), config(dir))?;
    fs::write(dir.join("herc.rc"), rc_file(load))?;
    // Stale output from an earlier run must not be mistaken for this one's.
    let _ = fs::remove_file(dir.join(PRINTER_FILE));
    prepare_dasd(dir)?;
    Ok(())
}

/// The run directory for an IPL from `volume` at 0120.
fn prepare_ipl(volume: &Path, dir: &Path) -> anyhow::Result<()> {
    fs::write(dir.join("reader.ebc"), reader_deck())?;
    fs::write(dir.join("herc.cnf"), config(dir))?;
    fs::write(dir.join("herc.rc"), format!("{}ipl 0120\n", hao_rules()))?;
    let _ = fs::remove_file(dir.join(PRINTER_FILE));
    prepare_dasd(dir)?;
    fs::copy(volume, dir.join(DASD_FILE)).context("copying the IPL volume")?;
    Ok(())
}

fn lowcore(entry: u64) -> Vec<u8> {
    let mut blob = Vec::with_capacity(LOWCORE_LEN as usize);
    blob.extend_from_slice(&PSW_MASK_64BIT_DISABLED.to_be_bytes());
    blob.extend_from_slice(&entry.to_be_bytes());
    for slot in 1..6u64 {
        blob.extend_from_slice(&PSW_MASK_DISABLED_WAIT.to_be_bytes());
        blob.extend_from_slice(&(LOWCORE_ADDRESS + 16 * slot).to_be_bytes());
    }
    blob
}

fn reader_deck() -> Vec<u8> {
    let mut deck = Vec::new();
    for card in READER_DECK {
        let mut c: Vec<u8> = card
            .bytes()
            .map(s390_cio::devices::ebcdic::from_ascii)
            .collect();
        c.resize(80, 0x40);
        deck.extend_from_slice(&c);
    }
    deck
}

fn config(dir: &Path) -> String {
    // Nothing listens with this device list, but keep the port unique per
    // run directory and process anyway: 20000..=59999.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in dir.as_os_str().to_string_lossy().bytes() {
        h = (h ^ b as u64).wrapping_mul(0x100_0000_01b3);
    }
    h ^= std::process::id() as u64;
    h = h.wrapping_mul(0x100_0000_01b3);
    let port = 20000 + (h >> 33) % 40000;
    CONFIG_TEMPLATE.replace("@CNSLPORT@", &port.to_string())
}

/// Guest console lines that make Hercules act on a device from outside:
/// `xtask-herc: attention DEVNUM` raises an unsolicited attention (panel
/// command `i`), `xtask-herc: devinit DEVNUM` a device end. Hercules drops
/// them if the subchannel is busy, status pending or disabled.
/// `xtask-herc: reply 0009|001F` types a line at a 3215 console (command
/// prefix `/` or `con2:`), `xtask-herc: stop|start 000E` stops or starts
/// the printer.
const GUEST_REQUESTS: &[(&str, &str)] = &[
    ("xtask-herc[:] attention 0120", "i 0120"),
    ("xtask-herc[:] devinit 0120", "devinit 0120"),
    ("xtask-herc[:] reply 0009", "/S390-CIO OPERATOR REPLY"),
    ("xtask-herc[:] reply 001F", "con2:S390-CIO OPERATOR REPLY"),
    ("xtask-herc[:] stop 000E", "stop 000E"),
    ("xtask-herc[:] start 000E", "start 000E"),
];

fn rc_file(load: u64) -> String {
    format!(
        "{}loadcore guest.bin {load:x}\n\
         loadcore lowcore.bin {LOWCORE_ADDRESS:x}\n\
         restart\n",
        hao_rules()
    )
}

/// The automatic operator's rules, defined before the guest starts.
fn hao_rules() -> String {
    // hao targets are POSIX basic regexes matched against every log line
    // (guest console output included). Not anchored: a console write of 150
    // bytes or more gets no newline, so the message can follow guest text.
    // The `[:]` keeps a rule from matching the echo of its own definition.
    let requests: String = GUEST_REQUESTS
        .iter()
        .map(|(target, command)| format!("hao tgt {target}\nhao cmd {command}\n"))
        .collect();
    format!(
        "hao tgt HHCCP011I CPU[0-9A-F]*: Disabled wait state\n\
         hao cmd quit\n\
         hao tgt HHCCP016I CPU[0-9A-F]*: Program interrupt loop\n\
         hao cmd quit\n\
         {requests}"
    )
}

fn prepare_dasd(dir: &Path) -> anyhow::Result<()> {
    let pristine = dir.join(DASD_PRISTINE);
    if !pristine.exists() {
        let tmp_name = format!("{DASD_PRISTINE}.tmp{}", std::process::id());
        let out = Command::new("dasdinit")
            .args([&tmp_name, "3390", "S390IO", "10"])
            .current_dir(dir)
            .stdin(Stdio::null())
            .output()
            .context("running dasdinit")?;
        if !out.status.success() {
            let _ = fs::remove_file(dir.join(&tmp_name));
            bail!(
                "dasdinit failed ({}): {}{}",
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        fs::rename(dir.join(&tmp_name), &pristine)?;
    }
    // A fresh volume every run: guests may write to it.
    fs::copy(&pristine, dir.join(DASD_FILE)).context("copying the DASD image")?;
    // The ECKD driver's volumes (0121-0123), also fresh every run.
    let blocks = volumes::blocks_volume()?;
    fs::write(dir.join(BLOCKS_FILE), &blocks).context("writing the block volume")?;
    fs::write(dir.join(BLOCKS_READ_ONLY_FILE), &blocks).context("writing the block volume")?;
    volumes::vtoc_volume(dir, VTOC_FILE)?;
    Ok(())
}

/// SIGTERM to `timeout`, which passes it on to Hercules (orderly shutdown;
/// `-k 5` still applies).
fn terminate(pid: u32) {
    let _ = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

fn read_lossy(path: &Path) -> anyhow::Result<String> {
    let mut bytes = Vec::new();
    fs::File::open(path)
        .with_context(|| format!("opening {}", path.display()))?
        .read_to_end(&mut bytes)?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

// ---------------------------------------------------------------------------
// log parsing
// ---------------------------------------------------------------------------
//
// Measured log format (Hercules 3.13, stdout+stderr redirected):
//   banner, config messages, the .rc lines echoed ("hao tgt ...", "restart"),
//   HHCPN038I Restart key depressed
//   HHCPN013I EOF reached on SCRIPT file. Processing complete.   (async)
//   HHCAO001I Hercules Automatic Operator thread started;        (async)
//             tid=7F..., pri=0, pid=NNN
//   <guest console lines>
//   HHCCP014I CPU0000: Operation exception CODE=0001 ILC=2       (per program check)
//   PSW=00003001 80000000 000000000002006E INST=0000 ...
//   R0=... R1=... R2=... R3=...  (4 lines, C0..CF lines for some codes,
//   R:<addr>:K:<key>=<storage> for storage operands)
//   HHCCP011I CPU0000: Disabled wait state
//             PSW=00020001 80000000 0000000000000FFF
//   HHCAO003I Firing command: 'quit'
//   quit
//   HHCIN900I Begin Hercules shutdown ...
// The disabled-wait message is written in two pieces: other threads' output
// (e.g. HHCAO003I, "quit") can land between "HHCCP011I ..." and "PSW=...".

/// Is `s` a Hercules message id (`HHC` + 5 chars + severity) at its start?
fn is_message_id(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 9
        && &b[..3] == b"HHC"
        && b[3..8]
            .iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        && matches!(b[8], b'I' | b'W' | b'E' | b'S' | b'D' | b'A')
        && (b.len() == 9 || b[9] == b' ')
}

fn is_hex(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|c| c.is_ascii_hexdigit())
}

/// `PSW=xxxxxxxx xxxxxxxx xxxxxxxxxxxxxxxx` somewhere in `line`: (mask, address).
fn parse_psw(line: &str) -> Option<(u64, u64)> {
    let at = line.find("PSW=")?;
    let mut it = line[at + 4..].split_whitespace();
    let (hi, lo, addr) = (it.next()?, it.next()?, it.next()?);
    if !(is_hex(hi, 8) && is_hex(lo, 8) && is_hex(addr, 16)) {
        return None;
    }
    let mask = (u64::from_str_radix(hi, 16).ok()? << 32) | u64::from_str_radix(lo, 16).ok()?;
    Some((mask, u64::from_str_radix(addr, 16).ok()?))
}

/// Lines of a program-check trace or continuation of a Hercules message.
fn is_trace_line(line: &str) -> bool {
    let t = line.trim_start();
    if t.starts_with("tid=") || is_message_id(t) {
        return true;
    }
    if let Some(rest) = t.strip_prefix("PSW=") {
        return parse_psw(t).is_some() || rest.is_empty();
    }
    // R:000000000002007A:K:06=...  (storage operand display, also V:)
    if t.len() > 20 && matches!(&t[..2], "R:" | "V:" | "P:") && is_hex(&t[2..18], 16) {
        return true;
    }
    // R0=0000000000000000 R1=... / C0=... / A0=... register dumps
    let mut any = false;
    for tok in t.split_whitespace() {
        let Some((name, val)) = tok.split_once('=') else {
            return false;
        };
        let nb = name.as_bytes();
        let name_ok = (1..=4).contains(&nb.len())
            && nb[0].is_ascii_uppercase()
            && nb[1..]
                .iter()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
        if !(name_ok && val.len() >= 8 && val.bytes().all(|c| c.is_ascii_hexdigit())) {
            return false;
        }
        any = true;
    }
    any
}

/// Index (line, byte offset) of the first end-of-run message.
fn end_marker(line: &str) -> Option<usize> {
    [
        "HHCCP011I CPU",
        "HHCCP016I CPU",
        "HHCIN900I Begin Hercules shutdown",
    ]
    .iter()
    .filter_map(|m| line.find(m))
    .min()
}

/// Lines from the one after the echoed start command (`restart`, or `ipl`
/// for an IPL) on.
fn after_restart(text: &str) -> Option<impl Iterator<Item = &str>> {
    let text = text.strip_suffix('\n').unwrap_or(text);
    let mut lines = text.split('\n').map(|l| l.trim_end_matches('\r'));
    let mut script_started = false;
    for l in lines.by_ref() {
        if l.starts_with("HHCPN008I") {
            script_started = true;
        } else if script_started && (l.trim() == "restart" || l.trim().starts_with("ipl ")) {
            return Some(lines);
        }
    }
    None
}

fn console_lines(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let Some(lines) = after_restart(text) else {
        return out;
    };
    // true while inside a Hercules message and its continuation/trace lines
    let mut in_message = false;
    for line in lines {
        if let Some(pos) = end_marker(line) {
            // A guest write of >= 150 bytes has no newline: keep its text.
            // (Program-check traces are written in pieces and can be cut too.)
            let head = line[..pos].trim_end();
            let trace = in_message && is_trace_line(head);
            if !head.is_empty() && !trace {
                out.push(head.to_string());
            }
            break;
        }
        if is_message_id(line) || is_message_id(line.trim_start()) {
            in_message = true;
            continue;
        }
        if in_message && is_trace_line(line) {
            continue;
        }
        in_message = false;
        out.push(line.trim_end().to_string());
    }
    out
}

/// The PSW logged with the first disabled-wait message after `restart`.
fn disabled_wait_psw(text: &str) -> Option<(u64, u64)> {
    let lines = after_restart(text)?;
    let mut seen = false;
    for line in lines {
        if !seen {
            if let Some(pos) = line.find("HHCCP011I") {
                seen = true;
                if let Some(psw) = parse_psw(&line[pos..]) {
                    return Some(psw);
                }
            }
        } else if let Some(psw) = parse_psw(line) {
            return Some(psw);
        }
    }
    None
}

/// How the `timeout` process ended.
#[derive(Debug, Clone, Copy)]
struct Ended {
    code: Option<i32>,
    signal: Option<i32>,
    past_timeout: bool,
}

fn classify(text: &str, ended: Ended, stopped_by_runner: Option<String>) -> GuestExit {
    if let Some((_mask, addr)) = disabled_wait_psw(text) {
        return if addr == SUCCESS_ADDRESS {
            GuestExit::Success
        } else {
            GuestExit::Failure { code: Some(addr) }
        };
    }
    if let Some(mut lines) = after_restart(text) {
        if let Some(l) = lines.find(|l| l.contains("HHCCP016I CPU")) {
            let mut detail = l.trim().to_string();
            if parse_psw(l).is_none() {
                if let Some(psw) = lines.find_map(|n| n.find("PSW=").map(|p| n[p..].trim())) {
                    detail = format!("{detail} {psw}");
                }
            }
            return GuestExit::Crashed { detail };
        }
    }
    if let Some(why) = stopped_by_runner {
        return GuestExit::Crashed {
            detail: format!("{why}; {}", first_program_check(text)),
        };
    }
    // timeout(1): 124 = TERM sent at the timeout; if Hercules ignores the
    // TERM (seen in ~1 of 8 hangs), KILL follows after -k 5 and timeout
    // ends with 137 or re-raises SIGKILL on itself.
    let killed = ended.signal == Some(9) && ended.past_timeout;
    match ended.code {
        Some(124) | Some(137) => GuestExit::TimedOut,
        _ if killed => GuestExit::TimedOut,
        _ => {
            let mut detail = match (ended.code, ended.signal) {
                (Some(c), _) => format!("hercules exited with status {c} without a disabled wait"),
                (None, Some(sig)) => {
                    format!("hercules ended by signal {sig} without a disabled wait")
                }
                (None, None) => "hercules ended without a disabled wait".to_string(),
            };
            if after_restart(text).is_none() {
                detail.push_str(" (never reached `restart`)");
            }
            let errors: Vec<&str> = text
                .lines()
                .filter(|l| is_message_id(l) && matches!(l.as_bytes()[8], b'E' | b'S'))
                .take(5)
                .collect();
            if !errors.is_empty() {
                detail.push_str(": ");
                detail.push_str(&errors.join(" | "));
            }
            GuestExit::Crashed { detail }
        }
    }
}

fn first_program_check(text: &str) -> String {
    let mut lines = text.lines();
    while let Some(l) = lines.next() {
        if l.starts_with("HHCCP014I") {
            let psw = lines.next().unwrap_or("").trim();
            return format!("first: {} {}", l.trim(), psw);
        }
    }
    "no program check logged".to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(c: i32) -> Ended {
        Ended {
            code: Some(c),
            signal: None,
            past_timeout: c == 124,
        }
    }

    const LOG: &str = r#"Hercules Version 3.13
HHCPN008I Script file processing started using file \"herc.rc\"
hao tgt HHCCP011I
HHCAO016I Target placed at index 0
restart
HHCPN038I Restart key depressed
HHCPN013I EOF reached on SCRIPT file. Processing complete.
          indented guest line
HHCAO001I Hercules Automatic Operator thread started;
          tid=7FCBE36826C0, pri=0, pid=6961
HELLO FROM GUEST

HHCCP014I CPU0000: Operation exception CODE=0001 ILC=2
PSW=00003001 80000000 000000000002006E INST=0000         ????? ,                      ?
R:00000000000207BA:K:06=0302 00018000 00000000 00000000 0ABC ................
R0=0000000000000000 R1=0000000000010000 R2=00000000000207D2 R3=0000000000000012
C0=00000000000000E0 C1=0000000000000000 C2=0000000000000000 C3=0000000000000000
1 passed, 0 failed
HHCCP011I CPU0000: Disabled wait state
          HHCAO003I Firing command: 'quit'
quit
PSW=00020001 80000000 0000000000000BAD
HHCIN900I Begin Hercules shutdown
"#;

    #[test]
    fn parses_console_and_split_psw() {
        assert_eq!(
            console_lines(LOG),
            [
                "          indented guest line",
                "HELLO FROM GUEST",
                "",
                "1 passed, 0 failed"
            ]
        );
        assert_eq!(
            classify(LOG, code(0), None),
            GuestExit::Failure { code: Some(0xbad) }
        );
    }

    #[test]
    fn long_line_without_newline() {
        let log = "HHCPN008I x\nrestart\nA\nyyyyHHCCP011I CPU0000: Disabled wait state\n          PSW=00020001 80000000 0000000000000FFF\n";
        assert_eq!(console_lines(log), ["A", "yyyy"]);
        assert_eq!(classify(log, code(124), None), GuestExit::Success);
    }

    #[test]
    fn timeout_and_crash() {
        let log = "HHCPN008I x\nrestart\nA\nHHCIN900I Begin Hercules shutdown\n";
        assert_eq!(console_lines(log), ["A"]);
        assert_eq!(classify(log, code(124), None), GuestExit::TimedOut);
        let killed = Ended {
            code: None,
            signal: Some(9),
            past_timeout: true,
        };
        assert_eq!(classify(log, killed, None), GuestExit::TimedOut);
        assert!(matches!(
            classify(log, code(1), None),
            GuestExit::Crashed { .. }
        ));
    }

    #[test]
    fn lowcore_blob() {
        let b = lowcore(0x20000);
        assert_eq!(b.len(), 0x60);
        assert_eq!(
            &b[..16],
            &[0, 0, 0, 1, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0]
        );
        assert_eq!(
            &b[0x30..0x40],
            &[0, 2, 0, 1, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xd0]
        );
    }
}
