//! Device drivers built on the subchannel driver.
//!
//! - [`virtio`]: virtio over channel I/O (virtio-ccw, virtio 1.x): the
//!   transport, split virtqueues in caller-provided storage and a block
//!   driver.

pub mod virtio;
