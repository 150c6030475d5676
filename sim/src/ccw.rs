//! Fetching and checking CCWs (PoP, chapter 15, "Channel-Command Word",
//! "Transfer in Channel", "Program Check").

use s390_cio::structures::{Ccw0, Ccw1, CcwFlags, CcwFormat, CommandType, Orb, SubchannelStatus};

use crate::memory::Memory;

/// The ORB controls the channel needs while it runs a program.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ChannelContext {
    pub format1: bool,
    pub format2_idaws: bool,
    pub idaws_2k: bool,
    pub mida: bool,
    pub suspend_control: bool,
}

impl ChannelContext {
    pub fn from_orb(orb: &Orb) -> Self {
        Self {
            format1: orb.is_format1(),
            format2_idaws: orb.format2_idaws(),
            idaws_2k: orb.idaws_2k(),
            mida: orb.mida(),
            suspend_control: orb.suspend_control(),
        }
    }

    pub fn format(&self) -> CcwFormat {
        if self.format1 {
            CcwFormat::Format1
        } else {
            CcwFormat::Format0
        }
    }
}

/// A CCW of either format, decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DecodedCcw {
    pub command: u8,
    pub flags: CcwFlags,
    pub count: u16,
    pub data_address: u32,
}

/// A program check found at the CCW at `address`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CcwCheck {
    pub address: u32,
    pub status: SubchannelStatus,
}

fn check(address: u32) -> CcwCheck {
    CcwCheck {
        address,
        status: SubchannelStatus::PROGRAM_CHECK,
    }
}

fn read_ccw(
    memory: &Memory,
    context: &ChannelContext,
    address: u32,
) -> Result<DecodedCcw, CcwCheck> {
    // Format 1: bit 0 of a CCW address must be zero; format 0: 24 bits.
    let limit = if context.format1 {
        0x7FFF_FFFF
    } else {
        0x00FF_FFFF
    };
    if !address.is_multiple_of(8) || address > limit {
        return Err(check(address));
    }
    let bytes: [u8; 8] = memory
        .read_array(u64::from(address))
        .map_err(|_| check(address))?;
    Ok(if context.format1 {
        let c = Ccw1::from_byte_array(bytes);
        DecodedCcw {
            command: c.command(),
            flags: c.flags(),
            count: c.count(),
            data_address: c.data_address(),
        }
    } else {
        let c = Ccw0::from_byte_array(bytes);
        DecodedCcw {
            command: c.command(),
            flags: c.flags(),
            count: c.count(),
            data_address: c.data_address(),
        }
    })
}

/// Fetches the CCW at `address`, following a TIC, and checks it as the
/// PoP requires of a CCW that is `data_chained` (reached by data chaining)
/// or not. Returns the address of the CCW actually used and the CCW.
pub(crate) fn fetch_ccw(
    memory: &Memory,
    context: &ChannelContext,
    address: u32,
    data_chained: bool,
) -> Result<(u32, DecodedCcw), CcwCheck> {
    let format = context.format();
    let mut address = address;
    let mut ccw = read_ccw(memory, context, address)?;
    if CommandType::of(ccw.command, format) == CommandType::TransferInChannel {
        // Format 1: bit 0 of the TIC's address must be zero.
        if context.format1 && ccw.data_address & 0x8000_0000 != 0 {
            return Err(check(address));
        }
        address = ccw.data_address;
        ccw = read_ccw(memory, context, address)?;
        if CommandType::of(ccw.command, format) == CommandType::TransferInChannel {
            return Err(check(address));
        }
    }
    validate(context, address, &ccw, data_chained)?;
    Ok((address, ccw))
}

fn validate(
    context: &ChannelContext,
    address: u32,
    ccw: &DecodedCcw,
    data_chained: bool,
) -> Result<(), CcwCheck> {
    let flags = ccw.flags;
    // The command code of a data-chained CCW is ignored.
    if !data_chained && CommandType::of(ccw.command, context.format()) == CommandType::Invalid {
        return Err(check(address));
    }
    let zero_count_invalid = !context.format1 || data_chained || flags.chain_data();
    if ccw.count == 0 && zero_count_invalid {
        return Err(check(address));
    }
    if context.format1 && ccw.data_address & 0x8000_0000 != 0 {
        return Err(check(address));
    }
    let mida = flags.modified_indirect_data_addressing();
    if mida
        && (!context.format1 || !context.mida || flags.indirect_data_addressing() || flags.skip())
    {
        return Err(check(address));
    }
    if !data_chained && flags.suspend() && !context.suspend_control {
        return Err(check(address));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use s390_cio::structures::commands;

    fn context() -> ChannelContext {
        ChannelContext::from_orb(&Orb::new(0))
    }

    fn memory_with(ccws: &[Ccw1]) -> Memory {
        let mut m = Memory::new(0x10000);
        m.write_ccw1s(0x100, ccws).unwrap();
        m
    }

    #[test]
    fn follows_one_tic() {
        let read = Ccw1::new(commands::READ, CcwFlags::empty(), 4, 0x800);
        let m = memory_with(&[Ccw1::tic(0x110), read, read]);
        let (address, ccw) = fetch_ccw(&m, &context(), 0x100, false).unwrap();
        assert_eq!(address, 0x110);
        assert_eq!(ccw.count, 4);
    }

    #[test]
    fn program_checks() {
        let ok = Ccw1::new(commands::READ, CcwFlags::empty(), 4, 0x800);
        let cases = [
            (Ccw1::tic(0x100), 0x100),
            (Ccw1::new(0x00, CcwFlags::empty(), 4, 0x800), 0x100),
            (Ccw1::new(0x18, CcwFlags::empty(), 4, 0x800), 0x100),
            (Ccw1::new(commands::READ, CcwFlags::CD, 0, 0x800), 0x100),
            (
                Ccw1::new(commands::READ, CcwFlags::empty(), 4, 0x8000_0800),
                0x100,
            ),
            (Ccw1::new(commands::READ, CcwFlags::MIDA, 4, 0x800), 0x100),
            (Ccw1::new(commands::READ, CcwFlags::S, 4, 0x800), 0x100),
            (Ccw1::tic(0x104), 0x104),
        ];
        for (ccw, failing) in cases {
            let m = memory_with(&[ccw, ok]);
            assert_eq!(
                fetch_ccw(&m, &context(), 0x100, false),
                Err(check(failing)),
                "{ccw:?}"
            );
        }
        let m = memory_with(&[ok]);
        assert_eq!(
            fetch_ccw(&m, &context(), 0x20_0000, false),
            Err(check(0x20_0000))
        );
        assert_eq!(fetch_ccw(&m, &context(), 0x104, false), Err(check(0x104)));
    }

    #[test]
    fn data_chained_ccws_ignore_the_command_code() {
        let m = memory_with(&[Ccw1::new(0x00, CcwFlags::empty(), 4, 0x800)]);
        assert!(fetch_ccw(&m, &context(), 0x100, true).is_ok());
        let m = memory_with(&[Ccw1::new(0x00, CcwFlags::empty(), 0, 0x800)]);
        assert!(fetch_ccw(&m, &context(), 0x100, true).is_err());
    }

    #[test]
    fn format0_needs_a_count() {
        let mut m = Memory::new(0x1000);
        let ctx = ChannelContext::from_orb(&Orb::new(0).with_format1(false));
        let ccw = Ccw0::new(commands::NOOP, CcwFlags::empty(), 0, 0).unwrap();
        m.write_ccw0(0x100, ccw).unwrap();
        assert!(fetch_ccw(&m, &ctx, 0x100, false).is_err());
        let ccw = Ccw0::new(commands::NOOP, CcwFlags::empty(), 1, 0).unwrap();
        m.write_ccw0(0x100, ccw).unwrap();
        assert_eq!(fetch_ccw(&m, &ctx, 0x100, false).unwrap().1.count, 1);
    }
}
