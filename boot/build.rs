//! Puts `linker/` on the linker's search path, so that every program using
//! this runtime can name its script there (`-Tguest.ld`, `-Tbootloader.ld`)
//! from its own build script.

use std::path::PathBuf;

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let linker_dir = manifest.join("..").join("linker");
    println!("cargo:rustc-link-search={}", linker_dir.display());
    for script in ["guest.ld", "bootloader.ld"] {
        println!(
            "cargo:rerun-if-changed={}",
            linker_dir.join(script).display()
        );
    }
}
