import { describe, expect, it } from 'vitest';
import { sampleHrPriorities, sampleLinkage } from '../backend/mock-hr';
import type { LinkageView } from '../bindings/LinkageView';
import { formatR, shapePriorities } from './priorities';

describe('driver priorities', () => {
  it('keeps the back end ranking and writes r with its interval, none for a driver with too few teams', () => {
    const rows = shapePriorities(sampleHrPriorities(), null, 'it-IT');
    expect(rows.map((row) => row.metric)).toEqual(['recognition', 'manager_support', 'communication', 'tools', 'flexibility']);
    expect(rows[0]).toMatchObject({ rText: '0,78', likelyRelated: true, teams: 12, roomText: '46', cx: null });
    expect(rows[3]).toMatchObject({ rText: '0,05', likelyRelated: false });
    expect(rows[3]!.lowText?.startsWith('−')).toBe(true);
    expect(rows[4]).toMatchObject({ rText: null, lowText: null, roomText: null, teams: 3 });
  });

  it("puts beside a driver its strongest CX pair by the linkage's own ranking", () => {
    const linkage = sampleLinkage(null, null, null, null) as LinkageView;
    const base = linkage.pairs[0]!;
    const pair = (cx: string, rank: number, r: number) => ({
      ...base,
      ex_metric: 'recognition' as const,
      cx_metric: cx,
      lag: 2,
      rank,
      within: { ...base.within, r, ci_low: r - 0.2, ci_high: r + 0.2 },
    });
    const withCx = { ...linkage, pairs: [pair('nps', 4, 0.5), pair('csat', 1, 0.3)] };
    const row = shapePriorities(sampleHrPriorities(), withCx, 'en-GB')[0]!;
    expect(row.cx).toMatchObject({ metric: 'csat', rText: '0.30', lowText: '0.10', highText: '0.50', lag: 2 });
  });

  it('writes a negative r with a true minus and no "−0.00"', () => {
    expect(formatR(-0.123, 'en-GB')).toBe('−0.12');
    expect(formatR(-0.001, 'en-GB')).toBe('0.00');
  });
});
