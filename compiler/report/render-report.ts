/** Text and markdown renderings of a Report. */
import type { Report, ReportLayer } from './report-data.js';
import { formatBytes, formatCount, formatShape, renderTable } from './format.js';

function towersCell(l: ReportLayer, towers: number): string {
  const parts: string[] = [];
  if (towers > 1) {
    if (l.connect === 'tower') parts.push('own tower');
    else if (l.connect === 'all') parts.push(l.exchangeBytesPerBatch > 0 ? `all ⇄ ${formatBytes(l.exchangeBytesPerBatch)}` : 'all');
    else if (l.connect === 'replicated') parts.push(l.exchangeBytesPerBatch > 0 ? `gather ⇄ ${formatBytes(l.exchangeBytesPerBatch)}` : 'replicated');
    else parts.push('per tower');
  }
  if (l.groups > 1) parts.push(`groups=${l.groups}`);
  return parts.join(', ') || '-';
}

const header = ['layer', 'type', 'inputs', 'output', 'kernel/stride', 'towers', 'params', 'mult-adds', 'act. mem'];
const numeric = [false, false, false, true, false, false, true, true, true];

function rows(report: Report): string[][] {
  return report.layers.map((l) => [
    l.name,
    l.activation ? `${l.type}+${l.activation}` : l.type,
    l.inputs.join(', '),
    formatShape(l.outputShape),
    l.geometry || '-',
    towersCell(l, report.towers),
    l.params ? formatCount(l.params) : '-',
    l.macs ? formatCount(l.macs) : '-',
    formatBytes(l.activationBytes),
  ]);
}

function totalsLines(report: Report): [string, string][] {
  const t = report.totals;
  const lines: [string, string][] = [
    ['params (trainable)', `${formatCount(t.trainableParams)} (${formatBytes(t.paramBytes)} float32)`],
    ['mult-adds per image', `${formatCount(t.macs)} (conv and dense; bias adds excluded)`],
    ['other ops per image', `${formatCount(t.otherOps)} (bias adds, activations, LRN, pooling, batchnorm, merges, softmax, dropout)`],
    [`activation memory, batch ${t.batch}`, formatBytes(t.activationBytesPerBatch)],
    ['param + optimizer memory', `${formatBytes(t.paramBytes)} + ${formatBytes(t.optimizerStateBytes)}`],
  ];
  if (report.towers > 1) {
    const x = t.exchangeBytesPerBatch;
    lines.push([`exchanged between towers, batch ${t.batch}`, `${formatBytes(x.forward)} forward + ${formatBytes(x.backward)} backward`]);
  }
  const m = t.trainingMemory;
  lines.push([
    `training memory, batch ${t.batch}, 1 device`,
    `${formatBytes(m.total)} (params ${formatBytes(m.params)}, gradients ${formatBytes(m.gradients)}, optimizer ${formatBytes(m.optimizer)}, activations and their gradients ${formatBytes(m.activations)})`,
  ]);
  lines.push(['largest batch on wasm (4 GiB)', m.wasmLargestBatch > 0 ? formatCount(m.wasmLargestBatch) : 'none: the parameters alone do not fit']);
  return lines;
}

export function renderReportText(report: Report): string {
  const head = `${report.model}: input ${formatShape(report.input)}, ${report.towers} tower${report.towers === 1 ? '' : 's'}${report.towers > 1 ? ` (${report.placement} placement)` : ''}`;
  const table = renderTable(header, rows(report), numeric);
  const totals = totalsLines(report);
  const w = Math.max(...totals.map(([k]) => k.length));
  return [head, '', ...table, '', ...totals.map(([k, v]) => `${k.padEnd(w)}  ${v}`)].join('\n') + '\n';
}

export function renderReportMarkdown(report: Report): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const lines = [
    `### ${report.model}`,
    '',
    `Input ${formatShape(report.input)}, ${report.towers} tower${report.towers === 1 ? '' : 's'}.`,
    '',
    `| ${header.join(' | ')} |`,
    `|${numeric.map((n) => (n ? '---:' : '---')).join('|')}|`,
    ...rows(report).map((r) => `| ${r.map(esc).join(' | ')} |`),
    '',
    '| total | value |',
    '|---|---|',
    ...totalsLines(report).map(([k, v]) => `| ${k} | ${esc(v)} |`),
  ];
  return lines.join('\n') + '\n';
}
