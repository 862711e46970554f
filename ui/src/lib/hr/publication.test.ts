// The publication notice and HR's privacy ledger, shaped as pure functions, in both locales.

import { describe, expect, it } from 'vitest';
import { samplePrivacyLedger } from '../backend/mock-hr';
import type { PrivacyLedger } from '../bindings/PrivacyLedger';
import { formatEpsilon, publicationNotice, shapeLedger } from './publication';

describe('the publication notice', () => {
  it('names the week and the instant in the locale', () => {
    const next = { week: '2026-W47', at: '2026-11-28T09:00:00Z' };
    const english = publicationNotice(next, 'en-GB');
    const italian = publicationNotice(next, 'it-IT');
    expect(english?.weekNumber).toBe(47);
    expect(english?.when).toMatch(/2[78] November 2026/);
    expect(italian?.when).toMatch(/2[78] novembre 2026/);
  });

  it('says nothing when no publication is announced or the announcement is unreadable', () => {
    expect(publicationNotice(null, 'en-GB')).toBeNull();
    expect(publicationNotice({ week: 'soon', at: '2026-11-28T09:00:00Z' }, 'en-GB')).toBeNull();
    expect(publicationNotice({ week: '2026-W47', at: 'Saturday' }, 'en-GB')).toBeNull();
  });
});

describe('ε', () => {
  it.each([
    [4.6, 'en-GB', '4.6'],
    [4.6, 'it-IT', '4,6'],
    [0.05, 'it-IT', '0,05'],
    [12.345, 'en-GB', '12.35'],
    [0, 'en-GB', '0'],
  ] as const)('%s in %s is %s', (epsilon, locale, text) => {
    expect(formatEpsilon(epsilon, locale)).toBe(text);
  });
});

describe('the privacy ledger', () => {
  it('lists every team by name with its yearly ε and the ε of one figure', () => {
    const view = shapeLedger(samplePrivacyLedger(), 'it-IT');
    expect(view).toMatchObject({ year: 2026, dpOn: true, perCellText: '0,1' });
    expect(view.rows.map((row) => row.teamName)).toEqual([
      'Escalations',
      'Field service',
      'Help desk',
      'Partnerships',
      'Phone support',
    ]);
    expect(view.rows[0]).toMatchObject({ epsilonText: '4,6', weeksPublished: 46 });
  });

  it('has no ε per figure when differential privacy is off, and sorts names the locale way', () => {
    const ledger: PrivacyLedger = {
      year: 2026,
      dp_on: false,
      epsilon_per_cell: null,
      teams: [
        { team_id: 'b', team_name: 'Zeta', epsilon: 0, weeks_published: 3 },
        { team_id: 'a', team_name: 'ähnlich', epsilon: 0, weeks_published: 3 },
      ],
    };
    const view = shapeLedger(ledger, 'en-GB');
    expect(view.perCellText).toBeNull();
    expect(view.dpOn).toBe(false);
    expect(view.rows.map((row) => row.teamName)).toEqual(['ähnlich', 'Zeta']);
  });
});
