/**
 * The data folder is relative to the spec that names it, and the runtime
 * resolves it against the folder of the spec it trains. A variant in another
 * folder that inherits `data` would look in the wrong place, so the inherited
 * folder is rewritten relative to the variant (as tsconfig's `extends` does
 * with paths). Without a `path` the data folder is the base's `data/`: that
 * is spelt out too, so the variant trains on the same files.
 */
import { dirname, isAbsolute, relative, resolve as absolutePath } from 'node:path';
import type { JsonValue } from '../frontend/document.js';
import type { CompilerHost } from '../host.js';
import { isObject } from './variant-form.js';

export function rebaseDataPath(data: JsonValue, baseFile: string, variantFile: string, host: CompilerHost): JsonValue {
  if (!isObject(data) || absolutePath(dirname(baseFile)) === absolutePath(dirname(variantFile))) return data;
  // normalize's default dataset, so an omitted one moves too.
  const dataset = data.dataset ?? 'fashion-mnist';
  let kind: JsonValue | undefined;
  let written: JsonValue | undefined;
  let rest: Record<string, JsonValue> = {};
  if (typeof dataset === 'string') kind = dataset;
  else if (isObject(dataset)) ({ kind, path: written, ...rest } = dataset);
  else return data; // malformed: the schema check reports it
  if (typeof kind !== 'string' || (written !== undefined && typeof written !== 'string')) return data;
  const folder = (written as string | undefined) ?? 'data';
  if (isAbsolute(folder)) return data;
  const moved = relative(dirname(variantFile), host.resolve(baseFile, folder)) || '.';
  return { ...data, dataset: { kind, ...rest, path: moved } };
}
