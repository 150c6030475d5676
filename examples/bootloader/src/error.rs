//! Why a boot stops, and the disabled-wait code that says so.
//!
//! The bootloader never jumps unless every check passed: on any error it
//! prints `bootloader: error 0x2NN: MESSAGE` and stops in a disabled wait
//! whose address is the code (`s390_cio_boot::exit::stop`).
//!
//! | code  | error |
//! |-------|-------|
//! | 0x201 | no boot disk: no IPL device and no virtio-blk device, or the IPL device is not a usable virtio-blk disk |
//! | 0x202 | the disk could not be set up (virtio negotiation, queue) |
//! | 0x203 | a read failed |
//! | 0x204 | sector 0 does not start with the boot-map magic `S390CIOB` |
//! | 0x205 | unsupported boot-map version |
//! | 0x206 | no kernel in the boot map (length 0) |
//! | 0x207 | a component lies past the end of the disk (truncated image) |
//! | 0x208 | a component's CRC-32 does not match (corrupt) |
//! | 0x209 | the kernel is not an s390 Linux image (no `S390EP` at 0x10008) |
//! | 0x20a | a component does not fit the memory map, or storage is not channel-addressable |
//! | 0x20b | the command line is longer than the kernel accepts |

use core::fmt;
use s390_cio::devices::virtio::blk::BlkError;

/// A component of the boot map.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Component {
    /// The kernel image.
    Kernel,
    /// The initial RAM disk.
    Initrd,
    /// The kernel command line.
    CommandLine,
}

impl fmt::Display for Component {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Component::Kernel => "kernel",
            Component::Initrd => "initrd",
            Component::CommandLine => "command line",
        })
    }
}

/// Why the bootloader stopped.
#[derive(Debug)]
pub enum BootError {
    /// No disk to boot from (the reason says which).
    NoDisk(&'static str),
    /// The driver's storage or a read buffer is not channel-addressable
    /// (the reason says which).
    Storage(&'static str),
    /// The IPL device named by the IPL parameters is missing or not a
    /// virtio-blk disk.
    IplDeviceUnusable(u16),
    /// Setting up the virtio-blk device failed.
    DiskSetup(BlkError),
    /// A read starting at `sector` failed.
    Read {
        /// First sector of the read.
        sector: u64,
        /// What the driver said.
        error: BlkError,
    },
    /// Sector 0 has no boot-map magic.
    WrongMagic([u8; 8]),
    /// The boot map's version is not 1.
    UnsupportedVersion(u32),
    /// The boot map has no kernel.
    MissingKernel,
    /// A component ends past the last sector of the disk.
    Truncated {
        /// Which component.
        component: Component,
        /// Its last sector + 1.
        end_sector: u64,
        /// The disk's capacity in sectors.
        capacity: u64,
    },
    /// A component's CRC-32 differs from the boot map's.
    Corrupt {
        /// Which component.
        component: Component,
        /// What the boot map says.
        expected: u32,
        /// What was read.
        actual: u32,
    },
    /// The kernel has no `S390EP` mark at 0x10008.
    NotLinux,
    /// A component is larger than its place in memory.
    TooLarge {
        /// Which component.
        component: Component,
        /// Its length in bytes.
        length: u64,
        /// The room it has.
        room: u64,
    },
    /// The command line is longer than the kernel's limit.
    CommandLineTooLong {
        /// Its length in bytes.
        length: u64,
        /// The kernel's limit (including the terminating zero).
        limit: u64,
    },
}

impl BootError {
    /// The disabled-wait address for this error (table above).
    pub fn wait_code(&self) -> u64 {
        match self {
            BootError::NoDisk(_) | BootError::IplDeviceUnusable(_) => 0x201,
            BootError::DiskSetup(_) => 0x202,
            BootError::Read { .. } => 0x203,
            BootError::WrongMagic(_) => 0x204,
            BootError::UnsupportedVersion(_) => 0x205,
            BootError::MissingKernel => 0x206,
            BootError::Truncated { .. } => 0x207,
            BootError::Corrupt { .. } => 0x208,
            BootError::NotLinux => 0x209,
            BootError::TooLarge { .. } | BootError::Storage(_) => 0x20a,
            BootError::CommandLineTooLong { .. } => 0x20b,
        }
    }
}

impl fmt::Display for BootError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BootError::NoDisk(why) => write!(f, "no boot disk: {why}"),
            BootError::Storage(why) => write!(f, "storage not channel-addressable: {why}"),
            BootError::IplDeviceUnusable(devno) => {
                write!(f, "no boot disk: IPL device 0.0.{devno:04x} is not a virtio-blk disk")
            }
            BootError::DiskSetup(error) => write!(f, "disk setup failed: {error}"),
            BootError::Read { sector, error } => write!(f, "read at sector {sector} failed: {error}"),
            BootError::WrongMagic(found) => {
                write!(f, "wrong magic in sector 0: {found:02x?} (want \"S390CIOB\")")
            }
            BootError::UnsupportedVersion(version) => {
                write!(f, "unsupported boot map version {version} (want 1)")
            }
            BootError::MissingKernel => f.write_str("the boot map has no kernel"),
            BootError::Truncated {
                component,
                end_sector,
                capacity,
            } => write!(
                f,
                "truncated image: the {component} ends at sector {end_sector}, the disk has {capacity}"
            ),
            BootError::Corrupt {
                component,
                expected,
                actual,
            } => write!(
                f,
                "corrupt {component}: CRC-32 {actual:08x}, the boot map says {expected:08x}"
            ),
            BootError::NotLinux => {
                f.write_str("the kernel is not an s390 Linux image (no S390EP at 0x10008)")
            }
            BootError::TooLarge {
                component,
                length,
                room,
            } => write!(f, "the {component} ({length} bytes) does not fit in {room} bytes"),
            BootError::CommandLineTooLong { length, limit } => write!(
                f,
                "the command line ({length} bytes) is longer than the kernel's limit ({limit} with its zero)"
            ),
        }
    }
}
