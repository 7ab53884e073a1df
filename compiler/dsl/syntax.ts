/**
 * The typed CST visitor: chevrotain's CST (generated typings in cst.ts) ->
 * statements, the .netc syntax tree. Every node keeps the offsets of its
 * text; nothing here knows what a layer or an optimizer is (that is
 * build-document.ts), so the printer and `netc fmt` can share this shape.
 */
import type { IToken } from 'chevrotain';
import type { DiagnosticSink } from '../diagnostics/diagnostic.js';
import type { SourceFile } from '../source/source-file.js';
import type {
  ArgCstNode, BlockCstNode, BodyCstNode, CallCstNode, ItemCstChildren, ListCstNode, MapCstNode, NamedCstNode, StatementCstNode,
} from './cst.js';
import { callText, type CallArg } from './spelling.js';

interface Range {
  start: number;
  end: number;
}

/** One number of a size (`227` in `227x227x3`), with its own offsets for diagnostics. */
export interface SizePart extends Range {
  value: number;
}

export type SyntaxValue =
  | (Range & { kind: 'word'; text: string })
  | (Range & { kind: 'string'; value: string })
  | (Range & { kind: 'number'; value: number })
  | (Range & { kind: 'size'; parts: SizePart[]; stride?: SizePart[]; strideStart?: number })
  | (Range & { kind: 'call'; text: string })
  | (Range & { kind: 'list'; items: SyntaxValue[] })
  | (Range & { kind: 'map'; entries: Named[] });

export interface Named extends Range {
  kind: 'named';
  key: string;
  keyStart: number;
  keyEnd: number;
  value: SyntaxValue;
}

export type Item = SyntaxValue | Named;

export interface Statement extends Range {
  items: Item[];
  block?: Block;
  /** Chevrotain recovered from an error inside it: its meaning is not trusted. */
  recovered: boolean;
  /** The JSON pointers this statement wrote (set by build-document.ts; `netc fmt` keys comments by them). */
  ids: string[];
}

export interface Block {
  statements: Statement[];
  /** Offset of `{` (-1 for the file itself). */
  open: number;
  /** Offset of `}` (the text length for the file). */
  close: number;
}

const endOf = (t: IToken) => t.startOffset + t.image.length;
const first = <T>(a: readonly T[] | undefined): T | undefined => a?.[0];
/**
 * A token that is really in the text. Chevrotain's recovery inserts tokens
 * with no offset; the bracket repair's closers have one (they mark where the
 * closer was expected), so they count.
 */
const real = (t: IToken | undefined): t is IToken => t !== undefined && Number.isFinite(t.startOffset);

export class SyntaxReader {
  constructor(
    private readonly file: SourceFile,
    private readonly sink: DiagnosticSink,
  ) {}

  body(node: BodyCstNode | undefined, open: number, close: number): Block {
    const statements = (node?.children.statement ?? []).map((s) => this.statement(s));
    return { statements, open, close };
  }

  private statement(node: StatementCstNode): Statement {
    const items: Item[] = [];
    let recovered = node.recoveredNode === true;
    for (const it of node.children.item ?? []) {
      const item = it.children.named ? this.named(it.children.named[0]!) : this.value(it.children);
      if (item) items.push(item);
      else recovered = true;
    }
    const blockNode = first(node.children.block);
    const block = blockNode ? this.block(blockNode) : undefined;
    if (blockNode?.recoveredNode) recovered = true;
    const start = items[0]?.start ?? block?.open ?? 0;
    // A statement's own text ends at its last item, or at `{` when it opens a block.
    const end = block ? block.open + 1 : (items[items.length - 1]?.end ?? start);
    return { items, block, start, end, recovered, ids: [] };
  }

  private block(node: BlockCstNode): Block {
    const openTok = first(node.children.LCurly);
    const closeTok = first(node.children.RCurly);
    const open = real(openTok) ? openTok.startOffset : 0;
    return this.body(first(node.children.body), open, real(closeTok) ? closeTok.startOffset : open);
  }

  private named(node: NamedCstNode): Named | undefined {
    const keyTok = first(node.children.Word) ?? first(node.children.StringLit);
    const valueNode = first(node.children.value);
    if (!real(keyTok) || !valueNode) return undefined;
    const value = this.value(valueNode.children);
    if (!value) return undefined;
    const key = keyTok.tokenType.name === 'StringLit' ? this.decodeString(keyTok) : keyTok.image;
    return { kind: 'named', key, keyStart: keyTok.startOffset, keyEnd: endOf(keyTok), value, start: keyTok.startOffset, end: value.end };
  }

  /** An item or a value: the two rules share their alternatives (a `map` only comes after `=`). */
  private value(c: ItemCstChildren & { map?: MapCstNode[] }): SyntaxValue | undefined {
    if (c.call) return this.call(c.call[0]!);
    if (c.list) return this.list(c.list[0]!);
    if (c.map) return this.map(c.map[0]!);
    const t = first(c.Word) ?? first(c.StringLit) ?? first(c.NumberLit) ?? first(c.Size);
    // A token chevrotain inserted while recovering has no text: the statement is not trusted.
    if (!real(t) || t.image === '') return undefined;
    const range = { start: t.startOffset, end: endOf(t) };
    if (c.Word) return { kind: 'word', text: t.image, ...range };
    if (c.StringLit) return { kind: 'string', value: this.decodeString(t), ...range };
    if (c.NumberLit) return { kind: 'number', value: Number(t.image), ...range };
    return this.size(t);
  }

  private size(t: IToken): SyntaxValue {
    const slash = t.image.indexOf('/');
    const parts = (text: string, at: number): SizePart[] => {
      const out: SizePart[] = [];
      let offset = at;
      for (const digits of text.split('x')) {
        out.push({ value: Number(digits), start: offset, end: offset + digits.length });
        offset += digits.length + 1;
      }
      return out;
    };
    const range = { start: t.startOffset, end: endOf(t) };
    if (slash < 0) return { kind: 'size', parts: parts(t.image, t.startOffset), ...range };
    return {
      kind: 'size',
      parts: parts(t.image.slice(0, slash), t.startOffset),
      stride: parts(t.image.slice(slash + 1), t.startOffset + slash + 1),
      strideStart: t.startOffset + slash,
      ...range,
    };
  }

  private call(node: CallCstNode): SyntaxValue | undefined {
    const c = node.children;
    const name = first(c.Word);
    const close = first(c.RParen);
    if (!real(name) || name.image === '' || !real(close)) return undefined;
    const args: CallArg[] = [];
    for (const a of c.arg ?? []) {
      const arg = this.arg(a);
      if (!arg) return undefined;
      args.push(arg);
    }
    // A `)` the bracket repair added has no text: the call ends where it was expected.
    return { kind: 'call', text: callText(name.image, args), start: name.startOffset, end: close.startOffset + close.image.length };
  }

  private arg(node: ArgCstNode): CallArg | undefined {
    const num = first(node.children.NumberLit);
    if (!real(num) || num.image === '') return undefined;
    const name = first(node.children.Word);
    return name ? { name: name.image, text: num.image } : { text: num.image };
  }

  private list(node: ListCstNode): SyntaxValue | undefined {
    const items: SyntaxValue[] = [];
    for (const v of node.children.value ?? []) {
      const item = this.value(v.children);
      if (!item) return undefined;
      items.push(item);
    }
    const open = first(node.children.LBracket);
    const close = first(node.children.RBracket);
    if (!real(open) || !real(close)) return undefined;
    return { kind: 'list', items, start: open.startOffset, end: endOf(close) };
  }

  private map(node: MapCstNode): SyntaxValue | undefined {
    const entries: Named[] = [];
    for (const n of node.children.named ?? []) {
      const entry = this.named(n);
      if (!entry) return undefined;
      entries.push(entry);
    }
    const open = first(node.children.LCurly);
    const close = first(node.children.RCurly);
    if (!real(open) || !real(close)) return undefined;
    return { kind: 'map', entries, start: open.startOffset, end: endOf(close) };
  }

  /** A quoted string's value (JSON escapes); one left unclosed was already reported, so it is read as if closed. */
  private decodeString(t: IToken): string {
    // An unclosed string (already reported) is read as if its quote were there.
    const image = /(^|[^\\])(\\\\)*"$/.test(t.image.slice(1)) ? t.image : t.image + '"';
    try {
      return JSON.parse(image) as string;
    } catch {
      const bad = /\\(u(?![0-9a-fA-F]{4})|[^"\\/bfnrtu])/.exec(t.image);
      const at = t.startOffset + (bad?.index ?? 0);
      this.sink.report(
        'NETC1102',
        { file: this.file, start: at, end: at + (bad ? bad[0].length : t.image.length) },
        { detail: bad ? `\`${bad[0]}\` is not an escape a string can hold` : 'this string cannot be read' },
        { hint: 'strings use JSON escapes: \\", \\\\, \\n, \\t, \\uXXXX' },
      );
      return image.slice(1, -1);
    }
  }
}
