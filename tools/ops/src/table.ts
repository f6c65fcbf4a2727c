/** Rows as an aligned text table, one column per key of the first row. */
export function table(rows: ReadonlyArray<Record<string, unknown>>): string {
  const columns = Object.keys(rows[0] ?? {});
  const cells = rows.map((row) => columns.map((column) => String(row[column] ?? '').replace(/\s+/g, ' ')));
  const widths = columns.map((column, i) => Math.min(80, Math.max(column.length, ...cells.map((r) => r[i]!.length))));
  const line = (values: readonly string[]) => values.map((v, i) => (v.length > widths[i]! ? `${v.slice(0, widths[i]! - 1)}…` : v.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(columns), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}
