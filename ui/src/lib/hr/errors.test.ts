// HR's words for an unreachable server, in both languages, and every other code as everywhere else.

import { describe, expect, it } from 'vitest';
import en from '../i18n/en.json';
import it_ from '../i18n/it.json';
import { hrErrorKey } from './errors';

describe('hrErrorKey', () => {
  it("speaks of the organisation's server, not of the employee's reports", () => {
    for (const where of ['view', 'connect'] as const) {
      const key = hrErrorKey('server_unreachable', where);
      expect(key).not.toBe('error.server_unreachable');
      const english = en[key as keyof typeof en] as string;
      const italian = it_[key as keyof typeof it_] as string;
      expect(english).toMatch(/organisation's server|a server at this address/);
      expect(english).not.toMatch(/your reports/i);
      expect(italian).toMatch(/server/);
      expect(italian).not.toMatch(/resoconti/i);
    }
  });

  it('leaves every other code to the shared catalogue', () => {
    expect(hrErrorKey('unauthorized')).toBe('error.unauthorized');
    expect(hrErrorKey('forbidden', 'connect')).toBe('error.forbidden');
  });
});
