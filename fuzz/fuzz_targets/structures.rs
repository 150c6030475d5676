#![no_main]
use libfuzzer_sys::fuzz_target;
fuzz_target!(|data: &[u8]| { let _ = s390_cio::structures::Crw::from_bytes(data); });
