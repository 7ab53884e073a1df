/**
 * The spec reference (docs/spec.md) generated from the JSON Schema, so every
 * key is documented and the docs cannot drift from what the compiler accepts.
 */
import { describeSchema } from '../passes/validate-form.js';
import { LAYER_TYPES, specSchema } from './spec-schema.js';

type Schema = Record<string, unknown>;

function rows(properties: Schema, prefix: string, required: string[] = []): string[] {
  const out: string[] = [];
  for (const [key, raw] of Object.entries(properties)) {
    const s = raw as Schema;
    if (key === '$schema' || key === 'type' && prefix.startsWith('layers')) continue;
    const path = `${prefix}${key}`;
    const req = required.includes(key) ? ' (required)' : '';
    const desc = typeof s.description === 'string' ? s.description : '';
    const form = Object.keys(s).length === 0 ? '' : describeSchema(s).replace(/\|/g, '\\|');
    out.push(`| \`${path}\`${req} | ${form} | ${desc.replace(/\|/g, '\\|')} |`);
    if (s.type === 'object' && s.properties && !Array.isArray(s.allOf)) out.push(...rows(s.properties as Schema, `${path}.`, (s.required as string[]) ?? []));
    // A key that is a name or a mapping (data.dataset): the mapping's keys get rows too.
    for (const alt of (s.anyOf as Schema[] | undefined) ?? []) {
      if (alt.type === 'object' && alt.properties) out.push(...rows(alt.properties as Schema, `${path}.`, (alt.required as string[]) ?? []));
    }
    for (const branch of (s.allOf as Schema[] | undefined) ?? []) {
      const cond = ((branch.if as Schema)?.properties as Schema)?.type as Schema | undefined;
      const then = branch.then as Schema | undefined;
      if (cond && then?.properties) out.push(...rows(then.properties as Schema, `${path}.{type: ${String(cond.const)}}.`, (then.required as string[]) ?? []).filter((r) => !r.includes('.type`')));
    }
  }
  return out;
}

export function renderSpecReference(): string {
  const header = ['| key | form | meaning |', '|---|---|---|'];
  const props = specSchema.properties as Schema;
  const { layers: _layers, ...top } = props;
  const defs = specSchema.$defs as Record<string, Schema>;
  const lines = [
    '# Spec reference',
    '',
    'Generated from the JSON Schema (`netc schema --markdown`); `specs/netc.schema.json` is the same schema for editors.',
    'A spec is YAML (or the `.netc` DSL, docs/dsl.md) with these keys. Meaning beyond the form (shapes, ranges) is checked by',
    'the compiler and documented per error code in docs/errors/.',
    '',
    '## Model',
    '',
    ...header,
    ...rows(top, '', specSchema.required as string[]),
    '',
    '## Blocks',
    '',
    'Each entry of `blocks` defines a block (docs/graphs.md): layers with parameters. Keys of `blocks.<name>`:',
    '',
    ...header,
    ...rows(((props.blocks as Schema).additionalProperties as Schema).properties as Schema, '', (((props.blocks as Schema).additionalProperties as Schema).required as string[]) ?? []),
    '',
    'A layer whose `type` is a block name is an instance of the block. Its keys (every other key is an argument, one of the block\'s `params`):',
    '',
    ...header,
    ...rows(defs.block_instance!.properties as Schema, '').filter((r) => !r.startsWith('| `type`')),
    '',
    '## Layers',
    '',
    `Each item of \`layers\` has a \`type\`: ${LAYER_TYPES.map((t) => `\`${t}\``).join(', ')}. Keys per type:`,
    '',
  ];
  for (const t of LAYER_TYPES) {
    const def = defs[t]!;
    lines.push(`### ${t}`, '', String(def.description ?? ''), '', ...header, ...rows(def.properties as Schema, '', (def.required as string[]) ?? []).filter((r) => !r.startsWith('| `type`')), '');
  }
  return lines.join('\n');
}
