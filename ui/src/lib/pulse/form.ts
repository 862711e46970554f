// The pulse form's data, apart from the view: a draft built from the saved pulse, the
// checks made before saving, and the SubmitPulse built from the draft.

import type { ApiError } from '../bindings/ApiError';
import type { ErrorCode } from '../bindings/ErrorCode';
import type { PulseView } from '../bindings/PulseView';
import type { SubmitPulse } from '../bindings/SubmitPulse';
import { countCharacters } from '../text';
import { isValidWorkWeek, toWorkWeek } from './workweek';

/** What the employee has entered so far. `values[i]` answers `pulse.items[i]`. */
export interface PulseDraft {
  values: (number | null)[];
  /**
   * Per item, whether it is marked "not applicable this week" (only items that offer it); a
   * marked item has no value, and choosing a value clears the mark.
   */
  notApplicable: boolean[];
  officeDays: number;
  remoteDays: number;
  note: string;
}

/** What the pulse view shows. */
export type PulseMode = 'editing' | 'done' | 'closed' | 'not_open';

/** The controls an error can be about; anything else goes to the alert region. */
export type ErrorPlace = 'questions' | 'work_week' | 'note' | 'alert';

/** The draft of a pulse as saved (or empty). */
export function draftFromPulse(pulse: PulseView): PulseDraft {
  return {
    values: pulse.items.map(
      (item) => pulse.answers.find((answer) => answer.item_id === item.id)?.value ?? null,
    ),
    notApplicable: pulse.items.map((item) => pulse.not_applicable.includes(item.id)),
    officeDays: pulse.work_week?.office_days ?? 0,
    remoteDays: pulse.work_week?.remote_days ?? 0,
    note: pulse.note ?? '',
  };
}

/** The mode a pulse opens in: the form, the saved state, read-only or not open yet. */
export function initialMode(pulse: PulseView): PulseMode {
  if (pulse.state === 'closed') return 'closed';
  if (pulse.state === 'not_yet_open') return 'not_open';
  return pulse.saved_at === null ? 'editing' : 'done';
}

/** The submission of a draft: answered items only, no empty note, no empty work week. */
export function submissionFromDraft(pulse: PulseView, draft: PulseDraft): SubmitPulse {
  const answers = pulse.items.flatMap((item, index) => {
    const value = draft.values[index];
    const marked = draft.notApplicable[index] === true;
    return value === null || value === undefined || marked ? [] : [{ item_id: item.id, value }];
  });
  const note = draft.note.trim();
  return {
    week: pulse.week,
    answers,
    not_applicable: pulse.items
      .filter((item, index) => item.not_applicable !== null && draft.notApplicable[index] === true)
      .map((item) => item.id),
    work_week: toWorkWeek(draft.officeDays, draft.remoteDays),
    note: note === '' ? null : note,
  };
}

/**
 * The checks the view can make before saving, with the codes the back end would give.
 * The back end checks again; these only spare a round trip and show the error sooner.
 */
export function checkDraft(pulse: PulseView, draft: PulseDraft): ApiError | null {
  if (!isValidWorkWeek(draft.officeDays, draft.remoteDays)) {
    return { code: 'invalid_work_week', message: 'office and remote days add up to more than 7' };
  }
  if (countCharacters(draft.note.trim()) > pulse.note_max_chars) {
    return { code: 'note_too_long', message: `the note is longer than ${pulse.note_max_chars} characters` };
  }
  if (draft.values.every((value) => value === null) && !draft.notApplicable.includes(true)) {
    return { code: 'no_answers', message: 'no question is answered' };
  }
  return null;
}

/** Where an error is shown: next to the control it is about, or in the alert region. */
export function errorPlace(code: ErrorCode): ErrorPlace {
  switch (code) {
    case 'value_out_of_scale':
      return 'questions';
    case 'invalid_work_week':
      return 'work_week';
    case 'note_too_long':
      return 'note';
    default:
      return 'alert';
  }
}
