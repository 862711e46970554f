//! Polso's desktop binary: hands over to the library at once, so the shell's
//! set-up code is in one place (`lib.rs`) and this file stays trivial.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    polso_app::run();
}
