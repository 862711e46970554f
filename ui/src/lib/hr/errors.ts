// The words of an error on HR's screens. Most codes read the same for HR and for an employee;
// an unreachable server does not: the employee's text speaks of their reports waiting on the
// device, HR's of the organisation's server and how to reach it again. Tested in errors.test.ts.

import type { ErrorCode } from '../bindings/ErrorCode';
import type { MessageKey } from '../i18n/index.svelte';

/**
 * The message key of an error on an HR screen: `view` for the connected views (the server's
 * address is shown above them), `connect` for the connect form (the address is in the form).
 */
export function hrErrorKey(code: ErrorCode, where: 'view' | 'connect' = 'view'): MessageKey {
  if (code === 'server_unreachable') {
    return where === 'connect' ? 'hr.error_connect_unreachable' : 'hr.error_server_unreachable';
  }
  return `error.${code}`;
}
