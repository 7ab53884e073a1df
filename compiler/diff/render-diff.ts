/**
 * Text and markdown renderings of a ModelDiff. Text marks rows as git does
 * (+ added, - removed, ~ changed) and folds runs of unchanged layers into one
 * line; colour is the caller's choice (a terminal, not NO_COLOR).
 */
import { formatBytes, formatCount, formatShape, renderTable } from '../report/format.js';
import type { ValueChange } from './deep-diff.js';
import type { BranchChange } from './graph-changes.js';
import type { LayerRow, ModelDiff, RowStatus, TotalChange } from './model-diff.js';

export interface DiffRenderOptions {
  color?: boolean;
}

const MARK: Record<RowStatus, string> = { same: ' ', changed: '~', added: '+', removed: '-' };
const COLOR: Record<RowStatus, string> = { same: '2', changed: '33', added: '32', removed: '31' };
const paint = (on: boolean, code: string, text: string) => (on ? `\x1b[${code}m${text}\x1b[0m` : text);

const signed = (n: number, format: (v: number) => string) => (n > 0 ? `+${format(n)}` : n < 0 ? `-${format(-n)}` : '0');
const percent = (t: TotalChange) => (t.percent === null ? 'new' : t.delta === 0 ? '0%' : `${t.percent > 0 ? '+' : ''}${t.percent.toFixed(1)}%`);

/** A setting's value as the spec would write it; the model input's shape as HxWxC. */
function showValue(v: unknown, path = ''): string {
  if (v === null || v === undefined) return '(none)';
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && v.every((x) => typeof x === 'number') && path === 'input') return formatShape(v);
  if (Array.isArray(v) && v.every((x) => x === null || typeof x !== 'object')) return `[${v.map((x) => showValue(x)).join(', ')}]`;
  return JSON.stringify(v);
}

/** "a -> b", or the one value when both sides agree (or one side is missing). */
function fromTo(a: string | undefined, b: string | undefined, arrow: string): string {
  if (a === undefined) return b ?? '';
  if (b === undefined || a === b) return a;
  return `${a} ${arrow} ${b}`;
}

function changesCell(row: LayerRow, arrow: string): string {
  const parts: string[] = [];
  if (row.renamedFrom) parts.push(`renamed from ${row.renamedFrom}`);
  for (const c of row.changes) parts.push(`${c.key} ${c.a ?? '-'} ${arrow} ${c.b ?? '-'}`);
  if (parts.length === 0 && row.status === 'changed') {
    parts.push(row.shapeChanged ? 'input changed upstream' : row.delta.exchangeBytesPerBatch ? 'tower exchange changed' : 'cost changed upstream');
  }
  return parts.join('; ');
}

function withTowers(diff: ModelDiff): boolean {
  return diff.layers.some((r) => (r.a?.exchangeBytesPerBatch ?? 0) > 0 || (r.b?.exchangeBytesPerBatch ?? 0) > 0);
}

function layerCells(row: LayerRow, arrow: string, exchange: boolean): string[] {
  const { a, b } = row;
  const count = (v: number | undefined) => (v === undefined ? undefined : v ? formatCount(v) : '-');
  const cells = [
    MARK[row.status],
    row.name,
    fromTo(a?.type, b?.type, arrow),
    fromTo(a ? formatShape(a.outputShape) : undefined, b ? formatShape(b.outputShape) : undefined, arrow),
    fromTo(count(a?.params), count(b?.params), arrow),
    row.delta.params ? signed(row.delta.params, formatCount) : '',
    fromTo(count(a?.macs), count(b?.macs), arrow),
    row.delta.macs ? signed(row.delta.macs, formatCount) : '',
  ];
  if (exchange) {
    const bytes = (v: number | undefined) => (v === undefined ? undefined : v ? formatBytes(v) : '-');
    cells.push(fromTo(bytes(a?.exchangeBytesPerBatch), bytes(b?.exchangeBytesPerBatch), arrow));
  }
  cells.push(changesCell(row, arrow));
  return cells;
}

function layerHeader(exchange: boolean): { header: string[]; numeric: boolean[] } {
  const header = ['', 'layer', 'type', 'output', 'params', 'Δ params', 'mult-adds', 'Δ mult-adds', ...(exchange ? ['exchange/batch'] : []), 'changes'];
  const numeric = [false, false, false, true, true, true, true, true, ...(exchange ? [true] : []), false];
  return { header, numeric };
}

function totalsRows(diff: ModelDiff): string[][] {
  const t = diff.totals;
  const batch = diff.batch.a === diff.batch.b ? `batch ${diff.batch.a}` : 'per batch';
  const countRow = (label: string, x: TotalChange) => [label, formatCount(x.a), formatCount(x.b), signed(x.delta, formatCount), percent(x)];
  const byteRow = (label: string, x: TotalChange) => [label, formatBytes(x.a), formatBytes(x.b), signed(x.delta, formatBytes), percent(x)];
  const rows = [
    countRow('params', t.params),
    countRow('mult-adds per image', t.macs),
    countRow('other ops per image', t.otherOps),
    byteRow(`activation memory, ${batch}`, t.activationBytesPerBatch),
  ];
  if (t.exchangeBytesPerBatch.a || t.exchangeBytesPerBatch.b) rows.push(byteRow(`exchanged between towers, ${batch}`, t.exchangeBytesPerBatch));
  return rows;
}

function sectionLines(title: string, changes: ValueChange[], arrow: string): string[] {
  if (changes.length === 0) return [];
  const w = Math.max(...changes.map((c) => (c.path || title).length));
  return [title, ...changes.map((c) => `  ${(c.path || title).padEnd(w)}  ${showValue(c.a, c.path)} ${arrow} ${showValue(c.b, c.path)}`), ''];
}

/** `input -> proj -> projbn -> sum`; a run that forks inside lists its ops: `pool2 -> [b1, b2a, b2b] -> mix`. */
function branchPath(b: BranchChange, arrow: string): string {
  const shown = b.ops.length > MAX_BRANCH_OPS ? [...b.ops.slice(0, MAX_BRANCH_OPS - 1), `… ${b.ops.length - MAX_BRANCH_OPS + 1} more`] : b.ops;
  const middle = b.chain && b.ops.length <= MAX_BRANCH_OPS ? shown.join(` ${arrow} `) : `[${shown.join(', ')}]`;
  return [b.from.join(', '), middle, b.into.join(', ')].filter((x) => x !== '').join(` ${arrow} `);
}
const MAX_BRANCH_OPS = 8;

/** Only new or removed paths beside others: layers added on an edge are plain in the rows. */
const sideBranches = (diff: ModelDiff) => diff.branches.filter((b) => b.kind === 'branch');

export function identicalLine(diff: ModelDiff): string {
  const names = diff.a.name === diff.b.name ? `\`${diff.a.name}\`` : `\`${diff.a.name}\` and \`${diff.b.name}\``;
  return `identical models: ${diff.a.source} and ${diff.b.source} (${names}, ${diff.layers.length} layers, ${formatCount(diff.totals.params.a)} params)\n`;
}

function summaryLine(diff: ModelDiff): string {
  const s = diff.summary;
  return `layers: ${s.changed} changed, ${s.added} added, ${s.removed} removed, ${s.same} unchanged`;
}

export function renderDiffText(diff: ModelDiff, options: DiffRenderOptions = {}): string {
  if (diff.identical) return identicalLine(diff);
  const color = options.color ?? false;
  const bold = (s: string) => paint(color, '1', s);
  const arrow = '->';
  const exchange = withTowers(diff);
  const { header, numeric } = layerHeader(exchange);

  // Runs of unchanged layers fold into one line, as git folds context.
  const shown: { row?: LayerRow; folded?: number }[] = [];
  for (const row of diff.layers) {
    if (row.status !== 'same') shown.push({ row });
    else if (shown.length && shown[shown.length - 1]!.folded !== undefined) shown[shown.length - 1]!.folded!++;
    else shown.push({ folded: 1 });
  }
  const tableRows = shown.filter((s) => s.row).map((s) => layerCells(s.row!, arrow, exchange));
  const [head, rule, ...body] = renderTable(header, tableRows, numeric, '  ');
  const lines = [
    `${bold('netc diff')}  a: ${diff.a.name} (${diff.a.source})`,
    `           b: ${diff.b.name} (${diff.b.source})`,
    '',
    ...sectionLines(bold('model'), diff.model, arrow),
    bold(summaryLine(diff)),
  ];
  if (tableRows.length > 0) {
    // The mark column has no rule: a lone `-` would read as "removed".
    lines.push(head!, rule!.replace(/^(\s*)-/, '$1 '));
    let k = 0;
    for (const s of shown) {
      if (s.folded !== undefined) lines.push(paint(color, '2', `    … ${s.folded} unchanged layer${s.folded === 1 ? '' : 's'}`));
      else lines.push(paint(color, COLOR[s.row!.status], body[k++]!));
    }
  }
  const branches = sideBranches(diff);
  if (branches.length > 0) {
    lines.push('', bold('branches'));
    for (const b of branches) {
      const status = b.status === 'added' ? 'added' : 'removed';
      lines.push(paint(color, COLOR[status], `  ${MARK[status]} ${branchPath(b, arrow)}`));
    }
  }
  const t = diff.totals;
  if (Object.values(t).every((x) => x.delta === 0)) lines.push('', `${bold('totals')}: unchanged`, '');
  else {
    const totals = renderTable(['totals', 'a', 'b', 'delta', '%'], totalsRows(diff), [false, true, true, true, true]);
    lines.push('', ...totals.map((l, i) => (i === 0 ? bold(l) : l)), '');
  }
  lines.push(...sectionLines(bold('train'), diff.train, arrow), ...sectionLines(bold('data'), diff.data, arrow));
  return lines.join('\n').replace(/\n+$/, '') + '\n';
}

export function renderDiffMarkdown(diff: ModelDiff): string {
  if (diff.identical) return identicalLine(diff);
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const arrow = '→';
  const exchange = withTowers(diff);
  const { header, numeric } = layerHeader(exchange);
  const row = (cells: string[]) => `| ${cells.map((c) => esc(c) || ' ').join(' | ')} |`;
  const align = (n: boolean[]) => `|${n.map((x) => (x ? '---:' : '---')).join('|')}|`;
  const changed = diff.layers.filter((r) => r.status !== 'same');
  const sectionTable = (title: string, changes: ValueChange[]) =>
    changes.length === 0 ? [] : [`**${title}**`, '', '| setting | a | b |', '|---|---|---|', ...changes.map((c) => row([c.path || title, showValue(c.a, c.path), showValue(c.b, c.path)])), ''];
  const lines = [
    `### netc diff: \`${diff.a.name}\` ${arrow} \`${diff.b.name}\``,
    '',
    `\`${diff.a.source}\` ${arrow} \`${diff.b.source}\``,
    '',
    ...sectionTable('Model', diff.model),
    `**${summaryLine(diff).replace(/^layers/, 'Layers')}**`,
    '',
    ...(changed.length
      ? [row(header.map((h) => h || 'status')), align(numeric), ...changed.map((r) => row(layerCells(r, arrow, exchange).map((c, i) => (i === 0 ? r.status : c))))]
      : []),
    '',
    ...(sideBranches(diff).length ? ['**Branches**', '', ...sideBranches(diff).map((b) => `- ${b.status}: \`${branchPath(b, arrow)}\``), ''] : []),
    row(['total', 'a', 'b', 'Δ', '%']),
    align([false, true, true, true, true]),
    ...totalsRows(diff).map(row),
    '',
    ...sectionTable('Training', diff.train),
    ...sectionTable('Data', diff.data),
  ];
  return lines.join('\n').replace(/\n+$/, '') + '\n';
}
