/** Number and byte formatting shared by the text and markdown renderers. */
export const formatCount = (n: number) => n.toLocaleString('en-US');

/** n divided by `base` until it is under `base`, with 3 significant digits and the unit reached. */
function scaled(n: number, base: number, units: string[], join: string): string {
  let v = n;
  let u = -1;
  do {
    v /= base;
    u++;
  } while (v >= base && u < units.length - 1);
  return `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)}${join}${units[u]}`;
}

export const formatBytes = (n: number): string => (n < 1024 ? `${n} B` : scaled(n, 1024, ['KiB', 'MiB', 'GiB', 'TiB'], ' '));

/** Compact counts for narrow columns: 724M, 60.97M, 35.0K. */
export const formatShort = (n: number): string => (n < 1000 ? String(n) : scaled(n, 1000, ['K', 'M', 'G', 'T'], ''));

export const formatShape = (s: readonly number[]) => s.join('x');

/** Left-aligns text columns and right-aligns numeric ones. */
export function renderTable(header: string[], rows: string[][], numeric: boolean[], indent = ''): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    indent + cells.map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), indent + widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
}
