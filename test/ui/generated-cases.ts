/**
 * UI cases that are generated instead of committed: too large (20 MB), binary
 * (no room for `# ~` annotations), or empty. Each has a virtual path under
 * test/ui/, its expected diagnostics as `line: code`, and a `.stderr` snapshot
 * beside that path like any fixture. Shared by ui.test.ts and cli.test.ts.
 */

export interface GeneratedCase {
  /** Path relative to the repository, as diagnostics show it. */
  path: string;
  bytes: () => Uint8Array;
  /** `line: code`, as in a fixture's annotations. */
  expected: string[];
}

const utf8 = (s: string) => new TextEncoder().encode(s);

/** A small deterministic PRNG (mulberry32), so the junk and its snapshot never change. */
export function seededBytes(seed: number, length: number): Uint8Array {
  let a = seed >>> 0;
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((t ^ (t >>> 14)) >>> 0) & 0xff;
  }
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const HEADER = 'netc: 1\nname: generated\ninput: { shape: [4] }\n';

export const generatedCases: GeneratedCase[] = [
  {
    path: 'test/ui/yaml/empty-file.yaml',
    bytes: () => new Uint8Array(0),
    expected: ['1: NETC1009'],
  },
  {
    // Binary junk from line 4 on: a NUL, then 4 KiB of random bytes.
    path: 'test/ui/yaml/binary-junk.yaml',
    bytes: () => concat(utf8(HEADER), new Uint8Array([0]), seededBytes(2012, 4096)),
    expected: ['4: NETC1005'],
  },
  {
    path: 'test/ui/yaml/deep-nesting-5000.yaml',
    bytes: () => utf8(`${HEADER}layers: ${'['.repeat(5000)}${']'.repeat(5000)}\n`),
    expected: ['4: NETC1003'],
  },
  {
    // A valid spec whose description makes it 20 MB.
    path: 'test/ui/yaml/huge-20mb.yaml',
    bytes: () => utf8(`${HEADER}description: "${'x'.repeat(20 * 1024 * 1024)}"\nlayers:\n  - { type: dense, units: 2 }\n`),
    expected: ['1: NETC1002'],
  },
];
