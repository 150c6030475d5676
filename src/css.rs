//! The [`ChannelSubsystem`] trait: the I/O instructions as one interface, so
//! that everything above it (discovery, the subchannel driver, device
//! drivers) runs the same on a machine (`Cpu`, on s390x) and on a host simulator.

use crate::instructions::{
    CancelResult, ClearResult, HaltResult, InterruptionCode, ModifyResult, ResumeResult,
    StartResult, StoreResult, TestSubchannelResult,
};
use crate::structures::{Crw, Irb, Orb, Schib, SubchannelId};

/// The channel-subsystem operations of the PoP's chapter 14 "I/O
/// Instructions", one method per instruction, with the instruction's typed
/// condition code as the result.
///
/// Methods take `&self`: the channel subsystem is one shared machine that
/// mainline code and the I/O interruption handler both talk to.
pub trait ChannelSubsystem {
    /// START SUBCHANNEL.
    ///
    /// # Safety
    /// On [`StartResult::Started`] the channel program named by the ORB runs:
    /// its CCWs, IDAWs and data areas must stay valid and unused by the
    /// program until TSCH has collected the final status of this start.
    unsafe fn start_subchannel(&self, id: SubchannelId, orb: &Orb) -> StartResult;

    /// RESUME SUBCHANNEL.
    ///
    /// # Safety
    /// As for [`ChannelSubsystem::start_subchannel`]: the suspended channel
    /// program goes on and its storage must still be valid.
    unsafe fn resume_subchannel(&self, id: SubchannelId) -> ResumeResult;

    /// HALT SUBCHANNEL.
    fn halt_subchannel(&self, id: SubchannelId) -> HaltResult;

    /// CLEAR SUBCHANNEL.
    fn clear_subchannel(&self, id: SubchannelId) -> ClearResult;

    /// CANCEL SUBCHANNEL.
    fn cancel_subchannel(&self, id: SubchannelId) -> CancelResult;

    /// MODIFY SUBCHANNEL.
    fn modify_subchannel(&self, id: SubchannelId, schib: &Schib) -> ModifyResult;

    /// STORE SUBCHANNEL.
    fn store_subchannel(&self, id: SubchannelId, schib: &mut Schib) -> StoreResult;

    /// TEST SUBCHANNEL.
    fn test_subchannel(&self, id: SubchannelId, irb: &mut Irb) -> TestSubchannelResult;

    /// TEST PENDING INTERRUPTION: clears and returns one pending I/O
    /// interruption of an ISC enabled in CR6.
    fn test_pending_interruption(&self) -> Option<InterruptionCode>;

    /// STORE CHANNEL REPORT WORD.
    fn store_channel_report_word(&self) -> Option<Crw>;
}

/// The real channel subsystem, reached through this CPU's I/O instructions.
///
/// Only available on s390x; the program must run in supervisor state.
#[cfg(target_arch = "s390x")]
#[derive(Clone, Copy, Debug, Default)]
pub struct Cpu;

#[cfg(target_arch = "s390x")]
impl ChannelSubsystem for Cpu {
    unsafe fn start_subchannel(&self, id: SubchannelId, orb: &Orb) -> StartResult {
        // SAFETY: the caller upholds the trait's contract, which is SSCH's.
        unsafe { crate::instructions::asm::ssch(id, orb) }
    }

    unsafe fn resume_subchannel(&self, id: SubchannelId) -> ResumeResult {
        // SAFETY: the caller upholds the trait's contract, which is RSCH's.
        unsafe { crate::instructions::asm::rsch(id) }
    }

    fn halt_subchannel(&self, id: SubchannelId) -> HaltResult {
        crate::instructions::asm::hsch(id)
    }

    fn clear_subchannel(&self, id: SubchannelId) -> ClearResult {
        crate::instructions::asm::csch(id)
    }

    fn cancel_subchannel(&self, id: SubchannelId) -> CancelResult {
        crate::instructions::asm::xsch(id)
    }

    fn modify_subchannel(&self, id: SubchannelId, schib: &Schib) -> ModifyResult {
        crate::instructions::asm::msch(id, schib)
    }

    fn store_subchannel(&self, id: SubchannelId, schib: &mut Schib) -> StoreResult {
        crate::instructions::asm::stsch(id, schib)
    }

    fn test_subchannel(&self, id: SubchannelId, irb: &mut Irb) -> TestSubchannelResult {
        crate::instructions::asm::tsch(id, irb)
    }

    fn test_pending_interruption(&self) -> Option<InterruptionCode> {
        crate::instructions::asm::tpi()
    }

    fn store_channel_report_word(&self) -> Option<Crw> {
        crate::instructions::asm::stcrw()
    }
}
