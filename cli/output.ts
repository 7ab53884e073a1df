/** How the CLI prints diagnostics: pretty with carets on a terminal, one JSON object per line with --json. */
import { hasErrors, type Diagnostic } from '../compiler/diagnostics/diagnostic.js';
import { renderPretty, renderSummary, toJsonDiagnostic } from '../compiler/diagnostics/render.js';

export function useColor(stream: NodeJS.WriteStream): boolean {
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false;
  if (process.env.FORCE_COLOR) return true;
  return stream.isTTY === true;
}

export function printDiagnostics(diagnostics: readonly Diagnostic[], options: { json?: boolean } = {}): void {
  if (diagnostics.length === 0) return;
  if (options.json) {
    for (const d of diagnostics) process.stderr.write(JSON.stringify({ diagnostic: toJsonDiagnostic(d) }) + '\n');
    return;
  }
  const color = useColor(process.stderr);
  process.stderr.write(diagnostics.map((d) => renderPretty(d, { color })).join('\n\n') + '\n');
  if (hasErrors(diagnostics) || diagnostics.length > 1) process.stderr.write(`\n${renderSummary(diagnostics)}\n`);
}
