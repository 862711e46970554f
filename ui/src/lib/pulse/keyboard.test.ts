import { describe, expect, it } from 'vitest';
import en from '../i18n/en.json';
import it_ from '../i18n/it.json';
import { handlePulseKey, isHandled, type KeyboardState } from './keyboard';

const FIVE = { min: 1, max: 5 };
const ELEVEN = { min: 0, max: 10 };
const SIX = { min: 0, max: 5 };

function state(values: (number | null)[], active = 0, scales = values.map(() => FIVE)): KeyboardState {
  return { scales, values, active };
}

/** Presses keys one after another, collecting the actions. */
function press(start: KeyboardState, keys: string[]) {
  let current = start;
  const actions = keys.map((key) => {
    const result = handlePulseKey(current, key);
    current = result.state;
    return result.action;
  });
  return { state: current, actions };
}

describe('handlePulseKey', () => {
  it.each([
    ['1', 1],
    ['3', 3],
    ['5', 5],
  ])('digit %s chooses %d on a 1–5 scale', (key, value) => {
    const result = handlePulseKey(state([null, null]), key);
    expect(result.state.values).toEqual([value, null]);
    expect(result.action).toEqual({ kind: 'chosen', question: 0, value });
  });

  it.each(['0', '6', '9'])('digit %s off a 1–5 scale changes nothing but is still handled', (key) => {
    const result = handlePulseKey(state([2]), key);
    expect(result.state.values).toEqual([2]);
    expect(result.action.kind).toBe('none');
    expect(isHandled(result)).toBe(true);
  });

  it('maps digits 0–9 to values on a 0–10 scale', () => {
    for (let digit = 0; digit <= 9; digit += 1) {
      expect(handlePulseKey(state([null], 0, [ELEVEN]), String(digit)).state.values).toEqual([digit]);
    }
  });

  it('takes 0 on a 0–5 scale', () => {
    expect(handlePulseKey(state([3], 0, [SIX]), '0').state.values).toEqual([0]);
  });

  it('steps the value with ArrowLeft and ArrowRight, within the scale', () => {
    expect(press(state([3]), ['ArrowRight']).state.values).toEqual([4]);
    expect(press(state([3]), ['ArrowLeft']).state.values).toEqual([2]);
    expect(press(state([5]), ['ArrowRight']).state.values).toEqual([5]);
    expect(press(state([1]), ['ArrowLeft']).state.values).toEqual([1]);
    expect(press(state([9], 0, [ELEVEN]), ['ArrowRight']).state.values).toEqual([10]);
  });

  it('starts an unanswered question at the scale minimum with either arrow', () => {
    expect(handlePulseKey(state([null]), 'ArrowRight').state.values).toEqual([1]);
    expect(handlePulseKey(state([null]), 'ArrowLeft').state.values).toEqual([1]);
    expect(handlePulseKey(state([null], 0, [ELEVEN]), 'ArrowRight').state.values).toEqual([0]);
  });

  it('jumps to the ends with Home and End', () => {
    expect(handlePulseKey(state([3]), 'Home').state.values).toEqual([1]);
    expect(handlePulseKey(state([3], 0, [ELEVEN]), 'End').state.values).toEqual([10]);
  });

  it('moves between questions with ArrowDown and ArrowUp', () => {
    const down = handlePulseKey(state([null, null, null], 1), 'ArrowDown');
    expect(down.state.active).toBe(2);
    expect(down.action).toEqual({ kind: 'moved', question: 2 });
    const up = handlePulseKey(state([null, null, null], 1), 'ArrowUp');
    expect(up.state.active).toBe(0);
    expect(up.action).toEqual({ kind: 'moved', question: 0 });
  });

  it('stays on the first question with ArrowUp', () => {
    const result = handlePulseKey(state([null, null], 0), 'ArrowUp');
    expect(result.state.active).toBe(0);
    expect(result.action.kind).toBe('none');
  });

  it('leaves the questions with ArrowDown on the last one', () => {
    expect(handlePulseKey(state([null, null], 1), 'ArrowDown').action.kind).toBe('left-questions');
  });

  it('moves on with Enter, and submits with Enter on the last question', () => {
    expect(handlePulseKey(state([1, null], 0), 'Enter').action).toEqual({ kind: 'moved', question: 1 });
    expect(handlePulseKey(state([1, null], 1), 'Enter').action).toEqual({ kind: 'submit' });
  });

  it('lets skipped questions be passed over with Enter', () => {
    expect(handlePulseKey(state([null, null], 0), 'Enter').state.active).toBe(1);
  });

  it('answers a whole five-item week with digits and Enter', () => {
    const { state: end, actions } = press(state([null, null, null, null, null]), [
      '4', 'Enter', '3', 'Enter', '5', 'Enter', '2', 'Enter', '4', 'Enter',
    ]);
    expect(end.values).toEqual([4, 3, 5, 2, 4]);
    expect(actions.at(-1)).toEqual({ kind: 'submit' });
    expect(actions.filter((action) => action.kind === 'submit')).toHaveLength(1);
  });

  it.each(['Tab', ' ', 'a', 'Escape', 'F5'])('leaves %j to the browser', (key) => {
    const start = state([2, null]);
    const result = handlePulseKey(start, key);
    expect(result.action.kind).toBe('ignored');
    expect(isHandled(result)).toBe(false);
    expect(result.state).toBe(start);
  });

  it('never changes the state it is given', () => {
    const values = [null, null];
    const start = state(values);
    handlePulseKey(start, '3');
    expect(values).toEqual([null, null]);
  });
});

describe('the keyboard hint', () => {
  // A week may be a 0–5 WHO-5 week, a 1–5 week, or hold the 0–10 eNPS question: the hint
  // shown above every week must name no fixed range, only "the number of your answer".
  it.each([
    ['en', en['pulse.keyboard_hint']],
    ['it', it_['pulse.keyboard_hint']],
  ])('in %s names no fixed range of digits, so it is right for every scale', (_language, hint) => {
    expect(hint).not.toMatch(/\d\s*[–-]\s*\d|\d\s+(to|a)\s+\d/);
    expect(hint).toMatch(/number of your answer|numero della risposta/);
  });

  it('holds for a 0–5 week: the digit 0 answers, as the hint promises', () => {
    const who5Week = state([null, null], 0, [SIX, SIX]);
    expect(handlePulseKey(who5Week, '0').state.values).toEqual([0, null]);
  });
});
