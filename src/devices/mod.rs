//! Device drivers built on the subchannel driver.
//!
//! - [`eckd`]: ECKD DASD (3390 behind a 3990): geometry, records and
//!   blocks by Define Extent and Locate Record, sense decoded to typed
//!   errors with recovery, the VTOC.
//! - [`unit_record`]: the 3215 console, the 1403 printer and the 3505 card
//!   reader.
//! - [`ebcdic`]: code page 037, the text of unit-record devices and DASD
//!   labels.
//! - [`virtio`]: virtio over channel I/O (virtio-ccw, virtio 1.x): the
//!   transport, split virtqueues in caller-provided storage and a block
//!   driver.

pub mod ebcdic;
pub mod eckd;
pub mod unit_record;
pub mod virtio;
