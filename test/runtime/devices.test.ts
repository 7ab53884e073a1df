/**
 * Multi-device pieces that run in this process: the frame protocol, the
 * row split and weighted all-reduce, tower cuts of parameters, dropout on a
 * slice of the batch, and the tower engine on one device (its exchanges with
 * itself) against the LocalExecutor. Workers are in devices-workers.test.ts.
 */
import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { LocalExecutor } from '../../runtime/exec/local-executor.js';
import { createForward } from '../../runtime/model/forward.js';
import { initialValues } from '../../runtime/model/init-params.js';
import { splitRows, weightedSum } from '../../runtime/devices/all-reduce.js';
import { DataEngine } from '../../runtime/devices/data-engine.js';
import { Exchange } from '../../runtime/devices/exchange.js';
import { encodeFrame, FrameDecoder, readFrameSync, writeFrameSync } from '../../runtime/devices/frames.js';
import { ExchangeRelay } from '../../runtime/devices/relay.js';
import type { DeviceError } from '../../runtime/devices/errors.js';
import type { Buf } from '../../runtime/devices/messages.js';
import { concatAxis, partOf } from '../../runtime/devices/host-arrays.js';
import { TowerEngine, paramOfSlot, towersUnsupported } from '../../runtime/devices/tower-engine.js';
import { exchangePerImage, newExchangeMemory } from '../../runtime/devices/tower-parallel.js';
import { planOf, pseudoRandom } from './helpers.js';
import { towersSpec } from './devices-fixtures.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});


function batchOf(n: number, seed: number, plan = planOf(towersSpec)) {
  const shape = [n, ...plan.input.shape];
  const x = pseudoRandom(shape.reduce((a, b) => a * b, 1), seed);
  const y = Int32Array.from({ length: n }, (_, i) => (i * 5 + seed) % (plan.output.classes ?? 1));
  return { x, shape, y };
}

describe('frames (the process protocol)', () => {
  it('round-trips headers and float32/int32 payloads however the stream is chunked', () => {
    fc.assert(
      fc.property(fc.array(fc.float({ noNaN: true }), { maxLength: 40 }), fc.array(fc.integer(), { maxLength: 9 }), fc.string(), fc.array(fc.integer({ min: 1, max: 17 }), { minLength: 1, maxLength: 8 }), (fs, is, text, cuts) => {
        const f = Float32Array.from(fs);
        const i = Int32Array.from(is);
        const bytes = Buffer.concat([...encodeFrame({ kind: 'x', text }, [f, i]), ...encodeFrame({ kind: 'y' }, [])]);
        const decoder = new FrameDecoder();
        const got = [];
        for (let at = 0, k = 0; at < bytes.length; k++) {
          const n = cuts[k % cuts.length]!;
          got.push(...decoder.push(bytes.subarray(at, at + n)));
          at += n;
        }
        expect(got.map((m) => m.h)).toEqual([{ kind: 'x', text }, { kind: 'y' }]);
        expect([...(got[0]!.bufs[0] as Float32Array)]).toEqual([...f]);
        expect(got[0]!.bufs[1]).toBeInstanceOf(Int32Array);
        expect([...(got[0]!.bufs[1] as Int32Array)]).toEqual([...i]);
        expect(got[0]!.bufs[0]!.byteOffset % 4).toBe(0);
      }),
      { numRuns: 60 },
    );
  });

  it('refuses a stream that is not frames', () => {
    expect(() => new FrameDecoder().push(Buffer.from('hello, not a frame'))).toThrow(/bad frame length/);
  });
  it('writes and reads frames blocking on a file descriptor (the exchange channel)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'netc-frames-'));
    try {
      const path = join(dir, 'f');
      const w = openSync(path, 'w');
      writeFrameSync(w, { seq: 3 }, [Float32Array.of(1.5, -2)]);
      writeFrameSync(w, { seq: 4 }, []);
      closeSync(w);
      const r = openSync(path, 'r');
      const a = readFrameSync(r);
      expect(a.h).toEqual({ seq: 3 });
      expect([...(a.bufs[0] as Float32Array)]).toEqual([1.5, -2]);
      expect(readFrameSync(r).h).toEqual({ seq: 4 });
      expect(() => readFrameSync(r)).toThrow(/closed the exchange channel/);
      closeSync(r);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the exchange relay (tower placement across processes)', () => {
  function relay(devices: number) {
    const answers: { device: number; h: object; bufs: readonly Buf[] }[] = [];
    const failures: DeviceError[] = [];
    const r = new ExchangeRelay(devices, (device, h, bufs) => answers.push({ device, h, bufs }), (e) => failures.push(e));
    return { r, answers, failures };
  }

  it('all-gathers: each device gets the others\' parts, once all have sent theirs', () => {
    const { r, answers } = relay(3);
    r.onPart(2, { h: { kind: 'gather', seq: 0 }, bufs: [Float32Array.of(2)] });
    r.onPart(0, { h: { kind: 'gather', seq: 0 }, bufs: [Float32Array.of(0)] });
    expect(answers).toEqual([]);
    expect(r.waiting().sort()).toEqual([0, 2]);
    r.onPart(1, { h: { kind: 'gather', seq: 0 }, bufs: [Float32Array.of(1)] });
    expect(answers.map((a) => [a.device, ...a.bufs.map((b) => b[0])])).toEqual([[0, 1, 2], [1, 0, 2], [2, 0, 1]]);
    expect(r.waiting()).toEqual([]);
  });

  it('reduce-scatters: device d gets the sum of everyone\'s block d', () => {
    const { r, answers } = relay(2);
    // [outer 2, channels 4]: blocks of 2 channels
    r.onPart(0, { h: { kind: 'scatter', seq: 5, outer: 2, channels: 4 }, bufs: [Float32Array.of(1, 2, 3, 4, 5, 6, 7, 8)] });
    r.onPart(1, { h: { kind: 'scatter', seq: 5, outer: 2, channels: 4 }, bufs: [Float32Array.of(10, 20, 30, 40, 50, 60, 70, 80)] });
    expect(answers.map((a) => [...a.bufs[0]!])).toEqual([[11, 22, 55, 66], [33, 44, 77, 88]]);
  });

  it('fails when devices are out of step', () => {
    const { r, failures } = relay(2);
    r.onPart(0, { h: { kind: 'gather', seq: 1 }, bufs: [new Float32Array(3)] });
    r.onPart(1, { h: { kind: 'gather', seq: 1 }, bufs: [new Float32Array(4)] });
    expect(failures[0]?.message).toMatch(/exchange 1 out of step: device 1/);
  });
});

describe('data-parallel arithmetic', () => {
  it('splits rows evenly and contiguously, including fewer rows than devices', () => {
    expect(splitRows(7, 3)).toEqual([{ start: 0, n: 3 }, { start: 3, n: 2 }, { start: 5, n: 2 }]);
    expect(splitRows(1, 2)).toEqual([{ start: 0, n: 1 }, { start: 1, n: 0 }]);
  });

  it('weights each device by its rows: the mean of means is the batch mean', () => {
    const out = new Float32Array(2);
    weightedSum(out, [{ values: Float32Array.of(1, 2), weight: 3 / 4 }, { values: Float32Array.of(5, 6), weight: 1 / 4 }]);
    expect([...out]).toEqual([2, 3]);
  });
});

describe('tower cuts', () => {
  it('cuts along any axis and joins back to the same array', () => {
    const shape = [4, 2, 4, 6];
    const values = pseudoRandom(192, 4);
    for (const axis of [0, 1, 2, 3]) {
      const parts = [0, 1].map((t) => partOf(values, shape, axis, 2, t));
      expect(parts[0]!.shape[axis]).toBe(shape[axis]! / 2);
      const back = concatAxis(parts, axis);
      expect(back.shape).toEqual(shape);
      expect([...back.values]).toEqual([...values]);
    }
  });

  it('cuts a conv weight as the single-device lowering splits it (HWIO, filters)', () => {
    const w = tf.tensor(pseudoRandom(3 * 3 * 2 * 8, 2), [3, 3, 2, 8]);
    const mine = partOf(w.dataSync() as Float32Array, w.shape, 3, 2, 1);
    expect([...mine.values]).toEqual([...tf.split(w, 2, 3)[1]!.dataSync()]);
  });

  it('knows which parameter an optimizer slot belongs to', () => {
    expect(paramOfSlot('a.b.weight.velocity', [{ name: 'a.b' }, { name: 'a.b.weight' }])).toBe('a.b.weight');
  });

  it('says when tower placement does not fit the model', () => {
    const plan = planOf(towersSpec);
    expect(towersUnsupported(plan, 2)).toBeNull();
    expect(towersUnsupported(plan, 3)).toMatch(/at most 2 devices/);
    expect(towersUnsupported(planOf(towersSpec.replace('towers: 2', 'towers: 1').replace(/, connect: \w+/g, '')), 2)).toMatch(/no towers/);
  });
});

describe('dropout on a slice of the batch', () => {
  it('rows [start, start + n) get the rows of the whole batch mask', () => {
    const plan = planOf(towersSpec);
    const params = new Map(plan.params.map((p, i) => [p.name, tf.tensor(initialValues(p, i, 3), p.shape)]));
    const forward = createForward(plan);
    const b = batchOf(6, 1, plan);
    const ctx = { training: true, dropoutSeed: 12345 };
    const full = forward(params, tf.tensor(b.x, b.shape), ctx).arraySync();
    const row = b.x.length / 6;
    const part = forward(params, tf.tensor(b.x.slice(2 * row, 5 * row), [3, ...b.shape.slice(1)]), { ...ctx, rows: { start: 2, total: 6 } }).arraySync();
    expect(part).toEqual(full.slice(2, 5));
    // without rows, a slice draws its own mask (what data placement must avoid)
    const own = forward(params, tf.tensor(b.x.slice(2 * row, 5 * row), [3, ...b.shape.slice(1)]), ctx).arraySync();
    expect(own).not.toEqual(full.slice(2, 5));
  });
});

describe('tower engine, all towers on one device', () => {
  it('trains exactly as the LocalExecutor: same losses, weights and state layout', async () => {
    const plan = planOf(towersSpec);
    const mem = newExchangeMemory(1, 6, exchangePerImage(plan), 5000);
    // tfjs names variables globally: one model at a time in this process.
    const engine = new TowerEngine(plan, 0, 1, 7, 0, new Exchange(mem, 0, 1));
    const got = [];
    const tensors: number[] = [];
    for (let step = 0; step < 3; step++) {
      const b = batchOf(6, step, plan);
      got.push(engine.trainStep(b.x, b.shape, b.y, step, 0.05));
      tensors.push(tf.memory().numTensors);
    }
    expect(tensors[2]).toBe(tensors[1]); // nothing leaks from step to step
    const s = engine.getState();
    const b = batchOf(4, 9, plan);
    const ev = engine.evaluate(b.x, b.shape, b.y);
    engine.dispose();
    const local = new LocalExecutor(plan, { seed: 7 });
    for (let step = 0; step < 3; step++) {
      const a = await local.trainStep(batchOf(6, step, plan), 0.05, step);
      expect(got[step]!.lossSum).toBeCloseTo(a.lossSum, 5);
      expect(got[step]!.top1Errors).toBe(a.top1Errors);
    }
    const ref = await local.getState();
    const refByName = new Map([...ref.params, ...ref.slots].map((a) => [a.name, a]));
    for (const [i, e] of s.entries.entries()) {
      const r = refByName.get(e.name)!;
      expect(e.shape).toEqual(r.shape);
      const diff = Math.max(...s.values[i]!.map((v, j) => Math.abs(v - r.values[j]!)));
      expect(diff).toBeLessThan(1e-5);
    }
    const er = await local.evaluate(b);
    expect(ev.lossSum).toBeCloseTo(er.lossSum, 4);
    await local.dispose();
  });
});

describe('data engine (one data-placement device) in this process', () => {
  it('its gradients of a row slice, weighted and applied, train as the whole batch does', async () => {
    const plan = planOf(towersSpec);
    const count = plan.params.reduce((n, p) => n + p.count, 0);
    const parts = [{ start: 0, n: 4 }, { start: 4, n: 2 }];
    const engine = new DataEngine(plan, 7, 0, new Float32Array(count));
    const sums: number[] = [];
    const tensors: number[] = [];
    for (let step = 0; step < 3; step++) {
      const b = batchOf(6, step, plan);
      const row = b.x.length / 6;
      const avg = new Float32Array(count);
      let loss = 0;
      for (const { start, n } of parts) {
        const { reply, flat } = engine.grads(b.x.slice(start * row, (start + n) * row), [n, ...b.shape.slice(1)], b.y.slice(start, start + n), step, { start, total: 6 });
        loss += reply.lossSum;
        for (let i = 0; i < count; i++) avg[i]! += (flat[i]! * n) / 6;
      }
      engine.apply(avg, 0.05);
      sums.push(loss);
      tensors.push(tf.memory().numTensors);
    }
    expect(tensors[2]).toBe(tensors[1]);
    const state = await engine.getState();
    await engine.dispose();
    const local = new LocalExecutor(plan, { seed: 7 });
    for (let step = 0; step < 3; step++) expect(sums[step]).toBeCloseTo((await local.trainStep(batchOf(6, step, plan), 0.05, step)).lossSum, 4);
    const ref = await local.getState();
    for (const [i, p] of ref.params.entries()) {
      const diff = Math.max(...p.values.map((v, j) => Math.abs(v - state.params[i]!.values[j]!)));
      expect(diff).toBeLessThan(1e-5);
    }
    await local.dispose();
  });
});
