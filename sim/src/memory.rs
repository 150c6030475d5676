//! The simulated main storage: a byte arena addressed from zero, big-endian.

use core::fmt;

use s390_cio::structures::{Ccw0, Ccw1, Format1Idaw, Format2Idaw, Midaw};

/// The default size of the arena: 16 MiB.
pub const DEFAULT_SIZE: usize = 16 << 20;

/// An access that falls (partly) outside the arena.
///
/// The channel engine turns this into a program check in the SCSW; test
/// code that writes outside the arena gets it back as an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutOfRange {
    /// The first byte of the access.
    pub address: u64,
    /// Its length in bytes.
    pub len: usize,
}

impl fmt::Display for OutOfRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "access of {} bytes at {:#x} outside main storage",
            self.len, self.address
        )
    }
}

impl std::error::Error for OutOfRange {}

/// Main storage as the channel subsystem sees it: absolute addresses from
/// zero, every multi-byte value big-endian, every access bounds-checked.
#[derive(Clone)]
pub struct Memory {
    bytes: Vec<u8>,
}

impl fmt::Debug for Memory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Memory")
            .field("size", &format_args!("{:#x}", self.bytes.len()))
            .finish_non_exhaustive()
    }
}

impl Default for Memory {
    fn default() -> Self {
        Self::new(DEFAULT_SIZE)
    }
}

impl Memory {
    /// An arena of `size` zero bytes.
    pub fn new(size: usize) -> Self {
        Self {
            bytes: vec![0; size],
        }
    }

    /// The size of the arena in bytes.
    pub fn size(&self) -> usize {
        self.bytes.len()
    }

    fn range(&self, address: u64, len: usize) -> Result<core::ops::Range<usize>, OutOfRange> {
        let err = OutOfRange { address, len };
        let start = usize::try_from(address).map_err(|_| err)?;
        let end = start.checked_add(len).ok_or(err)?;
        if end > self.bytes.len() {
            return Err(err);
        }
        Ok(start..end)
    }

    /// The `len` bytes at `address`.
    pub fn slice(&self, address: u64, len: usize) -> Result<&[u8], OutOfRange> {
        let range = self.range(address, len)?;
        Ok(&self.bytes[range])
    }

    /// The `len` bytes at `address`, writable.
    pub fn slice_mut(&mut self, address: u64, len: usize) -> Result<&mut [u8], OutOfRange> {
        let range = self.range(address, len)?;
        Ok(&mut self.bytes[range])
    }

    /// Copies `data` to `address`.
    pub fn write(&mut self, address: u64, data: &[u8]) -> Result<(), OutOfRange> {
        self.slice_mut(address, data.len())?.copy_from_slice(data);
        Ok(())
    }

    /// Copies the bytes at `address` into `out`.
    pub fn read(&self, address: u64, out: &mut [u8]) -> Result<(), OutOfRange> {
        out.copy_from_slice(self.slice(address, out.len())?);
        Ok(())
    }

    /// The `N` bytes at `address` as an array.
    pub fn read_array<const N: usize>(&self, address: u64) -> Result<[u8; N], OutOfRange> {
        let mut out = [0; N];
        self.read(address, &mut out)?;
        Ok(out)
    }

    /// The byte at `address`.
    pub fn read_u8(&self, address: u64) -> Result<u8, OutOfRange> {
        Ok(self.read_array::<1>(address)?[0])
    }

    /// The big-endian halfword at `address`.
    pub fn read_u16(&self, address: u64) -> Result<u16, OutOfRange> {
        Ok(u16::from_be_bytes(self.read_array(address)?))
    }

    /// The big-endian word at `address`.
    pub fn read_u32(&self, address: u64) -> Result<u32, OutOfRange> {
        Ok(u32::from_be_bytes(self.read_array(address)?))
    }

    /// The big-endian doubleword at `address`.
    pub fn read_u64(&self, address: u64) -> Result<u64, OutOfRange> {
        Ok(u64::from_be_bytes(self.read_array(address)?))
    }

    /// Stores a byte.
    pub fn write_u8(&mut self, address: u64, value: u8) -> Result<(), OutOfRange> {
        self.write(address, &[value])
    }

    /// Stores a big-endian halfword.
    pub fn write_u16(&mut self, address: u64, value: u16) -> Result<(), OutOfRange> {
        self.write(address, &value.to_be_bytes())
    }

    /// Stores a big-endian word.
    pub fn write_u32(&mut self, address: u64, value: u32) -> Result<(), OutOfRange> {
        self.write(address, &value.to_be_bytes())
    }

    /// Stores a big-endian doubleword.
    pub fn write_u64(&mut self, address: u64, value: u64) -> Result<(), OutOfRange> {
        self.write(address, &value.to_be_bytes())
    }

    /// Stores a format-1 CCW at `address`.
    pub fn write_ccw1(&mut self, address: u32, ccw: Ccw1) -> Result<(), OutOfRange> {
        self.write(u64::from(address), ccw.as_bytes())
    }

    /// Stores consecutive format-1 CCWs from `address` on.
    pub fn write_ccw1s(&mut self, address: u32, ccws: &[Ccw1]) -> Result<(), OutOfRange> {
        for (i, ccw) in ccws.iter().enumerate() {
            self.write(u64::from(address) + 8 * i as u64, ccw.as_bytes())?;
        }
        Ok(())
    }

    /// Stores a format-0 CCW at `address`.
    pub fn write_ccw0(&mut self, address: u32, ccw: Ccw0) -> Result<(), OutOfRange> {
        self.write(u64::from(address), ccw.as_bytes())
    }

    /// The format-1 CCW at `address`.
    pub fn read_ccw1(&self, address: u32) -> Result<Ccw1, OutOfRange> {
        Ok(Ccw1::from_byte_array(self.read_array(u64::from(address))?))
    }

    /// Stores a list of format-1 IDAWs from `address` on.
    pub fn write_format1_idaws(
        &mut self,
        address: u64,
        idaws: &[Format1Idaw],
    ) -> Result<(), OutOfRange> {
        for (i, idaw) in idaws.iter().enumerate() {
            self.write(address + 4 * i as u64, idaw.as_bytes())?;
        }
        Ok(())
    }

    /// Stores a list of format-2 IDAWs from `address` on.
    pub fn write_format2_idaws(
        &mut self,
        address: u64,
        idaws: &[Format2Idaw],
    ) -> Result<(), OutOfRange> {
        for (i, idaw) in idaws.iter().enumerate() {
            self.write(address + 8 * i as u64, idaw.as_bytes())?;
        }
        Ok(())
    }

    /// Stores a list of MIDAWs from `address` on.
    pub fn write_midaws(&mut self, address: u64, midaws: &[Midaw]) -> Result<(), OutOfRange> {
        for (i, midaw) in midaws.iter().enumerate() {
            self.write(address + 16 * i as u64, midaw.as_bytes())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use s390_cio::structures::{commands, CcwFlags};

    #[test]
    fn values_are_big_endian() {
        let mut m = Memory::new(64);
        m.write_u32(4, 0x0102_0304).unwrap();
        assert_eq!(m.slice(4, 4).unwrap(), &[1, 2, 3, 4]);
        assert_eq!(m.read_u16(4).unwrap(), 0x0102);
        m.write_u64(8, 0x1122_3344_5566_7788).unwrap();
        assert_eq!(m.read_u64(8).unwrap(), 0x1122_3344_5566_7788);
        assert_eq!(m.read_u8(15).unwrap(), 0x88);
    }

    #[test]
    fn out_of_range_is_an_error_not_a_panic() {
        let mut m = Memory::new(16);
        assert_eq!(
            m.read_u32(14),
            Err(OutOfRange {
                address: 14,
                len: 4
            })
        );
        assert!(m.write_u8(16, 0).is_err());
        assert!(m.slice(u64::MAX, 2).is_err());
        assert!(m.slice(16, 0).is_ok());
        assert_eq!(
            OutOfRange {
                address: 16,
                len: 2
            }
            .to_string(),
            "access of 2 bytes at 0x10 outside main storage"
        );
    }

    #[test]
    fn ccws_round_trip() {
        let mut m = Memory::default();
        assert_eq!(m.size(), DEFAULT_SIZE);
        let ccw = Ccw1::new(commands::READ, CcwFlags::SLI, 80, 0x2000);
        m.write_ccw1s(0x1000, &[ccw, Ccw1::tic(0x1000)]).unwrap();
        assert_eq!(m.read_ccw1(0x1000).unwrap(), ccw);
        assert_eq!(m.read_ccw1(0x1008).unwrap(), Ccw1::tic(0x1000));
        let ccw0 = Ccw0::new(commands::WRITE, CcwFlags::empty(), 1, 0x10).unwrap();
        m.write_ccw0(0x1010, ccw0).unwrap();
        assert_eq!(m.slice(0x1010, 8).unwrap(), ccw0.as_bytes());
    }
}
