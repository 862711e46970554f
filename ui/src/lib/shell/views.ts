// The app's roles and each role's views, in the order of the navigation.

export const ROLES = ['employee', 'hr'] as const;

export type Role = (typeof ROLES)[number];

export const EMPLOYEE_VIEWS = ['pulse', 'history', 'sync', 'settings'] as const;

export const HR_VIEWS = ['hr_overview', 'hr_heatmap', 'hr_team', 'hr_linkage', 'hr_cx'] as const;

/** Every view of every role. */
export const VIEWS = [...EMPLOYEE_VIEWS, ...HR_VIEWS] as const;

export type ViewName = (typeof VIEWS)[number];

/** The views a role navigates between. */
export function viewsOfRole(role: Role): readonly ViewName[] {
  return role === 'hr' ? HR_VIEWS : EMPLOYEE_VIEWS;
}
