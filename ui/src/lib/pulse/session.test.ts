// The pulse the app holds follows the back end's when it asks something else (joining a team
// brings the organisation's questionnaire), and keeps the draft when it asks the same.

import { describe, expect, it } from 'vitest';
import { createMockBackend } from '../backend/mock';
import { PulseSession } from './session.svelte';

describe('the held pulse', () => {
  it('keeps the draft while the same week asks the same questions', async () => {
    const pulse = await createMockBackend().getCurrentPulse();
    const session = new PulseSession(pulse);
    session.draft.values[0] = 4;
    expect(session.refresh(structuredClone(pulse))).toBe(false);
    expect(session.draft.values[0]).toBe(4);
  });

  it('takes the new questions, and drops the draft of the old ones, when they change', async () => {
    const pulse = await createMockBackend().getCurrentPulse();
    const session = new PulseSession(pulse);
    session.draft.values[0] = 4;
    const changed = structuredClone(pulse);
    changed.items = changed.items.slice(1);
    expect(session.refresh(changed)).toBe(true);
    expect(session.pulse.items.map((item) => item.id)).toEqual(changed.items.map((item) => item.id));
    expect(session.draft.values.every((value) => value === null)).toBe(true);
    const nextWeek = { ...structuredClone(pulse), week: '2026-W49' };
    expect(session.refresh(nextWeek)).toBe(true);
    expect(session.pulse.week).toBe('2026-W49');
  });
});
