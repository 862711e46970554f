// The employee's privacy line in Settings, as a pure function of the device's ledger.

import { describe, expect, it } from 'vitest';
import { myPrivacyLine } from './privacy';

describe('my privacy line', () => {
  it('gives the total ε in the locale when differential privacy is on', () => {
    const loss = { year: 2026, dp_on: true, epsilon: 4.85, weeks_published: 46 };
    expect(myPrivacyLine(loss, 'en-GB')).toEqual({ kind: 'dp', year: 2026, epsilon: '4.85', weeksPublished: 46 });
    expect(myPrivacyLine(loss, 'it-IT')).toMatchObject({ kind: 'dp', epsilon: '4,85' });
  });

  it('says no formal bound applies when no week of the year was released with differential privacy', () => {
    const loss = { year: 2026, dp_on: false, epsilon: 0, weeks_published: 46 };
    expect(myPrivacyLine(loss, 'en-GB')).toEqual({ kind: 'no_dp', year: 2026, weeksPublished: 46 });
  });

  it('still gives the ε already spent when differential privacy was turned off during the year', () => {
    const loss = { year: 2026, dp_on: false, epsilon: 1.2, weeks_published: 46 };
    expect(myPrivacyLine(loss, 'en-GB')).toMatchObject({ kind: 'dp', epsilon: '1.2' });
  });
});
