//! Channel-command words (CCWs), command codes and a channel-program
//! builder over caller-provided storage.

use core::fmt;

use super::flag_set;

flag_set! {
    /// The flags of a CCW (PoP, chapter 15 "Basic I/O Functions",
    /// "Channel-Command Word"): byte 1 of a format-1 CCW, byte 4 of a
    /// format-0 CCW, same bit layout in both.
    pub struct CcwFlags: u8 {
        /// Chain data (CD): the next CCW continues this one's data area.
        const CD = 0x80, chain_data;
        /// Chain command (CC): the next CCW is a new command.
        const CC = 0x40, chain_command;
        /// Suppress length indication (SLI).
        const SLI = 0x20, suppress_length_indication;
        /// Skip: data is not transferred to storage.
        const SKIP = 0x10, skip;
        /// Program-controlled interruption (PCI).
        const PCI = 0x08, program_controlled_interruption;
        /// Indirect data addressing (IDA): the data address is an IDAW list.
        const IDA = 0x04, indirect_data_addressing;
        /// Suspend (S): suspend before this CCW (needs ORB suspend control).
        const S = 0x02, suspend;
        /// Modified indirect data addressing (MIDA): the data address is a
        /// MIDAW list (format 1 only, needs the ORB's D bit).
        const MIDA = 0x01, modified_indirect_data_addressing;
    }
}

/// Command codes the PoP defines or that every device implements (PoP,
/// chapter 15, "Command Code"). Device-specific commands come from the
/// device's documentation or its SENSE ID CIWs.
pub mod commands {
    /// Basic write (`xxxxxx01`; 0x01 with no modifier bits).
    pub const WRITE: u8 = 0x01;
    /// Basic read (`xxxxxx10`; 0x02 with no modifier bits).
    pub const READ: u8 = 0x02;
    /// Basic control (`xxxxxx11`; 0x03 with no modifier bits).
    pub const CONTROL: u8 = 0x03;
    /// No operation: the control command without modifier bits.
    pub const NOOP: u8 = 0x03;
    /// Basic sense (`xxxx0100`): reads the sense bytes after a unit check.
    pub const SENSE: u8 = 0x04;
    /// Transfer in channel (`00001000` in format 1, `xxxx1000` in format 0).
    pub const TIC: u8 = 0x08;
    /// Basic read backward (`xxxx1100`).
    pub const READ_BACKWARD: u8 = 0x0C;
    /// SENSE ID: control-unit and device type, model and CIWs.
    pub const SENSE_ID: u8 = 0xE4;
}

/// The CCW format, chosen for a whole channel program by the ORB's F bit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum CcwFormat {
    /// Format 0: 24-bit data addresses.
    Format0,
    /// Format 1: 31-bit data addresses.
    Format1,
}

/// What kind of operation a command code asks for, from its low-order bits
/// (PoP, chapter 15, "Command Code").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum CommandType {
    /// `xxxxxx01`.
    Write,
    /// `xxxxxx10`.
    Read,
    /// `xxxx1100`.
    ReadBackward,
    /// `xxxxxx11`.
    Control,
    /// `xxxx0100`.
    Sense,
    /// `xxxx1000` (format 0) or `00001000` (format 1).
    TransferInChannel,
    /// `xxxx0000`, or a format-1 `xxxx1000` with nonzero high bits: a
    /// program check.
    Invalid,
}

impl CommandType {
    /// The type of command code `command` in a CCW of `format`.
    pub const fn of(command: u8, format: CcwFormat) -> Self {
        match command & 0x03 {
            0x01 => Self::Write,
            0x02 => Self::Read,
            0x03 => Self::Control,
            _ => match command & 0x0F {
                0x04 => Self::Sense,
                0x0C => Self::ReadBackward,
                0x08 => match format {
                    CcwFormat::Format0 => Self::TransferInChannel,
                    CcwFormat::Format1 if command == commands::TIC => Self::TransferInChannel,
                    CcwFormat::Format1 => Self::Invalid,
                },
                _ => Self::Invalid,
            },
        }
    }
}

/// A format-1 CCW: 8 bytes, doubleword-aligned (PoP, chapter 15, Figure
/// "Format-1 CCW"): command code (byte 0), flags (byte 1), count (bytes
/// 2-3), 31-bit data address (bytes 4-7, bit 32 zero). Stored big-endian.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[repr(C, align(8))]
pub struct Ccw1 {
    bytes: [u8; 8],
}

const _: () = assert!(size_of::<Ccw1>() == 8);
const _: () = assert!(align_of::<Ccw1>() == 8);

impl Ccw1 {
    /// The highest data address a format-1 CCW can hold (31 bits).
    pub const DATA_ADDRESS_LIMIT: u32 = 0x7FFF_FFFF;

    /// A CCW with `command`, `flags`, byte `count` and `data_address`.
    ///
    /// A data address above [`Self::DATA_ADDRESS_LIMIT`] is stored as given
    /// (the channel would reject it); [`ChannelProgram`] refuses it.
    pub const fn new(command: u8, flags: CcwFlags, count: u16, data_address: u32) -> Self {
        let c = count.to_be_bytes();
        let a = data_address.to_be_bytes();
        Self {
            bytes: [command, flags.bits(), c[0], c[1], a[0], a[1], a[2], a[3]],
        }
    }

    /// A transfer in channel to the CCW at `target`.
    pub const fn tic(target: u32) -> Self {
        Self::new(commands::TIC, CcwFlags::empty(), 0, target)
    }

    /// The CCW whose big-endian image is `bytes`.
    pub const fn from_byte_array(bytes: [u8; 8]) -> Self {
        Self { bytes }
    }

    /// The big-endian image of the CCW.
    pub const fn as_bytes(&self) -> &[u8; 8] {
        &self.bytes
    }

    /// The command code.
    pub const fn command(&self) -> u8 {
        self.bytes[0]
    }

    /// The flags.
    pub const fn flags(&self) -> CcwFlags {
        CcwFlags::from_bits(self.bytes[1])
    }

    /// The byte count.
    pub const fn count(&self) -> u16 {
        u16::from_be_bytes([self.bytes[2], self.bytes[3]])
    }

    /// The data address (for a TIC: the next CCW's address).
    pub const fn data_address(&self) -> u32 {
        u32::from_be_bytes([self.bytes[4], self.bytes[5], self.bytes[6], self.bytes[7]])
    }
}

/// A format-0 CCW: 8 bytes, doubleword-aligned (PoP, chapter 15, Figure
/// "Format-0 CCW"): command code (byte 0), 24-bit data address (bytes 1-3),
/// flags (byte 4), byte 5 ignored, count (bytes 6-7). Stored big-endian.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[repr(C, align(8))]
pub struct Ccw0 {
    bytes: [u8; 8],
}

const _: () = assert!(size_of::<Ccw0>() == 8);
const _: () = assert!(align_of::<Ccw0>() == 8);

impl Ccw0 {
    /// The highest data address a format-0 CCW can hold (24 bits).
    pub const DATA_ADDRESS_LIMIT: u32 = 0x00FF_FFFF;

    /// A CCW with `command`, `flags`, byte `count` and `data_address`, or
    /// `None` if the address does not fit in 24 bits.
    pub const fn new(command: u8, flags: CcwFlags, count: u16, data_address: u32) -> Option<Self> {
        if data_address > Self::DATA_ADDRESS_LIMIT {
            return None;
        }
        let c = count.to_be_bytes();
        let a = data_address.to_be_bytes();
        Some(Self {
            bytes: [command, a[1], a[2], a[3], flags.bits(), 0, c[0], c[1]],
        })
    }

    /// The CCW whose big-endian image is `bytes`.
    pub const fn from_byte_array(bytes: [u8; 8]) -> Self {
        Self { bytes }
    }

    /// The big-endian image of the CCW.
    pub const fn as_bytes(&self) -> &[u8; 8] {
        &self.bytes
    }

    /// The command code.
    pub const fn command(&self) -> u8 {
        self.bytes[0]
    }

    /// The flags.
    pub const fn flags(&self) -> CcwFlags {
        CcwFlags::from_bits(self.bytes[4])
    }

    /// The byte count.
    pub const fn count(&self) -> u16 {
        u16::from_be_bytes([self.bytes[6], self.bytes[7]])
    }

    /// The 24-bit data address (for a TIC: the next CCW's address).
    pub const fn data_address(&self) -> u32 {
        u32::from_be_bytes([0, self.bytes[1], self.bytes[2], self.bytes[3]])
    }
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::Ccw0 {}
    impl Sealed for super::Ccw1 {}
}

/// What [`ChannelProgram`] needs to know about a CCW format; implemented by
/// [`Ccw0`] and [`Ccw1`] only.
pub trait Ccw: Copy + sealed::Sealed {
    /// The format.
    const FORMAT: CcwFormat;
    /// The highest data (and CCW) address the format can hold.
    const DATA_ADDRESS_LIMIT: u32;
    /// A CCW of this format, or `None` if the address does not fit.
    fn try_new(command: u8, flags: CcwFlags, count: u16, data_address: u32) -> Option<Self>;
    /// The command code.
    fn command(&self) -> u8;
    /// The flags.
    fn flags(&self) -> CcwFlags;
    /// The byte count.
    fn count(&self) -> u16;
    /// The data address.
    fn data_address(&self) -> u32;
    /// Whether the CCW is a transfer in channel.
    fn is_tic(&self) -> bool {
        matches!(
            CommandType::of(self.command(), Self::FORMAT),
            CommandType::TransferInChannel
        )
    }
}

impl Ccw for Ccw1 {
    const FORMAT: CcwFormat = CcwFormat::Format1;
    const DATA_ADDRESS_LIMIT: u32 = Ccw1::DATA_ADDRESS_LIMIT;
    fn try_new(command: u8, flags: CcwFlags, count: u16, data_address: u32) -> Option<Self> {
        (data_address <= Self::DATA_ADDRESS_LIMIT)
            .then(|| Ccw1::new(command, flags, count, data_address))
    }
    fn command(&self) -> u8 {
        Ccw1::command(self)
    }
    fn flags(&self) -> CcwFlags {
        Ccw1::flags(self)
    }
    fn count(&self) -> u16 {
        Ccw1::count(self)
    }
    fn data_address(&self) -> u32 {
        Ccw1::data_address(self)
    }
}

impl Ccw for Ccw0 {
    const FORMAT: CcwFormat = CcwFormat::Format0;
    const DATA_ADDRESS_LIMIT: u32 = Ccw0::DATA_ADDRESS_LIMIT;
    fn try_new(command: u8, flags: CcwFlags, count: u16, data_address: u32) -> Option<Self> {
        Ccw0::new(command, flags, count, data_address)
    }
    fn command(&self) -> u8 {
        Ccw0::command(self)
    }
    fn flags(&self) -> CcwFlags {
        Ccw0::flags(self)
    }
    fn count(&self) -> u16 {
        Ccw0::count(self)
    }
    fn data_address(&self) -> u32 {
        Ccw0::data_address(self)
    }
}

impl fmt::Debug for Ccw1 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Ccw1 {{ command: {:#04x}, flags: {:?}, count: {}, data_address: {:#x} }}",
            self.command(),
            self.flags(),
            self.count(),
            self.data_address()
        )
    }
}

impl fmt::Debug for Ccw0 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Ccw0 {{ command: {:#04x}, flags: {:?}, count: {}, data_address: {:#x} }}",
            self.command(),
            self.flags(),
            self.count(),
            self.data_address()
        )
    }
}

/// Why [`ChannelProgram`] refused a CCW or a program: each case is one the
/// channel subsystem would answer with a program check (or, for the
/// storage cases, one it could not address at all).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum ChannelProgramError {
    /// The storage has room for no more CCWs.
    Full {
        /// CCWs the storage holds.
        capacity: usize,
    },
    /// The program has no CCW.
    Empty,
    /// The storage lies where the CCW format cannot address it.
    StorageNotAddressable {
        /// Address of the storage.
        address: u64,
    },
    /// A CCW address (the program's start or a TIC target) is not on a
    /// doubleword boundary.
    MisalignedCcwAddress {
        /// The address.
        address: u32,
    },
    /// A data address does not fit the CCW format (31 bits for format 1,
    /// 24 bits for format 0).
    DataAddressNotRepresentable {
        /// Index of the CCW.
        index: usize,
        /// The address.
        address: u64,
    },
    /// The command code is invalid (`xxxx0000`, or a format-1 TIC code with
    /// nonzero high bits).
    InvalidCommandCode {
        /// Index of the CCW.
        index: usize,
        /// The command code.
        command: u8,
    },
    /// The flags are invalid: MIDA in a format-0 CCW, or IDA together with
    /// MIDA.
    InvalidFlags {
        /// Index of the CCW.
        index: usize,
        /// The flags.
        flags: CcwFlags,
    },
    /// The IDAW list of a CCW with the IDA flag is not on a word boundary
    /// (format-2 IDAWs need a doubleword boundary, which the builder cannot
    /// check: the ORB chooses the IDAW format), or the MIDAW list of a CCW
    /// with the MIDA flag is not on a quadword boundary.
    MisalignedIndirectList {
        /// Index of the CCW.
        index: usize,
        /// The list's address.
        address: u32,
    },
    /// A count of zero where the PoP does not allow it: any format-0 CCW
    /// other than a TIC, and a format-1 CCW that chains data or is reached
    /// by data chaining.
    ZeroCount {
        /// Index of the CCW.
        index: usize,
    },
    /// A TIC designates another TIC.
    TicToTic {
        /// Index of the first TIC.
        index: usize,
        /// Its target address.
        target: u32,
    },
    /// A TIC designates a CCW slot of this program's storage that was never
    /// filled, or an index past the storage.
    TicTargetOutsideProgram {
        /// Index of the TIC.
        index: usize,
        /// Its target address.
        target: u32,
    },
    /// The last CCW chains (CD or CC set) to a CCW that does not exist.
    ChainingOffEnd {
        /// Index of the last CCW.
        index: usize,
    },
}

impl fmt::Display for ChannelProgramError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::Full { capacity } => write!(f, "channel program full ({capacity} CCWs)"),
            Self::Empty => f.write_str("channel program has no CCW"),
            Self::StorageNotAddressable { address } => {
                write!(f, "channel program storage at {address:#x} not addressable")
            }
            Self::MisalignedCcwAddress { address } => {
                write!(f, "CCW address {address:#x} not doubleword aligned")
            }
            Self::DataAddressNotRepresentable { index, address } => {
                write!(f, "CCW {index}: data address {address:#x} does not fit")
            }
            Self::InvalidCommandCode { index, command } => {
                write!(f, "CCW {index}: invalid command code {command:#04x}")
            }
            Self::InvalidFlags { index, flags } => {
                write!(f, "CCW {index}: invalid flags {:#04x}", flags.bits())
            }
            Self::MisalignedIndirectList { index, address } => {
                write!(f, "CCW {index}: IDAW/MIDAW list at {address:#x} misaligned")
            }
            Self::ZeroCount { index } => write!(f, "CCW {index}: count of zero not allowed"),
            Self::TicToTic { index, target } => {
                write!(f, "CCW {index}: TIC to a TIC at {target:#x}")
            }
            Self::TicTargetOutsideProgram { index, target } => {
                write!(
                    f,
                    "CCW {index}: TIC to {target:#x}, outside the built program"
                )
            }
            Self::ChainingOffEnd { index } => {
                write!(
                    f,
                    "CCW {index}: last CCW chains past the end of the program"
                )
            }
        }
    }
}

impl core::error::Error for ChannelProgramError {}

/// Builds a channel program of format-0 or format-1 CCWs in storage the
/// caller provides, checking each CCW against the PoP's program-check
/// rules (chapter 16 "I/O Interruptions", "Program Check") so that a bad
/// program is a typed error here rather than a program check later.
///
/// The builder knows the channel address of its storage, so it can turn
/// TIC targets given as indices into addresses and check them.
///
/// ```
/// use s390_cio::structures::{commands, ChannelProgram, Ccw1, CcwFlags};
/// let mut storage = [Ccw1::default(); 4];
/// let mut program = ChannelProgram::with_base_address(&mut storage, 0x1000).unwrap();
/// program.push(commands::SENSE_ID, CcwFlags::SLI, 256, 0x2000).unwrap();
/// let ccws = program.finish().unwrap();
/// assert_eq!(ccws.len(), 1);
/// ```
pub struct ChannelProgram<'a, C: Ccw> {
    storage: &'a mut [C],
    len: usize,
    base_address: u32,
}

impl<'a, C: Ccw> ChannelProgram<'a, C> {
    /// A builder over `storage`, whose address as a pointer is its channel
    /// address (true when running bare on s390x with DAT off).
    pub fn new(storage: &'a mut [C]) -> Result<Self, ChannelProgramError> {
        let address = storage.as_ptr() as usize as u64;
        match u32::try_from(address) {
            Ok(base) => Self::with_base_address(storage, base),
            Err(_) => Err(ChannelProgramError::StorageNotAddressable { address }),
        }
    }

    /// A builder over `storage`, which the channel subsystem sees at
    /// `base_address` (e.g. a guest address in a simulator).
    pub fn with_base_address(
        storage: &'a mut [C],
        base_address: u32,
    ) -> Result<Self, ChannelProgramError> {
        if !base_address.is_multiple_of(8) {
            return Err(ChannelProgramError::MisalignedCcwAddress {
                address: base_address,
            });
        }
        let size = (storage.len() as u64).saturating_mul(8);
        let end = u64::from(base_address).saturating_add(size);
        if end > u64::from(C::DATA_ADDRESS_LIMIT) + 1 {
            return Err(ChannelProgramError::StorageNotAddressable {
                address: u64::from(base_address),
            });
        }
        Ok(Self {
            storage,
            len: 0,
            base_address,
        })
    }

    /// The channel address of the first CCW, for [`Orb::new`](super::Orb::new).
    pub fn channel_program_address(&self) -> u32 {
        self.base_address
    }

    /// CCWs built so far.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no CCW has been built.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// CCWs the storage holds.
    pub fn capacity(&self) -> usize {
        self.storage.len()
    }

    /// The CCWs built so far.
    pub fn as_slice(&self) -> &[C] {
        self.storage.get(..self.len).unwrap_or_default()
    }

    /// The channel address of the CCW slot `index` of the storage.
    pub fn address_of(&self, index: usize) -> Option<u32> {
        if index >= self.storage.len() {
            return None;
        }
        // In range: `with_base_address` checked the storage's end fits.
        Some(self.base_address + 8 * index as u32)
    }

    /// The index of the storage slot at channel address `address`, if it
    /// is one.
    fn index_of(&self, address: u32) -> Option<usize> {
        let offset = address.checked_sub(self.base_address)?;
        let index = (offset / 8) as usize;
        (offset.is_multiple_of(8) && index < self.storage.len()).then_some(index)
    }

    /// Appends a CCW and returns its index.
    ///
    /// Checks the command code, the flags, the count (zero only where the
    /// PoP allows it) and that `data_address` fits the format. A TIC (use
    /// [`push_tic`](Self::push_tic)) is checked like one.
    pub fn push(
        &mut self,
        command: u8,
        flags: CcwFlags,
        count: u16,
        data_address: u64,
    ) -> Result<usize, ChannelProgramError> {
        let index = self.len;
        if index >= self.storage.len() {
            return Err(ChannelProgramError::Full {
                capacity: self.storage.len(),
            });
        }
        let command_type = CommandType::of(command, C::FORMAT);
        if command_type == CommandType::Invalid {
            return Err(ChannelProgramError::InvalidCommandCode { index, command });
        }
        let address = match u32::try_from(data_address) {
            Ok(a) if a <= C::DATA_ADDRESS_LIMIT => a,
            _ => {
                return Err(ChannelProgramError::DataAddressNotRepresentable {
                    index,
                    address: data_address,
                })
            }
        };
        if command_type == CommandType::TransferInChannel {
            self.check_tic(index, address)?;
        } else {
            let mida_not_allowed =
                C::FORMAT == CcwFormat::Format0 && flags.contains(CcwFlags::MIDA);
            if mida_not_allowed || flags.contains(CcwFlags::IDA | CcwFlags::MIDA) {
                return Err(ChannelProgramError::InvalidFlags { index, flags });
            }
            let list_alignment = if flags.contains(CcwFlags::MIDA) {
                16
            } else if flags.contains(CcwFlags::IDA) {
                4
            } else {
                1
            };
            if !address.is_multiple_of(list_alignment) {
                return Err(ChannelProgramError::MisalignedIndirectList { index, address });
            }
            if count == 0 {
                let data_chained = self
                    .as_slice()
                    .last()
                    .is_some_and(|prev| !prev.is_tic() && prev.flags().contains(CcwFlags::CD));
                if C::FORMAT == CcwFormat::Format0 || flags.contains(CcwFlags::CD) || data_chained {
                    return Err(ChannelProgramError::ZeroCount { index });
                }
            }
        }
        let ccw = C::try_new(command, flags, count, address).ok_or(
            ChannelProgramError::DataAddressNotRepresentable {
                index,
                address: data_address,
            },
        )?;
        if let Some(slot) = self.storage.get_mut(index) {
            *slot = ccw;
        }
        self.len = index + 1;
        Ok(index)
    }

    /// Appends an already built CCW, checked as [`push`](Self::push) does.
    pub fn push_ccw(&mut self, ccw: C) -> Result<usize, ChannelProgramError> {
        self.push(
            ccw.command(),
            ccw.flags(),
            ccw.count(),
            u64::from(ccw.data_address()),
        )
    }

    /// Appends a TIC to the CCW slot `target_index` of this program (which
    /// may be built later, before [`finish`](Self::finish)).
    pub fn push_tic(&mut self, target_index: usize) -> Result<usize, ChannelProgramError> {
        match self.address_of(target_index) {
            Some(target) => self.push_tic_to(target),
            None => Err(ChannelProgramError::TicTargetOutsideProgram {
                index: self.len,
                target: u32::MAX,
            }),
        }
    }

    /// Appends a TIC to the CCW at channel address `target`.
    pub fn push_tic_to(&mut self, target: u32) -> Result<usize, ChannelProgramError> {
        self.push(commands::TIC, CcwFlags::empty(), 0, u64::from(target))
    }

    /// TIC rules that can be checked when the TIC is added.
    fn check_tic(&self, index: usize, target: u32) -> Result<(), ChannelProgramError> {
        if !target.is_multiple_of(8) {
            return Err(ChannelProgramError::MisalignedCcwAddress { address: target });
        }
        if let Some(target_index) = self.index_of(target) {
            if target_index == index {
                return Err(ChannelProgramError::TicToTic { index, target });
            }
            if self
                .as_slice()
                .get(target_index)
                .is_some_and(|c| c.is_tic())
            {
                return Err(ChannelProgramError::TicToTic { index, target });
            }
        }
        Ok(())
    }

    /// Checks the whole program and returns its CCWs: not empty, the last
    /// CCW does not chain, and every TIC into this storage lands on a built
    /// CCW that is not a TIC.
    pub fn finish(self) -> Result<&'a [C], ChannelProgramError> {
        let built = self.as_slice();
        let Some(last) = built.last() else {
            return Err(ChannelProgramError::Empty);
        };
        if !last.is_tic() && last.flags().intersects(CcwFlags::CD | CcwFlags::CC) {
            return Err(ChannelProgramError::ChainingOffEnd {
                index: built.len() - 1,
            });
        }
        for (index, ccw) in built.iter().enumerate() {
            if !ccw.is_tic() {
                continue;
            }
            let target = ccw.data_address();
            if let Some(target_index) = self.index_of(target) {
                match built.get(target_index) {
                    None => {
                        return Err(ChannelProgramError::TicTargetOutsideProgram { index, target })
                    }
                    Some(t) if t.is_tic() => {
                        return Err(ChannelProgramError::TicToTic { index, target })
                    }
                    Some(_) => {}
                }
            }
        }
        let Self { storage, len, .. } = self;
        let storage: &'a [C] = storage;
        Ok(storage.get(..len).unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format1_layout() {
        let ccw = Ccw1::new(
            commands::SENSE_ID,
            CcwFlags::SLI | CcwFlags::CC,
            0x0100,
            0x0012_3458,
        );
        assert_eq!(
            ccw.as_bytes(),
            &[0xE4, 0x60, 0x01, 0x00, 0x00, 0x12, 0x34, 0x58]
        );
        assert_eq!(ccw.command(), 0xE4);
        assert_eq!(ccw.flags(), CcwFlags::SLI | CcwFlags::CC);
        assert_eq!(ccw.count(), 0x100);
        assert_eq!(ccw.data_address(), 0x0012_3458);
        assert_eq!(Ccw1::from_byte_array(*ccw.as_bytes()), ccw);
    }

    #[test]
    fn format0_layout() {
        let ccw = Ccw0::new(commands::READ, CcwFlags::CD, 80, 0x00AB_CDEF).unwrap();
        assert_eq!(
            ccw.as_bytes(),
            &[0x02, 0xAB, 0xCD, 0xEF, 0x80, 0x00, 0x00, 80]
        );
        assert_eq!(ccw.data_address(), 0x00AB_CDEF);
        assert_eq!(ccw.flags(), CcwFlags::CD);
        assert_eq!(ccw.count(), 80);
        assert_eq!(
            Ccw0::new(commands::READ, CcwFlags::CD, 80, 0x0100_0000),
            None
        );
    }

    #[test]
    fn flag_bits_match_the_pop() {
        let all = [
            (CcwFlags::CD, 0x80),
            (CcwFlags::CC, 0x40),
            (CcwFlags::SLI, 0x20),
            (CcwFlags::SKIP, 0x10),
            (CcwFlags::PCI, 0x08),
            (CcwFlags::IDA, 0x04),
            (CcwFlags::S, 0x02),
            (CcwFlags::MIDA, 0x01),
        ];
        for (flag, bits) in all {
            assert_eq!(flag.bits(), bits);
        }
        assert_eq!(CcwFlags::ALL.bits(), 0xFF);
        assert!(CcwFlags::SLI.suppress_length_indication());
        assert_eq!(
            format!("{:?}", CcwFlags::CC | CcwFlags::SLI),
            "CcwFlags(CC | SLI)"
        );
    }

    #[test]
    fn command_types() {
        use CcwFormat::*;
        assert_eq!(
            CommandType::of(commands::WRITE, Format1),
            CommandType::Write
        );
        assert_eq!(CommandType::of(commands::READ, Format1), CommandType::Read);
        assert_eq!(
            CommandType::of(commands::NOOP, Format1),
            CommandType::Control
        );
        assert_eq!(
            CommandType::of(commands::SENSE, Format1),
            CommandType::Sense
        );
        assert_eq!(
            CommandType::of(commands::SENSE_ID, Format1),
            CommandType::Sense
        );
        assert_eq!(CommandType::of(0x0C, Format1), CommandType::ReadBackward);
        assert_eq!(
            CommandType::of(0x08, Format1),
            CommandType::TransferInChannel
        );
        assert_eq!(CommandType::of(0x18, Format1), CommandType::Invalid);
        assert_eq!(
            CommandType::of(0x18, Format0),
            CommandType::TransferInChannel
        );
        assert_eq!(CommandType::of(0x00, Format0), CommandType::Invalid);
        assert_eq!(CommandType::of(0xF0, Format1), CommandType::Invalid);
    }

    #[test]
    fn builds_a_chained_program() {
        let mut storage = [Ccw1::default(); 4];
        let mut program = ChannelProgram::with_base_address(&mut storage, 0x1000).unwrap();
        assert_eq!(program.channel_program_address(), 0x1000);
        assert_eq!(program.push(commands::NOOP, CcwFlags::CC, 0, 0).unwrap(), 0);
        assert_eq!(
            program
                .push(commands::READ, CcwFlags::CD, 10, 0x2000)
                .unwrap(),
            1
        );
        assert_eq!(
            program
                .push(commands::READ, CcwFlags::SLI, 20, 0x3000)
                .unwrap(),
            2
        );
        assert_eq!(program.address_of(2), Some(0x1010));
        assert_eq!(program.address_of(4), None);
        let ccws = program.finish().unwrap();
        assert_eq!(ccws.len(), 3);
        assert_eq!(ccws[1].data_address(), 0x2000);
    }

    #[test]
    fn rejects_a_full_buffer() {
        let mut storage = [Ccw1::default(); 1];
        let mut program = ChannelProgram::with_base_address(&mut storage, 0).unwrap();
        program
            .push(commands::NOOP, CcwFlags::empty(), 0, 0)
            .unwrap();
        assert_eq!(
            program.push(commands::NOOP, CcwFlags::empty(), 0, 0),
            Err(ChannelProgramError::Full { capacity: 1 })
        );
    }

    #[test]
    fn rejects_addresses_past_the_format() {
        let mut storage = [Ccw1::default(); 2];
        let mut program = ChannelProgram::with_base_address(&mut storage, 0).unwrap();
        assert_eq!(
            program.push(commands::READ, CcwFlags::empty(), 1, 0x8000_0000),
            Err(ChannelProgramError::DataAddressNotRepresentable {
                index: 0,
                address: 0x8000_0000
            })
        );
        assert!(program
            .push(commands::READ, CcwFlags::empty(), 1, 0x7FFF_FFFF)
            .is_ok());

        let mut storage = [Ccw0::default(); 2];
        let mut program = ChannelProgram::with_base_address(&mut storage, 0).unwrap();
        assert_eq!(
            program.push(commands::READ, CcwFlags::empty(), 1, 0x0100_0000),
            Err(ChannelProgramError::DataAddressNotRepresentable {
                index: 0,
                address: 0x0100_0000
            })
        );
        assert!(program
            .push(commands::READ, CcwFlags::empty(), 1, 0x00FF_FFFF)
            .is_ok());
    }

    #[test]
    fn rejects_storage_the_channel_cannot_address() {
        let mut storage = [Ccw1::default(); 2];
        assert_eq!(
            ChannelProgram::with_base_address(&mut storage, 0x1004).err(),
            Some(ChannelProgramError::MisalignedCcwAddress { address: 0x1004 })
        );
        assert_eq!(
            ChannelProgram::with_base_address(&mut storage, 0x7FFF_FFF8).err(),
            Some(ChannelProgramError::StorageNotAddressable {
                address: 0x7FFF_FFF8
            })
        );
        let mut storage = [Ccw0::default(); 1];
        assert!(ChannelProgram::with_base_address(&mut storage, 0x00FF_FFF8).is_ok());
        assert!(ChannelProgram::with_base_address(&mut storage, 0x0100_0000).is_err());
    }

    #[test]
    fn zero_count_rules() {
        let mut storage = [Ccw1::default(); 4];
        let mut program = ChannelProgram::with_base_address(&mut storage, 0).unwrap();
        // Format 1: a zero count without data chaining is allowed.
        program.push(commands::NOOP, CcwFlags::CC, 0, 0).unwrap();
        assert_eq!(
            program.push(commands::READ, CcwFlags::CD, 0, 0x100),
            Err(ChannelProgramError::ZeroCount { index: 1 })
        );
        program
            .push(commands::READ, CcwFlags::CD, 4, 0x100)
            .unwrap();
        assert_eq!(
            program.push(commands::READ, CcwFlags::empty(), 0, 0x200),
            Err(ChannelProgramError::ZeroCount { index: 2 })
        );

        let mut storage = [Ccw0::default(); 2];
        let mut program = ChannelProgram::with_base_address(&mut storage, 0).unwrap();
        assert_eq!(
            program.push(commands::NOOP, CcwFlags::empty(), 0, 0),
            Err(ChannelProgramError::ZeroCount { index: 0 })
        );
    }

    #[test]
    fn rejects_invalid_commands_and_flags() {
        let mut storage = [Ccw1::default(); 2];
        let mut program = ChannelProgram::with_base_address(&mut storage, 0).unwrap();
        assert_eq!(
            program.push(0x10, CcwFlags::empty(), 1, 0),
            Err(ChannelProgramError::InvalidCommandCode {
                index: 0,
                command: 0x10
            })
        );
        assert_eq!(
            program.push(commands::READ, CcwFlags::IDA | CcwFlags::MIDA, 1, 0),
            Err(ChannelProgramError::InvalidFlags {
                index: 0,
                flags: CcwFlags::IDA | CcwFlags::MIDA
            })
        );
        let mut storage = [Ccw0::default(); 2];
        let mut program = ChannelProgram::with_base_address(&mut storage, 0).unwrap();
        assert_eq!(
            program.push(commands::READ, CcwFlags::MIDA, 1, 0),
            Err(ChannelProgramError::InvalidFlags {
                index: 0,
                flags: CcwFlags::MIDA
            })
        );
    }

    #[test]
    fn indirect_lists_must_be_aligned() {
        let mut storage = [Ccw1::default(); 4];
        let mut program = ChannelProgram::with_base_address(&mut storage, 0).unwrap();
        assert_eq!(
            program.push(commands::READ, CcwFlags::IDA, 8, 0x1002),
            Err(ChannelProgramError::MisalignedIndirectList {
                index: 0,
                address: 0x1002
            })
        );
        assert_eq!(
            program.push(commands::READ, CcwFlags::MIDA, 8, 0x1008),
            Err(ChannelProgramError::MisalignedIndirectList {
                index: 0,
                address: 0x1008
            })
        );
        assert!(program
            .push(commands::READ, CcwFlags::IDA | CcwFlags::CC, 8, 0x1004)
            .is_ok());
        assert!(program
            .push(commands::READ, CcwFlags::MIDA, 8, 0x1010)
            .is_ok());
        // Without IDA or MIDA, data may start on any byte.
        let mut storage = [Ccw1::default(); 1];
        let mut program = ChannelProgram::with_base_address(&mut storage, 0).unwrap();
        assert!(program
            .push(commands::READ, CcwFlags::empty(), 8, 0x1001)
            .is_ok());
    }

    #[test]
    fn rejects_chaining_off_the_end() {
        for flags in [CcwFlags::CC, CcwFlags::CD] {
            let mut storage = [Ccw1::default(); 2];
            let mut program = ChannelProgram::with_base_address(&mut storage, 0).unwrap();
            program.push(commands::READ, flags, 1, 0).unwrap();
            assert_eq!(
                program.finish(),
                Err(ChannelProgramError::ChainingOffEnd { index: 0 })
            );
        }
        let mut storage = [Ccw1::default(); 2];
        let program = ChannelProgram::with_base_address(&mut storage, 0).unwrap();
        assert_eq!(program.finish(), Err(ChannelProgramError::Empty));
    }

    #[test]
    fn tic_rules() {
        let mut storage = [Ccw1::default(); 4];
        let mut program = ChannelProgram::with_base_address(&mut storage, 0x800).unwrap();
        program.push(commands::NOOP, CcwFlags::CC, 0, 0).unwrap();
        program.push_tic(0).unwrap();
        // A TIC to the TIC just built.
        assert_eq!(
            program.push_tic(1),
            Err(ChannelProgramError::TicToTic {
                index: 2,
                target: 0x808
            })
        );
        // A TIC to itself.
        assert_eq!(
            program.push_tic(2),
            Err(ChannelProgramError::TicToTic {
                index: 2,
                target: 0x810
            })
        );
        assert_eq!(
            program.push_tic_to(0x804),
            Err(ChannelProgramError::MisalignedCcwAddress { address: 0x804 })
        );
        assert_eq!(
            program.push_tic(9),
            Err(ChannelProgramError::TicTargetOutsideProgram {
                index: 2,
                target: u32::MAX
            })
        );
        // A loop back to the first CCW is fine.
        let ccws = program.finish().unwrap();
        assert_eq!(ccws[1], Ccw1::tic(0x800));
    }

    #[test]
    fn forward_tics_are_checked_at_the_end() {
        let mut storage = [Ccw1::default(); 4];
        let mut program = ChannelProgram::with_base_address(&mut storage, 0).unwrap();
        program.push_tic(2).unwrap();
        program.push_tic_to(0x1000).unwrap();
        assert_eq!(
            program.finish(),
            Err(ChannelProgramError::TicTargetOutsideProgram {
                index: 0,
                target: 0x10
            })
        );

        let mut storage = [Ccw1::default(); 4];
        let mut program = ChannelProgram::with_base_address(&mut storage, 0).unwrap();
        program.push_tic(1).unwrap();
        program.push_tic(0).unwrap_err();
        program.push_tic_to(0x1000).unwrap();
        assert_eq!(
            program.finish(),
            Err(ChannelProgramError::TicToTic {
                index: 0,
                target: 0x8
            })
        );
    }

    #[test]
    fn push_ccw_checks_like_push() {
        let mut storage = [Ccw1::default(); 2];
        let mut program = ChannelProgram::with_base_address(&mut storage, 0).unwrap();
        let bad = Ccw1::new(commands::READ, CcwFlags::empty(), 1, 0x8000_0000);
        assert!(program.push_ccw(bad).is_err());
        let good = Ccw1::new(commands::READ, CcwFlags::SLI, 1, 0x1000);
        assert_eq!(program.push_ccw(good), Ok(0));
        assert_eq!(program.as_slice(), &[good]);
    }

    #[test]
    fn new_uses_the_storage_address() {
        let mut storage = [Ccw1::default(); 2];
        let address = storage.as_ptr() as usize as u64;
        match ChannelProgram::new(&mut storage) {
            Ok(program) => assert_eq!(u64::from(program.channel_program_address()), address),
            Err(e) => assert_eq!(e, ChannelProgramError::StorageNotAddressable { address }),
        }
    }
}
