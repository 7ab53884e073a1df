/** JSON with sorted keys: the same data always gives the same bytes (for hashes). */
export function canonicalJson(value: unknown): string {
  // JSON.stringify with a replacer that rebuilds each object with its keys sorted: native, twice as
  // fast as building the string here. Engines list integer-like keys ("2", "10") first and in numeric
  // order whatever the insertion order, so an object with such keys takes the written-out way.
  let indexKeys = false;
  const text = JSON.stringify(value, (_key, x: unknown) => {
    if (x === null || typeof x !== 'object' || Array.isArray(x)) return x;
    const obj = x as Record<string, unknown>;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(obj).sort()) {
      if (/^(?:0|[1-9]\d*)$/.test(k)) indexKeys = true;
      sorted[k] = obj[k];
    }
    return sorted;
  });
  return indexKeys ? writtenOut(value) : (text ?? 'null');
}

function writtenOut(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(writtenOut).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${writtenOut(obj[k])}`).join(',')}}`;
}
