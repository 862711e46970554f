//! Build script: lets tauri-build embed the bare window's configuration.

fn main() {
    tauri_build::build();
}
