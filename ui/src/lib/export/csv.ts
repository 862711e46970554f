// Any table of the HR views as CSV, read from the table the person sees, so the file holds
// exactly what the screen shows (withheld cells read "fewer than k responses", never 0).
//
// Spreadsheets open it as the locale expects: a semicolon between fields where the decimal
// separator is a comma (Italian), a comma otherwise, and a byte-order mark so that Excel reads
// UTF-8. A cell that a spreadsheet would run as a formula (=, +, @, or - not starting a
// number) is prefixed with an apostrophe, so a team named "=HYPERLINK(…)" stays text.

/** The field separator for a locale: `;` where numbers use a decimal comma, `,` otherwise. */
export function csvSeparator(locale: string): ',' | ';' {
  const decimal = new Intl.NumberFormat(locale).formatToParts(1.5).find((part) => part.type === 'decimal');
  return decimal?.value === ',' ? ';' : ',';
}

/** One field, neutralised against formulas and quoted when it must be. */
export function csvField(text: string, separator: string): string {
  let value = text.replace(/\s+/g, ' ').trim();
  if (/^[=+@\t\r]/.test(value) || /^-(?![\d.,])/.test(value)) value = `'${value}`;
  if (value.includes(separator) || value.includes('"') || value.includes('\n')) {
    value = `"${value.replaceAll('"', '""')}"`;
  }
  return value;
}

/** The rows of a table, a header cell or data cell's text each, a spanned cell repeated blank. */
export function tableRows(table: HTMLTableElement): string[][] {
  const rows: string[][] = [];
  const caption = table.caption?.textContent?.trim();
  for (const row of Array.from(table.rows)) {
    const fields: string[] = [];
    for (const cell of Array.from(row.cells)) {
      fields.push(cell.textContent ?? '');
      for (let extra = 1; extra < cell.colSpan; extra += 1) fields.push('');
    }
    rows.push(fields);
  }
  return caption === undefined || caption === '' ? rows : [[caption], ...rows];
}

/** The table as CSV text for `locale`, with a byte-order mark and CRLF line ends (RFC 4180). */
export function tableToCsv(table: HTMLTableElement, locale: string): string {
  const separator = csvSeparator(locale);
  const lines = tableRows(table).map((fields) => fields.map((field) => csvField(field, separator)).join(separator));
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}
