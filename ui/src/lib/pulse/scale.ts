// How a scale's options are shown: a number and, when it says more than the number, a label.

import type { ScaleDto } from '../bindings/ScaleDto';

/** The values of a scale, from min to max. */
export function scaleValues(scale: Pick<ScaleDto, 'min' | 'max'>): number[] {
  const values: number[] = [];
  for (let value = scale.min; value <= scale.max; value += 1) values.push(value);
  return values;
}

/**
 * The label of an option without a repeat of its number: "0 – Not at all likely" gives
 * "Not at all likely", a bare "7" gives null (the number says it all).
 */
export function optionText(value: number, label: string | undefined): string | null {
  if (label === undefined) return null;
  const trimmed = label.trim();
  if (trimmed === String(value)) return null;
  const withoutNumber = trimmed.replace(new RegExp(`^${value}\\s*[–—:.-]\\s*`), '');
  return withoutNumber === '' ? null : withoutNumber;
}

/** Whether the labels are too long to sit side by side, so the options go in a column. */
export function hasLongLabels(labels: readonly string[]): boolean {
  return labels.some((label) => label.length > 40);
}
