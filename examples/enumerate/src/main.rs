//! Lists every device in subchannel set 0: subchannel, device number,
//! control-unit type and model, device type and model (from SENSE ID).
//!
//! `cargo xtask run` boots it in QEMU with two virtio-blk disks and a
//! virtio-net card at chosen device numbers. It exits with success when it
//! found at least one device and identified every device it found.
#![no_std]
#![no_main]

use s390_cio::css::Cpu;
use s390_cio::discovery::{self, Device};
use s390_cio::structures::Isc;
use s390_cio_boot::exit::ExitCode;
use s390_cio_boot::{entry, println};

/// Room for the devices of a small machine.
const MAX_DEVICES: usize = 64;

fn main() -> ExitCode {
    let Some(isc) = Isc::new(3) else {
        return ExitCode::Failure;
    };
    let devices = discovery::discover::<_, MAX_DEVICES>(&Cpu, 0, isc);
    println!("subchannel  devno  cu type/model  device type/model");
    let mut identified = 0;
    for device in &devices {
        print_device(device);
        identified += usize::from(device.identity.is_ok());
    }
    println!("{} devices, {} identified", devices.len(), identified);
    if !devices.is_empty() && identified == devices.len() {
        ExitCode::Success
    } else {
        ExitCode::Failure
    }
}

fn print_device(device: &Device) {
    match &device.identity {
        Ok(identity) => println!(
            "{}    {:04x}   {:04x}/{:02x}        {:04x}/{:02x}",
            device.subchannel,
            device.device_number,
            identity.control_unit_type,
            identity.control_unit_model,
            identity.device_type.unwrap_or(0),
            identity.device_model.unwrap_or(0),
        ),
        Err(error) => println!(
            "{}    {:04x}   SENSE ID failed: {}",
            device.subchannel, device.device_number, error
        ),
    }
}

entry!(main);
