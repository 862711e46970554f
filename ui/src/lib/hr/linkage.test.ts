import { describe, expect, it } from 'vitest';
import { sampleLinkage } from '../backend/mock-hr';
import {
  buildLinkageHeatmapOption,
  buildProfileOption,
  buildScatterOption,
  formatP,
  formatR,
  rowsByEvidence,
  shapeLinkage,
  shapeProfile,
  shapeWithheld,
} from './linkage';

const texts = {
  exName: (metric: string) => metric,
  cxName: (metric: string) => metric.toUpperCase(),
  lagLabel: (lag: number) => `lag ${lag}`,
  notEnough: 'not enough data',
  edgeMark: '(edge)',
  fontFamily: 'sans-serif',
  textColour: '#000',
};

describe('formatting', () => {
  it('writes r with two decimals and a true minus, in the locale', () => {
    expect(formatR(0.6234, 'en')).toBe('0.62');
    expect(formatR(-0.1, 'it')).toBe('−0,10');
    expect(formatR(-0.001, 'en')).toBe('0.00');
    expect(formatP(0.00001, 'en')).toBe('< 0.001');
    expect(formatP(0.0423, 'it')).toBe('0,042');
  });
});

describe('shapeLinkage', () => {
  const data = shapeLinkage(sampleLinkage(), 'en');

  it('places each pair at its EX row and CX column with its strongest lag', () => {
    const row = data.rows.find((item) => item.ex === 'engagement' && item.cx === 'csat');
    expect(row).toMatchObject({ x: 0, y: 1, lag: 3, rText: '0.62', notEnough: null });
    expect(row?.ciText).toMatch(/^0\.\d\d … 0\.\d\d$/);
    expect(row?.pText).toBe('< 0.001');
  });

  it('keeps pairs without an estimate, with their reason and no figure', () => {
    const row = data.rows.find((item) => item.ex === 'engagement' && item.cx === 'nps');
    expect(row).toMatchObject({ lag: null, r: null, rText: null, notEnough: 'small_effective_size', minimum: 20, nEffectiveText: '6' });
  });

  it('carries the flag, the edge peak, the rank and the other figures of each pair', () => {
    const engagement = data.rows.find((item) => item.ex === 'engagement' && item.cx === 'csat');
    expect(engagement).toMatchObject({ flagged: true, edgePeak: false, rank: 1, teamDemeanedText: '0.72', firstDifferenceText: '0.50' });
    expect(engagement?.fcrText).toMatch(/^0\.\d\d … 0\.\d\d$/);
    expect(engagement?.betweenText).toMatch(/^0\.40 \(0\.\d\d … 0\.\d\d\)$/);
    expect(engagement?.betweenPowerText).toBe('10%');
    const wellbeing = data.rows.find((item) => item.ex === 'wellbeing' && item.cx === 'csat');
    expect(wellbeing).toMatchObject({ flagged: false, edgePeak: true, rank: 2, fcrText: null });
  });

  it('lists pairs in the order of evidence, never of |r|, those without an estimate last', () => {
    expect(rowsByEvidence(data.rows).map((row) => `${row.ex}:${row.cx}`)).toEqual([
      'engagement:csat',
      'wellbeing:csat',
      'wellbeing:nps',
      'engagement:nps',
    ]);
  });

  it('lists the withheld weeks per team with their share, in the locale', () => {
    const view = sampleLinkage();
    view.withheld.push({ team: 'Team 1', withheld: 40, asked: 208 });
    expect(shapeWithheld(view, 'it')).toEqual([
      { team: 'Team 1', withheld: 40, asked: 208, shareText: '19%' },
      { team: 'Team 5', withheld: 12, asked: 208, shareText: '6%' },
    ]);
  });

  it('colours only flagged cells by r, draws the others neutral, and marks "not enough data", never 0', () => {
    const option = buildLinkageHeatmapOption(data, texts);
    const [flagged, neutral, missing] = option.series;
    expect(flagged?.data.map((item) => item.value)).toEqual([[0, 1, 0.62]]);
    // Wellbeing × CSAT has an r but no finding: placed, not coloured, labelled with its r and its edge peak.
    expect(neutral?.data.map((item) => item.value)).toEqual([[0, 0, 0]]);
    expect(neutral?.label.formatter({ data: neutral.data[0] } as never)).toBe('0.12\nlag 0 (edge)');
    expect(option.visualMap).toMatchObject({ seriesIndex: 0 });
    expect(missing?.data.map((item) => item.row.cx)).toEqual(['nps', 'nps']);
    expect(missing?.label.formatter({} as never)).toBe('not enough data');
    expect(option.visualMap).toMatchObject({ min: -1, max: 1 });
    expect(option.xAxis.data).toEqual(['CSAT', 'NPS']);
  });
});

describe('the detail', () => {
  const detail = sampleLinkage('engagement', 'csat', null).detail;

  it('profiles lags 0 to 8 with intervals, drawn only where there is an estimate', () => {
    if (detail === null) throw new Error('no detail');
    const profile = shapeProfile(detail, 'en');
    expect(profile.map((point) => point.lag)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(profile[3]?.rText).toBe('0.62');
    const option = buildProfileOption(profile, { lagLabel: (lag) => `${lag}`, textColour: '#000' });
    expect(option.series[1]?.data[3]).toEqual([3, 0.62]);
    expect(option.series[0]?.data[3]?.[1]).toBeLessThan(0.62);
  });

  it('draws the fitted line across the range of the points', () => {
    if (detail === null) throw new Error('no detail');
    const option = buildScatterOption(
      { ...detail, points: [{ team: 'a', ex_week: '2026-W01', ex_deviation: -2, cx_deviation: -1 }, { team: 'a', ex_week: '2026-W02', ex_deviation: 4, cx_deviation: 2 }], fit: { slope: 0.5, intercept: 1 } },
      { exAxis: 'EX', cxAxis: 'CX' },
    );
    expect(option.series[1]?.data).toEqual([
      [-2, 0],
      [4, 3],
    ]);
    const noFit = buildScatterOption({ ...detail, fit: null }, { exAxis: 'EX', cxAxis: 'CX' });
    expect(noFit.series[1]?.data).toEqual([]);
  });

  it('carries the team-permutation p with its count of pairings, and none without an estimate', () => {
    if (detail === null) throw new Error('no detail');
    // Six teams, five cyclic shifts: the p-value is a share of six and never below 1/6.
    expect(detail.permutations).toBe(5);
    expect(detail.permutation_p).toBeCloseTo(1 / 6, 12);
    expect(formatP(detail.permutation_p ?? 0, 'it')).toBe('0,167');
    expect(formatP(1 / ((detail.permutations ?? 0) + 1), 'en')).toBe('0.167');
    const without = sampleLinkage('wellbeing', 'nps', null).detail;
    expect(without?.permutation_p).toBeNull();
    expect(without?.permutations).toBeNull();
  });
});
