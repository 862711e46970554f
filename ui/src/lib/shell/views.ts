// The app's roles and each role's views, in the order of the navigation.

export const ROLES = ['employee', 'hr'] as const;

export type Role = (typeof ROLES)[number];

// "About these questions" (`about`) is in both roles' views: it reads the item bank only,
// so HR reads it without being connected.
export const EMPLOYEE_VIEWS = ['pulse', 'team', 'history', 'sync', 'settings', 'about'] as const;

// The summary comes first in HR's navigation (issue 16), and switching to HR opens it
// (`HR_LANDING_VIEW`): the few changes that matter, read from the server, so connecting is checked
// by a real read.
export const HR_VIEWS = ['hr_summary', 'hr_overview', 'hr_heatmap', 'hr_team', 'hr_linkage', 'hr_cx', 'about'] as const;

/** The view switching to HR's role opens. */
export const HR_LANDING_VIEW = 'hr_summary';

/**
 * A manager's views on HR's side (issue 16): their teams' view and "About these questions";
 * no organisation overview, heatmap, linkage or CX import, which a manager's token cannot read.
 */
export const MANAGER_VIEWS = ['hr_team', 'about'] as const;

/** Every view of every role (`about` is listed under both). */
export const VIEWS = [...EMPLOYEE_VIEWS, ...HR_VIEWS] as const;

export type ViewName = (typeof VIEWS)[number];

/** The views a role navigates between; on HR's side, a manager's fewer ones when `manager`. */
export function viewsOfRole(role: Role, manager = false): readonly ViewName[] {
  if (role !== 'hr') return EMPLOYEE_VIEWS;
  return manager ? MANAGER_VIEWS : HR_VIEWS;
}
