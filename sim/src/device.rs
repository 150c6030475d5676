//! Devices the channel drives: the [`Device`] trait and two simple models.

use std::any::Any;
use std::collections::{HashMap, VecDeque};

use s390_cio::structures::{CcwFormat, CommandType, DeviceStatus, SenseFlags, SenseId};

use crate::stream::DataStream;

/// The normal ending of a command: channel end and device end.
pub const DONE: DeviceStatus = DeviceStatus::CHANNEL_END.union(DeviceStatus::DEVICE_END);

/// An I/O device (control unit and device) behind a subchannel.
///
/// The channel calls [`Device::execute`] once per command (a CCW and the
/// CCWs data-chained to it) with a [`DataStream`] over the program's data
/// areas, and takes the returned device status as the ending status of the
/// command: channel end and device end for a normal ending
/// ([`DONE`]); with status modifier the channel skips the next CCW
/// (search commands); unit check ends the program and the channel (or the
/// program, with SENSE) then collects [`Device::sense`]; unit exception ends
/// it too; busy alone means the device could not start the command.
///
/// SENSE (0x04) and SENSE ID (0xE4) are answered by the channel model from
/// [`Device::sense`] and [`Device::sense_id`]; every other command code
/// reaches [`Device::execute`].
///
/// Devices get storage through [`DataStream::memory`], which a model with
/// structures of its own in storage (virtqueues) needs.
pub trait Device: Any {
    /// The SENSE ID data: control-unit and device type and model, CIWs.
    fn sense_id(&self) -> SenseId;

    /// Performs `command`, moving data through `data`; returns the device
    /// status that ends it.
    fn execute(&mut self, command: u8, data: &mut DataStream<'_>) -> DeviceStatus;

    /// The sense bytes describing the last unit check, handed out (and
    /// reset) by SENSE or concurrent sense. The default is one byte of zero.
    fn sense(&mut self) -> Vec<u8> {
        vec![0]
    }

    /// A new channel program starts (its first command follows): state
    /// that lives for one program (a DASD's Define Extent) begins afresh.
    fn start(&mut self) {}

    /// The halt signal: stop what the device is doing.
    fn halt(&mut self) {}

    /// The clear signal: reset the device's state for this subchannel.
    fn reset(&mut self) {}

    /// Whether the device holds `command` back instead of performing it:
    /// it needs something from outside first (a console read waiting for
    /// its operator). The channel program stays where it is, subchannel
    /// and device active, until the device lets go or a halt or clear
    /// signal ends it. The default holds nothing.
    fn holds(&self, _command: u8) -> bool {
        false
    }

    /// The subchannel was disabled (MSCH turned its enabled bit off):
    /// state a device keeps for one enablement ends.
    fn disabled(&mut self) {}
}

/// The command type of `command` in a format-1 program, for devices that
/// act on the kind of command rather than its exact code.
pub fn command_type(command: u8) -> CommandType {
    CommandType::of(command, CcwFormat::Format1)
}

/// A line console (a 3215-like printer-keyboard): WRITE commands print a
/// line, READ commands take the next queued input line, control commands
/// are no-ops. Text is recorded as written (no code-page conversion).
///
/// A READ with no input queued ends with unit exception, or, on a console
/// [`Console::awaiting_operator`], waits (the channel program stays
/// active) until input is queued, as a real 3215 waits for its operator.
#[derive(Debug, Default)]
pub struct Console {
    lines: Vec<Vec<u8>>,
    input: VecDeque<Vec<u8>>,
    sense: Vec<u8>,
    awaiting_operator: bool,
}

impl Console {
    /// The control-unit and device type the console reports.
    pub const TYPE: u16 = 0x3215;

    /// A console with nothing written and no input queued.
    pub fn new() -> Self {
        Self::default()
    }

    /// The console with reads that wait for input instead of ending with
    /// unit exception when none is queued.
    pub fn awaiting_operator(mut self) -> Self {
        self.awaiting_operator = true;
        self
    }

    /// Queues a line for the next READ command.
    pub fn push_input(&mut self, line: &[u8]) {
        self.input.push_back(line.to_vec());
    }

    /// Every line written so far, raw.
    pub fn lines(&self) -> &[Vec<u8>] {
        &self.lines
    }

    /// Every line written so far, as text (invalid UTF-8 replaced).
    pub fn text(&self) -> Vec<String> {
        self.lines
            .iter()
            .map(|l| String::from_utf8_lossy(l).into_owned())
            .collect()
    }
}

impl Device for Console {
    fn sense_id(&self) -> SenseId {
        SenseId::new(Self::TYPE, 0, Self::TYPE, 0)
    }

    fn execute(&mut self, command: u8, data: &mut DataStream<'_>) -> DeviceStatus {
        match command_type(command) {
            CommandType::Write => {
                self.lines.push(data.read_all());
                DONE
            }
            CommandType::Read => match self.input.pop_front() {
                Some(line) => {
                    data.write(&line);
                    DONE
                }
                None => DONE | DeviceStatus::UNIT_EXCEPTION,
            },
            CommandType::Control => DONE,
            _ => {
                self.sense = vec![SenseFlags::COMMAND_REJECT.bits()];
                DONE | DeviceStatus::UNIT_CHECK
            }
        }
    }

    fn sense(&mut self) -> Vec<u8> {
        let mut sense = core::mem::take(&mut self.sense);
        sense.resize(1, 0);
        sense
    }

    fn holds(&self, command: u8) -> bool {
        self.awaiting_operator
            && command_type(command) == CommandType::Read
            && self.input.is_empty()
    }

    fn reset(&mut self) {
        self.sense.clear();
    }
}

/// One scripted answer of a [`ScriptedDevice`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The ending device status.
    pub status: DeviceStatus,
    /// Bytes to write into the program's storage (read-type commands).
    pub data: Vec<u8>,
    /// Sense bytes to keep for the following SENSE (with unit check).
    pub sense: Option<Vec<u8>>,
}

impl Response {
    /// Channel end and device end, no data.
    pub fn ok() -> Self {
        Self::status(DONE)
    }

    /// Just `status`.
    pub fn status(status: DeviceStatus) -> Self {
        Self {
            status,
            data: Vec::new(),
            sense: None,
        }
    }

    /// Channel end and device end after writing `data` to storage.
    pub fn data(data: &[u8]) -> Self {
        Self {
            data: data.to_vec(),
            ..Self::ok()
        }
    }

    /// Channel end, device end and unit check, keeping `sense`.
    pub fn unit_check(sense: &[u8]) -> Self {
        Self {
            sense: Some(sense.to_vec()),
            ..Self::status(DONE | DeviceStatus::UNIT_CHECK)
        }
    }
}

/// A device whose answer to each command code is scripted by the test.
///
/// For each command, the next queued [`Response`] for that code is used,
/// else the standing one set with [`ScriptedDevice::respond_always`], else
/// a default: write-type commands take all the program's data, everything
/// else ends with channel end and device end. Every command and the bytes
/// the program supplied are recorded.
#[derive(Debug)]
pub struct ScriptedDevice {
    id: SenseId,
    queued: HashMap<u8, VecDeque<Response>>,
    standing: HashMap<u8, Response>,
    received: Vec<(u8, Vec<u8>)>,
    sense: Vec<u8>,
    resets: usize,
    halts: usize,
}

impl ScriptedDevice {
    /// A device reporting `id` to SENSE ID.
    pub fn new(id: SenseId) -> Self {
        Self {
            id,
            queued: HashMap::new(),
            standing: HashMap::new(),
            received: Vec::new(),
            sense: Vec::new(),
            resets: 0,
            halts: 0,
        }
    }

    /// Queues `response` for the next `command`.
    pub fn respond(&mut self, command: u8, response: Response) -> &mut Self {
        self.queued.entry(command).or_default().push_back(response);
        self
    }

    /// Answers every `command` with `response` once the queue is empty.
    pub fn respond_always(&mut self, command: u8, response: Response) -> &mut Self {
        self.standing.insert(command, response);
        self
    }

    /// Every command executed, with the bytes the program supplied for it.
    pub fn received(&self) -> &[(u8, Vec<u8>)] {
        &self.received
    }

    /// How often the clear signal reset the device.
    pub fn resets(&self) -> usize {
        self.resets
    }

    /// How often the halt signal reached the device.
    pub fn halts(&self) -> usize {
        self.halts
    }
}

impl Device for ScriptedDevice {
    fn sense_id(&self) -> SenseId {
        self.id
    }

    fn execute(&mut self, command: u8, data: &mut DataStream<'_>) -> DeviceStatus {
        let response = self
            .queued
            .get_mut(&command)
            .and_then(VecDeque::pop_front)
            .or_else(|| self.standing.get(&command).cloned())
            .unwrap_or_else(Response::ok);
        let supplied = match command_type(command) {
            CommandType::Write | CommandType::Control => data.read_all(),
            _ => Vec::new(),
        };
        if !response.data.is_empty() {
            data.write(&response.data);
        }
        if let Some(sense) = response.sense {
            self.sense = sense;
        }
        self.received.push((command, supplied));
        response.status
    }

    fn sense(&mut self) -> Vec<u8> {
        let mut sense = core::mem::take(&mut self.sense);
        if sense.is_empty() {
            sense.push(0);
        }
        sense
    }

    fn halt(&mut self) {
        self.halts += 1;
    }

    fn reset(&mut self) {
        self.resets += 1;
        self.sense.clear();
    }
}
