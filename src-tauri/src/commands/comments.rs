//! Commands of anonymous comments and "did it help?": the employee writes this week's comment,
//! withdraws it while it is a draft, reads their own with HR's replies, and answers about an
//! action; HR (or a manager) reads a team's released comments and replies. The network half of
//! HR's commands runs without holding the store, as in `sync.rs`; the employee's are store only
//! (the sync pass sends and reads, `polso_desktop::comments`).

use polso_api::{
    AnswerAction, ApiError, CommentReply, MyComments, MyVerdict, NewReply, TeamComments, WriteComment,
};
use polso_desktop::comments;
use tauri::State;

use polso_desktop::session::Session;

/// The employee's comments, newest week first, with HR's replies as last read.
#[tauri::command]
pub fn get_my_comments(state: State<'_, Session>) -> Result<MyComments, ApiError> {
    let today = state.today();
    state.with_desktop(|desktop| desktop.my_comments(today))
}

/// Writes (or rewrites) this week's comment; it stays on the device until the week closes.
#[tauri::command]
pub fn write_comment(state: State<'_, Session>, comment: WriteComment) -> Result<MyComments, ApiError> {
    let (today, now) = (state.today(), state.now());
    state.with_desktop(|desktop| desktop.write_comment(&comment, today, now))
}

/// Withdraws this week's comment while it is a draft.
#[tauri::command]
pub fn withdraw_comment(state: State<'_, Session>) -> Result<MyComments, ApiError> {
    let today = state.today();
    state.with_desktop(|desktop| desktop.withdraw_comment(today))
}

/// Keeps the employee's "did it help?" about an action, sent after the app's random delay.
#[tauri::command]
pub fn answer_action(state: State<'_, Session>, answer: AnswerAction) -> Result<Vec<MyVerdict>, ApiError> {
    let now = state.now();
    state.with_desktop(|desktop| desktop.answer_action(&answer, now, &mut polso_desktop::session::random_u64))
}

/// A team's released comments, for HR or the team's manager.
#[tauri::command(async)]
pub fn get_team_comments(state: State<'_, Session>, team_id: String) -> Result<TeamComments, ApiError> {
    let credentials = state.with_desktop(|desktop| desktop.hr_credentials())?;
    comments::read_team_comments(state.transport(), &credentials, &team_id)
}

/// HR's (or the manager's) reply to a released comment.
#[tauri::command(async)]
pub fn reply_to_comment(
    state: State<'_, Session>,
    comment_id: String,
    reply: NewReply,
) -> Result<CommentReply, ApiError> {
    let credentials = state.with_desktop(|desktop| desktop.hr_credentials())?;
    comments::reply_to_comment(state.transport(), &credentials, &comment_id, &reply)
}
