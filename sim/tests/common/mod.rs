//! Helpers shared by the integration tests.
// Each test binary compiles this module and uses only part of it.
#![allow(dead_code)]

pub mod virtio;

use s390_cio::css::ChannelSubsystem;
use s390_cio::driver::Clock;
use s390_cio::instructions::{StartResult, TestSubchannelResult};
use s390_cio::structures::{Irb, Isc, Orb, Schib, SenseId, SubchannelId};
use s390_cio_sim::{ScriptedDevice, Simulator};
use std::cell::Cell;

/// Where the tests put their channel programs.
pub const PROGRAM: u32 = 0x1000;
/// Where the tests put their data.
pub const DATA: u32 = 0x8000;

/// A scripted test device's identity.
pub fn test_id() -> SenseId {
    SenseId::new(0x3990, 0xE9, 0x3390, 0x0C)
}

/// A simulator with one enabled scripted device on ISC 3.
pub fn sim_with_device() -> (Simulator, SubchannelId) {
    sim_with(ScriptedDevice::new(test_id()))
}

/// A simulator with `device` enabled on ISC 3.
pub fn sim_with(device: impl s390_cio_sim::Device) -> (Simulator, SubchannelId) {
    let sim = Simulator::new();
    let id = sim.add_device(0x0100, device);
    enable(&sim, id);
    (sim, id)
}

/// STSCH, set E and ISC 3, MSCH.
pub fn enable(sim: &Simulator, id: SubchannelId) {
    let mut schib = Schib::default();
    sim.store_subchannel(id, &mut schib);
    schib.pmcw.set_enabled(true);
    schib.pmcw.set_isc(Isc::new(3).unwrap());
    schib.pmcw.set_interruption_parameter(0xABCD);
    assert_eq!(
        sim.modify_subchannel(id, &schib),
        s390_cio::instructions::ModifyResult::Modified
    );
}

/// SSCH.
pub fn ssch(sim: &Simulator, id: SubchannelId, orb: &Orb) -> StartResult {
    // SAFETY: the simulator's storage is its own arena.
    unsafe { sim.start_subchannel(id, orb) }
}

/// TSCH into a fresh IRB.
pub fn tsch(sim: &Simulator, id: SubchannelId) -> (TestSubchannelResult, Irb) {
    let mut irb = Irb::default();
    let cc = sim.test_subchannel(id, &mut irb);
    (cc, irb)
}

/// Runs the channel to idle, then TSCH, which must find status pending.
pub fn finish(sim: &Simulator, id: SubchannelId) -> Irb {
    sim.run_until_idle();
    let (cc, irb) = tsch(sim, id);
    assert_eq!(
        cc,
        TestSubchannelResult::StatusWasPending,
        "{}",
        sim.trace()
    );
    irb
}

/// Simulated time: each reading steps the simulator once and counts as one
/// microsecond, so the channel advances while the driver polls.
pub struct SimClock<'a> {
    sim: &'a Simulator,
    now: Cell<u64>,
}

impl<'a> SimClock<'a> {
    /// A clock at 0 that steps `sim`.
    pub fn new(sim: &'a Simulator) -> Self {
        SimClock {
            sim,
            now: Cell::new(0),
        }
    }
}

impl Clock for SimClock<'_> {
    fn now_us(&self) -> u64 {
        self.sim.step();
        self.now.set(self.now.get() + 1);
        self.now.get()
    }
}
