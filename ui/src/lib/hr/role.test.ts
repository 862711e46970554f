// The role on HR's side: which views a manager's connection may open, and "Manager of …".

import { describe, expect, it } from 'vitest';
import type { HrConnection } from '../bindings/HrConnection';
import { HR_VIEWS } from '../shell/views';
import { allowedHrView, hrViewsOf, isManager, managedTeamsText } from './role';

const hr: HrConnection = { connected: true, server_url: 'https://polso.example.org', k: 5, role: 'hr', manager_of: [] };
const manager: HrConnection = {
  ...hr,
  role: 'manager',
  manager_of: [
    { id: 'team_help', name: 'Help desk' },
    { id: 'team_phone', name: 'Phone support' },
  ],
};

describe('the HR side by role', () => {
  it('offers a manager the team view and About only, and HR everything', () => {
    expect(hrViewsOf(manager)).toEqual(['hr_team', 'about']);
    expect(hrViewsOf(hr)).toEqual(HR_VIEWS);
    expect(hrViewsOf(null)).toEqual(HR_VIEWS);
    expect(isManager(manager)).toBe(true);
    expect(isManager({ ...manager, connected: false })).toBe(false);
    expect(isManager(hr)).toBe(false);
  });

  it('sends a manager asking for an HR-only view to the team view', () => {
    for (const view of ['hr_overview', 'hr_heatmap', 'hr_linkage', 'hr_cx'] as const) {
      expect(allowedHrView(view, manager)).toBe('hr_team');
      expect(allowedHrView(view, hr)).toBe(view);
    }
    expect(allowedHrView('about', manager)).toBe('about');
  });

  it('names a manager\'s teams as one phrase in the language', () => {
    expect(managedTeamsText(manager, 'en-GB')).toBe('Help desk and Phone support');
    expect(managedTeamsText(manager, 'it-IT')).toBe('Help desk e Phone support');
    expect(managedTeamsText({ ...manager, manager_of: [{ id: 'team_help', name: 'Help desk' }] }, 'en-GB')).toBe('Help desk');
  });
});
