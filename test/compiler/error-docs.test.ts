/**
 * Every diagnostic code has its page in docs/errors/<CODE>.md (what `netc
 * explain` prints), and the example on that page is compiled here: it must
 * raise that code, at a position, and no other code (rustc's habit: the
 * example in each explanation is a test).
 *
 * A page is `# NETCnnnn: <name>` (the name from messages.ts), prose, then
 * `## Example` with fenced blocks. The last block is the example:
 *   ```yaml / ```yml  compiled by compileSource as `example.yaml`
 *   ```netc           compiled by compileSource as `example.netc`
 *   ```json           read by readPlan as `example.plan.json`
 * A block whose first line is `# file: <name>` is saved under that name in
 * an in-memory host, so a variant example can `extends` a base given in an
 * earlier block of the same page; other paths are read from the repository
 * (e.g. `extends: specs/alexnet.yaml`).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileSource } from '../../compiler/compile.js';
import { DiagnosticSink, type Diagnostic } from '../../compiler/diagnostics/diagnostic.js';
import { messages, type DiagnosticCode } from '../../compiler/diagnostics/messages.js';
import { memoryHost, nodeHost, type CompilerHost } from '../../compiler/host.js';
import { readPlan } from '../../compiler/plan/read-plan.js';

const DOCS = 'docs/errors';
const codes = Object.keys(messages) as DiagnosticCode[];

/** Runtime errors (NETC5xxx, NetcError) are about files, run directories, checkpoints and data, not spec text. */
const RUNTIME = 'raised at run time, by no spec';

/** Codes whose page has no example: why, and the test that raises the code instead. */
const NO_EXAMPLE: Partial<Record<DiagnosticCode, { why: string; raisedIn: string }>> = {
  NETC9001: { why: "netc's own bug: a spec that triggers it is a bug to fix, not a case to document", raisedIn: 'test/compiler/internal-error.test.ts' },
  NETC1002: { why: 'the example would be a 16 MiB file', raisedIn: 'test/ui/generated-cases.ts' },
  NETC3504: { why: 'the example needs seventeen files', raisedIn: 'test/variants/extends.test.ts' },
  NETC1010: { why: 'it is about a file that cannot be read, so no spec text can show it', raisedIn: 'test/compiler/internal-error.test.ts' },
  // 5xxx: runtime errors (NetcError), raised by files, run directories, checkpoints, data and training, never by a spec.
  NETC5001: { why: RUNTIME, raisedIn: 'test/ui/cli-files.test.ts' },
  NETC5002: { why: RUNTIME, raisedIn: 'test/ui/cli-files.test.ts' },
  NETC5003: { why: RUNTIME, raisedIn: 'test/files/read-write.test.ts' },
  NETC5004: { why: RUNTIME, raisedIn: 'test/files/read-write.test.ts' },
  NETC5101: { why: RUNTIME, raisedIn: 'test/runtime/run-dir.test.ts' },
  NETC5102: { why: RUNTIME, raisedIn: 'test/runtime/run-dir.test.ts' },
  NETC5103: { why: RUNTIME, raisedIn: 'test/runtime/run-dir.test.ts' },
  NETC5104: { why: RUNTIME, raisedIn: 'test/runtime/run-dir.test.ts' },
  NETC5201: { why: RUNTIME, raisedIn: 'test/runtime/checkpoint-check.test.ts' },
  NETC5202: { why: RUNTIME, raisedIn: 'test/runtime/checkpoint-check.test.ts' },
  NETC5203: { why: RUNTIME, raisedIn: 'test/runtime/checkpoint-check.test.ts' },
  NETC5301: { why: RUNTIME, raisedIn: 'test/runtime/run-dir.test.ts' },
  NETC5302: { why: RUNTIME, raisedIn: 'test/runtime/data-decode.test.ts' },
  NETC5303: { why: RUNTIME, raisedIn: 'test/runtime/runtime-errors.test.ts' },
  NETC5401: { why: RUNTIME, raisedIn: 'test/runtime/train-run.test.ts' },
  NETC5402: { why: RUNTIME, raisedIn: 'test/runtime/runtime-errors.test.ts' },
  NETC5403: { why: RUNTIME, raisedIn: 'test/runtime/backend.test.ts' },
  NETC5404: { why: RUNTIME, raisedIn: 'test/runtime/devices-workers.test.ts' },
  NETC5405: { why: RUNTIME, raisedIn: 'test/pictures/kernels.test.ts' },
  NETC5501: { why: RUNTIME, raisedIn: 'test/runtime/runtime-errors.test.ts' },
  NETC5502: { why: RUNTIME, raisedIn: 'test/runtime/runtime-errors.test.ts' },
};

/**
 * Codes that are in the table but that the compiler does not emit yet: their
 * example is what the code is meant for, and the test is expected to fail.
 * When the compiler starts emitting one, `it.fails` fails: remove it here.
 */
const NOT_EMITTED_YET = new Set<DiagnosticCode>([]);

interface Block {
  lang: string;
  file: string;
  text: string;
}

const docPath = (code: string) => `${DOCS}/${code}.md`;

function examples(markdown: string): Block[] {
  const section = markdown.split(/^## Example\s*$/m)[1] ?? '';
  const blocks: Block[] = [];
  for (const m of section.matchAll(/^```(\w+)[^\n]*\n([\s\S]*?)^```\s*$/gm)) {
    const lang = m[1]!.toLowerCase();
    const text = m[2]!;
    const named = /^#\s*file:\s*(\S+)/.exec(text);
    const ext = lang === 'json' ? 'plan.json' : lang === 'yml' ? 'yaml' : lang;
    blocks.push({ lang, file: named?.[1] ?? `example.${ext}`, text });
  }
  return blocks;
}

function runExample(blocks: Block[]): Diagnostic[] {
  const example = blocks[blocks.length - 1]!;
  if (example.lang === 'json') {
    const sink = new DiagnosticSink();
    readPlan(example.file, example.text, sink);
    return sink.items;
  }
  const memory = memoryHost(Object.fromEntries(blocks.map((b) => [b.file, b.text])));
  const host: CompilerHost = {
    readFile: (path) => {
      const r = memory.readFile(path);
      return 'text' in r ? r : nodeHost.readFile(path);
    },
    resolve: memory.resolve,
  };
  return compileSource(example.file, example.text, { host }).diagnostics;
}

describe('docs/errors', () => {
  it.each(codes)('%s has a page', (code) => {
    expect(existsSync(docPath(code)), `write ${docPath(code)}`).toBe(true);
  });

  it('has no page for a code that is not in messages.ts', () => {
    const pages = existsSync(DOCS) ? readdirSync(DOCS).filter((f) => f.endsWith('.md')) : [];
    const stale = pages.map((f) => f.replace(/\.md$/, '')).filter((c) => !(c in messages));
    expect(stale).toEqual([]);
  });

  const documented = codes.filter((c) => existsSync(docPath(c)));

  it.each(documented)('%s: the page starts with `# CODE: name`', (code) => {
    const first = readFileSync(docPath(code), 'utf8').split('\n')[0];
    expect(first).toBe(`# ${code}: ${messages[code].name}`);
  });

  for (const code of documented) {
    const noExample = NO_EXAMPLE[code];
    if (noExample) {
      // No runnable example, for a stated reason: the page still explains the code, and another test raises it.
      it(`${code}: the page explains it without an example (${noExample.why}); ${noExample.raisedIn} raises it`, () => {
        const prose = readFileSync(docPath(code), 'utf8').split('\n').slice(1).filter((l) => l.trim() !== '' && !l.startsWith('#')).join(' ');
        expect(prose.length).toBeGreaterThan(100);
        expect(readFileSync(noExample.raisedIn, 'utf8')).toContain(code);
      });
      continue;
    }
    const test = NOT_EMITTED_YET.has(code) ? it.fails : it;
    test(`${code}: the example raises ${code}, at a position, and nothing else`, () => {
      const blocks = examples(readFileSync(docPath(code), 'utf8'));
      expect(blocks.length, `${docPath(code)} needs a \`## Example\` with a fenced yaml, netc or json block`).toBeGreaterThan(0);
      const diagnostics = runExample(blocks);
      const summary = diagnostics.map((d) => `${d.code} ${d.message}`);
      const own = diagnostics.filter((d) => d.code === code);
      expect(own.length, `no ${code} among: ${JSON.stringify(summary)}`).toBeGreaterThan(0);
      for (const d of own) expect(d.span, `${code} has no span`).toBeDefined();
      expect(diagnostics.filter((d) => d.code !== code).map((d) => `${d.code} ${d.message}`)).toEqual([]);
    });
  }
});
