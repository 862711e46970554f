import { describe, expect, it } from 'vitest';
import type { HrHeatmap } from '../bindings/HrHeatmap';
import { SAMPLE_NOT_ASKED_METRIC, sampleHrHeatmap } from '../backend/mock-hr';
import { answeredCell, buildHeatmapOption, changeDirection, formatChange, shapeHeatmap } from './heatmap';

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

  it('draws suppressed cells in their own hatched series labelled "fewer than k"', () => {
    const option = buildHeatmapOption(shapeHeatmap(HEATMAP, 'en-GB'), {
      metricName: (metric) => metric,
      fewerThanK: 'fewer than 5',
      notAsked: 'not asked in this period',
      fewerThanKShort: '< 5',
      notAskedShort: '–',
      notPublished: 'not yet published',
      notPublishedShort: '…',
      noChange: 'no earlier figure',
      belowHistogramMinimum: 'Below the histogram minimum: no eNPS',
      burnoutShare: (shareText: string) => `Reporting burnout symptoms: ${shareText}`,
      fontFamily: 'sans-serif',
      textColour: '#222',
      gridColour: '#ddd',
    });
    const [released, suppressed, notAsked] = option.series;
    expect(released?.data).toHaveLength(2);
    expect(suppressed?.data).toHaveLength(2);
    expect(option.visualMap.seriesIndex).toBe(0);
    expect(suppressed?.itemStyle).toHaveProperty('decal');
    const cell = suppressed?.data[0]?.cell;
    expect(option.tooltip.formatter({ data: { cell } })).toContain('fewer than 5');
    // Inside the narrow cell, the short form; never a number that could read as a score.
    expect(suppressed?.label.formatter({})).toBe('< 5');
    expect(notAsked?.label.formatter({})).toBe('–');
    // Not-asked cells are their own plain series, labelled apart from "fewer than k".
    expect(notAsked?.data.map((item) => item.cell.metric)).toEqual(['enps', 'enps']);
    expect(notAsked?.itemStyle).not.toHaveProperty('decal');
    const notAskedCell = notAsked?.data[0]?.cell;
    const tooltip = option.tooltip.formatter({ data: { cell: notAskedCell } });
    expect(tooltip).toContain('not asked in this period');
    expect(tooltip).not.toContain('fewer than');
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
    const option = buildHeatmapOption(data, {
      metricName: (metric) => metric,
      fewerThanK: 'fewer than 5',
      notAsked: 'not asked in this period',
      fewerThanKShort: '< 5',
      notAskedShort: '–',
      notPublished: 'not yet published',
      notPublishedShort: '…',
      noChange: 'no earlier figure',
      belowHistogramMinimum: 'Below the histogram minimum: no eNPS',
      burnoutShare: (shareText: string) => `Reporting burnout symptoms: ${shareText}`,
      fontFamily: 'sans-serif',
      textColour: '#222',
      gridColour: '#ddd',
    });
    const series = (name: string) => option.series.find((item) => item.name === name);
    expect(series('released')?.data).toHaveLength(0);
    expect(series('suppressed')?.data).toHaveLength(0);
    expect(series('not asked')?.data).toHaveLength(0);
    expect(series('not published')?.data).toHaveLength(cells.length);
    expect(series('not published')?.label.formatter({})).toBe('…');
    const tooltip = option.tooltip.formatter({ data: { cell: cells[0] } });
    expect(tooltip).toContain('not yet published');
    expect(tooltip).not.toContain('fewer than');
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
    const option = buildHeatmapOption(data, {
      metricName: (metric) => metric,
      fewerThanK: 'fewer than 5',
      notAsked: 'not asked',
      fewerThanKShort: '< 5',
      notAskedShort: '–',
      notPublished: 'not yet published',
      notPublishedShort: '…',
      noChange: 'no earlier figure',
      belowHistogramMinimum: 'Below the histogram minimum: no eNPS',
      burnoutShare: (shareText: string) => `Reporting burnout symptoms: ${shareText}`,
      fontFamily: 'sans-serif',
      textColour: '#222',
      gridColour: '#ddd',
    });
    const released_series = option.series.find((item) => item.name === 'released');
    expect(released_series?.data.map((item) => item.value)).toEqual([
      [0, 0, 37.5],
      [1, 0, 70],
    ]);
    const tooltip = option.tooltip.formatter;
    expect(tooltip({ data: { cell: belowMinimum } })).toContain('Below the histogram minimum');
    expect(tooltip({ data: { cell: data.rows[0]![1]! } })).toContain('Reporting burnout symptoms: 28%');
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
