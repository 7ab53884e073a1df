/** `netc fmt` and `netc convert` on real files in a temporary folder. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { runConvert } from '../../cli/commands/convert.js';
import { runFmt } from '../../cli/commands/fmt.js';
import { UsageError } from '../../cli/exit-codes.js';
import { useTempDirs } from '../support/temp-dirs.js';

const tempDir = useTempDirs('cli');

const alexnetYaml = readFileSync(new URL('../../specs/alexnet.yaml', import.meta.url), 'utf8');

function capture(): { out: () => string } {
  let text = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    text += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  return { out: () => text };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('netc fmt', () => {
  test('--check lists unformatted files and exits 1; fmt rewrites them; then --check passes', () => {
    const dir = tempDir();
    const file = join(dir, 'm.netc');
    writeFileSync(file, 'netc   1\nmodel m   # name\ninput 4\nlayers {\n   d dense 2\n}\n');
    const io = capture();
    expect(runFmt([file], { check: true })).toBe(1);
    expect(io.out()).toBe(`${file}\n`);
    expect(runFmt([dir], {})).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe('netc 1\nmodel m  # name\ninput 4\n\nlayers {\n  d dense 2\n}\n');
    expect(runFmt([file], { check: true })).toBe(0);
  });

  test('a YAML file named on the command line is a usage error', () => {
    expect(() => runFmt(['specs/alexnet.yaml'], {})).toThrow(UsageError);
  });
});

describe('netc convert', () => {
  test('YAML to .netc and back gives the same YAML value', () => {
    const dir = tempDir();
    const yaml = join(dir, 'alexnet.yaml');
    const netc = join(dir, 'alexnet.netc');
    writeFileSync(yaml, alexnetYaml);
    const io = capture();
    expect(runConvert(yaml, { output: netc })).toBe(0);
    expect(readFileSync(netc, 'utf8')).toContain('conv1   conv    96 11x11/4 act=relu');
    expect(runConvert(netc, {})).toBe(0);
    expect(io.out()).toContain('  - { name: conv1, type: conv, filters: 96, kernel: 11, stride: 4, act: relu }');
    expect(() => runConvert(yaml, { to: 'json' })).toThrow(UsageError);
  });
});
