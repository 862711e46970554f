// The mock's comments and "did it help?" answers: the employee's own copy with the same rules as
// the app (a draft until the week ends, 1 to 1,000 characters), and, for HR, one released batch
// of the Help desk's comments to read and reply to.

import type { ActionVerdict } from '../bindings/ActionVerdict';
import type { CommentReply } from '../bindings/CommentReply';
import type { MyComment } from '../bindings/MyComment';
import type { MyComments } from '../bindings/MyComments';
import type { MyVerdict } from '../bindings/MyVerdict';
import type { TeamComments } from '../bindings/TeamComments';
import { countCharacters } from '../text';
import type { Backend, CommandName } from './backend';
import { apiError } from './errors';

/** What the comment commands of the mock need from the rest of it. */
export interface CommentsDeps {
  answer: <T>(command: CommandName, args: unknown, work: () => T) => Promise<T>;
  thisWeek: () => { week: string; monday: string };
  enrolled: () => boolean;
  requireHr: () => void;
  today: () => string;
}

/** The texts of the sample batch: what a help desk might write over a month. */
const SAMPLE_COMMENTS = [
  'The new ticket rota is fairer, thank you.',
  'Too many meetings on Mondays; we lose the morning.',
  'I would like more time for training on the new tools.',
  'Handovers between shifts are still messy.',
  'Good support from the team lead this month.',
  'The VPN drops several times a day when working from home.',
  'Please share the plan for the new office earlier.',
  'I feel the workload is uneven across the team.',
  'Recognition for the weekend cover would be appreciated.',
  'Clearer priorities when two urgent requests arrive at once.',
];

/** The sample released batch of `teamId` (Help desk only). */
export function sampleTeamComments(teamId: string, teamName: string): TeamComments {
  const batches =
    teamId === 'team_help'
      ? [
          {
            id: 'cbt_sample',
            released_on: '2026-11-24',
            comments: SAMPLE_COMMENTS.map((text, index) => ({ id: `cmt_${index + 1}`, text, replies: [] })),
          },
        ]
      : [];
  return { team_id: teamId, team_name: teamName, batch_size: 10, batches };
}

/** The comment commands of the mock back end. */
type CommentCommands = Pick<
  Backend,
  'getMyComments' | 'writeComment' | 'withdrawComment' | 'answerAction' | 'getTeamComments' | 'replyToComment'
>;

/** The comment commands of the mock back end, and the device's answers about actions for "My team". */
export function mockComments(
  deps: CommentsDeps,
  teamName: (teamId: string) => string | null,
): { commands: CommentCommands; myVerdicts: () => MyVerdict[] } {
  let mine: MyComment[] = [];
  const verdicts: MyVerdict[] = [];
  const teams = new Map<string, TeamComments>();

  function view(): MyComments {
    return {
      this_week: deps.thisWeek().week,
      enrolled: deps.enrolled(),
      max_chars: 1000,
      batch_minimum: 10,
      comments: [...mine].sort((a, b) => b.week.localeCompare(a.week)),
    };
  }

  function team(teamId: string): TeamComments {
    const name = teamName(teamId);
    if (name === null) throw apiError('not_found', `there is no team '${teamId}' within this token's reach`);
    let comments = teams.get(teamId);
    if (comments === undefined) {
      comments = sampleTeamComments(teamId, name);
      teams.set(teamId, comments);
    }
    return comments;
  }

  const commands: CommentCommands = {
    getMyComments: () => deps.answer('get_my_comments', undefined, view),
    writeComment: (comment) =>
      deps.answer('write_comment', { comment }, () => {
        if (!deps.enrolled()) {
          throw apiError('not_enrolled', "a comment goes to your organisation's server; enrol this device first");
        }
        const text = comment.text.trim();
        const length = countCharacters(text);
        if (length === 0) throw apiError('invalid_input', "field 'text': the comment is empty");
        if (length > 1000) {
          throw apiError('invalid_input', `field 'text': a comment has at most 1000 characters (${length} given)`);
        }
        const { week, monday } = deps.thisWeek();
        const existing = mine.find((candidate) => candidate.week === week);
        if (existing !== undefined && existing.state !== 'draft') {
          throw apiError('invalid_input', `the comment for ${week} is already on its way and can no longer change`);
        }
        mine = [
          ...mine.filter((candidate) => candidate.week !== week),
          { week, week_monday: monday, text, state: 'draft', sends_after: null, replies: [], error: null },
        ];
        return view();
      }),
    withdrawComment: () =>
      deps.answer('withdraw_comment', undefined, () => {
        const { week } = deps.thisWeek();
        mine = mine.filter((candidate) => candidate.week !== week || candidate.state !== 'draft');
        return view();
      }),
    answerAction: (answer) =>
      deps.answer('answer_action', { answer }, () => {
        if (!deps.enrolled()) throw apiError('not_enrolled', 'this device is not enrolled with a server');
        if (!verdicts.some((verdict) => verdict.action_id === answer.action_id)) {
          verdicts.push({ action_id: answer.action_id, verdict: answer.verdict satisfies ActionVerdict, sent: false });
        }
        return verdicts;
      }),
    getTeamComments: (teamId) =>
      deps.answer('get_team_comments', { teamId }, () => {
        deps.requireHr();
        return team(teamId);
      }),
    replyToComment: (commentId, reply) =>
      deps.answer('reply_to_comment', { commentId, reply }, () => {
        deps.requireHr();
        const text = reply.text.trim();
        const length = countCharacters(text);
        if (length === 0 || length > 1000) {
          throw apiError('invalid_input', `field 'text' has 1 to 1000 characters and no control character (${length} given)`);
        }
        const comment = [...teams.values()]
          .flatMap((comments) => comments.batches.flatMap((batch) => batch.comments))
          .find((candidate) => candidate.id === commentId);
        if (comment === undefined) {
          throw apiError('not_found', `there is no released comment '${commentId}' within this token's reach`);
        }
        const written: CommentReply = { text, author: 'hr', written_on: deps.today() };
        comment.replies.push(written);
        return written;
      }),
  };
  return { commands, myVerdicts: () => verdicts };
}
