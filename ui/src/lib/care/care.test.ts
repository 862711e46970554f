// The care path's shaping: the mock's copy of the back end's rule at its cut-offs (WHO-5 raw 12
// against 13, burnout 2 against 3), the links of the contacts, and the national services' texts
// in both catalogues.

import { describe, expect, it } from 'vitest';
import type { PulseItem } from '../bindings/PulseItem';
import en from '../i18n/en.json';
import it_ from '../i18n/it.json';
import { AGREE5, VARIETY_ITEMS } from '../backend/mock-data';
import { NATIONAL_RESOURCES, careSignalOf, contactLink, organisationContacts } from './care';

const WHO5_ITEMS: PulseItem[] = [1, 2, 3, 4, 5].map((index) => ({
  id: `who5.${index}`,
  metric: 'who5',
  text: { en: `WHO-5 item ${index}`, it: `Domanda WHO-5 ${index}` },
  scale: { ...AGREE5, min: 0, max: 5 },
  source: 'WHO-5 Well-Being Index',
  not_applicable: null,
}));
const BURNOUT = VARIETY_ITEMS[0]!;

function who5Answers(values: number[]) {
  return values.map((value, index) => ({ item_id: `who5.${index + 1}`, value }));
}

describe('careSignalOf', () => {
  it('trips at a WHO-5 raw score of 12 (48%) and not at 13 (52%)', () => {
    // 3 + 3 + 2 + 2 + 2 = 12.
    expect(careSignalOf(WHO5_ITEMS, who5Answers([3, 3, 2, 2, 2]))).toEqual({
      who5_raw: 12,
      who5_percentage: 48,
      burnout_answer: null,
    });
    // 3 + 3 + 3 + 2 + 2 = 13.
    expect(careSignalOf(WHO5_ITEMS, who5Answers([3, 3, 3, 2, 2]))).toBeNull();
  });

  it('needs all five WHO-5 answers', () => {
    expect(careSignalOf(WHO5_ITEMS, who5Answers([0, 0, 0, 0]))).toBeNull();
  });

  it('trips at a burnout answer of 3 and not at 2', () => {
    expect(careSignalOf([BURNOUT], [{ item_id: 'burnout.1', value: 2 }])).toBeNull();
    expect(careSignalOf([BURNOUT], [{ item_id: 'burnout.1', value: 3 }])).toEqual({
      who5_raw: null,
      who5_percentage: null,
      burnout_answer: 3,
    });
  });
});

describe('contacts', () => {
  it('links a number to tel:, an address to mailto: and keeps an https address', () => {
    expect(contactLink({ contact: '+39 02 1234 5678', kind: 'phone' }).href).toBe('tel:+390212345678');
    expect(contactLink({ contact: '116 123', kind: 'phone' }).href).toBe('tel:116123');
    expect(contactLink({ contact: 'medico@example.it', kind: 'email' }).href).toBe('mailto:medico@example.it');
    expect(contactLink({ contact: 'https://eap.example.com', kind: 'url' }).href).toBe('https://eap.example.com');
  });

  it('lists the contacts that are set, in order, with their name in the language shown', () => {
    const contacts = {
      employee_assistance: null,
      occupational_doctor: { name_en: 'Dr Rossi', name_it: 'Dott.ssa Rossi', contact: 'm@example.it', kind: 'email' as const },
      trusted_person: { name_en: 'Anna', name_it: 'Anna B.', contact: '+39 333 1234567', kind: 'phone' as const },
    };
    expect(organisationContacts(contacts, 'it').map((contact) => [contact.role, contact.name])).toEqual([
      ['occupational_doctor', 'Dott.ssa Rossi'],
      ['trusted_person', 'Anna B.'],
    ]);
  });

  it('names and explains every national service in English and Italian', () => {
    const catalogues: Record<string, unknown>[] = [en, it_];
    for (const resource of NATIONAL_RESOURCES) {
      for (const catalogue of catalogues) {
        expect(typeof catalogue[`care.resource.${resource.id}.name`], resource.id).toBe('string');
        expect(typeof catalogue[`care.resource.${resource.id}.what`], resource.id).toBe('string');
      }
      expect(resource.link.href).toMatch(/^tel:\d+$/);
    }
  });
});
