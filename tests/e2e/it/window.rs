//! Closing the window keeps Polso running in the tray where a tray host
//! runs, and ends Polso where none does. The window manager's close request
//! (`WM_DELETE_WINDOW`, what the title bar's × sends) is sent over the X
//! protocol itself, as a window manager would, because Xvfb runs none. With a
//! tray host (a stand-in StatusNotifierWatcher on the session bus, as Xvfb
//! has no panel) it hides the window and the app, its page and its store stay
//! alive, and launching Polso again brings the same window back; without one
//! the app ends, rather than hiding where nothing could bring it back. Other
//! tests' apps share the display, so the window is told apart by its
//! `_NET_WM_PID`, the app's process. The two tests take turns, as the stand-in
//! host is seen by every app on the bus.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, ensure};
use polso_e2e::{AppSession, Launch, app_binary, app_running_on, enabled};
use x11rb::connection::Connection;
use x11rb::protocol::xproto::{AtomEnum, ClientMessageEvent, ConnectionExt, EventMask, MapState, Window};
use x11rb::rust_connection::RustConnection;

/// Held by each test of this file, which either runs a stand-in tray host or needs none to run.
static TRAY_HOST_TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The stand-in tray host: owns the watcher's bus name and answers what an
/// appindicator asks of it, so Polso sees a tray while the connection lives.
struct StandInWatcher;

#[zbus::interface(name = "org.kde.StatusNotifierWatcher")]
impl StandInWatcher {
    fn register_status_notifier_item(&self, _service: &str) {}

    fn register_status_notifier_host(&self, _service: &str) {}

    #[zbus(property)]
    fn is_status_notifier_host_registered(&self) -> bool {
        true
    }

    #[zbus(property)]
    fn registered_status_notifier_items(&self) -> Vec<String> {
        Vec::new()
    }

    #[zbus(property)]
    fn protocol_version(&self) -> i32 {
        0
    }
}

/// Starts the stand-in tray host on the session bus; it ends when dropped.
async fn stand_in_tray_host() -> Result<zbus::Connection> {
    zbus::connection::Builder::session()?
        .name("org.kde.StatusNotifierWatcher")?
        .serve_at("/StatusNotifierWatcher", StandInWatcher)?
        .build()
        .await
        .context("starting a stand-in tray host on the session bus")
}

/// Sends the window manager's close request to `window`.
fn request_close(connection: &RustConnection, window: Window) -> Result<()> {
    let protocols = connection.intern_atom(false, b"WM_PROTOCOLS")?.reply()?.atom;
    let delete = connection.intern_atom(false, b"WM_DELETE_WINDOW")?.reply()?.atom;
    let close = ClientMessageEvent::new(32, window, protocols, [delete, x11rb::CURRENT_TIME, 0, 0, 0]);
    connection.send_event(false, window, EventMask::NO_EVENT, close)?;
    connection.flush()?;
    Ok(())
}

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
/// The app's shown top-level window named Polso, once there is one.
fn shown_window(display: &Display, pid: u32) -> Result<Window> {
    let windows = wait_until_shown(display, pid, true)?;
    let window = windows.iter().find(|(_, shown)| *shown).map(|(window, _)| *window);
    window.with_context(|| format!("no shown window named Polso of the app: {windows:?}"))
}

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

#[ignore = "end to end: the real app in a desktop session; cargo xtask test runs it (POLSO_E2E=1)"]
#[tokio::test(flavor = "multi_thread")]
async fn closing_the_window_keeps_polso_running_and_a_launch_brings_it_back() -> Result<()> {
    if !enabled("closing_the_window_keeps_polso_running_and_a_launch_brings_it_back") {
        return Ok(());
    }
    let _turn = TRAY_HOST_TURN.lock().await;
    let _tray_host = stand_in_tray_host().await?;
    let data_dir = tempfile::tempdir()?;
    let launch = Launch::new(data_dir.path());
    let app = AppSession::start(&launch).await?;
    let outcome = async {
        let display = Display::open()?;
        let pid = app_running_on(data_dir.path()).context("the app is not running")?;
        let window = shown_window(&display, pid)?;
        request_close(&display.connection, window)?;

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

#[ignore = "end to end: the real app in a desktop session; cargo xtask test runs it (POLSO_E2E=1)"]
#[tokio::test(flavor = "multi_thread")]
async fn without_a_tray_host_closing_the_window_ends_polso() -> Result<()> {
    if !enabled("without_a_tray_host_closing_the_window_ends_polso") {
        return Ok(());
    }
    let _turn = TRAY_HOST_TURN.lock().await;
    let data_dir = tempfile::tempdir()?;
    let launch = Launch::new(data_dir.path());
    let app = AppSession::start(&launch).await?;
    let outcome = async {
        let display = Display::open()?;
        let pid = app_running_on(data_dir.path()).context("the app is not running")?;
        let window = shown_window(&display, pid)?;
        // The app's page is up, so Polso is past its start and its tray decision.
        app.testid("nav-history").await?;
        request_close(&display.connection, window)?;

        let deadline = Instant::now() + Duration::from_secs(15);
        while app_running_on(data_dir.path()) == Some(pid) {
            ensure!(Instant::now() < deadline, "Polso still runs 15 s after its window was closed");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        anyhow::Ok(())
    }
    .await;
    app.stop().await;
    outcome
}
