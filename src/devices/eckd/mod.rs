//! ECKD DASD: IBM 3390 volumes behind a 3990 (or compatible) storage
//! control (IBM 3990/9390 Storage Control Reference; IBM 3390 Direct
//! Access Storage Reference).
//!
//! - [`geometry`]: Read Device Characteristics decoded to cylinders,
//!   heads and records per track; track and record addresses (CCHH,
//!   CCHHR).
//! - [`program`]: Define Extent and Locate Record parameters, the command
//!   codes, and channel programs laid out in a [`ProgramArea`] with their
//!   data reached directly, by IDAWs or by MIDAWs.
//! - [`error`]: the 32-byte sense of a unit check as a [`Condition`], and
//!   which conditions are retried.
//! - [`dasd`]: the driver, [`EckdDasd`]: records by CCHHR, blocks of a
//!   fixed-block layout, multitrack transfers in one program, Read Count,
//!   Read Key and Data, Read Count Key and Data, Read IPL.
//! - [`vtoc`]: the volume label (VOL1) and the VTOC's format-4 and
//!   format-1 DSCBs, a dataset's extents by name.
//!
//! Transfers of many records use one Locate Record domain and the
//! multitrack forms of Read Data and Write Data (0x86, 0x85): the device
//! goes on to the next track, and the next cylinder, inside the domain.

pub mod dasd;
pub mod error;
pub mod geometry;
pub mod program;
pub mod vtoc;

pub use dasd::{BlockLayout, CountField, EckdDasd, Extent, Records, DEFAULT_RETRIES};
pub use error::{Condition, EckdError};
pub use geometry::{DeviceCharacteristics, Geometry, GeometryError, RecordId, Track};
pub use program::{Buffer, DataPath, ProgramArea, ProgramError, MAX_RECORDS};
