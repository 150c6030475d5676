//! Storage as the channel subsystem addresses it.
//!
//! The subchannel driver runs small channel programs of its own (basic
//! SENSE after a unit check) and reads what the channel stored. It does so
//! through [`ChannelMemory`], so the same driver runs on a machine
//! (`RealMemory` on s390x: channel addresses are real addresses) and on a
//! host simulator (whose storage is an array).

/// Channel-addressable storage: 31-bit real addresses, as format-1 CCWs and
/// ORBs use them.
pub trait ChannelMemory {
    /// Copies `data` to storage at `address`.
    fn write(&self, address: u32, data: &[u8]);
    /// Copies storage at `address` into `out`.
    fn read(&self, address: u32, out: &mut [u8]);
}

/// Real storage of this machine (DAT off: channel address = pointer).
#[cfg(target_arch = "s390x")]
#[derive(Debug)]
pub struct RealMemory {
    _private: (),
}

#[cfg(target_arch = "s390x")]
impl RealMemory {
    /// Access to real storage.
    ///
    /// # Safety
    /// Every address later passed to [`ChannelMemory::read`] or
    /// [`ChannelMemory::write`] must be valid, unused by anything else while
    /// accessed, and below 2 GiB. The driver only touches the areas it is
    /// given (its sense area), so reserving those makes this hold.
    pub const unsafe fn new() -> Self {
        RealMemory { _private: () }
    }
}

#[cfg(target_arch = "s390x")]
impl ChannelMemory for RealMemory {
    fn write(&self, address: u32, data: &[u8]) {
        let to = address as usize as *mut u8;
        for (i, &byte) in data.iter().enumerate() {
            // SAFETY: `RealMemory::new`'s contract: the area is valid and
            // ours; volatile because the channel reads it behind the
            // compiler's back.
            unsafe { to.add(i).write_volatile(byte) };
        }
    }

    fn read(&self, address: u32, out: &mut [u8]) {
        let from = address as usize as *const u8;
        for (i, byte) in out.iter_mut().enumerate() {
            // SAFETY: as in `write`; volatile because the channel wrote it.
            *byte = unsafe { from.add(i).read_volatile() };
        }
    }
}
