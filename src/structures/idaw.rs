//! Indirect-data-address words (IDAWs) and modified IDAWs (MIDAWs), with
//! builders that split a buffer at the block boundaries the PoP requires.

use core::fmt;

use super::flag_set;

/// A format-1 IDAW: 4 bytes, word-aligned, a 31-bit data address (bit 0
/// zero) (PoP, chapter 15 "Basic I/O Functions", "Indirect Data
/// Addressing"). Every IDAW but the first designates the start of a 2K
/// block. Stored big-endian.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[repr(C, align(4))]
pub struct Format1Idaw {
    bytes: [u8; 4],
}

const _: () = assert!(size_of::<Format1Idaw>() == 4);
const _: () = assert!(align_of::<Format1Idaw>() == 4);

impl Format1Idaw {
    /// The highest address a format-1 IDAW can hold (31 bits).
    pub const ADDRESS_LIMIT: u32 = 0x7FFF_FFFF;
    /// The block size of format-1 IDAWs.
    pub const BLOCK_SIZE: u64 = 2048;

    /// An IDAW for `address`, or `None` if it does not fit in 31 bits.
    pub const fn new(address: u32) -> Option<Self> {
        if address > Self::ADDRESS_LIMIT {
            None
        } else {
            Some(Self {
                bytes: address.to_be_bytes(),
            })
        }
    }

    /// The data address.
    pub const fn address(&self) -> u32 {
        u32::from_be_bytes(self.bytes)
    }

    /// The big-endian image of the IDAW.
    pub const fn as_bytes(&self) -> &[u8; 4] {
        &self.bytes
    }
}

/// A format-2 IDAW: 8 bytes, doubleword-aligned, a 64-bit data address
/// (PoP, chapter 15, "Indirect Data Addressing"). Every IDAW but the first
/// designates the start of a 2K or 4K block, as the ORB's T bit says.
/// Stored big-endian.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[repr(C, align(8))]
pub struct Format2Idaw {
    bytes: [u8; 8],
}

const _: () = assert!(size_of::<Format2Idaw>() == 8);
const _: () = assert!(align_of::<Format2Idaw>() == 8);

impl Format2Idaw {
    /// An IDAW for `address`.
    pub const fn new(address: u64) -> Self {
        Self {
            bytes: address.to_be_bytes(),
        }
    }

    /// The data address.
    pub const fn address(&self) -> u64 {
        u64::from_be_bytes(self.bytes)
    }

    /// The big-endian image of the IDAW.
    pub const fn as_bytes(&self) -> &[u8; 8] {
        &self.bytes
    }
}

/// The block size of format-2 IDAWs, chosen by the ORB's 2K-IDAW control.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum IdawBlockSize {
    /// 2K blocks (ORB T bit one).
    Size2K,
    /// 4K blocks (ORB T bit zero).
    Size4K,
}

impl IdawBlockSize {
    /// The block size in bytes.
    pub const fn bytes(self) -> u64 {
        match self {
            Self::Size2K => 2048,
            Self::Size4K => 4096,
        }
    }
}

flag_set! {
    /// The flags of a MIDAW (byte 5).
    pub struct MidawFlags: u8 {
        /// Last MIDAW of the list.
        const LAST = 0x80, last;
        /// Skip: data is not transferred to storage.
        const SKIP = 0x40, skip;
        /// Data-transfer interruption (Hercules answers it with a program
        /// check).
        const DTI = 0x20, data_transfer_interruption;
    }
}

/// A modified IDAW: 16 bytes, quadword-aligned (PoP, chapter 15,
/// "Modified Indirect Data Addressing"): bytes 0-4 reserved, flags (byte
/// 5), count (bytes 6-7), 64-bit data address (bytes 8-15). The data area
/// of one MIDAW does not cross a 4K boundary. Stored big-endian.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[repr(C, align(16))]
pub struct Midaw {
    bytes: [u8; 16],
}

const _: () = assert!(size_of::<Midaw>() == 16);
const _: () = assert!(align_of::<Midaw>() == 16);

impl Midaw {
    /// The boundary a MIDAW's data area must not cross.
    pub const BOUNDARY: u64 = 4096;

    /// A MIDAW for `count` bytes at `address`.
    pub const fn new(flags: MidawFlags, count: u16, address: u64) -> Self {
        let c = count.to_be_bytes();
        let a = address.to_be_bytes();
        Self {
            bytes: [
                0,
                0,
                0,
                0,
                0,
                flags.bits(),
                c[0],
                c[1],
                a[0],
                a[1],
                a[2],
                a[3],
                a[4],
                a[5],
                a[6],
                a[7],
            ],
        }
    }

    /// The flags.
    pub const fn flags(&self) -> MidawFlags {
        MidawFlags::from_bits(self.bytes[5])
    }

    /// The byte count.
    pub const fn count(&self) -> u16 {
        u16::from_be_bytes([self.bytes[6], self.bytes[7]])
    }

    /// The data address.
    pub const fn data_address(&self) -> u64 {
        let b = &self.bytes;
        u64::from_be_bytes([b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]])
    }

    /// The big-endian image of the MIDAW.
    pub const fn as_bytes(&self) -> &[u8; 16] {
        &self.bytes
    }
}

impl fmt::Debug for Format1Idaw {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Format1Idaw({:#x})", self.address())
    }
}

impl fmt::Debug for Format2Idaw {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Format2Idaw({:#x})", self.address())
    }
}

impl fmt::Debug for Midaw {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Midaw {{ flags: {:?}, count: {}, data_address: {:#x} }}",
            self.flags(),
            self.count(),
            self.data_address()
        )
    }
}

/// Why an IDAW or MIDAW list could not be built.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum IdawError {
    /// The list needs more entries than the storage holds.
    DoesNotFit {
        /// Entries needed.
        needed: usize,
        /// Entries the storage holds.
        capacity: usize,
    },
    /// A byte of the buffer lies above what the IDAW format can address
    /// (or past the end of the 64-bit address space).
    AddressNotRepresentable {
        /// The first address that does not fit.
        address: u64,
    },
    /// A MIDAW buffer of zero bytes (a MIDAW count of zero is a program
    /// check).
    EmptyBuffer {
        /// Index of the buffer.
        index: usize,
    },
}

impl fmt::Display for IdawError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::DoesNotFit { needed, capacity } => {
                write!(f, "{needed} entries needed, storage holds {capacity}")
            }
            Self::AddressNotRepresentable { address } => {
                write!(f, "address {address:#x} not representable")
            }
            Self::EmptyBuffer { index } => write!(f, "buffer {index} is empty"),
        }
    }
}

impl core::error::Error for IdawError {}

/// The address of the last byte of `(address, len)`, checked against
/// `limit`; `address` itself for an empty buffer.
fn last_byte(address: u64, len: usize, limit: u64) -> Result<u64, IdawError> {
    let last = address
        .checked_add((len as u64).saturating_sub(1))
        .ok_or(IdawError::AddressNotRepresentable { address: u64::MAX })?;
    if last > limit {
        return Err(IdawError::AddressNotRepresentable {
            address: address.max(limit + 1),
        });
    }
    Ok(last)
}

/// Fills `out` with one entry per `block`-sized block that
/// `(address, len)` touches: the first entry is `address`, the others the
/// block starts. An empty buffer still gets one entry.
fn split<T>(
    address: u64,
    len: usize,
    block: u64,
    limit: u64,
    out: &mut [T],
    make: impl Fn(u64) -> T,
) -> Result<&[T], IdawError> {
    let last = last_byte(address, len, limit)?;
    let first_block = address / block;
    let needed = usize::try_from(last / block - first_block + 1).unwrap_or(usize::MAX);
    if needed > out.len() {
        return Err(IdawError::DoesNotFit {
            needed,
            capacity: out.len(),
        });
    }
    // Entry i > 0 starts block `first_block + i`, which is at most the block
    // of `last`: the product never exceeds `last`, so it cannot overflow even
    // at the top of the address space.
    for (i, slot) in out.iter_mut().take(needed).enumerate() {
        *slot = make(if i == 0 {
            address
        } else {
            (first_block + i as u64) * block
        });
    }
    Ok(out.get(..needed).unwrap_or_default())
}

/// Builds the format-1 IDAW list for the `len` bytes at `address` in `out`
/// and returns the part of `out` it used. The CCW then has the IDA flag, the
/// count `len` and the list's (word-aligned) address. For forward
/// transfers: READ BACKWARD addresses each block by its last byte.
pub fn format1_idaws(
    address: u64,
    len: usize,
    out: &mut [Format1Idaw],
) -> Result<&[Format1Idaw], IdawError> {
    split(
        address,
        len,
        Format1Idaw::BLOCK_SIZE,
        u64::from(Format1Idaw::ADDRESS_LIMIT),
        out,
        // In range: `split` checked every address against the limit.
        |a| Format1Idaw {
            bytes: (a as u32).to_be_bytes(),
        },
    )
}

/// Builds the format-2 IDAW list for the `len` bytes at `address` in `out`
/// with `block` sized blocks, and returns the part of `out` it used. The
/// CCW then has the IDA flag, the count `len` and the list's
/// (doubleword-aligned) address; the ORB has the H bit, and the T bit for
/// 2K blocks.
pub fn format2_idaws(
    address: u64,
    len: usize,
    block: IdawBlockSize,
    out: &mut [Format2Idaw],
) -> Result<&[Format2Idaw], IdawError> {
    split(address, len, block.bytes(), u64::MAX, out, Format2Idaw::new)
}

/// Builds a MIDAW list in `out` for `buffers` (address, length), in order,
/// splitting each at 4K boundaries, and marks the last MIDAW. Returns the
/// part of `out` it used; the CCW then has the MIDA flag, the sum of the
/// lengths as count and the list's address.
///
/// The list itself must not cross a 4K boundary (a program check
/// otherwise): keep `out` within one page. The builders here are for
/// forward transfers; READ BACKWARD addresses each block by its last byte.
pub fn midaws<'a>(
    buffers: &[(u64, usize)],
    out: &'a mut [Midaw],
) -> Result<&'a [Midaw], IdawError> {
    let mut needed: usize = 0;
    for (index, &(address, len)) in buffers.iter().enumerate() {
        if len == 0 {
            return Err(IdawError::EmptyBuffer { index });
        }
        let last = last_byte(address, len, u64::MAX)?;
        let pieces = last / Midaw::BOUNDARY - address / Midaw::BOUNDARY + 1;
        needed = needed.saturating_add(usize::try_from(pieces).unwrap_or(usize::MAX));
    }
    if needed > out.len() {
        return Err(IdawError::DoesNotFit {
            needed,
            capacity: out.len(),
        });
    }
    let mut slots = out.iter_mut();
    for &(address, len) in buffers {
        // Checked in the first pass.
        let last = address + (len as u64 - 1);
        let mut start = address;
        for slot in slots.by_ref() {
            let piece_last = (start | (Midaw::BOUNDARY - 1)).min(last);
            // At most 4096 bytes: fits a u16.
            let count = (piece_last - start + 1) as u16;
            *slot = Midaw::new(MidawFlags::empty(), count, start);
            if piece_last == last {
                break;
            }
            start = piece_last + 1;
        }
    }
    let list = out.get_mut(..needed).unwrap_or_default();
    if let Some(last) = list.last_mut() {
        *last = Midaw::new(MidawFlags::LAST, last.count(), last.data_address());
    }
    Ok(list)
}

#[cfg(test)]
mod tests {

    /// Found by `cargo xtask fuzz`: a buffer in the last block of the 64-bit
    /// address space made the next-block computation overflow.
    #[test]
    fn buffer_in_the_top_block_does_not_overflow() {
        let mut out = [Format2Idaw::default(); 4];
        let idaws = format2_idaws(u64::MAX, 1, IdawBlockSize::Size4K, &mut out).unwrap();
        assert_eq!(idaws.len(), 1);
        assert_eq!(idaws[0].address(), u64::MAX);
        let idaws = format2_idaws(u64::MAX - 4096, 4097, IdawBlockSize::Size4K, &mut out).unwrap();
        assert_eq!(idaws.len(), 2);
        assert_eq!(idaws[1].address(), u64::MAX - 4095);
    }

    use super::*;

    #[test]
    fn layouts() {
        assert_eq!(
            Format1Idaw::new(0x1234_5678).unwrap().as_bytes(),
            &[0x12, 0x34, 0x56, 0x78]
        );
        assert_eq!(Format1Idaw::new(0x8000_0000), None);
        assert_eq!(
            Format2Idaw::new(0x0123_4567_89AB_CDEF).as_bytes(),
            &[0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF]
        );
        let midaw = Midaw::new(MidawFlags::LAST | MidawFlags::DTI, 0x0800, 0x1_0000_2000);
        assert_eq!(
            midaw.as_bytes(),
            &[0, 0, 0, 0, 0, 0xA0, 0x08, 0x00, 0, 0, 0, 1, 0, 0, 0x20, 0]
        );
        assert_eq!(midaw.count(), 0x800);
        assert_eq!(midaw.data_address(), 0x1_0000_2000);
        assert!(midaw.flags().last() && midaw.flags().data_transfer_interruption());
        assert!(!midaw.flags().skip());
    }

    #[test]
    fn format1_splits_at_2k() {
        let mut out = [Format1Idaw::default(); 4];
        let list = format1_idaws(0x1700, 0x1000, &mut out).unwrap();
        let addresses: Vec<u32> = list.iter().map(Format1Idaw::address).collect();
        assert_eq!(addresses, [0x1700, 0x1800, 0x2000]);
        let list = format1_idaws(0x1700, 0x1101, &mut out).unwrap();
        assert_eq!(list.len(), 4);
        assert_eq!(list[3].address(), 0x2800);
        // Exactly one block.
        let list = format1_idaws(0x1800, 0x800, &mut out).unwrap();
        assert_eq!(list.len(), 1);
        // Empty buffer: one IDAW.
        assert_eq!(format1_idaws(0x10, 0, &mut out).unwrap().len(), 1);
    }

    #[test]
    fn format1_rejects_addresses_past_31_bits() {
        let mut out = [Format1Idaw::default(); 4];
        assert_eq!(
            format1_idaws(0x7FFF_FF00, 0x200, &mut out),
            Err(IdawError::AddressNotRepresentable {
                address: 0x8000_0000
            })
        );
        assert_eq!(
            format1_idaws(0x9000_0000, 1, &mut out),
            Err(IdawError::AddressNotRepresentable {
                address: 0x9000_0000
            })
        );
        assert!(format1_idaws(0x7FFF_FF00, 0x100, &mut out).is_ok());
    }

    #[test]
    fn format2_splits_at_the_block_size() {
        let mut out = [Format2Idaw::default(); 8];
        let list = format2_idaws(0x1_0000_0F00, 0x1200, IdawBlockSize::Size4K, &mut out).unwrap();
        let addresses: Vec<u64> = list.iter().map(Format2Idaw::address).collect();
        assert_eq!(addresses, [0x1_0000_0F00, 0x1_0000_1000, 0x1_0000_2000]);
        let list = format2_idaws(0x1_0000_0F00, 0x1200, IdawBlockSize::Size2K, &mut out).unwrap();
        assert_eq!(list.len(), 4);
    }

    #[test]
    fn reports_when_the_list_does_not_fit() {
        let mut out = [Format2Idaw::default(); 2];
        assert_eq!(
            format2_idaws(0, 3 * 4096, IdawBlockSize::Size4K, &mut out),
            Err(IdawError::DoesNotFit {
                needed: 3,
                capacity: 2
            })
        );
        assert_eq!(
            format2_idaws(u64::MAX, 2, IdawBlockSize::Size4K, &mut out),
            Err(IdawError::AddressNotRepresentable { address: u64::MAX })
        );
    }

    #[test]
    fn midaws_split_at_4k_and_mark_the_last() {
        let mut out = [Midaw::default(); 8];
        let list = midaws(&[(0x0FF0, 0x20), (0x8000, 0x100)], &mut out).unwrap();
        let entries: Vec<(u8, u16, u64)> = list
            .iter()
            .map(|m| (m.flags().bits(), m.count(), m.data_address()))
            .collect();
        assert_eq!(
            entries,
            [(0, 0x10, 0x0FF0), (0, 0x10, 0x1000), (0x80, 0x100, 0x8000)]
        );
        assert_eq!(
            midaws(&[(0, 0x10), (0x100, 0)], &mut out),
            Err(IdawError::EmptyBuffer { index: 1 })
        );
        let mut small = [Midaw::default(); 1];
        assert_eq!(
            midaws(&[(0x0FF0, 0x20)], &mut small),
            Err(IdawError::DoesNotFit {
                needed: 2,
                capacity: 1
            })
        );
        assert_eq!(midaws(&[], &mut out).unwrap().len(), 0);
    }
}
