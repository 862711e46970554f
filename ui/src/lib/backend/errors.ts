// Turns whatever a command rejects with into an ApiError the UI can branch on by code.
//
// Tauri rejects a failing command with the serialised ApiError, but a transport failure,
// a missing command or a bug can reject with a string, an Error or anything else. Those
// become {code: 'internal'} so the UI has exactly one error shape to handle.

import type { ApiError } from '../bindings/ApiError';
import type { ErrorCode } from '../bindings/ErrorCode';
import { ERROR_CODES } from '../codes';

/** Whether a value is an ApiError with a code this UI knows. */
export function isApiError(value: unknown): value is ApiError {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return (
    typeof record.code === 'string' &&
    (ERROR_CODES as readonly string[]).includes(record.code) &&
    typeof record.message === 'string'
  );
}

/** Any rejection as an ApiError: itself when it already is one, else an `internal` error. */
export function normaliseError(error: unknown): ApiError {
  if (isApiError(error)) return { code: error.code, message: error.message };
  return { code: 'internal', message: describeUnknown(error) };
}

/** An ApiError, built in one expression (used by the mock and by client-side checks). */
export function apiError(code: ErrorCode, message: string): ApiError {
  return { code, message };
}

function describeUnknown(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  if (typeof error === 'string') return error;
  if (typeof error === 'object' && error !== null) {
    const record = error as Record<string, unknown>;
    if (typeof record.message === 'string') {
      // An error-shaped value with a code this UI does not know (a newer back end, say).
      const code = typeof record.code === 'string' ? ` (code '${record.code}')` : '';
      return `${record.message}${code}`;
    }
    try {
      return JSON.stringify(error);
    } catch {
      return 'an unreadable error object';
    }
  }
  return String(error);
}
