// Keyboard answering of the pulse, as a pure function: (state, key) → new state and what
// the view must do. The view only turns the result into focus moves and a submit.
//
// The keys: a digit chooses that value when the scale has it (1–5, or 0–9 on a 0–10
// scale); ArrowLeft/ArrowRight step the value; Home/End choose the ends of the scale;
// ArrowUp/ArrowDown move between questions; Enter moves to the next question and, on the
// last one, submits. Tab is left to the browser, which moves between the questions too.

/** The range of one question's scale. */
export interface KeyboardScale {
  readonly min: number;
  readonly max: number;
}

/** Where the keyboard is: the questions' scales, the values chosen, the active question. */
export interface KeyboardState {
  readonly scales: readonly KeyboardScale[];
  readonly values: readonly (number | null)[];
  readonly active: number;
}

/** What the view does after a key. */
export type KeyboardAction =
  /** Not a key of the pulse: let the browser have it. */
  | { readonly kind: 'ignored' }
  /** A key of the pulse that changes nothing here (a digit off the scale, ArrowUp at the top). */
  | { readonly kind: 'none' }
  /** The active question's value changed; keep focus on its chosen option. */
  | { readonly kind: 'chosen'; readonly question: number; readonly value: number }
  /** Another question became active; move focus to it. */
  | { readonly kind: 'moved'; readonly question: number }
  /** ArrowDown on the last question: move focus past the questions (to the work week). */
  | { readonly kind: 'left-questions' }
  /** Enter on the last question: save the answers. */
  | { readonly kind: 'submit' };

/** The state after a key, and what to do. */
export interface KeyboardResult {
  readonly state: KeyboardState;
  readonly action: KeyboardAction;
}

/** Whether the view should call `preventDefault()` for this result. */
export function isHandled(result: KeyboardResult): boolean {
  return result.action.kind !== 'ignored';
}

/**
 * Applies `key` (a KeyboardEvent.key) to the state. Keys pressed with Ctrl, Alt or Meta
 * should not reach this function: they belong to the browser and the system.
 */
export function handlePulseKey(state: KeyboardState, key: string): KeyboardResult {
  const scale = state.scales[state.active];
  if (scale === undefined) return { state, action: { kind: 'ignored' } };
  const value = state.values[state.active] ?? null;
  const last = state.scales.length - 1;

  if (/^[0-9]$/.test(key)) {
    const digit = Number(key);
    if (digit < scale.min || digit > scale.max) return { state, action: { kind: 'none' } };
    return choose(state, digit);
  }

  switch (key) {
    case 'ArrowRight':
      return choose(state, value === null ? scale.min : Math.min(value + 1, scale.max));
    case 'ArrowLeft':
      return choose(state, value === null ? scale.min : Math.max(value - 1, scale.min));
    case 'Home':
      return choose(state, scale.min);
    case 'End':
      return choose(state, scale.max);
    case 'ArrowDown':
      if (state.active === last) return { state, action: { kind: 'left-questions' } };
      return moveTo(state, state.active + 1);
    case 'ArrowUp':
      if (state.active === 0) return { state, action: { kind: 'none' } };
      return moveTo(state, state.active - 1);
    case 'Enter':
      if (state.active === last) return { state, action: { kind: 'submit' } };
      return moveTo(state, state.active + 1);
    default:
      return { state, action: { kind: 'ignored' } };
  }
}

function choose(state: KeyboardState, value: number): KeyboardResult {
  const values = state.values.slice();
  values[state.active] = value;
  return {
    state: { ...state, values },
    action: { kind: 'chosen', question: state.active, value },
  };
}

function moveTo(state: KeyboardState, question: number): KeyboardResult {
  return { state: { ...state, active: question }, action: { kind: 'moved', question } };
}
