import { describe, expect, it } from 'vitest';
import { WEEKDAYS, formOf, settingsOf } from './reminder';

describe('reminder form', () => {
  it('lists the seven days Monday first', () => {
    expect(WEEKDAYS).toEqual(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);
  });

  it('round-trips stored settings', () => {
    const stored = { enabled: true, weekday: 'mon' as const, time: '09:15', quiet_hours: { start: '22:00', end: '07:00' } };
    expect(settingsOf(formOf(stored))).toEqual(stored);
  });

  it('offers quiet hours when off, and saves none until they are switched on', () => {
    const form = formOf({ enabled: true, weekday: 'thu', time: '11:00', quiet_hours: null });
    expect(form.quietEnabled).toBe(false);
    expect([form.quietStart, form.quietEnd]).toEqual(['19:00', '08:00']);
    expect(settingsOf(form).quiet_hours).toBeNull();
    expect(settingsOf({ ...form, quietEnabled: true }).quiet_hours).toEqual({ start: '19:00', end: '08:00' });
  });

  it('drops the seconds a time input may add', () => {
    const form = formOf({ enabled: false, weekday: 'fri', time: '11:00', quiet_hours: null });
    expect(settingsOf({ ...form, time: '08:30:00' }).time).toBe('08:30');
  });
});
