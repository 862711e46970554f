//! The end-to-end harness: starts tauri-driver (which starts WebKitWebDriver,
//! which starts the real Polso binary in a real window) and hands the test a
//! WebDriver session on it.
//!
//! Each [`AppSession`] gets its own ports, so tests can run in parallel, and
//! is stopped with SIGTERM, never SIGKILL: a killed tauri-driver leaves
//! WebKitWebDriver holding its port.

pub mod server;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use fantoccini::actions::{InputSource, MouseActions, PointerAction};
use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};

/// The day the app takes as today in the tests on the seeded demo (HR's views, layout,
/// accessibility): Monday of 2026-W48. Their demo is seeded up to 2026-W47.
pub const DEMO_TODAY: &str = "2026-11-23";

/// Where those tests' server starts its clock: Saturday evening of 2026-W48, after 2026-W47
/// stopped collecting (at noon) and was published, before 2026-W48 is. With the system clock,
/// each later week would be published too (empty) as the calendar moved on, and what HR sees,
/// the README's screenshots among it, would change with the day the tests ran.
pub const DEMO_SERVER_NOW: &str = "2026-11-28T18:00:00Z";

/// What shows once HR's landing view, the Summary, has read the organisation from the server.
pub const HR_SUMMARY_READY: &str = "[data-testid='hr-summary'] [data-testid='summary-participation']";

/// The environment variable that turns the end-to-end suite on. It needs a
/// display (Xvfb), a D-Bus session with an unlocked keyring, tauri-driver and
/// a built app; `cargo xtask test` provides all of them.
pub const ENABLE_VARIABLE: &str = "POLSO_E2E";

/// Whether the suite can run: every end-to-end test is `#[ignore]`d (a plain `cargo test` lists
/// it as ignored, never as passed), and one run on purpose (`--include-ignored`, as `cargo xtask
/// test` does) without what it needs fails here, saying what is missing, rather than passing
/// without having run.
pub fn enabled(test: &str) -> bool {
    let on = std::env::var(ENABLE_VARIABLE).is_ok_and(|value| value == "1");
    assert!(
        on,
        "{test} needs {ENABLE_VARIABLE}=1, a display, a D-Bus session with an unlocked keyring and tauri-driver; \
         cargo xtask test provides them"
    );
    on
}

/// The built app binary: `POLSO_APP_BINARY`, or the workspace's debug build.
pub fn app_binary() -> PathBuf {
    match std::env::var_os("POLSO_APP_BINARY") {
        Some(path) => PathBuf::from(path),
        None => {
            let target = std::env::var_os("CARGO_TARGET_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
            target.join("debug/polso")
        }
    }
}

/// Where tests leave screenshots for people to look at.
pub fn artifacts_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("artifacts")
}

/// How the app is started.
#[derive(Debug, Clone)]
pub struct Launch {
    /// The app's data directory (`POLSO_DATA_DIR`).
    pub data_dir: PathBuf,
    /// The OS locale the app sees (`LANG`).
    pub lang: String,
    /// A fixed "today" (`POLSO_TODAY`), or the real date.
    pub today: Option<String>,
    /// More environment variables for the app (and the drivers that start it).
    pub extra_env: Vec<(String, String)>,
    /// Skip the first-run welcome when it shows, so the test starts on this
    /// week's pulse as a returning employee does. Off only for tests of the
    /// welcome itself.
    pub pass_welcome: bool,
}

impl Launch {
    /// An English-speaking app on this data directory, on the real date.
    pub fn new(data_dir: &Path) -> Launch {
        Launch {
            data_dir: data_dir.to_owned(),
            lang: "en_GB.UTF-8".to_owned(),
            today: None,
            extra_env: Vec::new(),
            pass_welcome: true,
        }
    }
}

/// A running app with a WebDriver session on its window.
pub struct AppSession {
    /// The WebDriver client.
    pub client: Client,
    driver: Child,
    data_dir: PathBuf,
}

/// Ends tauri-driver: TERM first (it stops its WebKitWebDriver only then, which could otherwise
/// still start the app), and KILL if it has not exited after `grace`.
async fn end_driver(driver: &mut Child, grace: Duration) {
    let _ = Command::new("kill").args(["-TERM", &driver.id().to_string()]).status();
    let deadline = Instant::now() + grace;
    while matches!(driver.try_wait(), Ok(None)) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = driver.kill();
    let _ = driver.wait();
}

/// Waits up to `grace` for the app on `data_dir` to exit, then ends it: SIGTERM, and SIGKILL
/// if it is still there five seconds later. Returns once it is gone, so a start on the same
/// directory starts a new app rather than handing over to one still exiting (which would leave
/// the new WebDriver session without a window until its timeout).
async fn end_app_on(data_dir: &Path, grace: Duration) {
    let mut deadline = Instant::now() + grace;
    let mut signal = "-TERM";
    while let Some(pid) = app_running_on(data_dir) {
        if Instant::now() > deadline {
            if signal == "gone" {
                eprintln!("the app (pid {pid}) on {} outlived SIGKILL", data_dir.display());
                return;
            }
            eprintln!("the app (pid {pid}) on {} did not exit; sending {signal}", data_dir.display());
            let _ = Command::new("kill").args([signal, &pid.to_string()]).status();
            signal = if signal == "-TERM" { "-KILL" } else { "gone" };
            deadline = Instant::now() + Duration::from_secs(5);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The process id of the app binary running with `POLSO_DATA_DIR=data_dir`, if any.
pub fn app_running_on(data_dir: &Path) -> Option<u32> {
    let wanted = format!("POLSO_DATA_DIR={}", data_dir.display());
    let binary = std::fs::canonicalize(app_binary()).ok()?;
    std::fs::read_dir("/proc").ok()?.flatten().find_map(|entry| {
        let pid = entry.file_name().to_str()?.parse::<u32>().ok()?;
        let exe = std::fs::read_link(entry.path().join("exe")).ok()?;
        let environment = std::fs::read(entry.path().join("environ")).ok()?;
        let ours = exe == binary
            && environment.split(|byte| *byte == 0).any(|variable| variable == wanted.as_bytes());
        ours.then_some(pid)
    })
}

/// Moves the X pointer to the bottom-right corner of the screen, off the
/// app's window, so that screenshots (the README's among them) do not show
/// a hover by chance: Xvfb puts the pointer at the screen's centre, over the
/// window, where it hovers a chart and opens its tooltip. The connection
/// stays open for the whole test run, as Xvfb resets, pointer included,
/// whenever its last client leaves (between two tests, say). Without a
/// display it does nothing.
fn park_pointer() {
    use x11rb::connection::Connection;
    use x11rb::protocol::xproto::ConnectionExt;
    use x11rb::rust_connection::RustConnection;
    static DISPLAY: std::sync::OnceLock<Option<(RustConnection, usize)>> = std::sync::OnceLock::new();
    let Some((connection, screen_number)) = DISPLAY.get_or_init(|| x11rb::connect(None).ok()) else { return };
    let Some(screen) = connection.setup().roots.get(*screen_number) else { return };
    let corner_x = i16::try_from(screen.width_in_pixels.saturating_sub(1)).unwrap_or(i16::MAX);
    let corner_y = i16::try_from(screen.height_in_pixels.saturating_sub(1)).unwrap_or(i16::MAX);
    let _ = connection.warp_pointer(x11rb::NONE, screen.root, 0, 0, 0, 0, corner_x, corner_y);
    let _ = connection.flush();
}

fn free_port() -> Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").context("finding a free port")?;
    Ok(listener.local_addr()?.port())
}

impl AppSession {
    /// Starts tauri-driver and the app, and waits for the window's page.
    pub async fn start(launch: &Launch) -> Result<AppSession> {
        let binary = app_binary();
        if !binary.exists() {
            bail!(
                "the app binary {} does not exist; build it with `cargo build --workspace --all-targets` (as `cargo xtask test` does)",
                binary.display()
            );
        }
        park_pointer();
        let (driver, client) = match AppSession::drive(launch, &binary).await {
            Ok(started) => started,
            // A WebKit that did not come up in time on a loaded machine gets one more try. Any
            // other failure (an app that crashed or refused to start, say) is the test's.
            Err(error) if error.is::<SessionTimedOut>() => {
                eprintln!("{error}; trying once more");
                AppSession::drive(launch, &binary).await?
            }
            Err(error) => return Err(error),
        };
        let session = AppSession { client, driver, data_dir: launch.data_dir.clone() };
        // The UI marks its root once the first load, or the start-up error
        // screen, has rendered.
        if let Err(error) = session.wait_for_css("[data-app-ready='true']", Duration::from_secs(30)).await {
            let _ = session.screenshot("start-failure").await;
            if let Ok(source) = session.client.source().await {
                eprintln!("the page at start-up failure:\n{source}");
            }
            session.stop().await;
            return Err(error);
        }
        if launch.pass_welcome
            && let Err(error) = session.pass_welcome().await
        {
            session.stop().await;
            return Err(error);
        }
        park_pointer();
        Ok(session)
    }

    /// Starts tauri-driver for `launch` and opens a WebDriver session on the app, which starts
    /// it. An app still running on the data directory is ended first (it would take the new one's
    /// place); on failure, tauri-driver and whatever app it started are ended too.
    async fn drive(launch: &Launch, binary: &Path) -> Result<(Child, Client)> {
        let (port, native_port) = (free_port()?, free_port()?);
        let mut command = Command::new("tauri-driver");
        command
            .args(["--port", &port.to_string(), "--native-port", &native_port.to_string()])
            .env("POLSO_DATA_DIR", &launch.data_dir)
            .env("LANG", &launch.lang)
            .env("LC_ALL", &launch.lang)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        command.envs(launch.extra_env.iter().map(|(name, value)| (name, value)));
        match &launch.today {
            Some(today) => command.env("POLSO_TODAY", today),
            None => command.env_remove("POLSO_TODAY"),
        };
        end_app_on(&launch.data_dir, Duration::ZERO).await;
        let mut driver = command.spawn().context("starting tauri-driver (cargo install tauri-driver)")?;
        match connect(port, binary).await {
            Ok(client) => Ok((driver, client)),
            Err(error) => {
                end_driver(&mut driver, Duration::from_secs(5)).await;
                end_app_on(&launch.data_dir, Duration::ZERO).await;
                Err(error)
            }
        }
    }

    /// Skips the first-run welcome if it is shown, and waits until the store
    /// has recorded it as seen, so that a restart does not show it again.
    pub async fn pass_welcome(&self) -> Result<()> {
        if !self.has_testid("welcome").await? {
            return Ok(());
        }
        self.testid("welcome-skip").await?.click().await.context("skipping the welcome")?;
        self.wait_for_css("html[data-welcome-seen='true']", Duration::from_secs(10))
            .await
            .context("the welcome was skipped but not recorded as seen")?;
        Ok(())
    }

    /// Ends the WebDriver session (which quits the app) and stops tauri-driver.
    /// Then waits for the app itself to be gone: the app keeps one instance
    /// per data directory, and a restart on the same directory while the old
    /// one is still exiting would hand over to it instead of starting.
    pub async fn stop(mut self) {
        let _ = self.client.clone().close().await;
        end_driver(&mut self.driver, Duration::from_secs(10)).await;
        end_app_on(&self.data_dir, Duration::from_secs(20)).await;
    }

    /// The first element matching a CSS selector, waiting up to `timeout` for it.
    pub async fn wait_for_css(&self, selector: &str, timeout: Duration) -> Result<Element> {
        self.client
            .wait()
            .at_most(timeout)
            .for_element(Locator::Css(selector))
            .await
            .with_context(|| format!("waiting for {selector}"))
    }

    /// How many elements match a CSS selector once there are at least
    /// `at_least`, waiting up to `timeout`; the count seen last if never.
    /// A view fills in after its data arrives, so counting at once may count
    /// an empty view.
    pub async fn wait_for_count(&self, selector: &str, at_least: usize, timeout: Duration) -> Result<usize> {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            let count = self.client.find_all(Locator::Css(selector)).await?.len();
            if count >= at_least || std::time::Instant::now() > deadline {
                return Ok(count);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The element with this `data-testid`, waiting up to ten seconds.
    pub async fn testid(&self, testid: &str) -> Result<Element> {
        self.wait_for_css(&format!("[data-testid='{testid}']"), Duration::from_secs(10)).await
    }

    /// Whether an element with this `data-testid` is on the page now.
    pub async fn has_testid(&self, testid: &str) -> Result<bool> {
        let selector = format!("[data-testid='{testid}']");
        Ok(!self.client.find_all(Locator::Css(&selector)).await?.is_empty())
    }

    /// Types keys into whatever has the keyboard focus, as a person would.
    pub async fn press(&self, keys: &str) -> Result<()> {
        self.client.active_element().await?.send_keys(keys).await.context("typing into the focused element")
    }

    /// The `data-testid` of the nearest element matching `selector` that holds
    /// the keyboard focus (the focused element itself or an ancestor).
    pub async fn focus_within(&self, selector: &str) -> Result<String> {
        let value = self
            .client
            .execute(
                "const e = document.activeElement; \
                 const owner = e && e.closest(arguments[0]); \
                 return owner ? owner.getAttribute('data-testid') : '';",
                vec![serde_json::json!(selector)],
            )
            .await?;
        Ok(value.as_str().unwrap_or_default().to_owned())
    }

    /// Saves a screenshot of the window, after two animation frames so it
    /// shows the current state rather than the previous frame, and with
    /// WebDriver's pointer moved off the page's content first.
    pub async fn screenshot(&self, name: &str) -> Result<PathBuf> {
        self.unhover().await;
        self.client
            .execute_async(
                "const done = arguments[arguments.length - 1]; \
                 requestAnimationFrame(() => requestAnimationFrame(() => done(true)));",
                vec![],
            )
            .await?;
        let png = self.client.screenshot().await?;
        let dir = artifacts_dir();
        std::fs::create_dir_all(&dir)?;
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png)?;
        Ok(path)
    }
}

impl AppSession {
    /// Moves the pointers off the page's content and waits for a tooltip
    /// they hovered to fade out (charts hide theirs after 100 ms, with a
    /// 400 ms transition), so a screenshot shows no hover left by the last
    /// click or by the X pointer: the X pointer to the screen's corner, and
    /// WebDriver's to the page's top-left corner (the top bar's empty
    /// margin), by way of a point beside it, as a move to where WebDriver
    /// believes its pointer already is may be no move at all. Best effort: a
    /// driver without pointer actions leaves the page as it is.
    async fn unhover(&self) {
        park_pointer();
        let to_corner = MouseActions::new("mouse".to_owned())
            .then(PointerAction::MoveTo { duration: None, x: 2.0, y: 2.0 })
            .then(PointerAction::MoveTo { duration: None, x: 0.0, y: 0.0 });
        if self.client.perform_actions(to_corner).await.is_ok() {
            tokio::time::sleep(Duration::from_millis(600)).await;
        }
    }
}

/// One axe-core violation of impact "serious" or "critical": the rule, its
/// impact, and the first few offending elements.
#[derive(Debug, Clone)]
pub struct AxeViolation {
    /// The axe rule, such as `color-contrast`.
    pub rule: String,
    /// `serious` or `critical`.
    pub impact: String,
    /// CSS selectors of the offending elements (at most five).
    pub targets: Vec<String>,
}

/// axe-core's source, from the UI's devDependencies.
fn axe_source() -> Result<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui/node_modules/axe-core/axe.min.js");
    std::fs::read_to_string(&path)
        .with_context(|| format!("reading axe-core from {} (npm --prefix ui ci)", path.display()))
}

impl AppSession {
    /// Runs an axe-core audit (WCAG 2.0/2.1 A and AA rules and best practices)
    /// on the whole document as it is now, and returns the serious and
    /// critical violations. axe is injected through WebDriver, not bundled.
    pub async fn axe_violations(&self) -> Result<Vec<AxeViolation>> {
        self.client.execute(&axe_source()?, vec![]).await.context("injecting axe-core")?;
        let result = self
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1]; \
                 axe.run(document, { resultTypes: ['violations'] }) \
                   .then((r) => done(r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical') \
                     .map((v) => ({ rule: v.id, impact: v.impact, \
                       targets: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) })))) \
                   .catch((e) => done({ error: String(e) }));",
                vec![],
            )
            .await
            .context("running axe-core")?;
        if let Some(error) = result.get("error") {
            bail!("axe-core failed: {error}");
        }
        let list = result.as_array().context("axe-core returned no list")?;
        Ok(list
            .iter()
            .map(|violation| AxeViolation {
                rule: violation["rule"].as_str().unwrap_or_default().to_owned(),
                impact: violation["impact"].as_str().unwrap_or_default().to_owned(),
                targets: violation["targets"]
                    .as_array()
                    .map(|targets| targets.iter().filter_map(|t| t.as_str().map(str::to_owned)).collect())
                    .unwrap_or_default(),
            })
            .collect())
    }
}

/// A WebDriver session that did not come up within a minute.
#[derive(Debug)]
struct SessionTimedOut;

impl std::fmt::Display for SessionTimedOut {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("creating a WebDriver session took over 60 s; is DISPLAY set and Xvfb running?")
    }
}

impl std::error::Error for SessionTimedOut {}

async fn connect(port: u16, binary: &Path) -> Result<Client> {
    let mut capabilities = serde_json::Map::new();
    capabilities
        .insert("tauri:options".to_owned(), serde_json::json!({ "application": binary.to_string_lossy() }));
    capabilities.insert("browserName".to_owned(), serde_json::json!("wry"));
    let url = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        // A loaded machine (two cores building and testing) has taken more than 30 s to start
        // WebKit and the app; a session that times out is not retried (its app may be starting).
        let attempt = tokio::time::timeout(
            Duration::from_secs(60),
            ClientBuilder::rustls()?.capabilities(capabilities.clone()).connect(&url),
        )
        .await;
        match attempt {
            Ok(Ok(client)) => return Ok(client),
            Ok(Err(error)) if Instant::now() < deadline => {
                eprintln!("tauri-driver not ready yet ({error}); retrying");
                tokio::time::sleep(Duration::from_millis(300)).await;
            }
            Ok(Err(error)) => return Err(error).context("opening a WebDriver session through tauri-driver"),
            Err(_) => return Err(SessionTimedOut.into()),
        }
    }
}
