//! Build script: lets tauri-build embed the configuration and generate one
//! permission per app command, so the capability file can grant exactly the
//! commands the UI uses and nothing else.

fn main() {
    let manifest = tauri_build::AppManifest::new().commands(&[
        "get_current_pulse",
        "submit_pulse",
        "list_history",
        "get_settings",
        "update_settings",
        "get_reminder_status",
        "snooze_reminder",
        "delete_local_data",
        "enrol_device",
        "get_sync_status",
        "sync_now",
        "move_server",
        "get_hr_connection",
        "hr_connect",
        "hr_disconnect",
        "get_hr_overview",
        "get_hr_heatmap",
        "preview_cx_import",
        "import_cx",
        "suggest_cx_mapping",
        "get_cx_mappings",
        "save_cx_mapping",
        "get_linkage",
        "get_hr_units",
        "get_team_comparison",
        "read_privacy_ledger",
        "read_my_privacy_loss",
        "read_my_team_month",
        "record_action",
        "get_team_actions",
        "get_my_comments",
        "write_comment",
        "withdraw_comment",
        "answer_action",
        "get_team_comments",
        "reply_to_comment",
        "export_file",
        "get_about_questions",
        "get_care_contacts",
        "get_hr_priorities",
    ]);
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest))
        .expect("tauri-build could not prepare the app; see the message above");
}
