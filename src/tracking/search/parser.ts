import { FILTER_MAX_DEPTH, FILTER_MAX_KEYS, FILTER_MAX_LENGTH, FILTER_MAX_PREDICATES, FILTER_MAX_VALUES } from '../../core/limits.js';
import { FilterSyntaxError } from '../errors.js';
import { type CompareOp, type Entity, type Field, type FilterNode, type Literal, type OrderTerm, RUN_FIELDS, type SearchFields } from './ast.js';

/**
 * The search language: a superset of MLflow's run filter.
 *
 *   filter  := or
 *   or      := and ('or' and)*
 *   and     := unary ('and' unary)*
 *   unary   := 'not' unary | '(' or ')' | predicate
 *   predicate := field ( op literal | ['not'] ('like' | 'ilike') string
 *                      | ['not'] 'in' '(' literal (',' literal)* ')' | 'is' ['not'] 'null' )
 *   field   := entity '.' key | attribute        entity: metrics params tags attributes (+ singulars, attr, run)
 *   key     := [A-Za-z0-9_.\-/:]+ | `quoted` | "quoted"
 *   op      := = == != <> < <= > >=
 *   literal := 'string' | "string" | number     (a quote inside: doubled, '', or escaped, \')
 *
 * Keywords are case-insensitive. Metrics compare to numbers; params and tags compare as strings
 * to a string literal and as numbers to a number literal (a non-numeric value never matches);
 * a missing key never matches a comparison (use `is null`). Errors are FilterSyntaxError with the
 * offending position. The same grammar searches experiments and the model registry, over the
 * fields each declares (ast.ts).
 *
 * Limits (core/limits.ts) hold for every store: length, nesting depth (parentheses and `not`),
 * predicates and literal values. Whatever parses, every store can run.
 */

type TokenKind = 'ident' | 'string' | 'quoted' | 'number' | 'op' | '(' | ')' | ',' | 'eof';
interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  /** Decoded string / quoted identifier / number. */
  readonly value: string | number;
  readonly pos: number;
}

const IDENT_START = /[A-Za-z_]/;
const IDENT_CHAR = /[A-Za-z0-9_.\-/:]/;
const NUMBER_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/;

export function tokenize(input: string): Token[] {
  const out: Token[] = [];
  const fail = (pos: number, reason: string): never => {
    throw new FilterSyntaxError(input, pos, reason);
  };
  let i = 0;
  while (i < input.length) {
    const c = input[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    const start = i;
    if (c === '(' || c === ')' || c === ',') {
      out.push({ kind: c, text: c, value: c, pos: start });
      i++;
    } else if (c === "'" || c === '"' || c === '`') {
      let s = '';
      i++;
      for (;;) {
        if (i >= input.length) fail(start, `unterminated ${c === '`' ? 'quoted key' : 'string'}`);
        const d = input[i];
        if (d === c) {
          // A doubled quote inside is one literal quote (SQL style): 'it''s'.
          if (input[i + 1] === c) {
            s += c;
            i += 2;
            continue;
          }
          i++;
          break;
        }
        if (d === '\\' && c !== '`') {
          if (i + 1 >= input.length) fail(start, 'unterminated string');
          s += input[i + 1];
          i += 2;
          continue;
        }
        s += d;
        i++;
      }
      // A double-quoted token is a string in value position and a key after 'entity.'.
      out.push({ kind: c === '`' ? 'quoted' : 'string', text: input.slice(start, i), value: s, pos: start });
    } else if (/[0-9.]/.test(c) || ((c === '-' || c === '+') && /[0-9.]/.test(input[i + 1] ?? ''))) {
      const m = NUMBER_RE.exec(input.slice(i));
      if (!m) fail(start, 'malformed number');
      const text = m![0];
      const n = Number(text);
      if (!Number.isFinite(n)) fail(start, `number ${text} is out of range`);
      i += text.length;
      if (i < input.length && IDENT_CHAR.test(input[i])) fail(i, `unexpected character ${JSON.stringify(input[i])} after number`);
      out.push({ kind: 'number', text, value: n, pos: start });
    } else if (IDENT_START.test(c)) {
      while (i < input.length && IDENT_CHAR.test(input[i])) i++;
      const text = input.slice(start, i);
      out.push({ kind: 'ident', text, value: text, pos: start });
    } else if ('=!<>'.includes(c)) {
      const two = input.slice(i, i + 2);
      const op = ['==', '!=', '<>', '<=', '>='].includes(two) ? two : c;
      if (op === '!') fail(start, "expected '!='");
      i += op.length;
      out.push({ kind: 'op', text: op, value: op, pos: start });
    } else {
      fail(start, `unexpected character ${JSON.stringify(c)}`);
    }
  }
  out.push({ kind: 'eof', text: '', value: '', pos: input.length });
  return out;
}

const ENTITY_PREFIXES: Readonly<Record<string, Entity>> = {
  metric: 'metric',
  metrics: 'metric',
  param: 'param',
  params: 'param',
  parameter: 'param',
  parameters: 'param',
  tag: 'tag',
  tags: 'tag',
  attribute: 'attribute',
  attributes: 'attribute',
  attr: 'attribute',
  run: 'attribute',
};

class Parser {
  private i = 0;
  private depth = 0;
  private predicates = 0;
  private values = 0;
  private readonly keys = new Set<string>();
  constructor(
    private readonly input: string,
    private readonly tokens: Token[],
    private readonly fields: SearchFields,
  ) {}

  fail(pos: number, reason: string): never {
    throw new FilterSyntaxError(this.input, pos, reason);
  }

  peek(): Token {
    return this.tokens[this.i];
  }

  next(): Token {
    return this.tokens[this.i++];
  }

  isWord(t: Token, word: string): boolean {
    return t.kind === 'ident' && t.text.toLowerCase() === word;
  }

  acceptWord(word: string): boolean {
    if (this.isWord(this.peek(), word)) {
      this.i++;
      return true;
    }
    return false;
  }

  expect(kind: TokenKind, what: string): Token {
    const t = this.next();
    if (t.kind !== kind) this.fail(t.pos, `expected ${what}, found ${describe(t)}`);
    return t;
  }

  parseOr(): FilterNode {
    const items = [this.parseAnd()];
    while (this.acceptWord('or')) items.push(this.parseAnd());
    return items.length === 1 ? items[0] : { type: 'or', items };
  }

  parseAnd(): FilterNode {
    const items = [this.parseUnary()];
    while (this.acceptWord('and')) items.push(this.parseUnary());
    return items.length === 1 ? items[0] : { type: 'and', items };
  }

  parseUnary(): FilterNode {
    const t = this.peek();
    const not = this.isWord(t, 'not');
    if (!not && t.kind !== '(') return this.parsePredicate();
    this.i++;
    if (++this.depth > FILTER_MAX_DEPTH) this.fail(t.pos, `filter nests deeper than ${FILTER_MAX_DEPTH} levels (parentheses and 'not')`);
    let node: FilterNode;
    if (not) node = { type: 'not', item: this.parseUnary() };
    else {
      node = this.parseOr();
      this.expect(')', "')'");
    }
    this.depth--;
    return node;
  }

  parseField(): Field {
    const t = this.next();
    if (t.kind !== 'ident') this.fail(t.pos, `expected a field such as metrics.rmse, params.maxDepth, tags.x or status, found ${describe(t)}`);
    const dot = t.text.indexOf('.');
    if (dot < 0) return { entity: 'attribute', key: this.attribute(t.text, t.pos) };
    const prefix = t.text.slice(0, dot).toLowerCase();
    const entity = Object.hasOwn(ENTITY_PREFIXES, prefix) ? ENTITY_PREFIXES[prefix] : undefined;
    if (entity === undefined || (entity !== 'attribute' && !this.fields.entities.includes(entity))) {
      const known = [...this.fields.entities.map((e) => `${e}s`), 'attributes'].join(', ');
      this.fail(t.pos, `unknown entity '${t.text.slice(0, dot)}' for a ${this.fields.what} search (${known})`);
    }
    let key = t.text.slice(dot + 1);
    if (key === '') {
      const q = this.next();
      if (q.kind !== 'quoted' && q.kind !== 'string') this.fail(q.pos, `expected a key after '${t.text}'`);
      if (q.pos !== t.pos + t.text.length) this.fail(q.pos, `no space allowed between '${t.text}' and its key`);
      key = q.value as string;
      if (key === '') this.fail(q.pos, 'empty key');
    }
    if (entity === 'attribute') return { entity, key: this.attribute(key, t.pos + dot + 1) };
    this.keys.add(`${entity}\u0000${key}`);
    if (this.keys.size > FILTER_MAX_KEYS) this.fail(t.pos, `a filter names at most ${FILTER_MAX_KEYS} distinct metric, param and tag keys`);
    return { entity, key };
  }

  attribute(name: string, pos: number): string {
    const lower = name.toLowerCase();
    const { attributes, synonyms } = this.fields;
    const canonical = synonyms !== undefined && Object.hasOwn(synonyms, lower) ? synonyms[lower] : lower;
    if (!Object.hasOwn(attributes, canonical)) this.fail(pos, `unknown attribute '${name}' of a ${this.fields.what} (${Object.keys(attributes).join(', ')})`);
    return canonical;
  }

  parseLiteral(field: Field): Literal {
    const t = this.next();
    if (t.kind !== 'string' && t.kind !== 'number') this.fail(t.pos, `expected a quoted string or a number, found ${describe(t)}`);
    if (++this.values > FILTER_MAX_VALUES) this.fail(t.pos, `a filter holds at most ${FILTER_MAX_VALUES} values`);
    const kind = this.expectedKind(field);
    if (kind === 'number' && t.kind !== 'number') this.fail(t.pos, `${fieldName(field)} compares to numbers; found a string`);
    if (kind === 'string' && t.kind !== 'string') this.fail(t.pos, `${fieldName(field)} compares to quoted strings; found a number`);
    const allowed = field.entity === 'attribute' && this.fields.values !== undefined && Object.hasOwn(this.fields.values, field.key) ? this.fields.values[field.key] : undefined;
    if (allowed !== undefined && !allowed.includes(t.value as string)) {
      this.fail(t.pos, `unknown ${field.key} ${JSON.stringify(t.value)} (${allowed.join(', ')})`);
    }
    return t.value;
  }

  /** Which literal a field takes: metrics and numeric attributes numbers, string attributes strings. */
  expectedKind(f: Field): 'number' | 'string' | 'either' {
    if (f.entity === 'metric') return 'number';
    if (f.entity === 'attribute') return this.fields.attributes[f.key];
    return 'either';
  }

  parsePredicate(): FilterNode {
    if (++this.predicates > FILTER_MAX_PREDICATES) this.fail(this.peek().pos, `a filter holds at most ${FILTER_MAX_PREDICATES} comparisons`);
    const field = this.parseField();
    const t = this.next();
    if (t.kind === 'op') {
      const op = (t.text === '==' ? '=' : t.text === '<>' ? '!=' : t.text) as CompareOp;
      return { type: 'compare', field, op, value: this.parseLiteral(field) };
    }
    if (this.isWord(t, 'is')) {
      const negated = this.acceptWord('not');
      const n = this.next();
      if (!this.isWord(n, 'null')) this.fail(n.pos, `expected 'null', found ${describe(n)}`);
      return { type: 'null', field, negated };
    }
    let negated = false;
    let word = t;
    if (this.isWord(t, 'not')) {
      negated = true;
      word = this.next();
    }
    if (this.isWord(word, 'like') || this.isWord(word, 'ilike')) {
      if (this.expectedKind(field) === 'number') this.fail(word.pos, `${fieldName(field)} is numeric; LIKE needs a string field`);
      const p = this.next();
      if (p.kind !== 'string') this.fail(p.pos, `expected a quoted pattern, found ${describe(p)}`);
      return { type: 'like', field, pattern: p.value as string, caseInsensitive: this.isWord(word, 'ilike'), negated };
    }
    if (this.isWord(word, 'in')) {
      this.expect('(', "'(' after IN");
      const values = [this.parseLiteral(field)];
      while (this.peek().kind === ',') {
        this.next();
        values.push(this.parseLiteral(field));
      }
      const close = this.next();
      if (close.kind !== ')') this.fail(close.pos, `expected ',' or ')', found ${describe(close)}`);
      if (new Set(values.map((v) => typeof v)).size > 1) this.fail(close.pos, 'IN list mixes strings and numbers');
      return { type: 'in', field, values, negated };
    }
    return this.fail(word.pos, `expected a comparison (=, !=, <, <=, >, >=, like, ilike, in, not in, is null), found ${describe(word)}`);
  }
}

function describe(t: Token): string {
  return t.kind === 'eof' ? 'end of input' : JSON.stringify(t.text);
}

function fieldName(f: Field): string {
  return f.entity === 'attribute' ? `attribute ${f.key}` : `${f.entity} '${f.key}'`;
}

function checkLength(input: unknown, what: string): string {
  if (typeof input !== 'string') throw new FilterSyntaxError(String(input), 0, `${what} must be a string`);
  if (input.length > FILTER_MAX_LENGTH) {
    throw new FilterSyntaxError(input, FILTER_MAX_LENGTH, `${what} is ${input.length} characters long (at most ${FILTER_MAX_LENGTH})`);
  }
  return input;
}

/** Parse a filter over `fields` (runs by default); an empty or blank filter matches everything (null). */
export function parseFilter(input: string, fields: SearchFields = RUN_FIELDS): FilterNode | null {
  const tokens = tokenize(checkLength(input, 'filter'));
  if (tokens.length === 1) return null;
  const p = new Parser(input, tokens, fields);
  const node = p.parseOr();
  const rest = p.peek();
  if (rest.kind !== 'eof') p.fail(rest.pos, `expected 'and', 'or' or end of input, found ${describe(rest)}`);
  return node;
}

/** Parse one order-by clause: 'metrics.rmse', 'metrics.rmse desc', 'attributes.start_time asc'. */
export function parseOrderBy(input: string, fields: SearchFields = RUN_FIELDS): OrderTerm {
  const p = new Parser(input, tokenize(checkLength(input, 'order-by clause')), fields);
  if (p.peek().kind === 'eof') p.fail(0, 'empty order-by clause');
  const field = p.parseField();
  let descending = false;
  if (p.acceptWord('desc')) descending = true;
  else p.acceptWord('asc');
  const rest = p.peek();
  if (rest.kind !== 'eof') p.fail(rest.pos, `expected 'asc', 'desc' or end of input, found ${describe(rest)}`);
  return { field, descending };
}
