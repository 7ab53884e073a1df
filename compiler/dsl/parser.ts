/**
 * The .netc grammar: a pure chevrotain CstParser, no embedded actions (the
 * CST is turned into statements by syntax.ts and into the Spec AST by
 * build-document.ts). Deliberately small and context-free: a file is lines of
 * items, some lines open a `{ }` block; what each line *means* (a layer, an
 * optimizer) is decided afterwards, so the grammar never grows with the schema.
 *
 *   document  := body
 *   body      := ( NEWLINE | statement )*
 *   statement := ( item+ block? | block ) NEWLINE
 *   block     := "{" body "}"
 *   item      := named | call | list | WORD | STRING | NUMBER | SIZE
 *   named     := (WORD | STRING) "=" value
 *   value     := call | list | map | WORD | STRING | NUMBER | SIZE
 *   call      := WORD "(" ( arg ( "," arg )* )? ")"
 *   arg       := ( WORD "=" )? NUMBER
 *
 * Scalars are tokens right in `item` and `value` (no rule of their own): a
 * node per value would double the CST of a 5,000-layer spec.
 *   list      := "[" ( value ( "," value )* )? "]"
 *   map       := "{" ( named ","? )* "}"
 */
import type { IParserErrorMessageProvider, IToken, TokenType } from 'chevrotain';
import { CstParser, EOF } from './chevrotain.js';
import type { DocumentCstNode } from './cst.js';
import {
  allTokens, Comma, Equals, LBracket, LCurly, LParen, Newline, NumberLit, RBracket, RCurly, RParen, Size, StringLit, Word,
} from './lexer.js';

/** How a token is named in a message: its text in backticks, or what it is. */
export function describeToken(token: IToken): string {
  if (token.tokenType === EOF) return 'the end of the file';
  if (token.tokenType === Newline) return 'the end of the line';
  if (token.image === '') return token.tokenType.LABEL ?? token.tokenType.name;
  return `\`${token.image}\``;
}

const describeType = (t: TokenType): string => (t === Newline ? 'the end of the line' : t.LABEL ?? t.name);

/** Messages in netc's style (lowercase, no final period, code-like text in backticks). */
const messageProvider: IParserErrorMessageProvider = {
  buildMismatchTokenMessage({ expected, actual, previous }) {
    if (expected === Newline) return `expected the end of the line after ${describeToken(previous)}, found ${describeToken(actual)}`;
    return `expected ${describeType(expected)}, found ${describeToken(actual)}`;
  },
  buildNotAllInputParsedMessage({ firstRedundant }) {
    return `unexpected ${describeToken(firstRedundant)}`;
  },
  buildNoViableAltMessage({ actual, previous, ruleName }) {
    const found = describeToken(actual[0]!);
    if (previous.tokenType === Equals) return `expected a value after \`${previous.image || '='}\`, found ${found}`;
    return `expected ${ruleName === 'value' ? 'a value' : 'a name or a value'}, found ${found}`;
  },
  buildEarlyExitMessage({ actual }) {
    return `expected a name or a value, found ${describeToken(actual[0]!)}`;
  },
};

export class NetcParser extends CstParser {
  constructor() {
    super(allTokens, { recoveryEnabled: true, maxLookahead: 2, errorMessageProvider: messageProvider });
    this.performSelfAnalysis();
  }

  readonly document = this.RULE('document', () => {
    this.SUBRULE(this.body);
  });

  private readonly body = this.RULE('body', () => {
    this.MANY(() => {
      this.OR([{ ALT: () => this.CONSUME(Newline) }, { ALT: () => this.SUBRULE(this.statement) }]);
    });
  });

  private readonly statement = this.RULE('statement', () => {
    this.OR([
      {
        ALT: () => {
          this.AT_LEAST_ONE(() => this.SUBRULE(this.item));
          this.OPTION(() => this.SUBRULE(this.block));
        },
      },
      // A block with no name: parsed, so the lines inside are still checked, then reported.
      { ALT: () => this.SUBRULE2(this.block) },
    ]);
    this.CONSUME(Newline);
  });

  private readonly block = this.RULE('block', () => {
    this.CONSUME(LCurly);
    this.SUBRULE(this.body);
    this.CONSUME(RCurly);
  });

  private readonly item = this.RULE('item', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.named) },
      { ALT: () => this.SUBRULE(this.call) },
      { ALT: () => this.SUBRULE(this.list) },
      { ALT: () => this.CONSUME(Word) },
      { ALT: () => this.CONSUME(StringLit) },
      { ALT: () => this.CONSUME(NumberLit) },
      { ALT: () => this.CONSUME(Size) },
    ]);
  });

  private readonly named = this.RULE('named', () => {
    this.OR([{ ALT: () => this.CONSUME(Word) }, { ALT: () => this.CONSUME(StringLit) }]);
    this.CONSUME(Equals);
    this.SUBRULE(this.value);
  });

  private readonly value = this.RULE('value', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.call) },
      { ALT: () => this.SUBRULE(this.list) },
      { ALT: () => this.SUBRULE(this.map) },
      { ALT: () => this.CONSUME(Word) },
      { ALT: () => this.CONSUME(StringLit) },
      { ALT: () => this.CONSUME(NumberLit) },
      { ALT: () => this.CONSUME(Size) },
    ]);
  });

  private readonly call = this.RULE('call', () => {
    this.CONSUME(Word);
    this.CONSUME(LParen);
    this.OPTION(() => {
      this.SUBRULE(this.arg);
      this.MANY(() => {
        this.CONSUME(Comma);
        this.SUBRULE2(this.arg);
      });
    });
    this.CONSUME(RParen);
  });

  private readonly arg = this.RULE('arg', () => {
    this.OPTION(() => {
      this.CONSUME(Word);
      this.CONSUME(Equals);
    });
    this.CONSUME(NumberLit);
  });

  private readonly list = this.RULE('list', () => {
    this.CONSUME(LBracket);
    this.OPTION(() => {
      this.SUBRULE(this.value);
      this.MANY(() => {
        this.CONSUME(Comma);
        this.SUBRULE2(this.value);
      });
    });
    this.CONSUME(RBracket);
  });

  private readonly map = this.RULE('map', () => {
    this.CONSUME(LCurly);
    this.MANY(() => {
      this.SUBRULE(this.named);
      this.OPTION(() => this.CONSUME(Comma));
    });
    this.CONSUME(RCurly);
  });
}

let shared: NetcParser | undefined;

/** The parser is built once (self-analysis costs milliseconds) and reused: parsing resets its state. */
export function getParser(): NetcParser {
  shared ??= new NetcParser();
  return shared;
}

export function parseTokens(tokens: IToken[]): { cst: DocumentCstNode; errors: NetcParser['errors'] } {
  const parser = getParser();
  parser.input = tokens;
  const cst = parser.document() as DocumentCstNode;
  return { cst, errors: parser.errors };
}
