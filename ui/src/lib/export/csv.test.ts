import { describe, expect, it } from 'vitest';
import { csvField, csvSeparator, tableRows, tableToCsv } from './csv';

function table(html: string): HTMLTableElement {
  const holder = document.createElement('div');
  holder.innerHTML = html;
  const found = holder.querySelector('table');
  if (found === null) throw new Error('no table');
  return found;
}

describe('CSV export of a table', () => {
  it('uses the separator a spreadsheet of the locale expects', () => {
    expect(csvSeparator('it-IT')).toBe(';');
    expect(csvSeparator('en-GB')).toBe(',');
  });

  it('quotes separators and quotes, and neutralises formulas but not negative numbers', () => {
    expect(csvField('Help desk, Milan', ',')).toBe('"Help desk, Milan"');
    expect(csvField('say "hi"', ';')).toBe('"say ""hi"""');
    expect(csvField('=HYPERLINK("x")', ';')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField('+39 02', ',')).toBe("'+39 02");
    expect(csvField('-0,12', ';')).toBe('-0,12');
    expect(csvField('- note', ',')).toBe("'- note");
    expect(csvField('  fewer \n than k ', ',')).toBe('fewer than k');
  });

  it('reads the caption, header and cells as shown, a spanned cell padded', () => {
    const element = table(`<table><caption>Wellbeing</caption>
      <thead><tr><th>Team</th><th>Mean</th><th>n</th></tr></thead>
      <tbody><tr><th><button>Help desk</button></th><td>72,5</td><td>11</td></tr>
      <tr><th>Partnerships</th><td colspan="2">fewer than 5 responses</td></tr></tbody></table>`);
    expect(tableRows(element)).toEqual([
      ['Wellbeing'],
      ['Team', 'Mean', 'n'],
      ['Help desk', '72,5', '11'],
      ['Partnerships', 'fewer than 5 responses', ''],
    ]);
    const csv = tableToCsv(element, 'it-IT');
    expect(csv.startsWith('\uFEFFWellbeing\r\nTeam;Mean;n\r\n')).toBe(true);
    expect(csv).toContain('Help desk;72,5;11\r\n');
    expect(csv.endsWith('Partnerships;fewer than 5 responses;\r\n')).toBe(true);
  });
});
