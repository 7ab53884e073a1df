/**
 * Numbers as the source spelled them: `1e-4` stays `1e-4` through fmt and
 * convert instead of becoming `0.0001`. The printers accept the text only
 * where it reads back to the very same number in their own syntax.
 */
import type { SpecDocument } from '../frontend/document.js';
import type { NumberSpelling } from './to-netc.js';

export function sourceNumbers(doc: SpecDocument): NumberSpelling {
  return (pointer) => {
    const span = doc.spans.get(pointer)?.value;
    return span && span.file.text.slice(span.start, span.end);
  };
}
