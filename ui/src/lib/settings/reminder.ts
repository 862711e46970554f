// The reminder form's pure part: the days in order, and the form's values to the wire and back.

import type { ReminderSettings } from '../bindings/ReminderSettings';
import type { WeekdayDto } from '../bindings/WeekdayDto';

/** The days of the week, Monday first (ISO). */
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const satisfies readonly WeekdayDto[];

/** What the reminder form edits. Quiet hours keep their times while switched off. */
export interface ReminderForm {
  enabled: boolean;
  weekday: WeekdayDto;
  time: string;
  quietEnabled: boolean;
  quietStart: string;
  quietEnd: string;
}

/** The quiet hours offered when the employee first switches them on. */
const DEFAULT_QUIET = { start: '19:00', end: '08:00' };

/** The form for stored settings. */
export function formOf(settings: ReminderSettings): ReminderForm {
  return {
    enabled: settings.enabled,
    weekday: settings.weekday,
    time: settings.time,
    quietEnabled: settings.quiet_hours !== null,
    quietStart: settings.quiet_hours?.start ?? DEFAULT_QUIET.start,
    quietEnd: settings.quiet_hours?.end ?? DEFAULT_QUIET.end,
  };
}

/** The settings to save for a form. An `<input type="time">` may add seconds; they are dropped. */
export function settingsOf(form: ReminderForm): ReminderSettings {
  const minutes = (time: string) => time.slice(0, 5);
  return {
    enabled: form.enabled,
    weekday: form.weekday,
    time: minutes(form.time),
    quiet_hours: form.quietEnabled ? { start: minutes(form.quietStart), end: minutes(form.quietEnd) } : null,
  };
}
