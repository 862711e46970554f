import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../codes';
import { isApiError, normaliseError } from './errors';

describe('normaliseError', () => {
  it('keeps an ApiError as it is, for every code', () => {
    for (const code of ERROR_CODES) {
      expect(normaliseError({ code, message: `about ${code}` })).toEqual({ code, message: `about ${code}` });
    }
  });

  it('drops fields an ApiError does not have', () => {
    expect(normaliseError({ code: 'week_closed', message: 'closed', extra: 1 })).toEqual({
      code: 'week_closed',
      message: 'closed',
    });
  });

  it.each([
    ['a string, as Tauri sends for a missing command', 'command submit_pulse not found', 'command submit_pulse not found'],
    ['an Error', new Error('IPC channel closed'), 'IPC channel closed'],
    ['an unknown code', { code: 'brand_new_code', message: 'from a newer back end' }, "from a newer back end (code 'brand_new_code')"],
    ['a code without a message', { code: 'week_closed' }, '{"code":"week_closed"}'],
    ['a message that is not a string', { code: 'internal', message: 42 }, '{"code":"internal","message":42}'],
    ['null', null, 'null'],
    ['undefined', undefined, 'undefined'],
    ['a number', 404, '404'],
  ])('turns %s into an internal error', (_what, error, message) => {
    expect(normaliseError(error)).toEqual({ code: 'internal', message });
  });

  it('survives an object that cannot be serialised', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(normaliseError(cyclic)).toEqual({ code: 'internal', message: 'an unreadable error object' });
  });
});

describe('isApiError', () => {
  it('accepts only known codes with a string message', () => {
    expect(isApiError({ code: 'note_too_long', message: 'x' })).toBe(true);
    expect(isApiError({ code: 'nope', message: 'x' })).toBe(false);
    expect(isApiError({ code: 'internal' })).toBe(false);
    expect(isApiError('internal')).toBe(false);
  });
});
