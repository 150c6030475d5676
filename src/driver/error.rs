//! Why a request failed.

use crate::instructions::StartResult;
use crate::structures::Scsw;
use core::fmt;

/// Sense bytes fetched with a basic SENSE after a unit check.
#[derive(Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct SenseData {
    bytes: [u8; SenseData::CAPACITY],
    len: u8,
}

impl SenseData {
    /// Most sense bytes kept (the 32 bytes of ECKD sense).
    pub const CAPACITY: usize = 32;

    /// The first `len` bytes of `bytes` (`len` is cut to the capacity).
    pub fn new(bytes: [u8; Self::CAPACITY], len: usize) -> Self {
        SenseData {
            bytes,
            len: len.min(Self::CAPACITY) as u8,
        }
    }

    /// The sense bytes the device sent.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }
}

impl fmt::Debug for SenseData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SenseData(")?;
        for byte in self.bytes() {
            write!(f, "{byte:02x}")?;
        }
        write!(f, ")")
    }
}

/// How far a timed-out (or cancelled) request was escalated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Escalation {
    /// HSCH ended it.
    Halted,
    /// The halt did not end in time; CSCH ended it.
    Cleared,
    /// Not even the clear ended in time: the subchannel is treated as not
    /// operational.
    ClearFailed,
}

/// What the last attempt of a retried request ran into.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum RetryCause {
    /// Deferred cc 1: the device presented status instead of starting.
    DeferredStatusPending,
    /// Deferred cc 3: no path was operational; or the path in use stopped
    /// answering during the program (path not operational without channel
    /// end).
    NoPath(Scsw),
    /// Channel-control or interface-control check.
    ChannelCheck(Scsw),
    /// The device or control unit answered the start with busy.
    DeviceBusy(Scsw),
}

/// Why a request did not complete.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum IoError {
    /// The subchannel or device is not operational (cc 3, gone by CRW).
    NotOperational,
    /// Another request is in progress on this subchannel.
    Busy,
    /// SSCH kept answering busy or status pending.
    StartRefused(StartResult),
    /// Retryable failures kept happening.
    RetriesExhausted {
        /// Retries done.
        retries: u32,
        /// What the last attempt ran into.
        last: RetryCause,
    },
    /// The channel subsystem ended the program with an error (program
    /// check, protection check, channel-data check, chaining check; a
    /// channel-control or interface-control check when
    /// [`Config::retry_channel_checks`](super::Config::retry_channel_checks)
    /// is off).
    Channel {
        /// The ending status.
        scsw: Scsw,
    },
    /// The device ended with unit check.
    UnitCheck {
        /// The ending status.
        scsw: Scsw,
        /// Sense data, if a sense area was given and SENSE worked.
        sense: Option<SenseData>,
    },
    /// The device ended with unit exception (e.g. end of file).
    UnitException {
        /// The ending status.
        scsw: Scsw,
    },
    /// Incorrect length without SLI: the program stopped there.
    IncorrectLength {
        /// The ending status.
        scsw: Scsw,
    },
    /// The request was halted or cleared at its deadline or on request.
    TimedOut {
        /// How far it was escalated.
        escalation: Escalation,
        /// The halt or clear status (zero if none came).
        scsw: Scsw,
    },
    /// RSCH was asked for while no program is suspended.
    NotSuspended,
}

impl fmt::Display for IoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IoError::NotOperational => write!(f, "subchannel not operational"),
            IoError::Busy => write!(f, "a request is already in progress"),
            IoError::StartRefused(cc) => write!(f, "SSCH refused: {cc:?}"),
            IoError::RetriesExhausted { retries, last } => {
                write!(f, "gave up after {retries} retries: {last:?}")
            }
            IoError::Channel { scsw } => write!(f, "channel error: {scsw:?}"),
            IoError::UnitCheck { scsw, sense } => write!(f, "unit check: {scsw:?}, {sense:?}"),
            IoError::UnitException { scsw } => write!(f, "unit exception: {scsw:?}"),
            IoError::IncorrectLength { scsw } => write!(f, "incorrect length: {scsw:?}"),
            IoError::TimedOut { escalation, scsw } => {
                write!(f, "timed out ({escalation:?}): {scsw:?}")
            }
            IoError::NotSuspended => write!(f, "no program is suspended"),
        }
    }
}
