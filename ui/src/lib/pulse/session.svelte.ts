// This week's pulse as the app holds it while the employee moves between views: the pulse
// from the back end, the draft being edited, the mode shown, and the last error. It lives
// in App so a half-answered pulse survives a look at "My history".

import type { ApiError } from '../bindings/ApiError';
import type { PulseView } from '../bindings/PulseView';
import { draftFromPulse, initialMode, type PulseDraft, type PulseMode } from './form';

export class PulseSession {
  pulse = $state<PulseView>() as PulseView;
  draft = $state<PulseDraft>() as PulseDraft;
  mode = $state<PulseMode>('editing');
  /** The question the keyboard is on. */
  active = $state(0);
  saving = $state(false);
  error = $state<ApiError | null>(null);

  constructor(pulse: PulseView) {
    this.reset(pulse);
  }

  /** Starts again from a pulse as the back end returned it. */
  reset(pulse: PulseView): void {
    this.pulse = pulse;
    this.draft = draftFromPulse(pulse);
    this.mode = initialMode(pulse);
    this.active = 0;
    this.error = null;
  }

  /**
   * Takes the back end's pulse of now when it asks something else than the one held: another
   * week, or other questions (joining a team brings the organisation's questionnaire), whose
   * draft could not be saved. The same questions keep the draft being answered. Returns whether
   * the pulse was replaced.
   */
  refresh(pulse: PulseView): boolean {
    const ids = (view: PulseView) => view.items.map((item) => item.id).join('\n');
    if (pulse.week === this.pulse.week && ids(pulse) === ids(this.pulse)) return false;
    this.reset(pulse);
    return true;
  }

  /** Back to the form, with the saved answers, to change them. */
  edit(): void {
    this.draft = draftFromPulse(this.pulse);
    this.mode = 'editing';
    this.active = 0;
    this.error = null;
  }
}
