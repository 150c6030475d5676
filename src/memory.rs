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

/// The first address above the 31-bit channel address space (2 GiB).
const CHANNEL_ADDRESS_LIMIT: u64 = 1 << 31;

/// Whether `size` bytes at `address` are `alignment`-aligned (a power of
/// two) and end at or below 2 GiB: storage every format-1 CCW, IDAW list
/// and ORB field can address.
///
/// ```
/// use s390_cio::memory::is_channel_area;
/// assert!(is_channel_area(0x1000, 40, 8));
/// assert!(!is_channel_area(0x1004, 40, 8));
/// assert!(is_channel_area(0x7fff_fff8, 8, 8));
/// assert!(!is_channel_area(0x7fff_fff8, 16, 8));
/// ```
pub const fn is_channel_area(address: u32, size: usize, alignment: u32) -> bool {
    address.is_multiple_of(alignment) && address as u64 + size as u64 <= CHANNEL_ADDRESS_LIMIT
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
    /// An aligned 2-, 4- or 8-byte item is stored with one access, so a
    /// device reading it concurrently (a virtqueue index) never sees it
    /// half-written; anything else byte by byte.
    fn write(&self, address: u32, data: &[u8]) {
        let to = address as usize as *mut u8;
        if let Some(item) = <[u8; 2]>::try_from(data)
            .ok()
            .filter(|_| address.is_multiple_of(2))
        {
            // SAFETY: `RealMemory::new`'s contract: the area is valid and
            // ours; aligned for a u16 (checked); volatile because the
            // channel reads it behind the compiler's back.
            unsafe { to.cast::<u16>().write_volatile(u16::from_ne_bytes(item)) };
        } else if let Some(item) = <[u8; 4]>::try_from(data)
            .ok()
            .filter(|_| address.is_multiple_of(4))
        {
            // SAFETY: as above, for a u32.
            unsafe { to.cast::<u32>().write_volatile(u32::from_ne_bytes(item)) };
        } else if let Some(item) = <[u8; 8]>::try_from(data)
            .ok()
            .filter(|_| address.is_multiple_of(8))
        {
            // SAFETY: as above, for a u64.
            unsafe { to.cast::<u64>().write_volatile(u64::from_ne_bytes(item)) };
        } else {
            for (i, &byte) in data.iter().enumerate() {
                // SAFETY: as above, one byte at a time.
                unsafe { to.add(i).write_volatile(byte) };
            }
        }
    }

    /// As for `write`: aligned 2-, 4- and 8-byte items in one access.
    fn read(&self, address: u32, out: &mut [u8]) {
        let from = address as usize as *const u8;
        let aligned = |size: usize| out.len() == size && (address as usize).is_multiple_of(size);
        if aligned(2) {
            // SAFETY: as in `write`, for a u16; volatile because the channel
            // wrote it.
            out.copy_from_slice(&unsafe { from.cast::<u16>().read_volatile() }.to_ne_bytes());
        } else if aligned(4) {
            // SAFETY: as above, for a u32.
            out.copy_from_slice(&unsafe { from.cast::<u32>().read_volatile() }.to_ne_bytes());
        } else if aligned(8) {
            // SAFETY: as above, for a u64.
            out.copy_from_slice(&unsafe { from.cast::<u64>().read_volatile() }.to_ne_bytes());
        } else {
            for (i, byte) in out.iter_mut().enumerate() {
                // SAFETY: as above, one byte at a time.
                *byte = unsafe { from.add(i).read_volatile() };
            }
        }
    }
}
