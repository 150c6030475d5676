//! The record of one scenario: which instructions it issued, their
//! condition codes, the SCSW fields TSCH and STSCH stored, and data read.

use core::fmt;
use s390_cio::structures::Scsw;

/// Entries a trace holds; a scenario that records more ends its trace
/// with a `trace full` line.
pub const TRACE_LEN: usize = 16;
/// Bytes of data one entry can show.
pub(crate) const DATA_LEN: usize = 8;

/// An I/O instruction a scenario issued.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// START SUBCHANNEL.
    Ssch,
    /// RESUME SUBCHANNEL.
    Rsch,
    /// HALT SUBCHANNEL.
    Hsch,
    /// CLEAR SUBCHANNEL.
    Csch,
    /// TEST SUBCHANNEL.
    Tsch,
    /// STORE SUBCHANNEL.
    Stsch,
}

impl Op {
    /// The mnemonic, lower case.
    pub const fn mnemonic(self) -> &'static str {
        match self {
            Op::Ssch => "ssch",
            Op::Rsch => "rsch",
            Op::Hsch => "hsch",
            Op::Csch => "csch",
            Op::Tsch => "tsch",
            Op::Stsch => "stsch",
        }
    }
}

/// The SCSW fields a trace compares: function, activity and status
/// control, device and subchannel status, the CCW address relative to the
/// scratch area (where the channel program starts) and the residual count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Fields {
    fc: u8,
    ac: u8,
    sc: u8,
    ds: u8,
    cs: u8,
    /// The CCW address minus the program's, if it points into the scratch
    /// area (an idle subchannel's may point anywhere); `None` for any
    /// other address but zero.
    ccw: Option<u32>,
    /// The CCW address is zero.
    ccw_zero: bool,
    residual: u16,
}

impl Fields {
    /// The fields of `scsw`, with the CCW address relative to `base`.
    pub(crate) fn of(scsw: &Scsw, base: u32) -> Self {
        let offset = scsw.ccw_address().wrapping_sub(base);
        Self {
            fc: scsw.function_control().bits(),
            ac: scsw.activity_control().bits(),
            sc: scsw.status_control().bits(),
            ds: scsw.device_status().bits(),
            cs: scsw.subchannel_status().bits(),
            ccw: (offset as usize <= crate::AREA_LEN).then_some(offset),
            ccw_zero: scsw.ccw_address() == 0,
            residual: scsw.residual_count(),
        }
    }
}

/// One line of a trace.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry {
    kind: Kind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Instruction {
        op: Op,
        cc: u8,
        fields: Option<Fields>,
    },
    Data {
        bytes: [u8; DATA_LEN],
        len: u8,
    },
}

impl Entry {
    /// An instruction and its condition code.
    pub const fn new(op: Op, cc: u8) -> Self {
        Self {
            kind: Kind::Instruction {
                op,
                cc,
                fields: None,
            },
        }
    }

    /// The same instruction entry, with the SCSW fields it stored.
    pub(crate) fn with_fields(self, scsw: Fields) -> Self {
        match self.kind {
            Kind::Instruction { op, cc, .. } => Self {
                kind: Kind::Instruction {
                    op,
                    cc,
                    fields: Some(scsw),
                },
            },
            Kind::Data { .. } => self,
        }
    }

    /// Data the scenario read (at most 8 bytes are kept).
    pub fn data(data: &[u8]) -> Self {
        let mut bytes = [0; DATA_LEN];
        let len = data.len().min(DATA_LEN);
        bytes[..len].copy_from_slice(&data[..len]);
        Self {
            kind: Kind::Data {
                bytes,
                len: len as u8,
            },
        }
    }
}

/// One line, at most 64 characters, only letters, digits, spaces and `+`:
/// `tsch cc0 fc4 ac00 sc07 ds0c cs00 ccw+8 rc0`, `ssch cc0`,
/// `data ff383202`. All numbers are hex; `ccw0` is a CCW address of zero,
/// `ccw?` one outside the program's area.
impl fmt::Display for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            Kind::Instruction { op, cc, fields } => {
                write!(f, "{} cc{}", op.mnemonic(), cc)?;
                if let Some(s) = fields {
                    write!(
                        f,
                        " fc{:x} ac{:02x} sc{:02x} ds{:02x} cs{:02x}",
                        s.fc, s.ac, s.sc, s.ds, s.cs
                    )?;
                    match (s.ccw, s.ccw_zero) {
                        (Some(offset), _) => write!(f, " ccw+{offset:x}")?,
                        (None, true) => f.write_str(" ccw0")?,
                        (None, false) => f.write_str(" ccw?")?,
                    }
                    write!(f, " rc{:x}", s.residual)?;
                }
                Ok(())
            }
            Kind::Data { bytes, len } => {
                f.write_str("data ")?;
                for b in &bytes[..usize::from(len)] {
                    write!(f, "{b:02x}")?;
                }
                Ok(())
            }
        }
    }
}

/// The entries of one scenario run.
#[derive(Clone, Debug, Default)]
pub struct Trace {
    entries: heapless::Vec<Entry, TRACE_LEN>,
    full: bool,
}

impl Trace {
    /// An empty trace.
    pub const fn new() -> Self {
        Self {
            entries: heapless::Vec::new(),
            full: false,
        }
    }

    /// Appends `entry`, or notes that the trace is full.
    pub(crate) fn push(&mut self, entry: Entry) {
        if self.entries.push(entry).is_err() {
            self.full = true;
        }
    }

    /// The entries, in order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// Calls `line` with each line of the trace: one per entry, then
    /// `trace full` if entries were lost.
    pub fn for_each_line(&self, mut line: impl FnMut(&dyn fmt::Display)) {
        for entry in &self.entries {
            line(entry);
        }
        if self.full {
            line(&"trace full");
        }
    }
}
