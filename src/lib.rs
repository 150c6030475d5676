//! Channel I/O for programs running bare on IBM Z (s390x).
//!
//! The crate is layered, each layer depending only on the ones below it:
//!
//! - [`structures`]: the channel-subsystem control blocks (ORB, CCW, IDAW,
//!   SCSW, IRB, SCHIB, CRW, sense data) exactly as the z/Architecture
//!   Principles of Operation lays them out, big-endian in memory on any host.
//! - [`instructions`]: the I/O instructions (SSCH, TSCH, STSCH, ...) with
//!   typed condition codes; the asm itself is only built for s390x.
//! - [`css`]: the [`css::ChannelSubsystem`] trait over those instructions,
//!   implemented by the real CPU (`css::Cpu`, on s390x) and, for host tests,
//!   by a simulator.
//! - [`driver`]: the subchannel state machine that runs a request to its end
//!   (retries, unsolicited status, PCI, suspend, sense, halt and clear),
//!   over [`memory::ChannelMemory`] for its own channel programs.
//! - [`discovery`]: finding devices by device number (STSCH, MSCH, SENSE ID).
//! - [`devices`]: device drivers on top (virtio-ccw: transport, split
//!   virtqueues, virtio-blk).
#![cfg_attr(not(test), no_std)]
#![warn(missing_docs)]
#![deny(unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks)]

pub mod structures;

pub mod instructions;

pub mod css;

pub mod memory;

pub mod driver;

pub mod discovery;

pub mod executor;

pub mod devices;
