/** How the CLI prints diagnostics and errors: pretty with carets on a terminal, one JSON object per line with --json. */
import { hasErrors, type Diagnostic } from '../compiler/diagnostics/diagnostic.js';
import { errorToDiagnostic, type NetcError } from '../compiler/diagnostics/netc-error.js';
import { renderPretty, renderSummary, toJsonDiagnostic } from '../compiler/diagnostics/render.js';

export function useColor(stream: NodeJS.WriteStream): boolean {
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false;
  if (process.env.FORCE_COLOR) return true;
  return stream.isTTY === true;
}

/** Errors printed in full before the rest are only counted (as rustc and tsc stop listing). */
export const MAX_PRINTED_ERRORS = 100;

export function printDiagnostics(diagnostics: readonly Diagnostic[], options: { json?: boolean } = {}): void {
  if (diagnostics.length === 0) return;
  if (options.json) {
    // Machines get every diagnostic (a linear stream, one line each).
    process.stderr.write(diagnostics.map((d) => JSON.stringify({ diagnostic: toJsonDiagnostic(d) }) + '\n').join(''));
    return;
  }
  const color = useColor(process.stderr);
  const shown: string[] = [];
  let errors = 0;
  let i = 0;
  for (; i < diagnostics.length && errors < MAX_PRINTED_ERRORS; i++) {
    const d = diagnostics[i]!;
    if (d.severity === 'error') errors++;
    shown.push(renderPretty(d, { color }));
  }
  let text = shown.join('\n\n') + '\n';
  const rest = diagnostics.slice(i);
  if (rest.length > 0) {
    const restErrors = rest.filter((d) => d.severity === 'error').length;
    const count = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;
    const parts = [restErrors ? count(restErrors, 'more error') : '', rest.length - restErrors ? count(rest.length - restErrors, 'more warning') : ''].filter(Boolean);
    text += `\n... ${parts.join(' and ')} not shown (--json lists every one)\n`;
  }
  if (hasErrors(diagnostics) || diagnostics.length > 1) text += `\n${renderSummary(diagnostics)}\n`;
  process.stderr.write(text);
}

/**
 * A NetcError (a file, run directory, checkpoint, data problem): like a
 * diagnostic, at the spec's line when it names a spec value, else as
 * `netc: error NETCnnnn: message` with its hint.
 */
export function printError(e: NetcError, options: { json?: boolean } = {}): void {
  const d = errorToDiagnostic(e);
  if (options.json) {
    process.stderr.write(JSON.stringify({ diagnostic: toJsonDiagnostic(d) }) + '\n');
    return;
  }
  const text = renderPretty(d, { color: useColor(process.stderr) });
  process.stderr.write(`${d.span ? '' : 'netc: '}${text}\n`);
}

/** Warnings that are not about a position in a spec (a stale plan, a skipped file). */
export function printWarnings(warnings: readonly string[], options: { json?: boolean } = {}): void {
  for (const w of warnings) {
    process.stderr.write(options.json ? JSON.stringify({ warning: { message: w } }) + '\n' : `netc: warning: ${w}\n`);
  }
}
