import { describe, expect, it } from 'vitest';
import { samplePulse } from '../backend/mock-data';
import type { PulseView } from '../bindings/PulseView';
import { checkDraft, draftFromPulse, errorPlace, initialMode, submissionFromDraft } from './form';
import { hasLongLabels, optionText, scaleValues } from './scale';
import { clampDays, isValidWorkWeek, toWorkWeek, workMode } from './workweek';

function saved(): PulseView {
  return {
    ...samplePulse(),
    answers: [
      { item_id: 'eng.2', value: 4 },
      { item_id: 'wb.1', value: 2 },
    ],
    work_week: { office_days: 1, remote_days: 4 },
    note: 'kept',
    saved_at: '2026-11-24T09:00:00Z',
  };
}

describe('the pulse draft', () => {
  it('starts empty for an unanswered week', () => {
    expect(draftFromPulse(samplePulse())).toEqual({
      values: [null, null, null, null, null],
      notApplicable: [false, false, false, false, false],
      officeDays: 0,
      remoteDays: 0,
      note: '',
    });
  });

  it('puts saved answers under their items, whatever their order', () => {
    expect(draftFromPulse(saved())).toEqual({
      values: [2, 4, null, null, null],
      notApplicable: [false, false, false, false, false],
      officeDays: 1,
      remoteDays: 4,
      note: 'kept',
    });
  });

  it('builds the submission: answered items only, trimmed note, no empty work week', () => {
    const pulse = samplePulse();
    const submission = submissionFromDraft(pulse, {
      values: [4, null, 3, null, 5],
      notApplicable: [false, false, false, false, false],
      officeDays: 0,
      remoteDays: 0,
      note: '   ',
    });
    expect(submission).toEqual({
      week: '2026-W48',
      answers: [
        { item_id: 'wb.1', value: 4 },
        { item_id: 'wlb.3', value: 3 },
        { item_id: 'tools.1', value: 5 },
      ],
      not_applicable: [],
      work_week: null,
      note: null,
    });
    expect(
      submissionFromDraft(pulse, {
        values: [1, 1, 1, 1, 1],
        notApplicable: [false, false, false, false, false],
        officeDays: 3,
        remoteDays: 2,
        note: ' hi ',
      }),
    ).toMatchObject({ work_week: { office_days: 3, remote_days: 2 }, note: 'hi' });
  });

  it('opens in the mode the week is in', () => {
    expect(initialMode(samplePulse())).toBe('editing');
    expect(initialMode(saved())).toBe('done');
    expect(initialMode({ ...saved(), state: 'closed' })).toBe('closed');
    expect(initialMode({ ...samplePulse(), state: 'not_yet_open' })).toBe('not_open');
  });

  it('checks the draft with the back end codes', () => {
    const pulse = samplePulse();
    const draft = draftFromPulse(pulse);
    expect(checkDraft(pulse, draft)?.code).toBe('no_answers');
    draft.values[0] = 3;
    expect(checkDraft(pulse, draft)).toBeNull();
    expect(checkDraft(pulse, { ...draft, officeDays: 4, remoteDays: 4 })?.code).toBe('invalid_work_week');
    expect(checkDraft(pulse, { ...draft, note: 'x'.repeat(2001) })?.code).toBe('note_too_long');
    expect(checkDraft(pulse, { ...draft, note: 'é'.repeat(2000) })).toBeNull();
  });

  it('places value errors next to their controls and the rest in the alert', () => {
    expect(errorPlace('value_out_of_scale')).toBe('questions');
    expect(errorPlace('invalid_work_week')).toBe('work_week');
    expect(errorPlace('note_too_long')).toBe('note');
    expect(errorPlace('week_closed')).toBe('alert');
    expect(errorPlace('internal')).toBe('alert');
  });
});

describe('the work week', () => {
  it.each([
    [0, 0, null],
    [5, 0, 'office'],
    [0, 4, 'remote'],
    [2, 3, 'hybrid'],
    [1, 1, 'hybrid'],
  ] as const)('%d office and %d remote days make %s', (office, remote, mode) => {
    expect(workMode(office, remote)).toBe(mode);
  });

  it('keeps days between 0 and 7, whole', () => {
    expect(clampDays(-1)).toBe(0);
    expect(clampDays(9)).toBe(7);
    expect(clampDays(2.7)).toBe(2);
    expect(clampDays(Number.NaN)).toBe(0);
  });

  it('allows at most 7 days in all', () => {
    expect(isValidWorkWeek(3, 4)).toBe(true);
    expect(isValidWorkWeek(4, 4)).toBe(false);
    expect(isValidWorkWeek(-1, 2)).toBe(false);
    expect(toWorkWeek(0, 0)).toBeNull();
    expect(toWorkWeek(0, 2)).toEqual({ office_days: 0, remote_days: 2 });
  });
});

describe('scale options', () => {
  it('lists the values of a scale', () => {
    expect(scaleValues({ min: 1, max: 5 })).toEqual([1, 2, 3, 4, 5]);
    expect(scaleValues({ min: 0, max: 10 })).toHaveLength(11);
  });

  it('drops a label that only repeats the number', () => {
    expect(optionText(3, 'Neither agree nor disagree')).toBe('Neither agree nor disagree');
    expect(optionText(7, '7')).toBeNull();
    expect(optionText(0, '0 – Not at all likely')).toBe('Not at all likely');
    expect(optionText(10, '10 – Estremamente probabile')).toBe('Estremamente probabile');
    expect(optionText(2, undefined)).toBeNull();
  });

  it('puts long labels in a column', () => {
    expect(hasLongLabels(['Agree', 'Disagree'])).toBe(false);
    expect(hasLongLabels(['I enjoy my work. I have no symptoms of burnout.'])).toBe(true);
  });
});
