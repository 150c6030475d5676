//! Device drivers built on the subchannel driver.
//!
//! - [`unit_record`]: the 3215 console, the 1403 printer and the 3505 card
//!   reader.
//! - [`ebcdic`]: code page 037, the text of unit-record devices and DASD
//!   labels.
//! - [`virtio`]: virtio over channel I/O (virtio-ccw, virtio 1.x): the
//!   transport, split virtqueues in caller-provided storage and a block
//!   driver.

pub mod ebcdic;
pub mod unit_record;
pub mod virtio;
