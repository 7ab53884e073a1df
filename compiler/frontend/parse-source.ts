/** Picks the frontend for a spec file by its extension: both give a SpecDocument. */
import { DiagnosticSink } from '../diagnostics/diagnostic.js';
import type { SourceFile } from '../source/source-file.js';
import type { SpecDocument } from './document.js';
import { parseYamlSpec } from './yaml.js';

export const SPEC_EXTENSIONS = ['.yaml', '.yml', '.netc'];

export type Spelling = 'yaml' | 'netc';

export function spellingOf(path: string): Spelling {
  return path.endsWith('.netc') ? 'netc' : 'yaml';
}

/**
 * Whether a text says it is a netc spec: a YAML spec has a `netc:` key (or,
 * a variant, an `extends:` key) at the start of a line, a .netc spec a
 * `netc <version>` (or `extends <path>`) line. Lets netc skip other YAML
 * files in a folder, and refuse to quote a file that is not a spec
 * (`extends: /etc/passwd`).
 */
export function looksLikeSpecText(path: string, text: string): boolean {
  return spellingOf(path) === 'netc' ? /^[ \t]*(netc|extends)[ \t]+\S/m.test(text) : /^(netc|extends)[ \t]*:/m.test(text);
}

export interface Frontend {
  parse(path: string, text: string, sink: DiagnosticSink): { document?: SpecDocument; file: SourceFile };
}

const frontends: Record<Spelling, Frontend | undefined> = {
  yaml: { parse: parseYamlSpec },
  netc: undefined,
};

/** The DSL frontend registers itself here (compiler/dsl), keeping this module free of chevrotain. */
export function registerFrontend(spelling: Spelling, frontend: Frontend): void {
  frontends[spelling] = frontend;
}

export function parseSpecSource(path: string, text: string, sink: DiagnosticSink): { document?: SpecDocument; file?: SourceFile } {
  const frontend = frontends[spellingOf(path)];
  if (!frontend) {
    sink.report('NETC9001', undefined, { detail: `no frontend for ${path}` });
    return {};
  }
  return frontend.parse(path, text, sink);
}
