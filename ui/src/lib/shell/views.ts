// The app's views, in the order of the navigation.

export const VIEWS = ['pulse', 'history', 'sync', 'settings'] as const;

export type ViewName = (typeof VIEWS)[number];
