/** The published schemas and the spec reference are generated: they must match the compiler's own. */
import { readFileSync, readdirSync } from 'node:fs';
import Ajv2020Module from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { schemaText } from '../../cli/commands/schema.js';
import { renderSpecReference } from '../../compiler/schema/schema-docs.js';
import { specSchema } from '../../compiler/schema/spec-schema.js';
import { compileFile } from '../../compiler/compile.js';
import { serializePlan } from '../../compiler/plan/build-plan.js';

const regenerate = 'regenerate with `npm run generate`';

describe('published schemas', () => {
  it('specs/netc.schema.json is the compiler\'s spec schema', () => {
    expect(readFileSync('specs/netc.schema.json', 'utf8'), regenerate).toBe(schemaText('spec'));
  });
  it('specs/plan.schema.json is the compiler\'s plan schema', () => {
    expect(readFileSync('specs/plan.schema.json', 'utf8'), regenerate).toBe(schemaText('plan'));
  });
  it('docs/spec.md documents every key of the schema', () => {
    expect(readFileSync('docs/spec.md', 'utf8'), regenerate).toBe(renderSpecReference());
  });
  it('docs/spec.md gives every key of `data` a row with a meaning, mapping branches (data.dataset.kind...) included', () => {
    // Walked here, apart from the generator: a key the generator skips is missing from the docs.
    const keys = (s: Record<string, unknown>, path: string): string[] => {
      const props = [s, ...((s.anyOf as Record<string, unknown>[] | undefined) ?? [])].flatMap((b) => Object.entries((b.properties as Record<string, Record<string, unknown>> | undefined) ?? {}));
      return props.flatMap(([k, v]) => [`${path}.${k}`, ...keys(v, `${path}.${k}`)]);
    };
    const data = (specSchema.properties as Record<string, Record<string, unknown>>).data!;
    const expected = keys(data, 'data');
    expect(expected).toEqual(expect.arrayContaining(['data.dataset.kind', 'data.dataset.labels', 'data.augment.pca_colour', 'data.max_image_pixels']));
    const rows = new Map(readFileSync('docs/spec.md', 'utf8').split('\n').map((l) => [/^\| `([^`]+)`/.exec(l)?.[1], l.split(/(?<!\\)\|/)] as const));
    for (const key of expected) expect(rows.get(key)?.[3]?.trim(), `${key}: its meaning`).toMatch(/\w{3}/);
  });
  it('an editor using the published schema accepts every spec in specs/ and every plan they compile to', () => {
    // ajv ships CommonJS: under ESM the class is the default export's default.
    const Ajv = (Ajv2020Module as unknown as { default: typeof Ajv2020Module }).default ?? Ajv2020Module;
    const ajv = new Ajv({ strict: false });
    const spec = ajv.compile(JSON.parse(readFileSync('specs/netc.schema.json', 'utf8')));
    const plan = ajv.compile(JSON.parse(readFileSync('specs/plan.schema.json', 'utf8')));
    for (const f of readdirSync('specs').filter((f) => f.endsWith('.yaml'))) {
      expect(spec(parse(readFileSync(`specs/${f}`, 'utf8'))), `${f}: ${JSON.stringify(spec.errors)}`).toBe(true);
      const compiled = compileFile(`specs/${f}`).plan;
      if (!compiled) continue; // variants that need their base resolve through the compiler
      expect(plan(JSON.parse(serializePlan(compiled))), `${f} plan: ${JSON.stringify(plan.errors)}`).toBe(true);
    }
  });
});

describe('generated validators', () => {
  it('compiler/schema/generated/validators.ts is compiled from the current schemas', async () => {
    const { generateValidatorsSource } = await import('../../compiler/schema/generate-validators.js');
    expect(readFileSync('compiler/schema/generated/validators.ts', 'utf8') === generateValidatorsSource(), 'run `npm run generate`').toBe(true);
  });
});
