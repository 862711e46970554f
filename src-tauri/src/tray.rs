//! The tray icon: its menu (answer now, snooze, open history, quit) and its
//! "pulse due" look. Where the icon can be seen, closing the window hides it
//! and the app stays in the tray; where it cannot (see `tray_support` and
//! `polso_desktop::tray`), the employee is told once, at start, that closing
//! the window quits Polso.

use polso_api::{LanguageCode, SnoozeLengthDto};
use tauri::image::Image;
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::{MouseButton, MouseButtonState, TrayIcon, TrayIconBuilder, TrayIconEvent};
use tauri::{AppHandle, Emitter, Manager};
use tauri_plugin_notification::NotificationExt;

use crate::texts::text;
use polso_desktop::session::Session;

const TRAY_ID: &str = "polso";

/// The event the window listens to for "show this view".
pub const NAVIGATE_EVENT: &str = "polso://navigate";

/// Shows the main window, brings it to the front and, if asked, opens a view.
pub fn show_window(app: &AppHandle, view: Option<&str>) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.show();
        let _ = window.unminimize();
        let _ = window.set_focus();
    }
    if let Some(view) = view {
        let _ = app.emit(NAVIGATE_EVENT, view);
    }
}

/// Says that this desktop shows no tray icon (`missing` is why) and so
/// closing the window quits Polso and reminders come only while it runs: on
/// standard error at every start, and as a notification the first time only.
pub fn tell_no_tray(app: &AppHandle, language: LanguageCode, missing: &str) {
    tracing::warn!(
        "Polso shows no tray icon: {missing}. Closing the window quits Polso; reminders come only while it runs."
    );
    let state = app.state::<Session>();
    let first_time = state.with_desktop(|desktop| desktop.first_start_without_tray());
    if !first_time.unwrap_or(true) {
        return;
    }
    let notification = app
        .notification()
        .builder()
        .title(text(language, "tray.absent_title"))
        .body(text(language, "tray.absent_body"));
    if let Err(error) = notification.show() {
        tracing::warn!("Polso could not show the notification that it has no tray icon: {error}");
    }
}

/// Builds the tray icon in `language`.
pub fn create(app: &AppHandle, language: LanguageCode) -> tauri::Result<()> {
    let menu = menu(app, language)?;
    let mut builder = TrayIconBuilder::with_id(TRAY_ID)
        .tooltip(text(language, "tray.tooltip"))
        .menu(&menu)
        .show_menu_on_left_click(false)
        .on_menu_event(|app, event| match event.id.as_ref() {
            "answer" => show_window(app, Some("pulse")),
            "history" => show_window(app, Some("history")),
            "snooze_hour" => snooze(app, SnoozeLengthDto::OneHour),
            "snooze_tomorrow" => snooze(app, SnoozeLengthDto::Tomorrow),
            "quit" => app.exit(0),
            _ => {}
        })
        .on_tray_icon_event(|tray, event| {
            if let TrayIconEvent::Click {
                button: MouseButton::Left,
                button_state: MouseButtonState::Up,
                ..
            } = event
            {
                show_window(tray.app_handle(), None);
            }
        });
    if let Some(icon) = app.default_window_icon() {
        builder = builder.icon(icon.clone());
    }
    builder.build(app)?;
    Ok(())
}

fn menu(app: &AppHandle, language: LanguageCode) -> tauri::Result<Menu<tauri::Wry>> {
    let item = |id: &str, key: &str| MenuItem::with_id(app, id, text(language, key), true, None::<&str>);
    Menu::with_items(
        app,
        &[
            &item("answer", "tray.answer_now")?,
            &item("snooze_hour", "tray.snooze_hour")?,
            &item("snooze_tomorrow", "tray.snooze_tomorrow")?,
            &item("history", "tray.open_history")?,
            &PredefinedMenuItem::separator(app)?,
            &item("quit", "tray.quit")?,
        ],
    )
}

fn snooze(app: &AppHandle, length: SnoozeLengthDto) {
    let state = app.state::<Session>();
    let now = state.now_local();
    if let Err(error) = state.with_desktop(|desktop| desktop.snooze_reminder(length, now)) {
        tracing::warn!("Polso could not snooze the reminder ({:?}).", error.code);
    }
}

/// Shows whether this week's pulse is due: a dot on the icon and another tooltip.
pub fn show_due(app: &AppHandle, language: LanguageCode, pulse_due: bool) {
    let Some(tray) = app.tray_by_id(TRAY_ID) else { return };
    let key = if pulse_due { "tray.tooltip_due" } else { "tray.tooltip" };
    let _ = tray.set_tooltip(Some(text(language, key)));
    if let Some(icon) = app.default_window_icon() {
        let icon = if pulse_due { with_dot(icon) } else { icon.clone() };
        let _ = tray.set_icon(Some(icon));
    }
    refresh_menu(app, &tray, language);
}

fn refresh_menu(app: &AppHandle, tray: &TrayIcon, language: LanguageCode) {
    if let Ok(menu) = menu(app, language) {
        let _ = tray.set_menu(Some(menu));
    }
}

/// The icon with a red dot in its top right corner.
fn with_dot(icon: &Image<'_>) -> Image<'static> {
    let (width, height) = (icon.width(), icon.height());
    let mut rgba = icon.rgba().to_vec();
    let radius = f64::from(width.min(height)) / 5.0;
    let (centre_x, centre_y) = (f64::from(width) - radius - 1.0, radius + 1.0);
    for y in 0..height {
        for x in 0..width {
            let (dx, dy) = (f64::from(x) + 0.5 - centre_x, f64::from(y) + 0.5 - centre_y);
            if dx * dx + dy * dy <= radius * radius {
                let at = ((y * width + x) * 4) as usize;
                if let Some(pixel) = rgba.get_mut(at..at + 4) {
                    pixel.copy_from_slice(&[0xc6, 0x28, 0x28, 0xff]);
                }
            }
        }
    }
    Image::new_owned(rgba, width, height)
}
