//! Rebuilds the crate when the built-in rule pack changes (it is embedded at compile time).
fn main() {
    println!("cargo:rerun-if-changed=../../rules/vigil");
}
