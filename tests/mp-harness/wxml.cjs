// A small, strict WXML renderer for tests: what a shopper would see on a
// mini-program page, given the page's data. Not WeChat's renderer: no layout,
// no styles, no components' own content — the text nodes in order and the
// event bindings, so a test can read the screen and "tap".
//
// renderFile(file, data, {root, page}) / renderString(source, data, {file,
// root, page}) -> Screen:
//   text      the visible text, text nodes in document order joined by one
//             space, whitespace collapsed;
//   tree      the rendered elements {tag, attrs, dataset, children, line}
//             (text children as strings);
//   bindings  [{event, handler, kind, dataset, text, tag, line}]: every
//             bind*/catch* on a rendered element, `text` its visible text;
//   texts(cls)  the visible text of each rendered element with class `cls`;
//   tap(page, {handler, text, dataset})  calls page[handler] with a tap event
//             for the one tap binding that matches (a string `text` is a
//             substring, a RegExp is tested); throws unless exactly one does.
//
// Supported: elements with attributes (quoted values, bare boolean ones),
// self-closing tags, comments, text with {{ }}; <block>, <import src>,
// <include src>, <template name> / <template is data>; wx:if / wx:elif /
// wx:else, wx:for (wx:for-item, wx:for-index, default item/index, wx:key
// checked: present on every item and unique), `hidden` (the element and its
// bindings left out). Expressions: paths (a.b, a[b], .length), literals
// (numbers, strings, true/false/null/undefined, arrays), ! and unary -/+,
// * / % + -, comparisons, && ||, ?:, parentheses, and in a template's data
// the object shorthand ({{a: b, c, ...d}}).
//
// Strict, so that a typo fails the test (file:line and the expression in the
// message):
// - a name not in scope, or a static path step (`.name`) whose value is
//   undefined, throws; so does any step on null/undefined. A computed step
//   (`clock[sku.id]`) may be absent only where the value is tested (wx:if,
//   wx:elif, `!`, the left of && / ||, the test of ?:, an equality operand):
//   a dictionary lookup is data, a static name is code;
// - text that would render null, an object or an array throws;
// - unknown wx: directives, wx:elif/wx:else without wx:if, wx:for without
//   {{ }} (it would loop over the characters of the string), malformed or
//   unclosed tags, unknown templates, function calls and <wxs> throw;
// - with `page`, a binding to a handler the page does not have throws.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

class WxmlError extends Error {}

const fail = (file, line, what) => { throw new WxmlError(`${file}:${line}: ${what}`); };

// ---------------------------------------------------------------- markup

const ENTITIES = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'", nbsp: '\u00a0' };
const decode = (s) => s.replace(/&(lt|gt|amp|quot|apos|nbsp);/g, (_, e) => ENTITIES[e]);

/** Index just past the `}}` closing the `{{` at `start` (string literals skipped), or -1. */
function closeMustache(src, start) {
  let quote = null;
  for (let i = start + 2; i < src.length; i++) {
    const c = src[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === '}' && src[i + 1] === '}' && src[i + 2] !== '}') {
      return i + 2;
    }
  }
  return -1;
}

/** Parse WXML into nodes: {type: 'element', tag, attrs: [{name, value, line}], children, line} | {type: 'text', value, line}. */
function parse(src, file) {
  const lineAt = (pos) => src.slice(0, pos).split('\n').length;
  const root = { type: 'element', tag: '#root', attrs: [], children: [], line: 1 };
  const stack = [root];
  let pos = 0;
  while (pos < src.length) {
    const top = stack[stack.length - 1];
    if (src.startsWith('<!--', pos)) {
      const end = src.indexOf('-->', pos + 4);
      if (end < 0) fail(file, lineAt(pos), 'unclosed comment');
      pos = end + 3;
    } else if (src.startsWith('</', pos)) {
      const m = /^<\/([A-Za-z][\w\-.:]*)\s*>/.exec(src.slice(pos));
      if (!m) fail(file, lineAt(pos), `malformed closing tag ${JSON.stringify(src.slice(pos, pos + 20))}`);
      if (stack.length === 1) fail(file, lineAt(pos), `</${m[1]}> closes nothing`);
      if (m[1] !== top.tag) fail(file, lineAt(pos), `</${m[1]}> closes <${top.tag}> of line ${top.line}`);
      stack.pop();
      pos += m[0].length;
    } else if (src[pos] === '<') {
      const line = lineAt(pos);
      const m = /^<([A-Za-z][\w\-.:]*)/.exec(src.slice(pos));
      if (!m) fail(file, line, `malformed tag ${JSON.stringify(src.slice(pos, pos + 20))}`);
      const el = { type: 'element', tag: m[1], attrs: [], children: [], line };
      pos += m[0].length;
      let closed = false;
      for (;;) {
        const ws = /^\s*/.exec(src.slice(pos))[0];
        pos += ws.length;
        if (pos >= src.length) fail(file, line, `<${el.tag}> is never closed with >`);
        if (src.startsWith('/>', pos)) { pos += 2; closed = true; break; }
        if (src[pos] === '>') { pos += 1; break; }
        if (!ws && el.attrs.length) fail(file, lineAt(pos), `<${el.tag}>: attributes must be separated by spaces`);
        const a = /^[^\s=/>"'<]+/.exec(src.slice(pos));
        if (!a) fail(file, lineAt(pos), `<${el.tag}>: malformed attribute at ${JSON.stringify(src.slice(pos, pos + 20))}`);
        const attr = { name: a[0], value: true, line: lineAt(pos) };
        if (el.attrs.some((x) => x.name === attr.name)) fail(file, attr.line, `<${el.tag}>: duplicate attribute ${attr.name}`);
        pos += a[0].length;
        const eq = /^\s*=\s*/.exec(src.slice(pos));
        if (eq) {
          pos += eq[0].length;
          const q = src[pos];
          if (q !== '"' && q !== "'") fail(file, attr.line, `<${el.tag}> ${attr.name}=: the value must be quoted`);
          const end = src.indexOf(q, pos + 1);
          if (end < 0) fail(file, attr.line, `<${el.tag}> ${attr.name}=: unterminated value`);
          attr.value = src.slice(pos + 1, end);
          pos = end + 1;
        }
        el.attrs.push(attr);
      }
      top.children.push(el);
      if (!closed) stack.push(el);
    } else {
      const start = pos;
      while (pos < src.length && src[pos] !== '<') {
        if (src.startsWith('{{', pos)) {
          const end = closeMustache(src, pos);
          if (end < 0) fail(file, lineAt(pos), 'unclosed {{');
          pos = end;
        } else {
          pos++;
        }
      }
      top.children.push({ type: 'text', value: src.slice(start, pos), line: lineAt(start) });
    }
  }
  if (stack.length > 1) {
    const open = stack[stack.length - 1];
    fail(file, open.line, `<${open.tag}> is never closed`);
  }
  return root.children;
}

// ----------------------------------------------------------- expressions

const OPS = ['...', '===', '!==', '==', '!=', '<=', '>=', '&&', '||', '.', '[', ']', '(', ')', '?', ':', ',', '!', '<', '>', '+', '-', '*', '/', '%', '{', '}'];

function lex(src) {
  const tokens = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) { i++; continue; }
    const num = /^\d+(\.\d+)?([eE][+-]?\d+)?/.exec(src.slice(i));
    if (num) {
      tokens.push({ t: 'num', v: Number(num[0]) });
      i += num[0].length;
      continue;
    }
    const id = /^[A-Za-z_$][\w$]*/.exec(src.slice(i));
    if (id) { tokens.push({ t: 'id', v: id[0] }); i += id[0].length; continue; }
    if (c === '"' || c === "'") {
      let s = '';
      let j = i + 1;
      for (; j < src.length && src[j] !== c; j++) {
        if (src[j] === '\\') {
          j++;
          s += { n: '\n', t: '\t', r: '\r' }[src[j]] || src[j];
        } else {
          s += src[j];
        }
      }
      if (j >= src.length) throw new WxmlError('unterminated string');
      tokens.push({ t: 'str', v: s });
      i = j + 1;
      continue;
    }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (!op) throw new WxmlError(`unexpected ${JSON.stringify(c)}`);
    tokens.push({ t: 'op', v: op });
    i += op.length;
  }
  return tokens;
}

const BINARY = [['||'], ['&&'], ['===', '!==', '==', '!='], ['<', '<=', '>', '>='], ['+', '-'], ['*', '/', '%']];
const LITERALS = { true: true, false: false, null: null, undefined };

/** Parse an expression (or, with `object`, an object body `a: b, c, ...d`) into an AST. */
function parseExpr(src, { object = false } = {}) {
  const tokens = lex(src);
  let i = 0;
  const peek = (v) => tokens[i] && tokens[i].t === 'op' && tokens[i].v === v;
  const expect = (v) => {
    if (!peek(v)) throw new WxmlError(`expected ${v}${tokens[i] ? ` before ${JSON.stringify(tokens[i].v)}` : ' at the end'}`);
    i++;
  };
  const binary = (level) => {
    if (level === BINARY.length) return unary();
    let a = binary(level + 1);
    while (tokens[i] && tokens[i].t === 'op' && BINARY[level].includes(tokens[i].v)) {
      const op = tokens[i++].v;
      a = { k: 'bin', op, a, b: binary(level + 1) };
    }
    return a;
  };
  const conditional = () => {
    const test = binary(0);
    if (!peek('?')) return test;
    i++;
    const a = conditional();
    expect(':');
    return { k: 'cond', test, a, b: conditional() };
  };
  const unary = () => {
    if (peek('!') || peek('-') || peek('+')) {
      const op = tokens[i++].v;
      return { k: 'un', op, a: unary() };
    }
    return postfix(primary());
  };
  const postfix = (node) => {
    for (;;) {
      if (peek('.')) {
        i++;
        const t = tokens[i++];
        if (!t || t.t !== 'id') throw new WxmlError('expected a name after .');
        node = { k: 'mem', obj: node, name: t.v };
      } else if (peek('[')) {
        i++;
        const key = conditional();
        expect(']');
        node = { k: 'mem', obj: node, key };
      } else if (peek('(')) {
        throw new WxmlError('function calls are not WXML (use a wxs module or compute it in the page)');
      } else {
        return node;
      }
    }
  };
  const primary = () => {
    const t = tokens[i++];
    if (!t) throw new WxmlError('unexpected end of expression');
    if (t.t === 'num' || t.t === 'str') return { k: 'lit', v: t.v };
    if (t.t === 'id') return t.v in LITERALS ? { k: 'lit', v: LITERALS[t.v] } : { k: 'id', name: t.v };
    if (t.v === '(') {
      const e = conditional();
      expect(')');
      return e;
    }
    if (t.v === '[') {
      const items = [];
      while (!peek(']')) {
        items.push(conditional());
        if (!peek(']')) expect(',');
      }
      i++;
      return { k: 'arr', items };
    }
    throw new WxmlError(`unexpected ${JSON.stringify(t.v)}`);
  };
  const objectBody = () => {
    const entries = [];
    while (i < tokens.length) {
      if (peek('...')) {
        i++;
        entries.push({ spread: conditional() });
      } else {
        const t = tokens[i++];
        if (!t || (t.t !== 'id' && t.t !== 'str')) throw new WxmlError('expected a key in the object shorthand');
        if (peek(':')) {
          i++;
          entries.push({ key: t.v, value: conditional() });
        } else {
          if (t.t !== 'id') throw new WxmlError(`expected : after ${JSON.stringify(t.v)}`);
          entries.push({ key: t.v, value: { k: 'id', name: t.v } });
        }
      }
      if (i < tokens.length) expect(',');
    }
    return { k: 'obj', entries };
  };
  const ast = object ? objectBody() : conditional();
  if (i < tokens.length) throw new WxmlError(`unexpected ${JSON.stringify(tokens[i].v)}`);
  return ast;
}

/** A readable path for messages: a.b[c]. */
function show(node) {
  switch (node.k) {
    case 'id': return node.name;
    case 'lit': return JSON.stringify(node.v);
    case 'mem': return node.name !== undefined ? `${show(node.obj)}.${node.name}` : `${show(node.obj)}[${show(node.key)}]`;
    default: return '(…)';
  }
}

/** Evaluate `node` in `scope` (innermost first); `test`: the value is only tested. */
function evaluate(node, scope, test = false) {
  switch (node.k) {
    case 'lit': return node.v;
    case 'id': {
      const layer = scope.find((s) => Object.prototype.hasOwnProperty.call(s, node.name));
      if (!layer) throw new WxmlError(`${node.name} is not in the data`);
      if (layer[node.name] === undefined) throw new WxmlError(`${node.name} is undefined`);
      return layer[node.name];
    }
    case 'mem': {
      const base = evaluate(node.obj, scope, false);
      if (base === null || base === undefined) throw new WxmlError(`${show(node.obj)} is ${base}, so ${show(node)} is nothing`);
      const key = node.name !== undefined ? node.name : evaluate(node.key, scope, false);
      const value = base[key];
      if (value === undefined && (node.name !== undefined || !test)) throw new WxmlError(`${show(node)} is undefined`);
      return value;
    }
    case 'un': {
      const a = evaluate(node.a, scope, node.op === '!');
      return node.op === '!' ? !a : node.op === '-' ? -a : +a;
    }
    case 'bin': {
      if (node.op === '&&' || node.op === '||') {
        const a = evaluate(node.a, scope, true);
        if (node.op === '&&' ? !a : a) return a;
        return evaluate(node.b, scope, test);
      }
      const eq = ['===', '!==', '==', '!='].includes(node.op);
      const a = evaluate(node.a, scope, eq);
      const b = evaluate(node.b, scope, eq);
      switch (node.op) {
        /* eslint-disable eqeqeq */
        case '===': return a === b;
        case '!==': return a !== b;
        case '==': return a == b;
        case '!=': return a != b;
        /* eslint-enable eqeqeq */
        case '<': return a < b;
        case '<=': return a <= b;
        case '>': return a > b;
        case '>=': return a >= b;
        case '+': return a + b;
        case '-': return a - b;
        case '*': return a * b;
        case '/': return a / b;
        default: return a % b;
      }
    }
    case 'cond': return evaluate(node.test, scope, true) ? evaluate(node.a, scope, test) : evaluate(node.b, scope, test);
    case 'arr': return node.items.map((n) => evaluate(n, scope));
    case 'obj': {
      const out = {};
      for (const e of node.entries) {
        if (e.spread) Object.assign(out, evaluate(e.spread, scope));
        else out[e.key] = evaluate(e.value, scope);
      }
      return out;
    }
    default: throw new WxmlError(`unknown node ${node.k}`);
  }
}

/** Split `text` into static strings and {{ }} expressions. */
function pieces(text) {
  const out = [];
  let pos = 0;
  for (;;) {
    const open = text.indexOf('{{', pos);
    if (open < 0) break;
    const end = closeMustache(text, open);
    if (end < 0) throw new WxmlError('unclosed {{');
    if (open > pos) out.push(text.slice(pos, open));
    out.push({ expr: text.slice(open + 2, end - 2) });
    pos = end;
  }
  if (pos < text.length) out.push(text.slice(pos));
  return out;
}

function asText(value, expr) {
  if (value === null || typeof value === 'object' || typeof value === 'function') {
    throw new WxmlError(`{{${expr}}} renders ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`);
  }
  return String(value);
}

// ------------------------------------------------------------- rendering

const DIRECTIVES = new Set(['wx:if', 'wx:elif', 'wx:else', 'wx:for', 'wx:for-items', 'wx:for-item', 'wx:for-index', 'wx:key']);
const EVENT = /^(bind|catch|capture-bind|capture-catch|mut-bind):?([a-z][\w-]*)$/;

class Renderer {
  constructor(root) {
    this.root = root;
    this.files = new Map();
    this.bindings = [];
  }

  /** A parsed file with its templates (its own and those it imports; imports are not transitive). */
  load(file, source) {
    if (this.files.has(file)) return this.files.get(file);
    const text = source !== undefined ? source : fs.readFileSync(file, 'utf8');
    const unit = { file, nodes: parse(text, this.rel(file)), own: new Map(), templates: new Map() };
    this.files.set(file, unit);
    for (const node of unit.nodes) {
      if (node.type !== 'element' || node.tag !== 'template') continue;
      const name = this.attr(unit, node, 'name');
      if (name === undefined) continue;
      if (unit.own.has(name)) fail(this.rel(file), node.line, `template ${name} defined twice`);
      unit.own.set(name, { unit, node });
    }
    for (const node of unit.nodes) {
      if (node.type === 'element' && node.tag === 'import') {
        const imported = this.load(this.resolve(unit, node));
        for (const [name, t] of imported.own) unit.templates.set(name, t);
      }
    }
    for (const [name, t] of unit.own) unit.templates.set(name, t);
    return unit;
  }

  rel(file) {
    return path.relative(process.cwd(), file) || file;
  }

  attr(unit, node, name) {
    const a = node.attrs.find((x) => x.name === name);
    return a ? a.value : undefined;
  }

  resolve(unit, node) {
    const src = this.attr(unit, node, 'src');
    if (typeof src !== 'string' || !src) fail(this.rel(unit.file), node.line, `<${node.tag}> needs src`);
    const file = src.startsWith('/') ? path.join(this.root, src) : path.resolve(path.dirname(unit.file), src);
    const withExt = file.endsWith('.wxml') ? file : `${file}.wxml`;
    if (!fs.existsSync(withExt)) fail(this.rel(unit.file), node.line, `<${node.tag} src="${src}">: no such file`);
    return withExt;
  }

  /** Evaluate an attribute value: one {{ }} keeps its type, else the pieces as a string. */
  value(unit, attr, scope, { test = false, object = false } = {}) {
    if (attr.value === true) return true;
    const where = (expr, e) => fail(this.rel(unit.file), attr.line, `${attr.name}="{{${expr}}}": ${e.message}`);
    let parts;
    try { parts = pieces(attr.value); } catch (e) { where(attr.value, e); }
    const one = (expr) => {
      try {
        return evaluate(parseExpr(expr, { object }), scope, test);
      } catch (e) {
        if (!(e instanceof WxmlError)) throw e;
        return where(expr.trim(), e);
      }
    };
    if (parts.length === 1 && typeof parts[0] === 'object') return one(parts[0].expr);
    if (object) fail(this.rel(unit.file), attr.line, `${attr.name}: a template's data must be {{ }}`);
    return parts.map((p) => {
      if (typeof p === 'string') return decode(p);
      const v = one(p.expr);
      try { return asText(v, p.expr.trim()); } catch (e) { return where(p.expr.trim(), e); }
    }).join('');
  }

  text(unit, node, scope) {
    let parts;
    try { parts = pieces(node.value); } catch (e) { fail(this.rel(unit.file), node.line, e.message); }
    let line = node.line;
    return parts.map((p) => {
      if (typeof p === 'string') {
        line += p.split('\n').length - 1;
        return decode(p);
      }
      const expr = p.expr.trim();
      try {
        const out = asText(evaluate(parseExpr(p.expr), scope), expr);
        line += p.expr.split('\n').length - 1;
        return out;
      } catch (e) {
        if (!(e instanceof WxmlError)) throw e;
        return fail(this.rel(unit.file), line, `{{${expr}}}: ${e.message}`);
      }
    }).join('');
  }

  /** Render sibling nodes into `out` (strings and elements), with wx:if chains. */
  children(unit, nodes, scope, out) {
    let chain = null; // {taken} while wx:elif / wx:else may follow
    for (const node of nodes) {
      if (node.type === 'text') {
        if (!node.value.trim()) continue;
        chain = null;
        out.push(this.text(unit, node, scope));
        continue;
      }
      const has = (name) => node.attrs.some((a) => a.name === name);
      const get = (name) => node.attrs.find((a) => a.name === name);
      for (const a of node.attrs) {
        if (a.name.startsWith('wx:') && !DIRECTIVES.has(a.name)) fail(this.rel(unit.file), a.line, `unknown directive ${a.name}`);
      }
      const conditions = ['wx:if', 'wx:elif', 'wx:else'].filter(has);
      if (conditions.length > 1) fail(this.rel(unit.file), node.line, `<${node.tag}> has ${conditions.join(' and ')}`);
      const forAttr = get('wx:for') || get('wx:for-items');
      if (!forAttr) {
        for (const d of ['wx:for-item', 'wx:for-index', 'wx:key']) if (has(d)) fail(this.rel(unit.file), get(d).line, `${d} without wx:for`);
      }
      if (has('wx:elif') || has('wx:else')) {
        const which = has('wx:elif') ? 'wx:elif' : 'wx:else';
        if (!chain) fail(this.rel(unit.file), node.line, `${which} does not follow a wx:if or wx:elif`);
        if (forAttr) fail(this.rel(unit.file), node.line, `${which} with wx:for`);
        if (chain.taken) {
          if (which === 'wx:else') chain = null;
          continue;
        }
        const on = which === 'wx:else' || this.value(unit, get('wx:elif'), scope, { test: true });
        chain = which === 'wx:else' ? null : { taken: Boolean(on) };
        if (on) this.element(unit, node, scope, out);
        continue;
      }
      chain = null;
      if (forAttr) {
        this.each(unit, node, forAttr, scope, out);
        continue;
      }
      if (has('wx:if')) {
        const on = Boolean(this.value(unit, get('wx:if'), scope, { test: true }));
        chain = { taken: on };
        if (on) this.element(unit, node, scope, out);
        continue;
      }
      this.element(unit, node, scope, out);
    }
  }

  each(unit, node, forAttr, scope, out) {
    const file = this.rel(unit.file);
    if (typeof forAttr.value !== 'string' || !forAttr.value.includes('{{')) {
      fail(file, forAttr.line, `${forAttr.name}="${forAttr.value}" without {{ }} would loop over the characters of a string`);
    }
    const list = this.value(unit, forAttr, scope);
    const name = (d, dflt) => {
      const a = node.attrs.find((x) => x.name === d);
      if (!a) return dflt;
      if (typeof a.value !== 'string' || !/^[A-Za-z_$][\w$]*$/.test(a.value)) fail(file, a.line, `${d} must be a plain name`);
      return a.value;
    };
    const itemName = name('wx:for-item', 'item');
    const indexName = name('wx:for-index', 'index');
    let entries;
    if (Array.isArray(list)) entries = list.map((v, i) => [i, v]);
    else if (typeof list === 'number') entries = Array.from({ length: list }, (_, i) => [i, i]);
    else if (typeof list === 'string') entries = [...list].map((v, i) => [i, v]);
    else if (list && typeof list === 'object') entries = Object.entries(list);
    else fail(file, forAttr.line, `wx:for="${forAttr.value}" is ${JSON.stringify(list)}, not a list`);
    const keyAttr = node.attrs.find((x) => x.name === 'wx:key');
    const seen = new Set();
    const ifAttr = node.attrs.find((x) => x.name === 'wx:if');
    for (const [index, item] of entries) {
      if (keyAttr) {
        const key = keyAttr.value === '*this' ? item : item !== null && typeof item === 'object' ? item[keyAttr.value] : undefined;
        if (key === undefined) fail(file, keyAttr.line, `wx:key="${keyAttr.value}": item ${index} of ${forAttr.value} has no ${keyAttr.value}`);
        const k = typeof key === 'object' ? JSON.stringify(key) : `${typeof key}:${key}`;
        if (seen.has(k)) fail(file, keyAttr.line, `wx:key="${keyAttr.value}": ${JSON.stringify(key)} repeats in ${forAttr.value}`);
        seen.add(k);
      }
      const inner = [{ [itemName]: item, [indexName]: index }, ...scope];
      if (ifAttr && !this.value(unit, ifAttr, inner, { test: true })) continue;
      this.element(unit, node, inner, out);
    }
  }

  element(unit, node, scope, out) {
    const file = this.rel(unit.file);
    const get = (name) => node.attrs.find((a) => a.name === name);
    switch (node.tag) {
      case 'block': {
        for (const a of node.attrs) if (!DIRECTIVES.has(a.name)) fail(file, a.line, `<block> takes no ${a.name}`);
        this.children(unit, node.children, scope, out);
        return;
      }
      case 'import':
        return; // its templates were collected when the file was loaded
      case 'include': {
        const included = this.load(this.resolve(unit, node));
        const body = included.nodes.filter((n) => !(n.type === 'element' && (n.tag === 'template' || n.tag === 'import')));
        this.children(included, body, scope, out);
        return;
      }
      case 'wxs':
        fail(file, node.line, '<wxs> modules are not supported by this renderer');
        return;
      case 'template': {
        if (get('name')) return; // a definition
        if (!get('is')) fail(file, node.line, '<template> needs name or is');
        const name = this.value(unit, get('is'), scope);
        const t = unit.templates.get(name);
        if (!t) fail(file, node.line, `no template named ${JSON.stringify(name)} (defined or imported here: ${[...unit.templates.keys()].join(', ') || 'none'})`);
        const data = get('data') ? this.value(unit, get('data'), scope, { object: true }) : {};
        this.children(t.unit, t.node.children, [data], out);
        return;
      }
      default:
        break;
    }
    const el = { tag: node.tag, attrs: {}, dataset: {}, children: [], line: node.line, classes: [] };
    const events = [];
    for (const a of node.attrs) {
      if (DIRECTIVES.has(a.name)) continue;
      const value = this.value(unit, a, scope);
      const ev = EVENT.exec(a.name);
      if (ev) {
        if (typeof value !== 'string' || !value) fail(file, a.line, `${a.name} needs a handler name`);
        events.push({ kind: ev[1], event: ev[2], handler: value, line: a.line, file });
      } else if (a.name.startsWith('data-')) {
        // WeChat: data-foo-bar -> dataset.fooBar, upper case letters lowered.
        const key = a.name.slice(5).toLowerCase().replace(/-([a-z])/g, (_, c) => c.toUpperCase());
        el.dataset[key] = value;
      }
      el.attrs[a.name] = value;
    }
    if (el.attrs.hidden) return; // as in WeChat, hidden="false" is a non-empty string: hidden
    el.classes = typeof el.attrs.class === 'string' ? el.attrs.class.split(/\s+/).filter(Boolean) : [];
    this.children(unit, node.children, scope, el.children);
    for (const e of events) this.bindings.push({ ...e, dataset: el.dataset, tag: el.tag, node: el });
    out.push(el);
  }
}

const normalise = (s) => s.replace(/\s+/g, ' ').trim();

/** The visible text of a rendered node or list of them. */
function visible(node) {
  const parts = [];
  const walk = (n) => {
    if (typeof n === 'string') parts.push(n);
    else for (const c of n.children) walk(c);
  };
  (Array.isArray(node) ? node : [node]).forEach(walk);
  return normalise(parts.map(normalise).filter(Boolean).join(' '));
}

function screen(tree, bindings, page) {
  const all = [];
  const walk = (n) => {
    if (typeof n === 'string') return;
    all.push(n);
    n.children.forEach(walk);
  };
  tree.forEach(walk);
  const found = bindings.map((b) => ({ event: b.event, handler: b.handler, kind: b.kind, dataset: b.dataset, tag: b.tag, line: b.line, file: b.file, text: visible(b.node) }));
  if (page) {
    for (const b of found) {
      if (typeof page[b.handler] !== 'function') throw new WxmlError(`${b.file}:${b.line}: bind${b.event}="${b.handler}": the page has no ${b.handler}()`);
    }
  }
  return {
    text: visible(tree),
    tree,
    bindings: found,
    texts: (cls) => all.filter((n) => n.classes.includes(cls)).map(visible),
    tap(target, { handler, text, dataset } = {}) {
      const matches = found.filter((b) => b.event === 'tap'
        && (handler === undefined || b.handler === handler)
        && (text === undefined || (text instanceof RegExp ? text.test(b.text) : b.text.includes(text)))
        && (dataset === undefined || Object.entries(dataset).every(([k, v]) => b.dataset[k] === v)));
      if (matches.length !== 1) {
        const wanted = JSON.stringify({ handler, text: text && String(text), dataset });
        throw new WxmlError(`tap ${wanted}: ${matches.length} bindings match; the screen has ${found.filter((b) => b.event === 'tap').map((b) => `${b.handler}(${JSON.stringify(b.dataset)}) "${b.text}"`).join('; ')}`);
      }
      const b = matches[0];
      if (typeof target[b.handler] !== 'function') throw new WxmlError(`${b.file}:${b.line}: the page has no ${b.handler}()`);
      const event = { type: 'tap', currentTarget: { dataset: { ...b.dataset } }, target: { dataset: { ...b.dataset } }, detail: {} };
      return target[b.handler](event);
    },
  };
}

/** Render WXML source as `file` (for messages and relative imports) with `data`. */
function renderString(source, data, { file = path.join(process.cwd(), 'inline.wxml'), root = path.dirname(file), page } = {}) {
  const r = new Renderer(root);
  const unit = r.load(path.resolve(file), source);
  const out = [];
  r.children(unit, unit.nodes, [data], out);
  return screen(out, r.bindings, page);
}

/** Render a .wxml file; `root` is the mini-program root (for src="/..."). */
function renderFile(file, data, { root = path.dirname(file), page } = {}) {
  return renderString(fs.readFileSync(file, 'utf8'), data, { file, root, page });
}

module.exports = { renderFile, renderString, parseExpr, evaluate, WxmlError };
