import { describe, expect, it } from 'vitest';
import { sampleHrHeatmap } from '../backend/mock-hr';
import type { HeatmapCell } from '../bindings/HeatmapCell';
import type { HrHeatmap } from '../bindings/HrHeatmap';
import { SUMMARY_CHANGES, summarise } from './summary';

/** A team's wellbeing cell that changed by `change` with the interval `low`..`high`. */
function changed(teamId: string, metric: HeatmapCell['metric'], change: number, low: number, high: number): HeatmapCell {
  return {
    team_id: teamId,
    metric,
    asked: true,
    suppressed: false,
    published: true,
    mean: 60 + change,
    n: 36,
    released_weeks: 4,
    previous_mean: 60,
    change,
    change_low: low,
    change_high: high,
    change_likely_real: low > 0 || high < 0,
  };
}

function heatmapOf(cells: HeatmapCell[]): HrHeatmap {
  const teams = [...new Set(cells.map((cell) => cell.team_id))];
  return {
    ...sampleHrHeatmap(),
    teams: teams.map((id) => ({ id, name: `Team ${id}`, answered: 9, headcount: 12, participation: 0.75 })),
    metrics: [...new Set(cells.map((cell) => cell.metric))],
    cells,
  };
}

describe('the summary', () => {
  it('lists only likely-real changes, largest first, at most five, and counts the rest', () => {
    const cells = [
      changed('a', 'wellbeing', -17, -28, -6),
      changed('a', 'engagement', 4, -8, 16),
      changed('b', 'wellbeing', 9, 1, 17),
      changed('b', 'engagement', -21, -33, -9),
      ...['c', 'd', 'e', 'f'].map((team, index) => changed(team, 'wellbeing', 12 + index, 2, 30)),
    ];
    const summary = summarise(heatmapOf(cells), 'en-GB');
    expect(summary.changes.map((change) => `${change.teamId}/${change.metric}`)).toEqual([
      'b/engagement',
      'a/wellbeing',
      'f/wellbeing',
      'e/wellbeing',
      'd/wellbeing',
    ]);
    expect(summary.changes).toHaveLength(SUMMARY_CHANGES);
    expect([summary.likelyReal, summary.judged]).toEqual([7, 8]);
    expect(summary.changes[0]).toMatchObject({ rose: false, sizeText: '21', changeText: '−21', lowText: '−33', highText: '−9' });
  });

  it('has no change to list when every interval holds zero', () => {
    const summary = summarise(heatmapOf([changed('a', 'wellbeing', 3, -5, 11), changed('b', 'wellbeing', -6, -15, 3)]), 'en-GB');
    expect(summary.changes).toEqual([]);
    expect([summary.likelyReal, summary.judged]).toEqual([0, 2]);
  });

  it("gives the organisation's participation and engagement from its own row", () => {
    const summary = summarise(sampleHrHeatmap(), 'en-GB');
    expect(summary.organisation?.name).toBe('Demo Srl');
    expect(summary.organisation?.answered).toEqual({ kind: 'rate', percent: '63%', answered: '44', headcount: '70' });
    expect(summary.organisation?.engagement?.metric).toBe('engagement');
    expect(summarise({ ...sampleHrHeatmap(), organisation: null }, 'en-GB').organisation).toBeNull();
  });
});
