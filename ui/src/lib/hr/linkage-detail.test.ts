import { describe, expect, it } from 'vitest';
import { sampleLinkage, sampleTeamDifferences } from '../backend/mock-hr';
import en from '../i18n/en.json';
import it_ from '../i18n/it.json';
import { translate } from '../i18n/translate';
import {
  FOREST_MAX_TEAMS,
  buildForestOption,
  heterogeneityKey,
  heterogeneityValues,
  reliabilityNote,
  shapeForest,
  shapeWeighted,
} from './linkage-detail';

const forestTexts = {
  ownName: 'own',
  shrunkName: 'shrunk',
  pooledName: 'average',
  hiddenLabel: (count: number) => `… ${count} more …`,
  textColour: '#000',
};

describe('how teams differ', () => {
  it('sorts teams by their shrunk estimate and keeps every team when there are few', () => {
    const differences = sampleTeamDifferences(6, 0.6);
    const forest = shapeForest(differences, 'en');
    expect(forest.hidden).toBe(0);
    expect(forest.top).toHaveLength(6);
    expect(forest.bottom).toEqual([]);
    const shrunk = forest.top.map((row) => row.shrunk);
    expect(shrunk).toEqual([...shrunk].sort((a, b) => b - a));
    // Shrunk towards the pooled r: never further from it than the team's own r.
    for (const row of forest.top) {
      expect(Math.abs(Math.atanh(row.shrunk) - Math.atanh(0.6))).toBeLessThanOrEqual(Math.abs(Math.atanh(row.r) - Math.atanh(0.6)) + 1e-12);
    }
    const option = buildForestOption(forest, forestTexts);
    expect(option.yAxis.data).toHaveLength(6);
    // The highest team is drawn on top (ECharts' last category).
    expect(option.yAxis.data.at(-1)).toBe(forest.top[0]?.team);
    expect(option.series[1]?.data).toHaveLength(6);
    expect(option.series[2]?.markLine?.data[0]).toMatchObject({ xAxis: 0.6 });
  });

  it('shows the top and bottom teams and a count of the rest when there are many', () => {
    const differences = sampleTeamDifferences(31, 0.3);
    const forest = shapeForest(differences, 'it');
    expect(forest.top).toHaveLength(FOREST_MAX_TEAMS / 2);
    expect(forest.bottom).toHaveLength(FOREST_MAX_TEAMS / 2);
    expect(forest.hidden).toBe(31 - FOREST_MAX_TEAMS);
    expect(forest.all).toHaveLength(31);
    expect(forest.all[0]).toEqual(forest.top[0]);
    expect(forest.all.at(-1)).toEqual(forest.bottom.at(-1));
    const option = buildForestOption(forest, forestTexts);
    expect(option.yAxis.data).toHaveLength(FOREST_MAX_TEAMS + 1);
    expect(option.yAxis.data).toContain('… 19 more …');
    // The gap row has no dot, every drawn team has one.
    expect(option.series[1]?.data).toHaveLength(FOREST_MAX_TEAMS);
    expect(forest.top[0]?.rText).toMatch(/^−?\d,\d\d$/);
  });

  it('says how much teams differ in words, with I² and τ, in both languages', () => {
    const little = sampleTeamDifferences(6, 0.6);
    const some = sampleTeamDifferences(6, 0.1);
    expect(heterogeneityKey(little)).toBe('linkage.teams_differ_little');
    expect(heterogeneityKey(some)).toBe('linkage.teams_differ_some');
    expect(heterogeneityKey({ ...some, heterogeneity: 'a_lot' })).toBe('linkage.teams_differ_a_lot');
    const english = translate(en, 'en', heterogeneityKey(little), heterogeneityValues(little, 'en'));
    expect(english).toContain('Teams differ little: I² = 12%');
    expect(english).toContain('τ = 0.10');
    const italian = translate(it_, 'it', heterogeneityKey(some), heterogeneityValues(some, 'it'));
    expect(italian).toContain('I team differiscono in parte: I² = 40%');
    expect(italian).toContain('τ = 0,10');
  });
});

describe('customers', () => {
  it('shows the weighted figure with its interval, and none without an estimate', () => {
    const detail = sampleLinkage('engagement', 'csat', null).detail;
    if (detail === null) throw new Error('no detail');
    const weighted = shapeWeighted(detail, 'en');
    expect(weighted?.rText).toBe('0.58');
    expect(weighted?.ciText).toMatch(/^0\.\d\d … 0\.\d\d$/);
    expect(detail.weighted.p_adjusted).toBeNull();
    const without = sampleLinkage('wellbeing', 'nps', null).detail;
    if (without === null) throw new Error('no detail');
    expect(shapeWeighted(without, 'en')).toBeNull();
    expect(without.team_differences).toBeNull();
  });

  it('describes reliability by how the noise is known: exact, a lower bound, or not known', () => {
    const view = sampleLinkage();
    const csat = reliabilityNote(view, 'csat', 'en');
    expect(csat?.key).toBe('linkage.reliability_proportion');
    expect(csat?.values).toMatchObject({ reliability: '64%', attenuation: '0.80' });
    const nps = reliabilityNote(view, 'nps', 'it');
    expect(nps?.key).toBe('linkage.reliability_nps');
    expect(nps?.values).toMatchObject({ reliability: '36%', attenuation: '0,60' });
    const unknown = reliabilityNote(
      { ...view, cx_reliability: [{ cx_metric: 'ces', model: 'unknown', cells: 40, reliability: null, attenuation: null }] },
      'ces',
      'en',
    );
    expect(unknown?.key).toBe('linkage.reliability_unknown');
    const few = reliabilityNote(
      { ...view, cx_reliability: [{ cx_metric: 'csat', model: 'proportion', cells: 4, reliability: null, attenuation: null }] },
      'csat',
      'en',
    );
    expect(few).toEqual({ key: 'linkage.reliability_too_few', values: { cells: 4 } });
    expect(reliabilityNote(view, 'fcr', 'en')).toBeNull();
  });

  it('asks for CX pooled over four weeks and says the view is pooled', () => {
    expect(sampleLinkage().cx_pooling).toBe('weekly');
    const pooled = sampleLinkage(null, null, null, 'four_weeks');
    expect(pooled.cx_pooling).toBe('four_weeks');
    expect(pooled.cx_cells_too_few_customers).toBeLessThan(sampleLinkage().cx_cells_too_few_customers);
  });
});
