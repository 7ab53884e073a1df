// Generated from the grammar in parser.ts by test/dsl/cst-types.test.ts (NETC_UPDATE_CST=1): do not edit.
import type { CstNode, ICstVisitor, IToken } from "chevrotain";

export interface DocumentCstNode extends CstNode {
  name: "document";
  children: DocumentCstChildren;
}

export type DocumentCstChildren = {
  body: BodyCstNode[];
};

export interface BodyCstNode extends CstNode {
  name: "body";
  children: BodyCstChildren;
}

export type BodyCstChildren = {
  Newline?: IToken[];
  statement?: StatementCstNode[];
};

export interface StatementCstNode extends CstNode {
  name: "statement";
  children: StatementCstChildren;
}

export type StatementCstChildren = {
  item?: ItemCstNode[];
  block?: (BlockCstNode)[];
  Newline: IToken[];
};

export interface BlockCstNode extends CstNode {
  name: "block";
  children: BlockCstChildren;
}

export type BlockCstChildren = {
  LCurly: IToken[];
  body: BodyCstNode[];
  RCurly: IToken[];
};

export interface ItemCstNode extends CstNode {
  name: "item";
  children: ItemCstChildren;
}

export type ItemCstChildren = {
  named?: NamedCstNode[];
  call?: CallCstNode[];
  list?: ListCstNode[];
  Word?: IToken[];
  StringLit?: IToken[];
  NumberLit?: IToken[];
  Size?: IToken[];
};

export interface NamedCstNode extends CstNode {
  name: "named";
  children: NamedCstChildren;
}

export type NamedCstChildren = {
  Word?: IToken[];
  StringLit?: IToken[];
  Equals: IToken[];
  value: ValueCstNode[];
};

export interface ValueCstNode extends CstNode {
  name: "value";
  children: ValueCstChildren;
}

export type ValueCstChildren = {
  call?: CallCstNode[];
  list?: ListCstNode[];
  map?: MapCstNode[];
  Word?: IToken[];
  StringLit?: IToken[];
  NumberLit?: IToken[];
  Size?: IToken[];
};

export interface CallCstNode extends CstNode {
  name: "call";
  children: CallCstChildren;
}

export type CallCstChildren = {
  Word: IToken[];
  LParen: IToken[];
  arg?: (ArgCstNode)[];
  Comma?: IToken[];
  RParen: IToken[];
};

export interface ArgCstNode extends CstNode {
  name: "arg";
  children: ArgCstChildren;
}

export type ArgCstChildren = {
  Word?: IToken[];
  Equals?: IToken[];
  NumberLit: IToken[];
};

export interface ListCstNode extends CstNode {
  name: "list";
  children: ListCstChildren;
}

export type ListCstChildren = {
  LBracket: IToken[];
  value?: (ValueCstNode)[];
  Comma?: IToken[];
  RBracket: IToken[];
};

export interface MapCstNode extends CstNode {
  name: "map";
  children: MapCstChildren;
}

export type MapCstChildren = {
  LCurly: IToken[];
  named?: NamedCstNode[];
  Comma?: IToken[];
  RCurly: IToken[];
};

export interface ICstNodeVisitor<IN, OUT> extends ICstVisitor<IN, OUT> {
  document(children: DocumentCstChildren, param?: IN): OUT;
  body(children: BodyCstChildren, param?: IN): OUT;
  statement(children: StatementCstChildren, param?: IN): OUT;
  block(children: BlockCstChildren, param?: IN): OUT;
  item(children: ItemCstChildren, param?: IN): OUT;
  named(children: NamedCstChildren, param?: IN): OUT;
  value(children: ValueCstChildren, param?: IN): OUT;
  call(children: CallCstChildren, param?: IN): OUT;
  arg(children: ArgCstChildren, param?: IN): OUT;
  list(children: ListCstChildren, param?: IN): OUT;
  map(children: MapCstChildren, param?: IN): OUT;
}
