import { describe, expect, it } from 'vitest';
import { sampleAboutQuestions } from '../backend/mock-about';
import { noticeLabelKey, sourceHeadingId, sourceOfItem } from './about';

describe('sourceOfItem', () => {
  const about = sampleAboutQuestions('en');

  it('finds the card that lists the item', () => {
    expect(sourceOfItem(about, 'who5.2')).toBe('who5');
    expect(sourceOfItem(about, 'wb.1')).toBe('polso');
    expect(sourceOfItem(about, 'enps.1')).toBe('enps');
  });

  it('is null for an item no card lists', () => {
    expect(sourceOfItem(about, 'no.such.item')).toBeNull();
  });
});

describe('sourceHeadingId', () => {
  it('keeps a bank id as it is and replaces what an element id should not hold', () => {
    expect(sourceHeadingId('single_item_burnout')).toBe('about-source-single_item_burnout');
    expect(sourceHeadingId('a b.c')).toBe('about-source-a-b-c');
  });
});

describe('noticeLabelKey', () => {
  it('names each kind of notice', () => {
    expect(noticeLabelKey('adaptation')).toBe('about.notice_adaptation');
    expect(noticeLabelKey('translation')).toBe('about.notice_translation');
  });
});
