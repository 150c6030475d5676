//! Device drivers built on the subchannel driver.
//!
//! - [`eckd`]: ECKD DASD (3390 behind a 3990): geometry, records and
//!   blocks by Define Extent and Locate Record, sense decoded to typed
//!   errors with recovery, the VTOC.
//! - [`virtio`]: virtio over channel I/O (virtio-ccw, virtio 1.x): the
//!   transport, split virtqueues in caller-provided storage and a block
//!   driver.

pub mod eckd;
pub mod virtio;
