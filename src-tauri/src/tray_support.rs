//! Asks the system whether Polso's tray icon can be built and seen; what
//! follows from the answer is decided in `polso_desktop::tray`. Tauri's tray
//! loads libayatana-appindicator3 (or the older libappindicator3) at run time
//! and panics if neither loads, so the library is tried before the icon is
//! built; and an icon is seen only where a tray host runs: a StatusNotifierItem
//! watcher on the session bus, or an XEmbed system tray on the X display (the
//! library's fallback).

/// Whether an appindicator library loads. Call it first thing, before other
/// threads start: it silences the panic hook while it asks. It relies on
/// panics unwinding (the workspace's profiles do); with `panic = "abort"` a
/// missing library would end Polso here.
#[cfg(target_os = "linux")]
pub fn indicator_loads() -> bool {
    // The tray's own loader, a lazily loaded library that panics when neither
    // name loads. Asking it here, in safe code and once, means the tray later
    // uses the very library found now, and a missing one is a `false` here
    // rather than a panic in the tray.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let loaded = std::panic::catch_unwind(|| {
        let _ = &*libappindicator_sys::LIB;
    })
    .is_ok();
    std::panic::set_hook(hook);
    loaded
}

/// Whether an appindicator library loads: elsewhere the tray is the system's own.
#[cfg(not(target_os = "linux"))]
pub fn indicator_loads() -> bool {
    true
}

/// Whether a tray host runs now.
#[cfg(target_os = "linux")]
pub fn host_runs() -> bool {
    status_notifier_watcher_runs() || xembed_tray_runs()
}

/// Whether a tray host runs now: elsewhere the tray is always there.
#[cfg(not(target_os = "linux"))]
pub fn host_runs() -> bool {
    true
}

/// The bus name a StatusNotifierItem host (KDE, GNOME's AppIndicator
/// extension, most panels) owns.
#[cfg(target_os = "linux")]
const STATUS_NOTIFIER_WATCHER: &str = "org.kde.StatusNotifierWatcher";

#[cfg(target_os = "linux")]
fn status_notifier_watcher_runs() -> bool {
    let Ok(connection) = zbus::blocking::Connection::session() else { return false };
    let Ok(bus) = zbus::blocking::fdo::DBusProxy::new(&connection) else { return false };
    let Ok(name) = zbus::names::BusName::try_from(STATUS_NOTIFIER_WATCHER) else { return false };
    bus.name_has_owner(name).unwrap_or(false)
}

/// Whether the X display's screen has a system tray (the owner of the
/// `_NET_SYSTEM_TRAY_S<screen>` selection, per the freedesktop.org system tray
/// protocol), which the library falls back to when no watcher runs.
#[cfg(target_os = "linux")]
fn xembed_tray_runs() -> bool {
    use x11rb::protocol::xproto::ConnectionExt;
    let Ok((connection, screen)) = x11rb::connect(None) else { return false };
    let selection = format!("_NET_SYSTEM_TRAY_S{screen}");
    let atom = connection.intern_atom(true, selection.as_bytes()).ok().and_then(|cookie| cookie.reply().ok());
    let Some(atom) = atom.map(|reply| reply.atom).filter(|atom| *atom != x11rb::NONE) else { return false };
    let owner = connection.get_selection_owner(atom).ok().and_then(|cookie| cookie.reply().ok());
    owner.is_some_and(|reply| reply.owner != x11rb::NONE)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// This machine builds Polso, so it has the library (its -dev package
    /// needs it); loading it through the tray's own loader must say so, and
    /// asking twice must not fail on the loader's state.
    #[test]
    #[cfg(target_os = "linux")]
    fn the_library_on_the_build_machine_loads() {
        assert!(indicator_loads());
        assert!(indicator_loads());
    }
}
