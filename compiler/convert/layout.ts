/**
 * Lines -> text, with comments put back where `netc fmt` found them. A line
 * carries the JSON pointers of the statement it prints; comments are keyed by
 * the same pointers, so they follow their statement through reformatting.
 */
export interface Line {
  depth: number;
  kind: 'stmt' | 'open' | 'close';
  text: string;
  /** Pointers of what this statement writes (empty for a closing `}`). */
  ids: string[];
  /** For a closing `}`: the pointer of the block it closes. */
  blockId?: string;
  /** A blank line goes before it (top-level sections). */
  blank?: boolean;
}

export interface CommentLine {
  text: string;
  /** The source had a blank line before it. */
  blank: boolean;
}

/** Comments by the pointer of the statement they belong to ('' is the file itself). */
export interface Comments {
  /** Own-line comments before a statement. */
  leading: Map<string, CommentLine[]>;
  /** A comment at the end of a statement's line (or its `{` line). */
  trailing: Map<string, string[]>;
  /** Own-line comments after the last statement of a block ('' : of the file). */
  blockEnd: Map<string, CommentLine[]>;
  /** A comment after a block's `}`. */
  closeTrailing: Map<string, string[]>;
  /** Statements the source separated from the previous line by a blank line. */
  blank: Set<string>;
}

export function emptyComments(): Comments {
  return { leading: new Map(), trailing: new Map(), blockEnd: new Map(), closeTrailing: new Map(), blank: new Set() };
}

const INDENT = '  ';

export function renderLines(lines: readonly Line[], comments: Comments = emptyComments()): string {
  const c = rehome(lines, comments);
  const out: string[] = [];
  // No blank line at the start of the file or of a block, and never two.
  let atStart = true;
  const blank = () => {
    if (!atStart && out[out.length - 1] !== '') out.push('');
  };
  const emit = (depth: number, text: string) => {
    out.push(INDENT.repeat(depth) + text);
    atStart = false;
  };
  const emitComments = (depth: number, group: readonly CommentLine[] | undefined, forceBlank: boolean) => {
    (group ?? []).forEach((cm, i) => {
      if (cm.blank || (i === 0 && forceBlank)) blank();
      emit(depth, cm.text);
    });
  };
  const withTrailing = (text: string, trailing: readonly string[]) => (trailing.length ? `${text}  ${trailing.join(' ')}` : text);

  /** A statement line: its leading comments, a blank line if due, the text and its end-of-line comments. */
  const emitStatement = (line: Line, text: string, extraTrailing: readonly string[]) => {
    const leading = line.ids.flatMap((id) => c.leading.get(id) ?? []);
    emitComments(line.depth, leading, line.blank === true);
    if ((line.blank && !leading.length) || line.ids.some((id) => c.blank.has(id))) blank();
    emit(line.depth, withTrailing(text, [...line.ids.flatMap((id) => c.trailing.get(id) ?? []), ...extraTrailing]));
  };

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const next = lines[i + 1];
    if (line.kind === 'open' && next?.kind === 'close' && !c.blockEnd.get(next.blockId ?? '')?.length) {
      // An empty block with nothing to keep inside: `layers {}` on one line.
      emitStatement(line, `${line.text}}`, c.closeTrailing.get(next.blockId ?? '') ?? []);
      i++;
    } else if (line.kind === 'close') {
      const id = line.blockId ?? '';
      emitComments(line.depth + 1, c.blockEnd.get(id), false);
      emit(line.depth, withTrailing(line.text, c.closeTrailing.get(id) ?? []));
    } else {
      emitStatement(line, line.text, []);
      if (line.kind === 'open') atStart = true;
    }
  }
  emitComments(0, c.blockEnd.get(''), false);
  return out.join('\n') + '\n';
}

/**
 * Comments keyed by a pointer no line prints (the source spelled a statement
 * differently, e.g. a block the printer writes as `key=value` pairs) move to
 * the closest enclosing statement that is printed, or to the end of the file.
 */
function rehome(lines: readonly Line[], comments: Comments): Comments {
  const statements = new Set<string>();
  const blocks = new Set<string>(['']);
  for (const l of lines) {
    for (const id of l.ids) statements.add(id);
    if (l.blockId !== undefined) blocks.add(l.blockId);
  }
  const home = (id: string): string => {
    let p = id;
    while (p !== '' && !statements.has(p)) p = p.slice(0, p.lastIndexOf('/'));
    return p;
  };
  const out = emptyComments();
  out.blank = comments.blank;
  const add = <T>(map: Map<string, T[]>, id: string, items: readonly T[]) => map.set(id, [...(map.get(id) ?? []), ...items]);
  const asLines = (texts: readonly string[]) => texts.map((text) => ({ text, blank: false }));
  for (const [id, group] of comments.leading) {
    const h = home(id);
    add(h === '' ? out.blockEnd : out.leading, h, group);
  }
  for (const [id, group] of comments.blockEnd) {
    if (blocks.has(id)) add(out.blockEnd, id, group);
    else {
      // A block printed as one line now: its last comments go before that line.
      const h = home(id);
      add(h === '' ? out.blockEnd : out.leading, h, group);
    }
  }
  for (const [id, texts] of comments.trailing) {
    const h = home(id);
    if (h === '') add(out.blockEnd, '', asLines(texts));
    else add(out.trailing, h, texts);
  }
  for (const [id, texts] of comments.closeTrailing) {
    if (blocks.has(id)) add(out.closeTrailing, id, texts);
    else {
      const h = home(id);
      if (h === '') add(out.blockEnd, '', asLines(texts));
      else add(out.trailing, h, texts);
    }
  }
  return out;
}
