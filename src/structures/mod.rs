//! Channel-subsystem control blocks, as the Principles of Operation lays them out.
