//! Puts `linker/` on the linker's search path, so that every program using
//! this runtime links with `-Tguest.ld` (set in `.cargo/config.toml`).

use std::path::PathBuf;

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let linker_dir = manifest.join("..").join("linker");
    println!("cargo:rustc-link-search={}", linker_dir.display());
    println!(
        "cargo:rerun-if-changed={}",
        linker_dir.join("guest.ld").display()
    );
}
