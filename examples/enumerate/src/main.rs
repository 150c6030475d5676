#![no_std]
#![no_main]
fn main() -> s390_cio_boot::exit::ExitCode { s390_cio_boot::exit::ExitCode::Success }
s390_cio_boot::entry!(main);
