//! A bare Tauri 2 window showing one static page: the baseline that Polso's
//! footprint, installer size and start-up are measured against
//! (`cargo xtask bench`, BENCHMARKS.md). It has no commands, no plugins and
//! no state, so whatever Polso costs beyond it is Polso's own.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    if let Err(error) = tauri::Builder::default().run(tauri::generate_context!()) {
        eprintln!("the bare window could not start: {error}");
        std::process::exit(1);
    }
}
