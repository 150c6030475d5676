//! Links this package's s390x programs with `linker/guest.ld` (on the search
//! path that the runtime's build script adds).

fn main() {
    if std::env::var("TARGET").is_ok_and(|t| t.starts_with("s390x")) {
        println!("cargo:rustc-link-arg-bins=-Tguest.ld");
    }
}
