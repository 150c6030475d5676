//! The channel-subsystem I/O instructions (PoP, chapter 14 "I/O
//! Instructions") and what their condition codes mean.
//!
//! Each instruction reports its outcome in the condition code; the enums here
//! name what each code means for that instruction, so callers never compare
//! raw integers. The enums build on every host; the asm wrappers that produce
//! them (module `asm`) only for s390x.

#[cfg(target_arch = "s390x")]
pub mod asm;

/// Declares a condition-code enum and its total conversion from a cc value.
macro_rules! condition_code {
    (
        $(#[$meta:meta])*
        $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $cc:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[cfg_attr(feature = "defmt", derive(defmt::Format))]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// The condition code this outcome is reported with.
            pub const fn condition_code(self) -> u8 {
                match self { $( $name::$variant => $cc, )+ }
            }

            /// The outcome a condition code stands for, if the instruction
            /// can set it.
            pub const fn from_condition_code(cc: u8) -> Option<Self> {
                match cc {
                    $( $cc => Some($name::$variant), )+
                    _ => None,
                }
            }
        }
    };
}

condition_code! {
    /// Outcome of START SUBCHANNEL (SSCH).
    StartResult {
        /// cc 0: the start function was initiated.
        Started = 0,
        /// cc 1: not initiated, the subchannel is status pending; TSCH
        /// collects the status first.
        StatusPending = 1,
        /// cc 2: not initiated, a start, halt or clear function is already in
        /// progress.
        Busy = 2,
        /// cc 3: the subchannel is not operational (not enabled, no device,
        /// or no path).
        NotOperational = 3,
    }
}

condition_code! {
    /// Outcome of RESUME SUBCHANNEL (RSCH).
    ResumeResult {
        /// cc 0: the resume function was initiated.
        Resumed = 0,
        /// cc 1: status pending; not resumed.
        StatusPending = 1,
        /// cc 2: not applicable: the subchannel is not suspended in a start
        /// function alone, or a resume is already pending.
        NotApplicable = 2,
        /// cc 3: not operational.
        NotOperational = 3,
    }
}

condition_code! {
    /// Outcome of HALT SUBCHANNEL (HSCH).
    HaltResult {
        /// cc 0: the halt function was initiated.
        Initiated = 0,
        /// cc 1: status pending (with other than intermediate status alone);
        /// not initiated.
        StatusPending = 1,
        /// cc 2: a halt or clear function is already in progress.
        Busy = 2,
        /// cc 3: not operational.
        NotOperational = 3,
    }
}

condition_code! {
    /// Outcome of CLEAR SUBCHANNEL (CSCH).
    ClearResult {
        /// cc 0: the clear function was initiated.
        Initiated = 0,
        /// cc 3: not operational.
        NotOperational = 3,
    }
}

condition_code! {
    /// Outcome of CANCEL SUBCHANNEL (XSCH).
    CancelResult {
        /// cc 0: the start function was cancelled before the channel began
        /// it; the subchannel is idle.
        Cancelled = 0,
        /// cc 1: status pending; not cancelled.
        StatusPending = 1,
        /// cc 2: not applicable: no start function alone is pending, or the
        /// channel has already begun it.
        NotApplicable = 2,
        /// cc 3: not operational.
        NotOperational = 3,
    }
}

condition_code! {
    /// Outcome of MODIFY SUBCHANNEL (MSCH).
    ModifyResult {
        /// cc 0: the SCHIB's modifiable fields were placed in the subchannel.
        Modified = 0,
        /// cc 1: status pending; nothing changed.
        StatusPending = 1,
        /// cc 2: a function is in progress; nothing changed.
        Busy = 2,
        /// cc 3: not operational.
        NotOperational = 3,
    }
}

condition_code! {
    /// Outcome of STORE SUBCHANNEL (STSCH).
    StoreResult {
        /// cc 0: the SCHIB was stored.
        Stored = 0,
        /// cc 3: not operational (no such subchannel); nothing stored.
        NotOperational = 3,
    }
}

condition_code! {
    /// Outcome of TEST SUBCHANNEL (TSCH).
    TestSubchannelResult {
        /// cc 0: the IRB was stored and the subchannel was status pending;
        /// the status is now cleared.
        StatusWasPending = 0,
        /// cc 1: the IRB was stored; the subchannel was not status pending.
        NoStatusPending = 1,
        /// cc 3: not operational; nothing stored.
        NotOperational = 3,
    }
}

/// The interruption code TEST PENDING INTERRUPTION stores for the I/O
/// interruption it clears (PoP, chapter 14, "TEST PENDING INTERRUPTION").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[repr(C, align(4))]
pub struct InterruptionCode {
    /// The subchannel identification word (as for general register 1).
    pub subchannel_id: u32,
    /// The subchannel's interruption parameter.
    pub interruption_parameter: u32,
}
