import { describe, expect, it } from 'vitest';
import type { HrHeatmap } from '../bindings/HrHeatmap';
import { SAMPLE_NOT_ASKED_METRIC, sampleHrHeatmap } from '../backend/mock-hr';
import {
  answeredCell,
  cellColour,
  changeDirection,
  differenceFrom,
  formatChange,
  groupByDepartment,
  referenceCell,
  shapeHeatmap,
} from './heatmap';

const HEATMAP: HrHeatmap = {
  k: 5,
  current: { from: '2026-W44', to: '2026-W47', from_monday: '2026-10-26', to_sunday: '2026-11-22' },
  previous: { from: '2026-W40', to: '2026-W43', from_monday: '2026-09-28', to_sunday: '2026-10-25' },
  teams: [
    { id: 't1', name: 'Escalations', answered: null, headcount: 6, participation: null },
    { id: 't2', name: 'Help desk', answered: 9, headcount: 12, participation: 0.75 },
  ],
  metrics: ['wellbeing', 'engagement', 'enps'],
  cells: [
    { team_id: 't1', metric: 'wellbeing', asked: true, suppressed: true, published: true, mean: null, n: null, released_weeks: 0, previous_mean: null, change: null },
    { team_id: 't2', metric: 'wellbeing', asked: true, suppressed: false, published: true, mean: 66.04, n: 36, released_weeks: 4, previous_mean: 60, change: 6.04 },
    { team_id: 't2', metric: 'engagement', asked: true, suppressed: false, published: true, mean: 50, n: 30, released_weeks: 3, previous_mean: null, change: null },
    { team_id: 't1', metric: 'enps', asked: false, suppressed: false, published: true, mean: null, n: null, released_weeks: 0, previous_mean: null, change: null },
    // A not-asked cell never shows a value, even one a buggy back end left in.
    { team_id: 't2', metric: 'enps', asked: false, suppressed: false, published: true, mean: 40, n: null, released_weeks: 0, previous_mean: 38, change: 2 },
  ],
  published_through: '2026-W47',
  next_publication: { week: '2026-W48', at: '2026-12-05T09:00:00Z' },
  release_noise: 'included',
  epsilon_per_cell: 6.5,
  departments: [],
};

describe('changes', () => {
  it.each([
    [6.04, 'up', '+6'],
    [-1.25, 'down', '−1.3'],
    [0.4, 'flat', '±0'],
    [-0.49, 'flat', '±0'],
    [null, null, null],
  ] as const)('%s is %s', (change, direction, text) => {
    expect(changeDirection(change)).toBe(direction);
    expect(formatChange(change, 'en-GB')).toBe(text);
  });

  it('writes decimals the Italian way', () => {
    expect(formatChange(-1.25, 'it-IT')).toBe('−1,3');
  });
});

describe('the heatmap data', () => {
  it('puts every team × metric in the grid, missing pairs as suppressed', () => {
    const data = shapeHeatmap(HEATMAP, 'en-GB');
    expect(data.rows).toHaveLength(2);
    expect(data.rows.map((row) => row.map((cell) => cell.suppressed))).toEqual([
      [true, true, false],
      [false, false, false],
    ]);
    expect(data.rows.map((row) => row.map((cell) => cell.notAsked))).toEqual([
      [false, false, true],
      [false, false, true],
    ]);
    const [wellbeing, engagement] = data.rows[1] ?? [];
    expect(wellbeing).toMatchObject({ meanText: '66', changeText: '+6', direction: 'up', x: 0, y: 1 });
    expect(engagement).toMatchObject({ meanText: '50', changeText: null, direction: null });
  });

  it('never gives a suppressed or not-asked cell a value', () => {
    const empty = shapeHeatmap(HEATMAP, 'en-GB').rows.flat().filter((cell) => cell.suppressed || cell.notAsked);
    expect(empty).toHaveLength(4);
    for (const cell of empty) {
      expect([cell.mean, cell.meanText, cell.change, cell.changeText]).toEqual([null, null, null, null]);
    }
  });

  it('shows a period with no published week as "not yet published", apart from both other states', () => {
    const nothingYet: HrHeatmap = {
      ...HEATMAP,
      published_through: null,
      cells: HEATMAP.cells.map((cell) => ({
        ...cell,
        asked: true,
        suppressed: false,
        published: false,
        mean: null,
        n: null,
        released_weeks: 0,
        previous_mean: null,
        change: null,
      })),
    };
    const data = shapeHeatmap(nothingYet, 'en-GB');
    const cells = data.rows.flat();
    expect(cells.map((cell) => [cell.notPublished, cell.suppressed, cell.notAsked])).toEqual(
      cells.map(() => [true, false, false]),
    );
    expect(cells.every((cell) => cell.mean === null && cell.changeText === null)).toBe(true);
  });

  it('shapes the mock sample: the small teams are suppressed wherever asked, eNPS is not asked', () => {
    const data = shapeHeatmap(sampleHrHeatmap(), 'en-GB');
    for (const row of data.rows) {
      const small = ['Escalations', 'Partnerships'].includes(row[0]?.teamName ?? '');
      for (const cell of row) {
        const notAsked = cell.metric === SAMPLE_NOT_ASKED_METRIC;
        expect(cell.notAsked, `${cell.teamName} ${cell.metric}`).toBe(notAsked);
        expect(cell.suppressed, `${cell.teamName} ${cell.metric}`).toBe(small && !notAsked);
        expect(cell.notPublished).toBe(false);
      }
    }
    // The latest period ends with the last published week, not the last closed one.
    const sample = sampleHrHeatmap();
    expect(sample.current.to).toBe(sample.published_through);
  });
});

describe('eNPS and the burnout share in the heatmap', () => {
  const DERIVED: HrHeatmap = {
    ...HEATMAP,
    metrics: ['enps', 'burnout'],
    cells: [
      // The mean answer (62) is never shown as eNPS; the server's eNPS is.
      { team_id: 't1', metric: 'enps', asked: true, suppressed: false, published: true, mean: 62, n: 40, released_weeks: 1, previous_mean: 55, change: 7, enps: -25, previous_enps: -35 },
      // Released below the histogram minimum: a mean, but no eNPS.
      { team_id: 't2', metric: 'enps', asked: true, suppressed: false, published: true, mean: 48, n: 7, released_weeks: 1, previous_mean: null, change: null, enps: null },
      { team_id: 't1', metric: 'burnout', asked: true, suppressed: false, published: true, mean: 70, n: 40, released_weeks: 4, previous_mean: null, change: null, burnout_share: 27.5 },
      { team_id: 't2', metric: 'burnout', asked: true, suppressed: true, published: true, mean: null, n: null, released_weeks: 0, previous_mean: null, change: null, burnout_share: 90 },
    ],
  };

  it('shows eNPS with its sign and its change in eNPS points, coloured on its own range', () => {
    const data = shapeHeatmap(DERIVED, 'en-GB');
    const [released, belowMinimum] = [data.rows[0]![0]!, data.rows[1]![0]!];
    expect(released).toMatchObject({ mean: -25, meanText: '−25', change: 10, changeText: '+10', colourValue: 37.5 });
    expect(belowMinimum).toMatchObject({ belowHistogramMinimum: true, suppressed: false, mean: null, meanText: null });
    // eNPS is coloured on its own range: −25 sits at 37.5 of the 0–100 scale.
    expect(cellColour('values', released, null)).toBe(cellColour('values', { ...released, colourValue: 37.5 }, null));
    expect(cellColour('values', belowMinimum, null)).toBeNull();
  });

  it('gives the burnout share only for a released cell', () => {
    const data = shapeHeatmap(DERIVED, 'it-IT');
    expect(data.rows[0]![1]!.burnoutShareText).toBe('28%');
    expect(data.rows[1]![1]!).toMatchObject({ suppressed: true, burnoutShareText: null });
  });
});

describe('the answered column', () => {
  it('gives a rate with a head-count, a weekly count without, and fewer than k when no count was released', () => {
    const base = { id: 't', name: 'T' };
    expect(answeredCell({ ...base, answered: 9, headcount: 12, participation: 0.75 }, 'en-GB')).toEqual({
      kind: 'rate',
      percent: '75%',
      answered: '9',
      headcount: '12',
    });
    expect(answeredCell({ ...base, answered: 9, headcount: null, participation: null }, 'it-IT')).toEqual({ kind: 'count', answered: '9' });
    expect(answeredCell({ ...base, answered: null, headcount: 12, participation: null }, 'en-GB')).toEqual({ kind: 'fewer_than_k' });
  });
});

describe('changes with their interval', () => {
  const INTERVALS: HrHeatmap = {
    ...HEATMAP,
    teams: [{ id: 't1', name: 'A', answered: 9, headcount: 12, participation: 0.75 }],
    metrics: ['wellbeing', 'engagement', 'enps'],
    cells: [
      { team_id: 't1', metric: 'wellbeing', asked: true, suppressed: false, published: true, mean: 52, n: 36, released_weeks: 4, previous_mean: 69, change: -17, change_low: -28.46, change_high: -5.5, change_likely_real: true },
      { team_id: 't1', metric: 'engagement', asked: true, suppressed: false, published: true, mean: 64, n: 9, released_weeks: 1, previous_mean: 60, change: 4, change_low: -9.2, change_high: 17.2, change_likely_real: false },
      // A buggy back end's interval on eNPS is never shown: its change is in eNPS points.
      { team_id: 't1', metric: 'enps', asked: true, suppressed: false, published: true, mean: 50, n: 20, released_weeks: 1, previous_mean: 40, change: 10, enps: 10, previous_enps: -10, change_low: 1, change_high: 19, change_likely_real: true },
    ],
  };

  it('gives each change its interval and marks it likely real only when the interval excludes 0', () => {
    const [fall, rise, enps] = shapeHeatmap(INTERVALS, 'it-IT').rows[0]!;
    expect(fall).toMatchObject({ changeText: '−17', changeLowText: '−28,5', changeHighText: '−5,5', likelyReal: true });
    expect(rise).toMatchObject({ changeText: '+4', changeLowText: '−9,2', changeHighText: '+17,2', likelyReal: false });
    expect(enps).toMatchObject({ changeText: '+20', changeLowText: null, changeHighText: null, likelyReal: false });
  });

  it('has no interval and no verdict for a cell without a previous period', () => {
    const engagement = shapeHeatmap(HEATMAP, 'en-GB').rows[1]![1]!;
    expect(engagement).toMatchObject({ change: null, changeLowText: null, likelyReal: false });
  });
});

describe('differences from the organisation and the department', () => {
  const unit = (id: string, name: string, wellbeing: number | null) => ({
    id,
    name,
    answered: wellbeing === null ? null : 20,
    headcount: 25,
    participation: wellbeing === null ? null : 0.8,
    cells: [
      wellbeing === null
        ? { team_id: id, metric: 'wellbeing' as const, asked: true, suppressed: true, published: true, mean: null, n: null, released_weeks: 0, previous_mean: null, change: null }
        : { team_id: id, metric: 'wellbeing' as const, asked: true, suppressed: false, published: true, mean: wellbeing, n: 80, released_weeks: 4, previous_mean: wellbeing, change: 0 },
    ],
  });
  const GROUPED: HrHeatmap = {
    ...HEATMAP,
    teams: [
      { id: 't1', name: 'A', answered: 9, headcount: 12, participation: 0.75, department_id: 'd_small' },
      { id: 't2', name: 'B', answered: 9, headcount: 12, participation: 0.75, department_id: 'd_care' },
      { id: 't3', name: 'C', answered: 9, headcount: 12, participation: 0.75, department_id: null },
    ],
    metrics: ['wellbeing'],
    cells: ['t1', 't2', 't3'].map((team_id, index) => ({ team_id, metric: 'wellbeing' as const, asked: true, suppressed: false, published: true, mean: 60 + index * 5, n: 30, released_weeks: 4, previous_mean: null, change: null })),
    departments: [unit('d_care', 'Care', 58), unit('d_small', 'Small', null)],
    organisation: unit('org', 'Org', 62),
  };

  it('groups teams under their department, teams of no known department last', () => {
    const groups = groupByDepartment(shapeHeatmap(GROUPED, 'en-GB'));
    expect(groups.map((group) => [group.department?.name ?? null, group.rows])).toEqual([
      ['Care', [1]],
      ['Small', [0]],
      [null, [2]],
    ]);
    expect(groups[0]!.department!.answered).toEqual({ kind: 'rate', percent: '80%', answered: '20', headcount: '25' });
  });

  it('compares a team with released reference figures only, never with a withheld one', () => {
    const data = shapeHeatmap(GROUPED, 'en-GB');
    const difference = (mode: 'vs_organisation' | 'vs_department', team: number) =>
      differenceFrom(data.rows[team]![0]!, referenceCell(data, mode, team, 0));
    expect(difference('vs_organisation', 0)).toBe(60 - 62);
    expect(difference('vs_department', 1)).toBe(65 - 58);
    // Small's own cell was withheld: no difference, not one against a figure derived from its teams.
    expect(difference('vs_department', 0)).toBeNull();
    expect(difference('vs_department', 2)).toBeNull();
    expect(referenceCell(data, 'values', 0, 0)).toBeNull();
  });

  it('colours differences on a diverging scale: white at 0, orange below, purple above', () => {
    const cell = shapeHeatmap(GROUPED, 'en-GB').rows[0]![0]!;
    expect(cellColour('vs_organisation', cell, 0)).toBe('rgb(247, 247, 247)');
    expect(cellColour('vs_organisation', cell, -15)).toBe('rgb(241, 163, 64)');
    expect(cellColour('vs_organisation', cell, 40)).toBe('rgb(178, 171, 210)');
    expect(cellColour('vs_organisation', cell, null)).toBeNull();
  });
});
