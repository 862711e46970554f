// The work mode of the week: days at the office and remote days, 0–7 each, 7 in all.

import type { WorkWeekDto } from '../bindings/WorkWeekDto';

/** Days in a week: the most either count, or both together, can be. */
export const DAYS_IN_WEEK = 7;

/** The mode a week's days make. */
export type WorkMode = 'office' | 'hybrid' | 'remote';

/** The mode of a week, or null when no day is recorded. */
export function workMode(officeDays: number, remoteDays: number): WorkMode | null {
  if (officeDays > 0 && remoteDays > 0) return 'hybrid';
  if (officeDays > 0) return 'office';
  if (remoteDays > 0) return 'remote';
  return null;
}

/** A count of days typed or stepped, as a whole number from 0 to 7. */
export function clampDays(days: number): number {
  if (!Number.isFinite(days)) return 0;
  return Math.min(DAYS_IN_WEEK, Math.max(0, Math.trunc(days)));
}

/** Whether the two counts make a possible week. */
export function isValidWorkWeek(officeDays: number, remoteDays: number): boolean {
  return (
    Number.isInteger(officeDays) &&
    Number.isInteger(remoteDays) &&
    officeDays >= 0 &&
    remoteDays >= 0 &&
    officeDays + remoteDays <= DAYS_IN_WEEK
  );
}

/** The work week to save: null when no day is recorded. */
export function toWorkWeek(officeDays: number, remoteDays: number): WorkWeekDto | null {
  if (officeDays === 0 && remoteDays === 0) return null;
  return { office_days: officeDays, remote_days: remoteDays };
}
