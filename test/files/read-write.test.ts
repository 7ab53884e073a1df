/**
 * files/: netc reads only regular files under a cap, and every failed read or
 * write is a NetcError naming the path (NETC5001-5004), never a hang, an
 * endless read or a stack trace.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readRegularFile, tryReadRegularFile } from '../../files/read.js';
import { makeDirectory, writeFileAtomic } from '../../files/write.js';

const dir = mkdtempSync(join(tmpdir(), 'netc-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cap = (maxBytes: number) => ({ maxBytes, what: 'a test file' });

describe('reading', () => {
  it('reads a regular file whole, and refuses one over the cap by its size (NETC5003)', () => {
    const f = join(dir, 'ten.txt');
    writeFileSync(f, '0123456789');
    expect(readRegularFile(f, cap(10)).toString()).toBe('0123456789');
    expect(() => readRegularFile(f, cap(9))).toThrow(expect.objectContaining({ code: 'NETC5003', message: `\`${f}\` is 10 bytes, more than the 9 bytes netc reads as a test file` }));
  });

  it('enforces the cap while reading files that report size 0 (/proc)', () => {
    if (!existsSync('/proc/self/status')) return;
    expect(() => readRegularFile('/proc/self/status', cap(16))).toThrow(expect.objectContaining({ code: 'NETC5003', message: expect.stringContaining('more than 16 bytes') }));
    expect(readRegularFile('/proc/self/status', cap(1 << 20)).toString()).toContain('Name:');
  });

  it('reads only the head when asked, whatever the size', () => {
    const f = join(dir, 'long.txt');
    writeFileSync(f, 'x'.repeat(100_000));
    const r = tryReadRegularFile(f, cap(10), 64);
    expect('bytes' in r && r.bytes.length).toBe(64);
  });

  it('refuses a folder and a device before reading (NETC5002), and names what cannot be read (NETC5004)', () => {
    expect(() => readRegularFile(dir, cap(10))).toThrow(expect.objectContaining({ code: 'NETC5002', message: `\`${dir}\` is not a regular file: it is a folder` }));
    expect(() => readRegularFile('/dev/zero', cap(10))).toThrow(expect.objectContaining({ code: 'NETC5002', message: '`/dev/zero` is not a regular file: it is a device' }));
    const loop = join(dir, 'loop');
    symlinkSync(loop, loop);
    expect(() => readRegularFile(loop, cap(10))).toThrow(expect.objectContaining({ code: 'NETC5004', message: `cannot read \`${loop}\`: too many levels of symbolic links` }));
    expect(tryReadRegularFile(join(dir, 'missing'), cap(10))).toEqual({ failure: { kind: 'missing', reason: 'no such file or folder' } });
  });
});

describe('writing', () => {
  it('creates missing folders and leaves no temp file behind', () => {
    const f = join(dir, 'a', 'b', 'plan.json');
    writeFileAtomic(f, '{}');
    expect(readdirSync(join(dir, 'a', 'b'))).toEqual(['plan.json']);
  });

  it('names the path and the reason (NETC5001): a file in the way, a name too long, /proc', () => {
    const file = join(dir, 'file');
    writeFileSync(file, '');
    expect(() => writeFileAtomic(join(file, 'x.json'), '{}')).toThrow(expect.objectContaining({ code: 'NETC5001', message: expect.stringContaining('a part of the path is a file, not a folder') }));
    const long = join(dir, `${'n'.repeat(300)}.json`);
    expect(() => writeFileAtomic(long, '{}')).toThrow(expect.objectContaining({ code: 'NETC5001', message: `cannot write \`${long}\`: the path is too long (a name over 255 bytes, or a path over 4096)` }));
    expect(readdirSync(dir).filter((n) => n.includes('.tmp-'))).toEqual([]);
    if (existsSync('/proc/self')) expect(() => makeDirectory('/proc/netc-test/x')).toThrow(expect.objectContaining({ code: 'NETC5001' }));
  });
});
