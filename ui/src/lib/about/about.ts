// Pure helpers of the "About these questions" view: which card holds an item, and the ids
// the cards and their headings use, so the pulse's "Source" line can open the right card.

import type { AboutQuestions } from '../bindings/AboutQuestions';
import type { NoticeKind } from '../bindings/NoticeKind';

/** The id of the source whose card lists the item `itemId`, or `null` if no card does. */
export function sourceOfItem(about: AboutQuestions, itemId: string): string | null {
  return about.sources.find((source) => source.items.some((item) => item.id === itemId))?.id ?? null;
}

/** The element id of a source's card heading (ids from the bank are letters, digits and `_`). */
export function sourceHeadingId(sourceId: string): string {
  return `about-source-${sourceId.replace(/[^A-Za-z0-9_-]/g, '-')}`;
}

/** The catalogue key that names what a notice is for. */
export function noticeLabelKey(kind: NoticeKind): 'about.notice_adaptation' | 'about.notice_translation' {
  return kind === 'adaptation' ? 'about.notice_adaptation' : 'about.notice_translation';
}
