// Small text helpers shared by the pulse form and the mock back end.

/**
 * The length of a text in Unicode scalar values, as the Rust back end counts characters
 * (`str::chars().count()`): an emoji counts once, not twice as in `String.length`.
 */
export function countCharacters(text: string): number {
  let count = 0;
  for (const _character of text) count += 1;
  return count;
}
