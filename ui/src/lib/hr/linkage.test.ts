import { describe, expect, it } from 'vitest';
import { sampleCxReport, sampleLinkage } from '../backend/mock-hr';
import { canImport, cxPreviewState } from './cx';
import {
  buildLinkageHeatmapOption,
  buildProfileOption,
  buildScatterOption,
  formatP,
  formatR,
  shapeLinkage,
  shapeProfile,
} from './linkage';

const texts = {
  exName: (metric: string) => metric,
  cxName: (metric: string) => metric.toUpperCase(),
  lagLabel: (lag: number) => `lag ${lag}`,
  notEnough: 'not enough data',
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
    expect(row).toMatchObject({ lag: null, r: null, rText: null, notEnough: 'too_few_pairs' });
  });

  it('colours estimated cells by r and marks the others "not enough data", never 0', () => {
    const option = buildLinkageHeatmapOption(data, texts);
    const [estimated, missing] = option.series;
    expect(estimated?.data.map((item) => item.value)).toEqual([
      [0, 0, 0.12],
      [0, 1, 0.62],
    ]);
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
});

describe('the CX preview', () => {
  it('allows import only after a clean preview', () => {
    expect(cxPreviewState(null)).toBe('none');
    expect(canImport(null, false)).toBe(false);
    const clean = sampleCxReport('team;week', false);
    expect(cxPreviewState(clean)).toBe('clean');
    expect(canImport(clean, false)).toBe(true);
    expect(canImport(clean, true)).toBe(false);
    const bad = sampleCxReport('bad', false);
    expect(cxPreviewState(bad)).toBe('errors');
    expect(canImport(bad, false)).toBe(false);
    expect(cxPreviewState({ ...clean, rows: 0 })).toBe('empty');
  });
});
