//! `cargo xtask bench boot`: how long Linux takes to reach its marker.
//!
//! Prints `name: value` lines; the figures are measurements of this machine,
//! never checked against a bound.

use crate::cross;
use crate::linux::{self, Boot, Firmware, Initramfs};
use anyhow::{bail, Result};
use std::path::Path;
use std::time::Duration;

/// The line the benchmark's init prints.
const MARKER: &str = "S390-CIO-BENCH-MARKER";

/// Boots Debian's kernel with a marker initramfs by QEMU's `-kernel`.
pub fn run(root: &Path) -> Result<()> {
    let parts = linux::fetch(root)?;
    let dir = cross::work_dir(root, "bench-boot")?;
    let initrd = dir.join("initrd.cpio");
    Initramfs::with_busybox(&parts.busybox, &linux::marker_init_script(MARKER))?
        .write_to(&initrd)?;
    let direct = linux::boot(&Boot {
        firmware: Firmware::Direct {
            kernel: parts.kernel.clone(),
            initrd,
            append: "console=ttysclp0 quiet".to_owned(),
        },
        args: Vec::new(),
        memory_mib: 512,
        marker: MARKER.to_owned(),
        timeout: Duration::from_secs(120),
        echo: false,
    })?;
    let Some(to_marker) = direct.to_marker else {
        bail!(
            "Linux did not reach the marker:\n{}",
            direct.console.join("\n")
        );
    };
    if direct.exit_code != Some(0) {
        bail!(
            "QEMU did not end cleanly after Linux powered off: {:?}",
            direct.exit_code
        );
    }
    println!("kernel: {}", parts.kernel_package);
    println!("direct_boot_ms: {}", to_marker.as_millis());
    println!("direct_poweroff_ms: {}", direct.elapsed.as_millis());
    Ok(())
}
