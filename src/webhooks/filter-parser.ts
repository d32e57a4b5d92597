/*
 * The webhook filter language's parser (docs/webhook-filters.md): source text → syntax tree.
 * Hand-written lexer and recursive-descent parser — no eval, no user-supplied regex — bounded in
 * size and nesting so a hostile filter cannot hang or overflow the stack. filter-evaluator.ts
 * decides whether an envelope matches the tree; filter.ts is the public entry that joins the two.
 */

export const MAX_FILTER_LENGTH = 2000;
export const MAX_FILTER_NESTING = 16;

export class FilterSyntaxError extends Error {
  /** 0-based character offset in the source where the problem was found. */
  readonly position: number;

  constructor(message: string, position: number) {
    super(message);
    this.name = 'FilterSyntaxError';
    this.position = position;
  }
}

export type ComparisonOperator = '=' | '!=' | '>' | '>=' | '<' | '<=';

/** A literal as written: quoted strings are `string`, unquoted text that is not a number or `true`/`false`/`null` is a `word`. */
export type FilterValue =
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'word'; readonly value: string }
  | { readonly kind: 'number'; readonly value: number; readonly text: string }
  | { readonly kind: 'boolean'; readonly value: boolean }
  | { readonly kind: 'null' };

export type FilterNode =
  | { readonly kind: 'and'; readonly operands: readonly FilterNode[] }
  | { readonly kind: 'or'; readonly operands: readonly FilterNode[] }
  | { readonly kind: 'not'; readonly operand: FilterNode }
  | { readonly kind: 'compare'; readonly path: readonly string[]; readonly op: ComparisonOperator; readonly value: FilterValue }
  | { readonly kind: 'in'; readonly path: readonly string[]; readonly values: readonly FilterValue[]; readonly negated: boolean }
  | { readonly kind: 'contains'; readonly path: readonly string[]; readonly value: FilterValue }
  | { readonly kind: 'exists'; readonly path: readonly string[]; readonly negated: boolean };

/** Parses a filter's source into its syntax tree; throws FilterSyntaxError naming the position and what was expected. */
export function parseFilterSource(source: string): FilterNode {
  if (typeof source !== 'string') throw new FilterSyntaxError('A filter must be a string', 0);
  if (source.length > MAX_FILTER_LENGTH) {
    throw new FilterSyntaxError(`A filter may be at most ${MAX_FILTER_LENGTH} characters long`, MAX_FILTER_LENGTH);
  }
  return new Parser(tokenize(source)).parseFilter();
}

// ---------------------------------------------------------------------------------------------
// Lexer

type Token =
  | { type: 'word'; text: string; position: number }
  | { type: 'string'; value: string; position: number }
  | { type: 'operator'; text: ComparisonOperator; position: number }
  | { type: '(' | ')' | '[' | ']' | ','; position: number }
  | { type: 'end'; position: number };

const PUNCTUATION = new Set(['(', ')', '[', ']', ',']);
const WHITESPACE = new Set([' ', '\t', '\n', '\r']);
const WORD_CHAR = /^[\p{L}\p{M}\p{N}_.-]$/u;
const ESCAPES: Record<string, string> = { '\\': '\\', '"': '"', "'": "'", '/': '/', n: '\n', t: '\t', r: '\r', b: '\b', f: '\f' };

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    if (WHITESPACE.has(c)) {
      i++;
    } else if (PUNCTUATION.has(c)) {
      tokens.push({ type: c as '(' | ')' | '[' | ']' | ',', position: i });
      i++;
    } else if (c === '=' || c === '<' || c === '>' || c === '!') {
      const two = source.slice(i, i + 2);
      if (two === '!=' || two === '>=' || two === '<=') {
        tokens.push({ type: 'operator', text: two, position: i });
        i += 2;
      } else if (c === '!') {
        throw new FilterSyntaxError(`Expected '!=' at position ${i}; use 'not' to negate`, i);
      } else {
        tokens.push({ type: 'operator', text: c as ComparisonOperator, position: i });
        i++;
      }
    } else if (c === '"' || c === "'") {
      const { value, end } = readString(source, i);
      tokens.push({ type: 'string', value, position: i });
      i = end;
    } else if (isWordChar(source, i)) {
      const start = i;
      while (i < source.length && isWordChar(source, i)) i += source.codePointAt(i)! > 0xffff ? 2 : 1;
      tokens.push({ type: 'word', text: source.slice(start, i), position: start });
    } else {
      throw new FilterSyntaxError(`Unexpected character ${JSON.stringify(String.fromCodePoint(source.codePointAt(i)!))} at position ${i}`, i);
    }
  }
  tokens.push({ type: 'end', position: source.length });
  return tokens;
}

function isWordChar(source: string, i: number): boolean {
  return WORD_CHAR.test(String.fromCodePoint(source.codePointAt(i)!));
}

function readString(source: string, start: number): { value: string; end: number } {
  const quote = source[start];
  let value = '';
  let i = start + 1;
  while (i < source.length) {
    const c = source[i]!;
    if (c === quote) return { value, end: i + 1 };
    if (c !== '\\') {
      value += c;
      i++;
      continue;
    }
    const escaped = source[i + 1];
    if (escaped === 'u') {
      const hex = source.slice(i + 2, i + 6);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
        throw new FilterSyntaxError(`Expected four hex digits after '\\u' at position ${i}`, i);
      }
      value += String.fromCharCode(parseInt(hex, 16));
      i += 6;
    } else if (escaped !== undefined && escaped in ESCAPES) {
      value += ESCAPES[escaped];
      i += 2;
    } else {
      throw new FilterSyntaxError(
        `Unknown escape '\\${escaped ?? ''}' at position ${i}; expected one of \\\\ \\" \\' \\n \\t \\r \\b \\f \\/ \\uXXXX`,
        i,
      );
    }
  }
  throw new FilterSyntaxError(`Unterminated string starting at position ${start}: expected a closing ${quote}`, start);
}

// ---------------------------------------------------------------------------------------------
// Parser

const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const FIRST_SEGMENT = /^[\p{L}_][\p{L}\p{M}\p{N}_-]*$/u;
const SEGMENT = /^[\p{L}\p{M}\p{N}_-]+$/u;
const LOGICAL_KEYWORDS = new Set(['and', 'or']);
const FORBIDDEN_SEGMENTS = new Set(['__proto__', 'constructor', 'prototype']);
const OPERATOR_LIST = "=, !=, >, >=, <, <=, in, not in, contains, exists or not exists";

class Parser {
  private index = 0;

  constructor(private readonly tokens: Token[]) {}

  parseFilter(): FilterNode {
    const root = this.parseOr(0);
    const token = this.peek();
    if (token.type === ')') {
      throw new FilterSyntaxError(`Unmatched ')' at position ${token.position}`, token.position);
    }
    if (token.type !== 'end') throw this.error("'and', 'or' or the end of the filter", token);
    return root;
  }

  private parseOr(depth: number): FilterNode {
    const operands = [this.parseAnd(depth)];
    while (this.atKeyword('or')) {
      this.index++;
      operands.push(this.parseAnd(depth));
    }
    return operands.length === 1 ? operands[0]! : { kind: 'or', operands };
  }

  private parseAnd(depth: number): FilterNode {
    const operands = [this.parseUnary(depth)];
    while (this.atKeyword('and')) {
      this.index++;
      operands.push(this.parseUnary(depth));
    }
    return operands.length === 1 ? operands[0]! : { kind: 'and', operands };
  }

  // Negations are counted rather than recursed into, so `not not not …` cannot grow the stack.
  private parseUnary(depth: number): FilterNode {
    let negations = 0;
    while (this.atKeyword('not')) {
      this.index++;
      negations++;
    }
    const operand = this.parsePrimary(depth);
    return negations % 2 === 1 ? { kind: 'not', operand } : operand;
  }

  private parsePrimary(depth: number): FilterNode {
    const token = this.peek();
    if (token.type === '(') {
      if (depth >= MAX_FILTER_NESTING) {
        throw new FilterSyntaxError(
          `Parentheses nest deeper than ${MAX_FILTER_NESTING} levels at position ${token.position}`,
          token.position,
        );
      }
      this.index++;
      const inner = this.parseOr(depth + 1);
      this.expect(')', "')' to close the '(' at position " + token.position);
      return inner;
    }
    return this.parseCondition();
  }

  private parseCondition(): FilterNode {
    const path = this.parsePath();
    const token = this.next();
    if (token.type === 'operator') return { kind: 'compare', path, op: token.text, value: this.parseValue() };
    if (token.type === 'word') {
      switch (token.text.toLowerCase()) {
        case 'in':
          return { kind: 'in', path, values: this.parseList(), negated: false };
        case 'contains':
          return { kind: 'contains', path, value: this.parseValue() };
        case 'exists':
          return { kind: 'exists', path, negated: false };
        case 'not': {
          const after = this.next();
          const keyword = after.type === 'word' ? after.text.toLowerCase() : '';
          if (keyword === 'in') return { kind: 'in', path, values: this.parseList(), negated: true };
          if (keyword === 'exists') return { kind: 'exists', path, negated: true };
          throw this.error("'in' or 'exists' after 'not'", after);
        }
      }
    }
    throw this.error(`an operator (${OPERATOR_LIST})`, token);
  }

  private parsePath(): string[] {
    const token = this.peek();
    if (token.type !== 'word' || LOGICAL_KEYWORDS.has(token.text.toLowerCase())) {
      throw this.error("a condition: a field path such as 'data.click.country', 'not' or '('", token);
    }
    this.index++;
    const segments = token.text.split('.');
    let offset = token.position;
    segments.forEach((segment, i) => {
      if (FORBIDDEN_SEGMENTS.has(segment)) {
        throw new FilterSyntaxError(`'${segment}' is not allowed in a field path (position ${offset})`, offset);
      }
      if (!(i === 0 ? FIRST_SEGMENT : SEGMENT).test(segment)) {
        throw new FilterSyntaxError(
          `Expected a field name at position ${offset} in path '${token.text}': letters, digits, '_' or '-', starting with a letter or '_'`,
          offset,
        );
      }
      offset += segment.length + 1;
    });
    return segments;
  }

  private parseList(): FilterValue[] {
    this.expect('[', "'[' to start a list such as [US, CA]");
    const values: FilterValue[] = [];
    if (this.peek().type === ']') {
      this.index++;
      return values;
    }
    for (;;) {
      values.push(this.parseValue());
      const token = this.next();
      if (token.type === ']') return values;
      if (token.type !== ',') throw this.error("',' or ']' in the list", token);
    }
  }

  private parseValue(): FilterValue {
    const token = this.next();
    if (token.type === 'string') return { kind: 'string', value: token.value };
    if (token.type !== 'word') throw this.error('a value (a number, true, false, null, a quoted string or a bare word)', token);
    const text = token.text;
    if (text === 'true' || text === 'false') return { kind: 'boolean', value: text === 'true' };
    if (text === 'null') return { kind: 'null' };
    if (NUMBER.test(text)) {
      const value = Number(text);
      if (Number.isFinite(value)) return { kind: 'number', value, text };
    }
    return { kind: 'word', value: text };
  }

  private atKeyword(keyword: string): boolean {
    const token = this.peek();
    return token.type === 'word' && token.text.toLowerCase() === keyword;
  }

  private expect(type: Token['type'], expected: string): Token {
    const token = this.next();
    if (token.type !== type) throw this.error(expected, token);
    return token;
  }

  private peek(): Token {
    return this.tokens[this.index]!;
  }

  private next(): Token {
    const token = this.tokens[this.index]!;
    if (token.type !== 'end') this.index++;
    return token;
  }

  private error(expected: string, found: Token): FilterSyntaxError {
    return new FilterSyntaxError(`Expected ${expected} at position ${found.position}, found ${describe(found)}`, found.position);
  }
}

function describe(token: Token): string {
  switch (token.type) {
    case 'end':
      return 'the end of the filter';
    case 'word':
    case 'operator':
      return `'${truncate(token.text)}'`;
    case 'string':
      return `the string ${JSON.stringify(truncate(token.value))}`;
    default:
      return `'${token.type}'`;
  }
}

function truncate(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
