/**
 * Statements -> the Spec AST (the same JSON value the YAML spelling gives,
 * plus a span for every JSON pointer). This is where a line gets its meaning:
 *
 *   key value            -> { key: value }         (seed 1, placement towers)
 *   key a b c            -> { key: [a, b, c] }
 *   key k=v k2=v2        -> { key: { k: v, k2: v2 } }
 *   key { ... }          -> { key: { ...statements } }
 *   optimizer sgd lr=.1  -> { optimizer: { type: sgd, lr: .1 } }   (HEAD_RULES)
 *
 * plus the table-like forms: `model`, `input`, `layers { }` (one layer per
 * line), `modify { }` and `insert`. The printer (compiler/convert/to-netc.ts)
 * is the exact inverse, and a property test holds the two together.
 */
import type { DiagnosticSink } from '../diagnostics/diagnostic.js';
import { joinPointer, setOwn, type JsonValue, type NodeSpans } from '../frontend/document.js';
import type { SourceFile, Span } from '../source/source-file.js';
import { childContext, COUNT_FIELD, HEAD_RULES, KEYWORD_VALUES, LIST_KEYS, SIZE_FIELD, type Context } from './spelling.js';
import type { Block, Item, Named, SizePart, Statement, SyntaxValue } from './syntax.js';

type Obj = { [key: string]: JsonValue };

/** A positional word or string: what names a statement, a layer or a head. */
type Text = { text: string; start: number; end: number };

export class DocumentBuilder {
  readonly spans = new Map<string, NodeSpans>();

  constructor(
    private readonly file: SourceFile,
    private readonly sink: DiagnosticSink,
  ) {}

  build(root: Block): JsonValue {
    const statements = root.statements;
    const first = statements[0];
    const last = statements[statements.length - 1];
    this.spans.set('', { value: this.span(first?.start ?? 0, last ? endOfStatement(last) : 0) });
    return this.statements(statements, 'top', '');
  }

  // ---- statements in a block: the generic object form ----

  private statements(statements: readonly Statement[], context: Context, pointer: string): Obj {
    const out: Obj = {};
    const keys = new KeyTracker(this);
    let inserts: JsonValue[] | undefined;
    for (const stmt of statements) {
      if (stmt.recovered) continue;
      const head = textOf(stmt.items[0]);
      if (!head && stmt.items[0]?.kind === 'named' && !stmt.block) {
        // `init=he_normal bias=0` as a line of a block: the pairs are entries of the block.
        this.pairsLine(stmt, pointer, out, keys);
        continue;
      }
      if (!head) {
        const it = stmt.items[0];
        if (it) this.error(it, `expected a name at the start of the line, found ${describeItem(this.file, it)}`, 'a line starts with a name, as in `seed 1`');
        else this.error({ start: stmt.start, end: stmt.start + 1 }, 'a block needs a name before its `{`', 'write `layers {`');
        continue;
      }
      const key = head.text;
      const rest = stmt.items.slice(1);
      const at = joinPointer(pointer, key);
      if (context === 'top') {
        if (key === 'model') {
          this.model(stmt, head, rest, out, keys);
          continue;
        }
        if (key === 'insert' && !isPlainValue(rest, stmt)) {
          if (inserts === undefined) {
            if (!keys.claim(key, head)) continue;
            inserts = [];
            out.insert = inserts;
            this.spans.set('/insert', { value: this.span(stmt.start, endOfStatement(stmt)), key: this.span(head.start, head.end) });
          }
          const p = joinPointer('/insert', inserts.length);
          stmt.ids = [p];
          inserts.push(this.insert(stmt, rest, p));
          this.widen('/insert', stmt);
          continue;
        }
      }
      if (!keys.claim(key, head)) continue;
      stmt.ids = [at];
      setOwn(out, key, this.statementValue(stmt, head, rest, context, at));
    }
    return out;
  }

  /** The value a `key ...` statement gives its key, by the rules in the header. */
  private statementValue(stmt: Statement, head: Text, rest: Item[], context: Context, at: string): JsonValue {
    const key = head.text;
    const keySpan = this.span(head.start, head.end);
    const block = stmt.block;
    const valueSpan = block ? this.span(rest[0]?.start ?? block.open, block.close + 1) : rest.length ? this.span(rest[0]!.start, rest[rest.length - 1]!.end) : keySpan;
    this.spans.set(at, { value: valueSpan, key: keySpan });

    if (context === 'top' && key === 'input' && !block) return this.input(rest, at);
    if (block) {
      if (rest.length) this.error(rest[0]!, `\`${key} {\` takes no values before \`{\``, 'move them into the block, one per line');
      if (context === 'top' && key === 'layers') return this.layers(block, at);
      if (context === 'top' && key === 'modify') return this.modify(block, at);
      if (context === 'top' && key === 'blocks') return this.blocks(block, at);
      return this.statements(block.statements, childContext(context, key), at);
    }
    const positional = rest.filter((i): i is SyntaxValue => i.kind !== 'named');
    const named = rest.filter((i): i is Named => i.kind === 'named');
    const headRule = HEAD_RULES[context][key];
    // `schedule null` is the value null, not a schedule of type "null" (write `schedule "null"` for that).
    const first = positional[0];
    const kind = first && !(first.kind === 'word' && first.text in KEYWORD_VALUES) ? textOf(first) : undefined;
    if (headRule && kind) {
      for (const extra of positional.slice(1)) this.error(extra, `\`${key}\` takes one ${headRule.field} and then \`key=value\` pairs`, `write \`name=value\``);
      if (!named.length && headRule.alone === 'value') return this.value(positional[0]!, at, keySpan);
      const obj: Obj = {};
      const keys = new KeyTracker(this);
      keys.claim(headRule.field, kind);
      setOwn(obj, headRule.field, kind.text);
      this.spans.set(joinPointer(at, headRule.field), this.self(kind));
      this.namedInto(obj, named, at, keys);
      return obj;
    }
    if (LIST_KEYS[context].has(key)) {
      for (const n of named) this.error(n, `\`${key}\` is a list: it takes values, not \`${n.key}=\``);
      if (positional.length === 1 && positional[0]!.kind === 'list') return this.value(positional[0]!, at, keySpan);
      return positional.map((v, i) => this.value(v, joinPointer(at, i)));
    }
    if (named.length && positional.length) {
      this.error(positional[0]!, `\`${key}\` takes either values or \`key=value\` pairs, not both`);
      return null;
    }
    if (named.length) return this.namedInto({}, named, at, new KeyTracker(this));
    if (positional.length === 0) return null;
    if (positional.length === 1) return this.value(positional[0]!, at, keySpan);
    return positional.map((v, i) => this.value(v, joinPointer(at, i)));
  }

  /** A line of `key=value` pairs only, each an entry of the enclosing mapping. */
  private pairsLine(stmt: Statement, pointer: string, out: Obj, keys: KeyTracker): void {
    for (const it of stmt.items) {
      if (it.kind !== 'named') {
        this.error(it, `expected \`key=value\`, found ${describeItem(this.file, it)}`, 'a line is `key value` or `key=value` pairs');
        return;
      }
    }
    const named = stmt.items as Named[];
    stmt.ids = named.map((n) => joinPointer(pointer, n.key));
    this.namedInto(out, named, pointer, keys);
  }

  // ---- the table-like forms ----

  /** `model alexnet "description"`: the name and the description in one line. */
  private model(stmt: Statement, head: Text, rest: Item[], out: Obj, keys: KeyTracker): void {
    const name = textOf(rest[0]);
    if (!name) {
      this.error(rest[0] ?? head, '`model` takes the model name, then its description', 'write `model alexnet "what it is"`');
      return;
    }
    const desc = rest[1];
    stmt.ids = ['/name', '/description'];
    if (keys.claim('name', head)) {
      out.name = name.text;
      this.spans.set('/name', { value: this.span(name.start, name.end), key: this.span(head.start, head.end) });
    }
    if (desc) {
      const text = textOf(desc);
      if (!text) this.error(desc, 'a model description is a string in quotes', 'write `model alexnet "what it is"`');
      else if (keys.claim('description', text)) {
        out.description = text.text;
        this.spans.set('/description', this.self(text));
      }
    }
    for (const extra of rest.slice(2)) this.error(extra, '`model` takes the model name, then its description', 'write `model alexnet "what it is"`');
  }

  /** `input 227x227x3 dtype=float32`: the shape first, as a size, a list or one number. */
  private input(rest: Item[], at: string): JsonValue {
    const positional = rest.filter((i): i is SyntaxValue => i.kind !== 'named');
    const named = rest.filter((i): i is Named => i.kind === 'named');
    const obj: Obj = {};
    const keys = new KeyTracker(this);
    const shape = positional[0];
    if (shape) {
      const sp = joinPointer(at, 'shape');
      const span = this.span(shape.start, shape.end);
      keys.claim('shape', shape);
      if (shape.kind === 'number') {
        obj.shape = [shape.value];
        this.spans.set(sp, { value: span, key: span });
        this.spans.set(joinPointer(sp, 0), { value: span });
      } else if (shape.kind === 'size' || shape.kind === 'list') {
        if (shape.kind === 'size' && shape.stride) this.error({ start: shape.strideStart!, end: shape.end }, 'an input shape has no stride', 'write the shape as `227x227x3`');
        obj.shape = this.value(shape.kind === 'size' ? { ...shape, stride: undefined } : shape, sp, span);
      } else this.error(shape, `expected the input shape (such as \`227x227x3\`), found ${describeItem(this.file, shape)}`);
      for (const extra of positional.slice(1)) this.error(extra, '`input` takes one shape, then `key=value` pairs');
    }
    return this.namedInto(obj, named, at, keys);
  }

  /** `layers { ... }`: one layer per line. */
  private layers(block: Block, at: string): JsonValue {
    const out: JsonValue[] = [];
    for (const stmt of block.statements) {
      if (stmt.recovered) continue;
      const p = joinPointer(at, out.length);
      stmt.ids = [p];
      out.push(this.layer(stmt, p));
    }
    return out;
  }

  /**
   * `[name] type [count] [KxK[/S]] key=value...`: the name is optional (one
   * word is the type), the count and size fill the type's fields (COUNT_FIELD,
   * SIZE_FIELD). A square size is one number, as in the paper's table.
   */
  layer(stmt: Statement, at: string): Obj {
    this.spans.set(at, { value: this.span(stmt.start, endOfStatement(stmt)) });
    const items = stmt.items;
    let i = 0;
    const heads: Text[] = [];
    while (i < items.length && heads.length < 2) {
      const t = textOf(items[i]);
      // `$filters` after the type is the count, given by a block parameter.
      if (!t || isParamWord(items[i])) break;
      heads.push(t);
      i++;
    }
    const obj: Obj = {};
    const keys = new KeyTracker(this);
    const setText = (field: string, t: Text) => {
      keys.claim(field, t);
      setOwn(obj, field, t.text);
      this.spans.set(joinPointer(at, field), this.self(t));
    };
    if (heads.length === 2) setText('name', heads[0]!);
    if (heads.length) setText('type', heads[heads.length - 1]!);
    const type = heads.length ? heads[heads.length - 1]!.text : undefined;
    const named: Named[] = [];
    let countGiven = false;
    let misplaced = false;
    for (; i < items.length; i++) {
      const it = items[i]!;
      if (it.kind === 'named') {
        named.push(it);
        continue;
      }
      const countField = type === undefined ? undefined : COUNT_FIELD[type];
      const sizeField = type === undefined ? undefined : SIZE_FIELD[type];
      if ((it.kind === 'number' || isParamWord(it)) && countField && !countGiven) {
        countGiven = true;
        if (keys.claim(countField, it)) {
          setOwn(obj, countField, it.kind === 'number' ? it.value : (it as { text: string }).text);
          this.spans.set(joinPointer(at, countField), this.self(it));
        }
      } else if (it.kind === 'size' && sizeField) {
        this.layerSize(it, sizeField, obj, at, keys);
      } else if (!misplaced) {
        // One error per line: the values after the first misplaced one are usually the same mistake.
        misplaced = true;
        this.error(it, positionalMisuse(type, it, this.file), positionalHint(type, it));
      }
    }
    if (stmt.block) this.error({ start: stmt.block!.open, end: stmt.block!.open + 1 }, 'a layer line takes no block', 'write the layer on one line');
    return this.namedInto(obj, named, at, keys);
  }

  private layerSize(size: Extract<SyntaxValue, { kind: 'size' }>, field: string, obj: Obj, at: string, keys: KeyTracker): void {
    const put = (f: string, parts: SizePart[]) => {
      const first = parts[0]!;
      const last = parts[parts.length - 1]!;
      if (parts.length > 2) {
        this.error({ start: first.start, end: last.end }, `a ${f} is \`N\`, \`NxN\` or \`HxW\`, found ${parts.length} numbers`);
        return;
      }
      if (!keys.claim(f, { start: first.start, end: last.end })) return;
      const p = joinPointer(at, f);
      const span = this.span(first.start, last.end);
      if (parts.length === 1 || first.value === parts[1]!.value) {
        setOwn(obj, f, first.value);
        this.spans.set(p, { value: span, key: span });
      } else {
        setOwn(obj, f, parts.map((x) => x.value));
        this.spans.set(p, { value: span, key: span });
        parts.forEach((x, j) => this.spans.set(joinPointer(p, j), { value: this.span(x.start, x.end) }));
      }
    };
    put(field, size.parts);
    if (size.stride) put('stride', size.stride);
  }

  /** `modify { fc6 units=2048 act=null }`: per layer name, the attributes to change. */
  private modify(block: Block, at: string): JsonValue {
    const words = { starts: 'a `modify` line starts with the name of the layer to change', pairs: 'a `modify` line takes `key=value` pairs', example: 'write `fc6 units=2048`' };
    return this.namedStatements(block, at, words, (stmt, p, named) => {
      if (stmt.block) this.error({ start: stmt.block.open, end: stmt.block.open + 1 }, 'a `modify` line takes no block');
      return this.namedInto({}, named, p, new KeyTracker(this));
    });
  }

  /**
   * `blocks { basic params={filters=null stride=1} { ...layer lines... } }`:
   * one statement per block, its keys as pairs and its layers as a block.
   */
  private blocks(block: Block, at: string): JsonValue {
    const words = { starts: 'a line of `blocks` starts with the block name', pairs: 'a block line takes `key=value` pairs before its `{`', example: 'write `basic params={filters=null} { ... }`' };
    return this.namedStatements(block, at, words, (stmt, p, named) => {
      const def = this.namedInto({}, named, p, new KeyTracker(this));
      if (!stmt.block) return def;
      const lp = joinPointer(p, 'layers');
      if (def.layers !== undefined) this.error({ start: stmt.block.open, end: stmt.block.open + 1 }, '`layers` is given twice: as a pair and as the block', 'keep the block');
      else {
        this.spans.set(lp, { value: this.span(stmt.block.open, stmt.block.close + 1), key: this.span(stmt.block.open, stmt.block.open + 1) });
        def.layers = this.layers(stmt.block, lp);
      }
      return def;
    });
  }

  /** A block of `NAME key=value... [{ ... }]` lines, one mapping entry per name; `each` makes the entry's value. */
  private namedStatements(block: Block, at: string, words: { starts: string; pairs: string; example: string }, each: (stmt: Statement, pointer: string, named: Named[]) => JsonValue): Obj {
    const out: Obj = {};
    const keys = new KeyTracker(this);
    for (const stmt of block.statements) {
      if (stmt.recovered) continue;
      const name = textOf(stmt.items[0]);
      if (!name) {
        this.error(stmt.items[0] ?? stmt, words.starts, words.example);
        continue;
      }
      const p = joinPointer(at, name.text);
      stmt.ids = [p];
      if (!keys.claim(name.text, name)) continue;
      this.spans.set(p, { value: this.span(stmt.start, endOfStatement(stmt)), key: this.span(name.start, name.end) });
      const named: Named[] = [];
      for (const it of stmt.items.slice(1)) {
        if (it.kind === 'named') named.push(it);
        else this.error(it, `${words.pairs}, found ${describeItem(this.file, it)}`, words.example);
      }
      setOwn(out, name.text, each(stmt, p, named));
    }
    return out;
  }

  /** `insert after conv1 { layers }`: where (`after`/`before` a layer name) and what. */
  private insert(stmt: Statement, rest: Item[], at: string): JsonValue {
    this.spans.set(at, { value: this.span(stmt.start, endOfStatement(stmt)) });
    const obj: Obj = {};
    const keys = new KeyTracker(this);
    const named: Named[] = [];
    for (let i = 0; i < rest.length; i++) {
      const it = rest[i]!;
      if (it.kind === 'named') {
        named.push(it);
        continue;
      }
      const where = textOf(it);
      const target = textOf(rest[i + 1]);
      if (!where || (where.text !== 'after' && where.text !== 'before') || !target) {
        this.error(it, `expected \`after NAME\` or \`before NAME\`, found ${describeItem(this.file, it)}`, 'write `insert after conv1 { ... }`');
        break;
      }
      i++;
      if (!keys.claim(where.text, where)) continue;
      setOwn(obj, where.text, target.text);
      this.spans.set(joinPointer(at, where.text), { value: this.span(target.start, target.end), key: this.span(where.start, where.end) });
    }
    this.namedInto(obj, named, at, keys);
    if (stmt.block && keys.claim('layers', { start: stmt.block.open, end: stmt.block.open + 1 })) {
      const p = joinPointer(at, 'layers');
      this.spans.set(p, { value: this.span(stmt.block.open, stmt.block.close + 1), key: this.span(stmt.block.open, stmt.block.open + 1) });
      obj.layers = this.layers(stmt.block, p);
    }
    return obj;
  }

  // ---- values ----

  private namedInto(obj: Obj, named: readonly Named[], at: string, keys: KeyTracker): Obj {
    for (const n of named) {
      if (!keys.claim(n.key, { start: n.keyStart, end: n.keyEnd })) continue;
      setOwn(obj, n.key, this.value(n.value, joinPointer(at, n.key), this.span(n.keyStart, n.keyEnd)));
    }
    return obj;
  }

  /** A value in JSON, recording its span (and its key's, inside a mapping). */
  value(v: SyntaxValue, at: string, key?: Span): JsonValue {
    const span = this.span(v.start, v.end);
    this.spans.set(at, key ? { value: span, key } : { value: span });
    switch (v.kind) {
      case 'word':
        return v.text in KEYWORD_VALUES ? KEYWORD_VALUES[v.text]! : v.text;
      case 'string':
        return v.value;
      case 'number':
        return v.value;
      case 'call':
        return v.text;
      case 'size':
        if (v.stride) this.error({ start: v.strideStart!, end: v.end }, 'a stride (`/S`) only follows the size of a layer\'s kernel or window', 'write `stride=S`');
        v.parts.forEach((p, i) => this.spans.set(joinPointer(at, i), { value: this.span(p.start, p.end) }));
        return v.parts.map((p) => p.value);
      case 'list':
        return v.items.map((item, i) => this.value(item, joinPointer(at, i)));
      case 'map':
        return this.namedInto({}, v.entries, at, new KeyTracker(this));
    }
  }

  // ---- helpers ----

  span(start: number, end: number): Span {
    return { file: this.file, start, end: Math.max(start, end) };
  }

  /** Spans of a value that is its own key (a positional value: its text says both). */
  private self(where: { start: number; end: number }): NodeSpans {
    const s = this.span(where.start, where.end);
    return { value: s, key: s };
  }

  error(where: { start: number; end: number }, detail: string, hint?: string): void {
    this.sink.report('NETC1102', this.span(where.start, where.end), { detail }, hint ? { hint } : {});
  }

  duplicate(key: string, first: { start: number; end: number }, again: { start: number; end: number }): void {
    this.sink.report('NETC1104', this.span(again.start, again.end), { key }, {
      hint: 'remove one of the two',
      related: [{ span: this.span(first.start, first.end), label: 'first given here' }],
    });
  }

  /** Widens a span to cover a later statement (several `insert` lines make one list). */
  private widen(pointer: string, stmt: Statement): void {
    const s = this.spans.get(pointer);
    if (s) this.spans.set(pointer, { ...s, value: this.span(s.value.start, endOfStatement(stmt)) });
  }
}

/** Keys given so far in one mapping: the second of two is an error. */
class KeyTracker {
  private readonly seen = new Map<string, { start: number; end: number }>();
  constructor(private readonly builder: DocumentBuilder) {}

  claim(key: string, where: { start: number; end: number }): boolean {
    const first = this.seen.get(key);
    if (first) {
      this.builder.duplicate(key, first, where);
      return false;
    }
    this.seen.set(key, where);
    return true;
  }
}

export function endOfStatement(stmt: Statement): number {
  return stmt.block ? stmt.block.close + 1 : stmt.end;
}

/** A positional word or quoted string, as text (names and heads may be either). */
function textOf(item: Item | undefined): Text | undefined {
  if (!item) return undefined;
  if (item.kind === 'word') return { text: item.text, start: item.start, end: item.end };
  if (item.kind === 'string') return { text: item.value, start: item.start, end: item.end };
  return undefined;
}

/** A bare `$name`: a block parameter standing for a value. */
function isParamWord(item: Item | undefined): boolean {
  return item?.kind === 'word' && item.text.startsWith('$');
}

/** `insert [ ... ]` is the plain list form; anything else is one `insert after X { }` entry. */
function isPlainValue(rest: readonly Item[], stmt: Statement): boolean {
  return !stmt.block && rest.length === 1 && rest[0]!.kind === 'list';
}

function describeItem(file: SourceFile, item: Item | undefined): string {
  if (!item) return 'nothing';
  const text = file.text.slice(item.start, item.end);
  return text.length > 40 ? `\`${text.slice(0, 37)}...\`` : `\`${text}\``;
}

function positionalMisuse(type: string | undefined, it: SyntaxValue, file: SourceFile): string {
  const found = describeItem(file, it);
  if (type === undefined) return `a layer line starts with its name and type, found ${found}`;
  if (it.kind === 'word' || it.kind === 'string') return `unexpected ${found}: a layer line is \`name type ...\``;
  if (it.kind === 'number' && SIZE_FIELD[type]) return `a \`${type}\` layer takes its size as \`KxK\`, found ${found}`;
  if (it.kind === 'number') return `a \`${type}\` layer takes no bare number, found ${found}`;
  if (it.kind === 'size') return `a \`${type}\` layer has no size to give as ${found}`;
  return `a \`${type}\` layer takes \`key=value\` pairs here, found ${found}`;
}

function positionalHint(type: string | undefined, it: SyntaxValue): string | undefined {
  if (type === undefined) return 'write `conv1 conv 96 11x11/4`';
  if (it.kind === 'number' && SIZE_FIELD[type]) return `write \`${it.value}x${it.value}\``;
  if (it.kind === 'number' || it.kind === 'size') return 'name the value: `p=0.5`';
  if (it.kind === 'word' || it.kind === 'string') return 'a layer line has at most two words before its values';
  return undefined;
}
