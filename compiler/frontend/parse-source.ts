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
