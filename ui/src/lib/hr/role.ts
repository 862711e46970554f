// Who is connected on HR's side (issue 16): HR, with the organisation's views, or a manager,
// who reads their teams' view only. The server decides the role and enforces the scope; the
// app only stops offering what a manager's token would be refused or shown nothing of.

import type { HrConnection } from '../bindings/HrConnection';
import { HR_VIEWS, MANAGER_VIEWS, type ViewName } from '../shell/views';

/** Whether the connection is a manager's. */
export function isManager(connection: HrConnection | null): boolean {
  return connection !== null && connection.connected && connection.role === 'manager';
}

/** The HR-side views this connection may open: a manager's, or all of HR's. */
export function hrViewsOf(connection: HrConnection | null): readonly ViewName[] {
  return isManager(connection) ? MANAGER_VIEWS : HR_VIEWS;
}

/**
 * The view to show for `view` on this connection: itself when the connection may open it,
 * otherwise the first view it may (a manager asked for the overview gets their team's view).
 */
export function allowedHrView(view: ViewName, connection: HrConnection | null): ViewName {
  const views = hrViewsOf(connection);
  return views.includes(view) ? view : (views[0] ?? 'about');
}

/** A manager's team names as one phrase in `locale` ("Help desk and Phone support"). */
export function managedTeamsText(connection: HrConnection, locale: string): string {
  const names = connection.manager_of.map((team) => team.name);
  try {
    return new Intl.ListFormat(locale, { style: 'long', type: 'conjunction' }).format(names);
  } catch {
    return names.join(', ');
  }
}
