//! One libFuzzer target over every byte decoder and builder of
//! `s390_cio::structures`.
//!
//! The first input byte picks the structure (modulo the number of cases),
//! the rest is its bytes, or, for the builders, the operations to apply.
//! Besides "never panics", each case checks cheap invariants so that the
//! fuzzer finds logic bugs too:
//!
//! - decoders: decode, re-encode, compare with the input bytes; decode the
//!   encoding again and compare values; every setter given its own getter's
//!   value leaves the structure as it was;
//! - [`ChannelProgram`]: each accepted CCW is stored as asked, and a program
//!   that `finish` accepts obeys the rules `finish` promises (last CCW does
//!   not chain, TICs into the storage land on built non-TIC CCWs);
//! - IDAW and MIDAW builders: the list covers exactly the requested bytes,
//!   in order, without an entry crossing its block boundary, and the
//!   builder fails exactly when an independent computation says it must.

#![no_main]

use libfuzzer_sys::fuzz_target;
use s390_cio::structures::{
    commands, format1_idaws, format2_idaws, midaws, BasicSense, Ccw, Ccw0, Ccw1, CcwFlags,
    ChannelProgram, ChannelProgramError, Ciw, CiwType, Crw, EckdSense, ErrorRecoveryCode, Esw,
    Format1Idaw, Format2Idaw, IdawBlockSize, IdawError, Irb, Midaw, MidawFlags, Orb,
    ReportingSource, Schib, Scsw, SenseId,
};

/// Reads little fixed-size values off the fuzz input; past its end every
/// value reads as zero, so any input drives a whole case.
struct Input<'a> {
    rest: &'a [u8],
}

impl<'a> Input<'a> {
    fn new(data: &'a [u8]) -> Self {
        Self { rest: data }
    }

    fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    fn bytes<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0u8; N];
        let n = N.min(self.rest.len());
        out[..n].copy_from_slice(&self.rest[..n]);
        self.rest = &self.rest[n..];
        out
    }

    fn u8(&mut self) -> u8 {
        self.bytes::<1>()[0]
    }

    fn u16(&mut self) -> u16 {
        u16::from_be_bytes(self.bytes())
    }

    fn u32(&mut self) -> u32 {
        u32::from_be_bytes(self.bytes())
    }

    fn u64(&mut self) -> u64 {
        u64::from_be_bytes(self.bytes())
    }

    /// An address: mostly near interesting boundaries, sometimes any value.
    fn address(&mut self) -> u64 {
        let selector = self.u8();
        let low = u64::from(self.u16());
        match selector % 6 {
            0 => low,
            1 => 0x7FFF_0000 + low,
            2 => 0x00FF_0000 + low,
            3 => 0xFFFF_FFFF_FFFF_0000 + low,
            4 => u64::from(self.u32()),
            _ => self.u64(),
        }
    }

    /// A buffer length: mostly small, sometimes anything.
    fn len(&mut self) -> usize {
        let selector = self.u8();
        match selector % 4 {
            0 => usize::from(self.u8()),
            1 | 2 => usize::from(self.u16()),
            _ => usize::try_from(self.u64()).unwrap_or(usize::MAX),
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    match selector % 12 {
        0 => scsw(rest),
        1 => irb(rest),
        2 => schib(rest),
        3 => crw(rest),
        4 => sense_id(rest),
        5 => sense(rest),
        6 => esw(rest),
        7 => orb(rest),
        8 => channel_program::<Ccw1>(rest),
        9 => channel_program::<Ccw0>(rest),
        10 => idaws(rest),
        _ => midaw_list(rest),
    }
});

/// The fields of an SCSW survive decode, encode and their own setters.
fn check_scsw(s: Scsw) {
    assert_eq!(Scsw::from_words(s.words()), s);
    assert_eq!(Scsw::from_byte_array(*s.as_bytes()), s);
    assert_eq!(s.with_key(s.key()), s);
    assert_eq!(s.with_suspend_control(s.suspend_control()), s);
    assert_eq!(s.with_format0_esw(s.has_format0_esw()), s);
    assert_eq!(s.with_deferred_cc(s.deferred_cc()), s);
    assert_eq!(s.with_format1(s.is_format1()), s);
    assert_eq!(s.with_prefetch(s.prefetch()), s);
    assert_eq!(
        s.with_initial_status_interruption(s.initial_status_interruption()),
        s
    );
    assert_eq!(s.with_address_limit_checking(s.address_limit_checking()), s);
    assert_eq!(
        s.with_suppress_suspended_interruption(s.suppress_suspended_interruption()),
        s
    );
    assert_eq!(s.with_zero_condition_code(s.zero_condition_code()), s);
    assert_eq!(s.with_extended_control(s.extended_control()), s);
    assert_eq!(s.with_path_not_operational(s.path_not_operational()), s);
    assert_eq!(s.with_ccw_address(s.ccw_address()), s);
    assert_eq!(s.with_device_status(s.device_status()), s);
    assert_eq!(s.with_subchannel_status(s.subchannel_status()), s);
    assert_eq!(s.with_residual_count(s.residual_count()), s);
    // Flag sets drop bits that name no flag: compare the flags only.
    let fc = s.function_control();
    assert_eq!(s.with_function_control(fc).function_control(), fc);
    let ac = s.activity_control();
    assert_eq!(s.with_activity_control(ac).activity_control(), ac);
    let sc = s.status_control();
    assert_eq!(s.with_status_control(sc).status_control(), sc);
    assert_eq!(s.words()[1], s.ccw_address());
    assert!(s.deferred_cc() < 4);
    if let Some(cc) = s.deferred_condition() {
        assert!(cc < 4);
    }
    let _ = (
        s.is_transport_mode(false),
        s.is_transport_mode(true),
        s.interrogate_complete(),
        s.is_status_pending(),
        s.is_alert(),
        s.is_intermediate(),
        s.is_primary(),
        s.is_secondary(),
        s.is_start_pending(),
        s.is_halt_pending(),
        s.is_clear_pending(),
        s.is_resume_pending(),
        s.is_subchannel_active(),
        s.is_device_active(),
        s.is_suspended(),
        s.tcw_address(),
        s.fcx_status(),
    );
    let _ = format!("{s:?}");
}

fn scsw(data: &[u8]) {
    match Scsw::from_bytes(data) {
        Ok(s) => {
            assert_eq!(&s.as_bytes()[..], &data[..12]);
            check_scsw(s);
        }
        Err(_) => assert!(data.len() < 12),
    }
}

fn check_esw(e: Esw) {
    assert_eq!(Esw::from_byte_array(*e.as_bytes()), e);
    assert_eq!(e.with_subchannel_logout(e.subchannel_logout()), e);
    assert_eq!(e.with_extended_report_word(e.extended_report_word()), e);
    let logout = e.subchannel_logout();
    let _ = (
        logout.raw(),
        logout.extended_status_flags(),
        logout.lpum(),
        logout.ancillary_report(),
        logout.field_validity(),
        logout.storage_access(),
        logout.termination_code(),
        logout.device_status_check(),
        logout.secondary_error(),
        logout.io_error_alert(),
        logout.sequence_code(),
    );
    let erw = e.extended_report_word();
    let _ = (
        erw.request_logging_only(),
        erw.extended_logout_pending(),
        erw.authorization_check(),
        erw.path_verification_required(),
        erw.channel_path_timeout(),
        erw.sense_count(),
        erw.secondary_ccw_address_valid(),
    );
    let with_sense = erw.with_concurrent_sense(erw.sense_count());
    assert!(with_sense.concurrent_sense());
    assert_eq!(with_sense.sense_count(), erw.sense_count().min(32));
    assert_eq!(
        e.failing_storage_address().is_some(),
        erw.failing_storage_address_valid()
    );
    if let Some(address) = e.failing_storage_address() {
        if !erw.failing_storage_address_is_64_bit() {
            assert!(address <= 0x7FFF_FFFF);
        }
    }
    assert_eq!(
        e.secondary_ccw_address().is_some(),
        erw.secondary_ccw_address_valid()
    );
    let _ = (e.lpum(), format!("{e:?}"), format!("{logout:?} {erw:?}"));
}

fn irb(data: &[u8]) {
    match Irb::from_bytes(data) {
        Ok(irb) => {
            let n = data.len().min(Irb::SIZE);
            let image = irb.to_bytes();
            assert_eq!(&image[..n], &data[..n]);
            assert!(image[n..].iter().all(|&b| b == 0));
            assert_eq!(Irb::from_byte_array(image), irb);
            assert_eq!(Irb::from_bytes(&image), Ok(irb));
            check_scsw(irb.scsw);
            check_esw(irb.esw);
            let erw = irb.esw.extended_report_word();
            match irb.concurrent_sense() {
                None => assert!(!erw.concurrent_sense()),
                Some(sense) => {
                    assert!(erw.concurrent_sense());
                    assert!(!sense.is_empty() && sense.len() <= 32);
                    assert_eq!(sense, &irb.ecw[..sense.len()]);
                    if erw.sense_count() != 0 {
                        assert_eq!(sense.len(), usize::from(erw.sense_count()).min(32));
                    }
                }
            }
            let _ = format!("{irb:?}");
        }
        Err(_) => assert!(data.len() < Irb::SIZE_WITHOUT_EMW),
    }
}

fn schib(data: &[u8]) {
    let Ok(schib) = Schib::from_bytes(data) else {
        assert!(data.len() < 52);
        return;
    };
    assert_eq!(&schib.to_bytes()[..], &data[..52]);
    assert_eq!(Schib::from_byte_array(&schib.to_bytes()), schib);
    check_scsw(schib.scsw);
    let p = schib.pmcw;
    let mut q = p;
    q.set_interruption_parameter(p.interruption_parameter());
    q.set_isc(p.isc());
    q.set_enabled(p.is_enabled());
    q.set_limit_mode(p.limit_mode());
    q.set_multipath_mode(p.multipath_mode());
    q.set_timing_facility(p.timing_facility());
    q.set_device_number_valid(p.is_device_number_valid());
    q.set_device_number(p.device_number());
    q.set_lpm(p.lpm());
    q.set_pnom(p.pnom());
    q.set_lpum(p.lpum());
    q.set_pim(p.pim());
    q.set_mbi(p.mbi());
    q.set_pom(p.pom());
    q.set_pam(p.pam());
    q.set_chpids(p.chpids());
    q.set_subchannel_type(p.subchannel_type());
    q.set_measurement_block_format(p.measurement_block_format());
    q.set_extended_measurement_word_mode(p.extended_measurement_word_mode());
    q.set_concurrent_sense(p.concurrent_sense());
    assert_eq!(q, p, "PMCW setters changed bits they do not own");
    // Flag set: compare the flags only.
    let mm = p.measurement_mode();
    q.set_measurement_mode(mm);
    assert_eq!(q.measurement_mode(), mm);
    assert!(p.isc().value() < 8);
    assert_eq!(p.isc().cr6_mask().count_ones(), 1);
    let _ = format!("{schib:?}");
}

fn crw(data: &[u8]) {
    let Ok(c) = Crw::from_bytes(data) else {
        assert!(data.len() < 4);
        return;
    };
    assert_eq!(&c.as_bytes()[..], &data[..4]);
    assert_eq!(Crw::from_raw(c.raw()), c);
    assert_eq!(c.raw().to_be_bytes(), *c.as_bytes());
    assert_eq!(c.with_solicited(c.solicited()), c);
    assert_eq!(c.with_overflow(c.overflow()), c);
    assert_eq!(c.with_chained(c.chained()), c);
    assert_eq!(c.with_ancillary_report(c.ancillary_report()), c);
    let source = c.reporting_source();
    let erc = c.error_recovery();
    assert_eq!(ReportingSource::from_code(source.code()), source);
    assert_eq!(ErrorRecoveryCode::from_code(erc.code()), erc);
    let rebuilt = Crw::new(source, erc, c.reporting_source_id())
        .with_solicited(c.solicited())
        .with_overflow(c.overflow())
        .with_chained(c.chained())
        .with_ancillary_report(c.ancillary_report());
    // Bits 0 and 9 are reserved: the rebuilt CRW has them zero.
    assert_eq!(rebuilt.raw(), c.raw() & !0x8040_0000);
    let _ = (c.is_empty(), format!("{c:?}"));
}

fn sense_id(data: &[u8]) {
    let id = match SenseId::from_bytes(data) {
        Ok(id) => id,
        Err(_) => {
            assert!(data.len() < 4 || data[0] != 0xFF);
            return;
        }
    };
    let n = data.len().min(SenseId::BUFFER_LEN);
    assert_eq!(id.as_bytes(), &data[..n]);
    assert_eq!(id.len(), n);
    assert!(!id.is_empty());
    assert_eq!(SenseId::from_bytes(id.as_bytes()), Ok(id));
    assert_eq!(
        id.control_unit_type(),
        u16::from_be_bytes([data[1], data[2]])
    );
    assert_eq!(id.control_unit_model(), data[3]);
    let mut count = 0;
    for (i, ciw) in id.ciws().enumerate() {
        let at = 8 + 4 * i;
        let image = &data[at..at + 4];
        assert_eq!(&ciw.to_bytes()[1..], &image[1..]);
        assert_eq!(ciw.to_bytes()[0] & 0xCF, image[0] & 0xCF);
        assert_eq!(Ciw::from_bytes(ciw.to_bytes()), Some(ciw));
        assert_eq!(CiwType::from_code(ciw.kind.code()), ciw.kind);
        // The first CIW of a kind is the one `ciw` finds.
        let first = id.ciws().find(|c| c.kind == ciw.kind);
        assert_eq!(id.ciw(ciw.kind), first);
        count = i + 1;
    }
    assert!(count == 0 || 8 + 4 * count <= n);
    // The CIWs stop at the first word without the `01` tag, or at the end.
    if let Some(next) = data[..n].get(8 + 4 * count..8 + 4 * count + 4) {
        assert_ne!(next[0] & 0xC0, 0x40);
    }
    let _ = (id.device_type(), id.device_model(), format!("{id:?}"));
}

fn sense(data: &[u8]) {
    match BasicSense::from_bytes(data) {
        Ok(s) => {
            assert_eq!(s.byte0, data[0]);
            assert_eq!(s.byte1, data.get(1).copied());
            let _ = s.flags();
        }
        Err(_) => assert!(data.is_empty()),
    }
    match EckdSense::from_bytes(data) {
        Ok(s) => {
            let n = data.len().min(EckdSense::LEN);
            assert_eq!(&s.as_bytes()[..n], &data[..n]);
            assert!(s.as_bytes()[n..].iter().all(|&b| b == 0));
            assert_eq!(EckdSense::from_bytes(s.as_bytes()), Ok(s));
            let _ = (
                s.flags(),
                s.byte1(),
                s.environmental_data_present(),
                s.is_24_byte_format(),
                s.format(),
                s.message(),
                s.program_action_code(),
                s.reason(),
                format!("{s:?}"),
            );
        }
        Err(_) => assert!(data.len() < EckdSense::MIN_LEN),
    }
}

fn esw(data: &[u8]) {
    check_esw(Esw::from_byte_array(Input::new(data).bytes()));
}

fn orb(data: &[u8]) {
    let o = Orb::from_byte_array(Input::new(data).bytes());
    assert_eq!(Orb::from_byte_array(*o.as_bytes()), o);
    assert_eq!(o.with_interruption_parameter(o.interruption_parameter()), o);
    assert_eq!(o.with_key(o.key()), o);
    assert_eq!(o.with_suspend_control(o.suspend_control()), o);
    assert_eq!(o.with_streaming_mode(o.streaming_mode()), o);
    assert_eq!(o.with_modification_control(o.modification_control()), o);
    assert_eq!(
        o.with_synchronization_control(o.synchronization_control()),
        o
    );
    assert_eq!(o.with_format1(o.is_format1()), o);
    assert_eq!(o.with_prefetch(o.prefetch()), o);
    assert_eq!(
        o.with_initial_status_interruption(o.initial_status_interruption()),
        o
    );
    assert_eq!(o.with_address_limit_checking(o.address_limit_checking()), o);
    assert_eq!(
        o.with_suppress_suspended_interruption(o.suppress_suspended_interruption()),
        o
    );
    assert_eq!(o.with_transport_mode(o.is_transport_mode()), o);
    assert_eq!(o.with_format2_idaws(o.format2_idaws()), o);
    assert_eq!(o.with_2k_idaws(o.idaws_2k()), o);
    assert_eq!(o.with_lpm(o.lpm()), o);
    assert_eq!(
        o.with_incorrect_length_suppression(o.incorrect_length_suppression()),
        o
    );
    assert_eq!(o.with_mida(o.mida()), o);
    assert_eq!(o.with_orb_extension(o.orb_extension()), o);
    assert_eq!(
        o.with_channel_program_address(o.channel_program_address()),
        o
    );
    assert_eq!(
        o.with_channel_subsystem_priority(o.channel_subsystem_priority()),
        o
    );
    assert_eq!(o.with_control_unit_priority(o.control_unit_priority()), o);
    // An ORB with no reserved bit set is exactly what the builder makes
    // from its fields.
    if o.reserved_bits_are_zero() && !o.orb_extension() {
        let rebuilt = Orb::new(o.channel_program_address())
            .with_interruption_parameter(o.interruption_parameter())
            .with_key(o.key())
            .with_suspend_control(o.suspend_control())
            .with_streaming_mode(o.streaming_mode())
            .with_modification_control(o.modification_control())
            .with_synchronization_control(o.synchronization_control())
            .with_format1(o.is_format1())
            .with_prefetch(o.prefetch())
            .with_initial_status_interruption(o.initial_status_interruption())
            .with_address_limit_checking(o.address_limit_checking())
            .with_suppress_suspended_interruption(o.suppress_suspended_interruption())
            .with_transport_mode(o.is_transport_mode())
            .with_format2_idaws(o.format2_idaws())
            .with_2k_idaws(o.idaws_2k())
            .with_lpm(o.lpm())
            .with_incorrect_length_suppression(o.incorrect_length_suppression())
            .with_mida(o.mida());
        assert_eq!(&rebuilt.as_bytes()[..12], &o.as_bytes()[..12]);
    }
    let _ = format!("{o:?}");
}

/// Drives a [`ChannelProgram`] of `C` with operations decoded from `data`.
fn channel_program<C: Ccw + Default + PartialEq + core::fmt::Debug>(data: &[u8]) {
    let mut input = Input::new(data);
    let capacity = usize::from(input.u8() % 9);
    let base = match input.u8() % 4 {
        0 => u32::from(input.u16()) * 8,
        1 => input.u32(),
        2 => (C::DATA_ADDRESS_LIMIT + 1).wrapping_sub(u32::from(input.u8()) * 8),
        _ => u32::from(input.u16()),
    };
    let mut storage = [C::default(); 8];
    let storage = &mut storage[..capacity];
    let mut program = match ChannelProgram::with_base_address(storage, base) {
        Ok(program) => program,
        Err(error) => {
            let end = u64::from(base) + 8 * capacity as u64;
            assert!(
                base % 8 != 0 || end > u64::from(C::DATA_ADDRESS_LIMIT) + 1,
                "storage at {base:#x}+{capacity} refused: {error:?}"
            );
            return;
        }
    };
    assert_eq!(program.channel_program_address(), base);
    assert_eq!(program.capacity(), capacity);
    for i in 0..capacity {
        assert_eq!(program.address_of(i), Some(base + 8 * i as u32));
    }
    assert_eq!(program.address_of(capacity), None);
    let mut ops = 0;
    while !input.is_empty() && ops < 16 {
        ops += 1;
        let before = program.len();
        let op = input.u8();
        let (result, expect) = match op % 8 {
            0 => {
                let target = usize::from(input.u8() % 10);
                let expect = program.address_of(target).map(|a| (commands::TIC, 0, a));
                (program.push_tic(target), expect)
            }
            1 => {
                let target = input.u32();
                (
                    program.push_tic_to(target),
                    Some((commands::TIC, 0, target)),
                )
            }
            _ => {
                let command = input.u8();
                let flags = CcwFlags::from_bits(input.u8());
                let count = if op & 0x80 != 0 { 0 } else { input.u16() };
                let address = match op % 3 {
                    0 => input.address(),
                    _ => u64::from(input.u16()) & !0xF,
                };
                let result = program.push(command, flags, count, address);
                if let Ok(index) = result {
                    assert_eq!(program.as_slice()[index].flags(), flags);
                }
                let expect = u32::try_from(address).ok().map(|a| (command, count, a));
                (result, expect)
            }
        };
        match result {
            Ok(index) => {
                assert_eq!(index, before);
                assert_eq!(program.len(), before + 1);
                let ccw = program.as_slice()[index];
                let (command, count, address) = expect.expect("accepted an unrepresentable CCW");
                assert_eq!(ccw.command(), command);
                assert_eq!(ccw.count(), count);
                assert_eq!(ccw.data_address(), address);
                assert!(address <= C::DATA_ADDRESS_LIMIT);
                if ccw.is_tic() {
                    assert_eq!(address % 8, 0, "TIC to a misaligned address");
                }
            }
            Err(error) => {
                assert_eq!(program.len(), before, "failed push changed the program");
                if let ChannelProgramError::Full { capacity: c } = error {
                    assert_eq!(c, capacity);
                    assert_eq!(before, capacity);
                }
                let _ = format!("{error}");
            }
        }
    }
    let built: Vec<C> = program.as_slice().to_vec();
    match program.finish() {
        Ok(ccws) => {
            assert_eq!(ccws, &built[..]);
            let last = ccws.last().expect("finished an empty program");
            assert!(last.is_tic() || !last.flags().intersects(CcwFlags::CD | CcwFlags::CC));
            for ccw in ccws.iter().filter(|c| c.is_tic()) {
                let target = ccw.data_address();
                let Some(offset) = target.checked_sub(base) else {
                    continue;
                };
                let index = (offset / 8) as usize;
                if offset % 8 == 0 && index < capacity {
                    let t = ccws.get(index).expect("TIC to an unbuilt CCW");
                    assert!(!t.is_tic(), "TIC to a TIC");
                }
            }
        }
        Err(error) => {
            let _ = format!("{error}");
        }
    }
}

/// Which entries the independent model says `(address, len)` needs in
/// `block`-sized blocks under `limit`, or `None` if not representable.
fn blocks_needed(address: u64, len: usize, block: u64, limit: u64) -> Option<u128> {
    let last = u128::from(address) + (len as u128).saturating_sub(1);
    if last > u128::from(limit) {
        return None;
    }
    Some(last / u128::from(block) - u128::from(address / block) + 1)
}

/// Checks an IDAW list against the buffer it describes.
fn check_idaws(address: u64, len: usize, block: u64, entries: &[u64]) {
    assert_eq!(entries.first(), Some(&address));
    let mut covered: u128 = 0;
    let end = u128::from(address) + len as u128;
    for (i, &entry) in entries.iter().enumerate() {
        if i > 0 {
            assert_eq!(entry % block, 0, "IDAW {i} not on a block boundary");
            assert_eq!(entry, (entries[i - 1] / block + 1) * block);
        }
        let block_end = u128::from(entry / block + 1) * u128::from(block);
        let piece = block_end.min(end).saturating_sub(u128::from(entry));
        if i + 1 < entries.len() {
            assert!(piece > 0);
        }
        covered += piece;
    }
    assert_eq!(covered, len as u128, "IDAWs cover the wrong length");
}

fn idaws(data: &[u8]) {
    let mut input = Input::new(data);
    let kind = input.u8();
    let address = input.address();
    let len = input.len();
    let capacity = usize::from(input.u8() % 40);
    match kind % 3 {
        0 => {
            let mut out = [Format1Idaw::default(); 40];
            let limit = u64::from(Format1Idaw::ADDRESS_LIMIT);
            let needed = blocks_needed(address, len, Format1Idaw::BLOCK_SIZE, limit);
            match format1_idaws(address, len, &mut out[..capacity]) {
                Ok(list) => {
                    assert_eq!(Some(list.len() as u128), needed);
                    let entries: Vec<u64> = list.iter().map(|i| u64::from(i.address())).collect();
                    assert!(entries.iter().all(|&a| a <= limit));
                    check_idaws(address, len, Format1Idaw::BLOCK_SIZE, &entries);
                }
                Err(IdawError::DoesNotFit {
                    needed: n,
                    capacity: c,
                }) => {
                    assert_eq!(c, capacity);
                    assert!(needed.is_some_and(|x| x > capacity as u128 && n > capacity));
                }
                Err(IdawError::AddressNotRepresentable { .. }) => assert_eq!(needed, None),
                Err(other) => panic!("format-1 IDAWs: unexpected {other:?}"),
            }
        }
        k => {
            let size = if k == 1 {
                IdawBlockSize::Size2K
            } else {
                IdawBlockSize::Size4K
            };
            let block = size.bytes();
            let mut out = [Format2Idaw::default(); 40];
            let needed = blocks_needed(address, len, block, u64::MAX);
            match format2_idaws(address, len, size, &mut out[..capacity]) {
                Ok(list) => {
                    assert_eq!(Some(list.len() as u128), needed);
                    let entries: Vec<u64> = list.iter().map(|i| i.address()).collect();
                    for (idaw, &a) in list.iter().zip(&entries) {
                        assert_eq!(idaw.as_bytes(), &a.to_be_bytes());
                    }
                    check_idaws(address, len, block, &entries);
                }
                Err(IdawError::DoesNotFit {
                    needed: n,
                    capacity: c,
                }) => {
                    assert_eq!(c, capacity);
                    assert!(needed.is_some_and(|x| x > capacity as u128 && n > capacity));
                }
                Err(IdawError::AddressNotRepresentable { .. }) => assert_eq!(needed, None),
                Err(other) => panic!("format-2 IDAWs: unexpected {other:?}"),
            }
        }
    }
}

fn midaw_list(data: &[u8]) {
    let mut input = Input::new(data);
    let capacity = usize::from(input.u8() % 40);
    let count = usize::from(input.u8() % 6);
    let buffers: Vec<(u64, usize)> = (0..count).map(|_| (input.address(), input.len())).collect();
    // The independent model: the pieces each buffer needs, or why it fails.
    let mut model: Result<u128, IdawError> = Ok(0);
    for (index, &(address, len)) in buffers.iter().enumerate() {
        if len == 0 {
            model = Err(IdawError::EmptyBuffer { index });
            break;
        }
        match blocks_needed(address, len, Midaw::BOUNDARY, u64::MAX) {
            Some(n) => model = model.map(|total| total + n),
            None => {
                model = Err(IdawError::AddressNotRepresentable { address: u64::MAX });
                break;
            }
        }
    }
    let mut out = vec![Midaw::default(); capacity];
    match midaws(&buffers, &mut out) {
        Ok(list) => {
            let total = model.expect("MIDAWs built for an invalid buffer list");
            assert_eq!(list.len() as u128, total);
            let mut pieces = list.iter();
            for &(address, len) in &buffers {
                let mut next = address;
                let mut left = len;
                while left > 0 {
                    let m = pieces.next().expect("too few MIDAWs");
                    assert_eq!(m.data_address(), next);
                    let count = usize::from(m.count());
                    assert!(count > 0 && count <= left, "MIDAW count {count} of {left}");
                    let last = m.data_address() + (count as u64 - 1);
                    assert_eq!(
                        m.data_address() / Midaw::BOUNDARY,
                        last / Midaw::BOUNDARY,
                        "MIDAW crosses a 4K boundary"
                    );
                    left -= count;
                    next = next.wrapping_add(count as u64);
                }
            }
            assert!(pieces.next().is_none(), "too many MIDAWs");
            for (i, m) in list.iter().enumerate() {
                let expected = if i + 1 == list.len() {
                    MidawFlags::LAST
                } else {
                    MidawFlags::empty()
                };
                assert_eq!(m.flags(), expected);
                assert_eq!(&m.as_bytes()[..5], &[0; 5]);
            }
        }
        Err(IdawError::DoesNotFit { capacity: c, .. }) => {
            assert_eq!(c, capacity);
            assert!(model.is_ok_and(|total| total > capacity as u128));
        }
        Err(IdawError::EmptyBuffer { index }) => {
            assert_eq!(model, Err(IdawError::EmptyBuffer { index }));
        }
        Err(IdawError::AddressNotRepresentable { .. }) => {
            assert!(matches!(
                model,
                Err(IdawError::AddressNotRepresentable { .. })
            ));
        }
        Err(other) => panic!("MIDAWs: unexpected {other:?}"),
    }
}
