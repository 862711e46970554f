//! The app's commands through the real IPC bridge, as any script in the window could call them
//! (`__TAURI_INTERNALS__.invoke`): arguments that do not decode are refused before any command
//! runs, with an error naming the argument and what is wrong with it, and nothing the app keeps
//! changes. The fault suite's IPC test covers the arguments that decode and are refused by the
//! commands themselves.

use anyhow::{Context, Result, ensure};
use polso_e2e::{AppSession, Launch, enabled};
use serde_json::{Value, json};

/// Calls `command` with `arguments` through the window's IPC bridge: its answer, or its error.
async fn invoke(app: &AppSession, command: &str, arguments: Value) -> Result<Result<Value, Value>> {
    let answer = app
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1]; \
             window.__TAURI_INTERNALS__.invoke(arguments[0], arguments[1]) \
               .then((value) => done({ ok: value }), (error) => done({ err: error }));",
            vec![json!(command), arguments],
        )
        .await
        .with_context(|| format!("invoking {command}"))?;
    Ok(match answer.get("ok") {
        Some(value) => Ok(value.clone()),
        None => Err(answer.get("err").cloned().unwrap_or(Value::Null)),
    })
}

/// What the app keeps, as its read commands answer it.
async fn kept(app: &AppSession) -> Result<Vec<Value>> {
    let mut state = Vec::new();
    for command in
        ["get_settings", "list_history", "get_current_pulse", "get_sync_status", "get_hr_connection"]
    {
        let answer = invoke(app, command, json!({})).await?;
        state.push(answer.map_err(|error| anyhow::anyhow!("{command} failed: {error}"))?);
    }
    Ok(state)
}

#[ignore = "end to end: the real app in a desktop session; cargo xtask test runs it (POLSO_E2E=1)"]
#[tokio::test(flavor = "multi_thread")]
async fn arguments_that_do_not_decode_are_refused_by_name_and_change_nothing() -> Result<()> {
    if !enabled("arguments_that_do_not_decode_are_refused_by_name_and_change_nothing") {
        return Ok(());
    }
    let data_dir = tempfile::tempdir()?;
    let app = AppSession::start(&Launch::new(data_dir.path())).await?;
    let outcome = async {
        let before = kept(&app).await?;
        let week = before[2]["week"].as_str().context("the current week")?.to_owned();
        let cases = [
            ("submit_pulse", json!({}), "submission"),
            ("submit_pulse", json!({ "submission": "{\"week\": " }), "submission"),
            (
                "submit_pulse",
                json!({ "submission": { "week": 48, "answers": [], "not_applicable": [], "work_week": null, "note": null } }),
                "submission",
            ),
            (
                "submit_pulse",
                json!({ "submission": {
                    "week": week, "answers": [{ "item_id": "wb.1", "value": 256 }],
                    "not_applicable": [], "work_week": null, "note": null } }),
                "submission",
            ),
            ("update_settings", json!({ "change": { "reminder": { "enabled": "yes" } } }), "change"),
            ("enrol_device", json!({ "form": { "server_url": 1, "invite_code": "abcd" } }), "form"),
            ("snooze_reminder", json!({ "length": "forever" }), "length"),
        ];
        for (command, arguments, argument) in &cases {
            let answer = invoke(&app, command, arguments.clone()).await?;
            if let Err(error) = &answer {
                eprintln!("ipc: {command} refused: {error}");
            }
            let error = match answer {
                Ok(value) => anyhow::bail!("{command} took {arguments}: {value}"),
                Err(error) => error.as_str().map(str::to_owned).unwrap_or_else(|| error.to_string()),
            };
            ensure!(
                error.contains(&format!("`{argument}`")) && error.contains(command),
                "{command} with {arguments}: the error names neither the argument nor the command: {error}"
            );
        }
        ensure!(kept(&app).await? == before, "a refused command changed what the app keeps");
        eprintln!("ipc: {} invocations whose arguments do not decode refused by name, nothing changed", cases.len());
        Ok(())
    }
    .await;
    app.stop().await;
    outcome
}
