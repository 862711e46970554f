//! Closing the window keeps Polso running in the tray: the window manager's
//! close request (`WM_DELETE_WINDOW`, what the title bar's × sends) hides the
//! window and the app, its page and its store stay alive; launching Polso
//! again brings the same window back. The request is sent over the X
//! protocol itself, as a window manager would, because Xvfb runs none. Other
//! tests' apps share the display, so the window is told apart by its
//! `_NET_WM_PID`, the app's process.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, ensure};
use polso_e2e::{AppSession, Launch, app_binary, app_running_on, enabled};
use x11rb::connection::Connection;
use x11rb::protocol::xproto::{AtomEnum, ClientMessageEvent, ConnectionExt, EventMask, MapState, Window};
use x11rb::rust_connection::RustConnection;

/// The title of Polso's window.
const TITLE: &[u8] = b"Polso";

/// The windows of a display, to search.
struct Display {
    connection: RustConnection,
    root: Window,
    pid_atom: u32,
}

impl Display {
    fn open() -> Result<Display> {
        let (connection, screen) = x11rb::connect(None).context("connecting to the X display")?;
        let root = connection.setup().roots[screen].root;
        let pid_atom = connection.intern_atom(false, b"_NET_WM_PID")?.reply()?.atom;
        Ok(Display { connection, root, pid_atom })
    }

    /// Every window below `parent` named with Polso's title and owned by
    /// process `pid`, with whether it is shown.
    fn polso_windows(&self, parent: Window, pid: u32) -> Result<Vec<(Window, bool)>> {
        let connection = &self.connection;
        let mut found = Vec::new();
        for window in connection.query_tree(parent)?.reply()?.children {
            let name =
                connection.get_property(false, window, AtomEnum::WM_NAME, AtomEnum::ANY, 0, 64)?.reply()?;
            let owner =
                connection.get_property(false, window, self.pid_atom, AtomEnum::CARDINAL, 0, 1)?.reply()?;
            if name.value == TITLE && owner.value32().and_then(|mut values| values.next()) == Some(pid) {
                let shown =
                    connection.get_window_attributes(window)?.reply()?.map_state == MapState::VIEWABLE;
                found.push((window, shown));
            }
            found.extend(self.polso_windows(window, pid)?);
        }
        Ok(found)
    }
}

/// Waits until some window of `pid` is shown (`true`) or none is (`false`).
fn wait_until_shown(display: &Display, pid: u32, shown: bool) -> Result<Vec<(Window, bool)>> {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let windows = display.polso_windows(display.root, pid)?;
        if windows.iter().any(|(_, visible)| *visible) == shown || Instant::now() > deadline {
            return Ok(windows);
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn closing_the_window_keeps_polso_running_and_a_launch_brings_it_back() -> Result<()> {
    if !enabled("closing_the_window_keeps_polso_running_and_a_launch_brings_it_back") {
        return Ok(());
    }
    let data_dir = tempfile::tempdir()?;
    let launch = Launch::new(data_dir.path());
    let app = AppSession::start(&launch).await?;
    let outcome = async {
        let display = Display::open()?;
        let connection = &display.connection;
        let pid = app_running_on(data_dir.path()).context("the app is not running")?;
        let windows = wait_until_shown(&display, pid, true)?;
        let window = windows.iter().find(|(_, shown)| *shown).map(|(window, _)| *window);
        let window =
            window.with_context(|| format!("no shown window named Polso of the app: {windows:?}"))?;

        let protocols = connection.intern_atom(false, b"WM_PROTOCOLS")?.reply()?.atom;
        let delete = connection.intern_atom(false, b"WM_DELETE_WINDOW")?.reply()?.atom;
        let close = ClientMessageEvent::new(32, window, protocols, [delete, x11rb::CURRENT_TIME, 0, 0, 0]);
        connection.send_event(false, window, EventMask::NO_EVENT, close)?;
        connection.flush()?;

        let after_close = wait_until_shown(&display, pid, false)?;
        ensure!(after_close.iter().all(|(_, shown)| !shown), "the window is still shown: {after_close:?}");
        tokio::time::sleep(Duration::from_secs(2)).await;
        ensure!(app_running_on(data_dir.path()) == Some(pid), "closing the window ended Polso");
        // The page lives on behind the hidden window.
        app.testid("nav-history").await?.click().await?;
        app.testid("history-view").await?;

        // A second launch hands over to this one, which shows its window again.
        let status = std::process::Command::new(app_binary())
            .env("POLSO_DATA_DIR", data_dir.path())
            .env("LANG", &launch.lang)
            .stdout(std::process::Stdio::null())
            .status()
            .context("launching Polso again")?;
        ensure!(status.success(), "the second launch failed: {status}");
        let reopened = wait_until_shown(&display, pid, true)?;
        ensure!(reopened.iter().any(|(_, shown)| *shown), "the window did not come back: {reopened:?}");
        ensure!(app_running_on(data_dir.path()) == Some(pid), "the window came back in another process");
        anyhow::Ok(())
    }
    .await;
    app.stop().await;
    outcome
}
