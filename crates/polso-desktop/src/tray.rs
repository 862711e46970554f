//! Whether Polso's tray icon can be seen, and so what closing the window
//! does, as a pure function of what the shell found: whether an appindicator
//! library loads (Tauri's tray on Linux needs one) and whether a tray host
//! runs (a StatusNotifierItem watcher or an XEmbed system tray). The shell
//! asks the system (`src-tauri/src/tray_support.rs`); this decides. Without a
//! library no icon is built; without a host one is built for a panel that may
//! start later. Either way, while no icon can be seen, closing the window
//! quits Polso instead of hiding it where nobody could bring it back.

/// What the desktop offers Polso's tray icon, as found at one moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TraySupport {
    /// An appindicator library loaded, so the icon can be built at all.
    pub indicator_loads: bool,
    /// A tray host runs now, so a built icon can be seen.
    pub host_runs: bool,
}

/// What closing the main window does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CloseAction {
    /// Hide the window; Polso goes on in the tray, where the reminder lives.
    HideToTray,
    /// Let the window close, which ends Polso: nothing would bring it back.
    Quit,
}

impl TraySupport {
    /// Whether to build the icon: whenever the library loads, even with no
    /// host yet, because a panel started after Polso (both at log-in) shows it.
    pub fn builds_icon(self) -> bool {
        self.indicator_loads
    }

    /// Whether the icon can be seen now.
    pub fn icon_shows(self) -> bool {
        self.indicator_loads && self.host_runs
    }

    /// What closing the window does now.
    pub fn close_action(self) -> CloseAction {
        if self.icon_shows() { CloseAction::HideToTray } else { CloseAction::Quit }
    }

    /// The reason no icon can be seen, for the log; `None` when it can.
    pub fn missing(self) -> Option<&'static str> {
        match (self.indicator_loads, self.host_runs) {
            (false, _) => Some(
                "no appindicator library could be loaded (libayatana-appindicator3.so.1 or \
                 libappindicator3.so.1; Debian's package libayatana-appindicator3-1 provides one)",
            ),
            (true, false) => Some(
                "no tray host runs (neither org.kde.StatusNotifierWatcher on the session bus \
                 nor an XEmbed system tray on the display)",
            ),
            (true, true) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_hides_to_the_tray_only_when_an_icon_can_be_seen() {
        let cases = [
            // (library loads, host runs) => builds icon, close action, says why not
            ((true, true), (true, CloseAction::HideToTray, false)),
            ((true, false), (true, CloseAction::Quit, true)),
            ((false, true), (false, CloseAction::Quit, true)),
            ((false, false), (false, CloseAction::Quit, true)),
        ];
        for ((indicator_loads, host_runs), (builds_icon, close_action, says_why)) in cases {
            let support = TraySupport { indicator_loads, host_runs };
            assert_eq!(support.builds_icon(), builds_icon, "{support:?}");
            assert_eq!(support.close_action(), close_action, "{support:?}");
            assert_eq!(support.icon_shows(), close_action == CloseAction::HideToTray, "{support:?}");
            assert_eq!(support.missing().is_some(), says_why, "{support:?}");
        }
    }

    #[test]
    fn a_missing_library_is_named_before_a_missing_host() {
        let support = TraySupport { indicator_loads: false, host_runs: false };
        let reason = support.missing().unwrap_or_default();
        assert!(reason.contains("libayatana-appindicator3.so.1"), "{reason}");
        let reason = TraySupport { indicator_loads: true, host_runs: false }.missing().unwrap_or_default();
        assert!(reason.contains("StatusNotifierWatcher"), "{reason}");
    }
}
