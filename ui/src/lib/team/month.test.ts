// The "My team" rows: a figure, or why it is missing; participation as a rate or a count.

import { describe, expect, it } from 'vitest';
import { sampleMyTeamMonth } from '../backend/mock-team';
import { figureCell, metricRows, participationCell } from './month';

describe('the month of figures', () => {
  it('shows only the measures asked this month, each with its reason when missing', () => {
    const rows = metricRows(sampleMyTeamMonth(), 'en-GB');
    expect(rows.map((row) => row.metric)).toEqual(['wellbeing', 'engagement', 'trust', 'manager_support', 'enps']);
    const trust = rows.find((row) => row.metric === 'trust')!;
    expect(trust.team).toEqual({ kind: 'fewer_than_k' });
    expect(trust.department).toEqual({ kind: 'value', text: '59', partial: null });
  });

  it('says when only some weeks were released, and writes eNPS with its sign', () => {
    const rows = metricRows(sampleMyTeamMonth(), 'it-IT');
    const wellbeing = rows.find((row) => row.metric === 'wellbeing')!;
    expect(wellbeing.team).toEqual({ kind: 'value', text: '64', partial: { released: 3, asked: 4 } });
    const enps = rows.find((row) => row.metric === 'enps')!;
    expect([enps.team, enps.organisation]).toEqual([
      { kind: 'value', text: '+13', partial: null },
      { kind: 'value', text: '-2', partial: null },
    ]);
  });

  it('tells a measure not asked from one with too few answers', () => {
    expect(figureCell('trust', { mean: null, n: null, weeks_asked: 0, weeks_released: 0 }, 'en')).toEqual({
      kind: 'not_asked',
    });
    expect(figureCell('trust', { mean: null, n: null, weeks_asked: 2, weeks_released: 0 }, 'en')).toEqual({
      kind: 'fewer_than_k',
    });
  });

  it('gives participation as a rate with a head-count, a count without, nothing below k', () => {
    const [team] = sampleMyTeamMonth().participation;
    expect(participationCell(team!, 'en-GB')).toEqual({ kind: 'rate', answered: '7', headcount: '9', percent: '78%' });
    expect(participationCell({ ...team!, headcount: null, rate: null }, 'en-GB')).toEqual({ kind: 'count', answered: '7' });
    expect(participationCell({ ...team!, answered: null, rate: null }, 'en-GB')).toEqual({ kind: 'fewer_than_k' });
  });
});
