// The employee's own privacy loss, as the Settings line says it: a pure function of the
// back end's answer and the locale.

import type { DevicePrivacyLoss } from '../bindings/DevicePrivacyLoss';
import { formatEpsilon } from '../hr/publication';

/** Which sentence Settings shows, with its figures. */
export type MyPrivacyLine =
  | { kind: 'dp'; year: number; epsilon: string; weeksPublished: number }
  | { kind: 'no_dp'; year: number; weeksPublished: number };

/**
 * The line for `loss`: a total ε when differential privacy is on (or was, for weeks released
 * earlier this year), the k rule's words when no week of the year was released with it.
 */
export function myPrivacyLine(loss: DevicePrivacyLoss, locale: string): MyPrivacyLine {
  if (!loss.dp_on && !(loss.epsilon > 0)) return { kind: 'no_dp', year: loss.year, weeksPublished: loss.weeks_published };
  return { kind: 'dp', year: loss.year, epsilon: formatEpsilon(loss.epsilon, locale), weeksPublished: loss.weeks_published };
}
