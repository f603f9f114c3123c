/**
 * The executor of parsed text/template trees (Go's text/template exec.go) over
 * the value model of value.ts: walks actions, if/with/range (with break and
 * continue), template invocations and variables; evaluates pipelines, field
 * chains, method calls and function calls with Go's argument checking; prints
 * values as Go does; and fails with Go's execution error messages
 * (`template: NAME:LINE:COL: executing "NAME" at <NODE>: ...`).
 */

import { formatValue, quote } from './gofmt.js';
import { BUILTIN_FUNCS, type GoFunc, type ParamType } from './funcs.js';
import {
  errorContext,
  N_ACTION,
  N_BOOL,
  N_BREAK,
  N_CHAIN,
  N_COMMENT,
  N_CONTINUE,
  N_DOT,
  N_FIELD,
  N_IDENTIFIER,
  N_IF,
  N_LIST,
  N_NIL,
  N_NUMBER,
  N_PIPE,
  N_RANGE,
  N_STRING,
  N_TEMPLATE,
  N_TEXT,
  N_VARIABLE,
  N_WITH,
  nodeString,
  TemplateError,
  type ChainNode,
  type CommandNode,
  type FieldNode,
  type IdentifierNode,
  type ListNode,
  type Node,
  type NumberNode,
  type ParsedTemplate,
  type ParseResult,
  type PipeNode,
  type RangeNode,
  type TemplateNode,
  type VariableNode,
} from './parse.js';
import { hasGoType, isPlainObject, isTrue, kindOf, mapEntries, typeName } from './value.js';

/** What to do when a map has no entry for a key: Go's missingkey option. */
export type MissingKey = 'default' | 'invalid' | 'zero' | 'error';

/** Maximum nesting of {{template}} invocations (Go allows 100000; a JS stack does not). */
export const MAX_EXEC_DEPTH = 1000;

/** The marker for "no final (piped) argument". */
const MISSING: unique symbol = Symbol('missing');
type Final = unknown;

const SIG_NONE = 0;
const SIG_BREAK = 1;
const SIG_CONTINUE = 2;
type Signal = 0 | 1 | 2;

interface Variable {
  name: string;
  value: unknown;
  /** Whether the value has Go static type interface{} (an element of a slice or map being ranged over). */
  iface: boolean;
}

/** Everything execution needs from a compiled template. */
export interface ExecEnv {
  parsed: ParseResult;
  /** Functions other than the builtins (Docker's and the caller's), looked up first. */
  funcs: ReadonlyMap<string, GoFunc>;
  missingKey: MissingKey;
}

function errMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}

function goTypeOf(t: ParamType): string {
  switch (t) {
    case 'string':
      return 'string';
    case 'int':
      return 'int';
    case 'strings':
      return '[]string';
    case 'value':
      return 'reflect.Value';
    case 'any':
      return 'interface {}';
  }
}

function canBeNil(t: ParamType | null): boolean {
  return t === null || t === 'any' || t === 'value' || t === 'strings';
}

function zeroOf(t: ParamType | null): unknown {
  switch (t) {
    case 'any':
      return null;
    case 'strings':
      return [];
    default:
      return undefined;
  }
}

/** Finds a method (a function on the prototype chain) of an object that is not one of the builtin prototypes. */
function findProtoMethod(obj: object, name: string, stop: object): ((...a: unknown[]) => unknown) | undefined {
  let p: unknown = Object.getPrototypeOf(obj);
  while (p !== null && p !== stop && p !== Object.prototype) {
    const desc = Object.getOwnPropertyDescriptor(p, name);
    if (desc !== undefined) {
      return typeof desc.value === 'function' && name !== 'constructor'
        ? (desc.value as (...a: unknown[]) => unknown)
        : undefined;
    }
    p = Object.getPrototypeOf(p);
  }
  return undefined;
}

/** Whether a struct-like object (class instance) has a field or method of that name (own or inherited, not from Object.prototype). */
function structHas(obj: object, name: string): boolean {
  let p: unknown = obj;
  while (p !== null && p !== Object.prototype) {
    if (Object.hasOwn(p as object, name)) return name !== 'constructor' || p === obj;
    p = Object.getPrototypeOf(p);
  }
  return false;
}

class State {
  readonly env: ExecEnv;
  tmpl: ParsedTemplate;
  node: Node | null = null;
  vars: Variable[];
  depth = 0;
  out = '';
  /**
   * Whether dot has Go static type interface{}: true while ranging over a slice or map, whose
   * elements Go reads as interface values. Go names that type, not the dynamic one, in
   * "can't evaluate field" errors.
   */
  dotIface = false;
  /** Whether the last evalField result was read from a map entry (and so is interface-typed). */
  lastIface = false;

  constructor(env: ExecEnv, tmpl: ParsedTemplate, dot: unknown) {
    this.env = env;
    this.tmpl = tmpl;
    this.vars = [{ name: '$', value: dot, iface: false }];
  }

  at(node: Node): void {
    this.node = node;
  }

  errorf(msg: string): never {
    const name = this.tmpl.name;
    let text: string;
    if (this.node === null) {
      text = `template: ${name}: ${msg}`;
    } else {
      const { location, context } = errorContext(this.env.parsed, this.node);
      text = `template: ${location}: executing ${quote(name)} at <${context}>: ${msg}`;
    }
    throw new TemplateError(text, 'exec', this.out);
  }

  // variables ---------------------------------------------------------------

  push(name: string, value: unknown): void {
    this.vars.push({ name, value, iface: false });
  }

  setVar(name: string, value: unknown): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      const v = this.vars[i];
      if (v !== undefined && v.name === name) {
        v.value = value;
        v.iface = false;
        return;
      }
    }
    this.errorf(`undefined variable: ${name}`);
  }

  setTopVar(n: number, value: unknown, iface: boolean): void {
    const v = this.vars[this.vars.length - n];
    if (v !== undefined) {
      v.value = value;
      v.iface = iface;
    }
  }

  lookupVar(name: string): Variable {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      const v = this.vars[i];
      if (v !== undefined && v.name === name) return v;
    }
    this.errorf(`undefined variable: ${name}`);
  }

  // walking -------------------------------------------------------------------

  walk(dot: unknown, node: Node): Signal {
    this.node = node;
    switch (node.type) {
      case N_TEXT:
        this.out += node.text;
        return SIG_NONE;
      case N_ACTION: {
        const val = this.evalPipeline(dot, node.pipe);
        if (node.pipe.decl.length === 0) this.printValue(node, val);
        return SIG_NONE;
      }
      case N_LIST:
        return this.walkList(dot, node);
      case N_IF:
      case N_WITH:
        return this.walkIfOrWith(node.type === N_WITH, dot, node.pipe, node.list, node.elseList);
      case N_RANGE:
        return this.walkRange(dot, node);
      case N_TEMPLATE:
        this.walkTemplate(dot, node);
        return SIG_NONE;
      case N_BREAK:
        return SIG_BREAK;
      case N_CONTINUE:
        return SIG_CONTINUE;
      case N_COMMENT:
        return SIG_NONE;
      default:
        this.errorf(`unknown node: ${nodeString(node)}`);
    }
  }

  walkList(dot: unknown, list: ListNode): Signal {
    const nodes = list.nodes;
    for (let i = 0; i < nodes.length; i++) {
      const n = nodes[i] as Node;
      if (n.type === N_TEXT) {
        this.out += n.text;
        continue;
      }
      const sig = this.walk(dot, n);
      if (sig !== SIG_NONE) return sig;
    }
    return SIG_NONE;
  }

  walkIfOrWith(isWith: boolean, dot: unknown, pipe: PipeNode, list: ListNode, elseList: ListNode | null): Signal {
    const mark = this.vars.length;
    try {
      const val = this.evalPipeline(dot, pipe);
      if (isTrue(val)) {
        if (!isWith) return this.walk(dot, list);
        const savedIface = this.dotIface;
        this.dotIface = false;
        try {
          return this.walk(val, list);
        } finally {
          this.dotIface = savedIface;
        }
      }
      if (elseList !== null) return this.walk(dot, elseList);
      return SIG_NONE;
    } finally {
      this.vars.length = mark;
    }
  }

  walkRange(dot: unknown, r: RangeNode): Signal {
    this.at(r);
    const outerMark = this.vars.length;
    const savedIface = this.dotIface;
    try {
      const val = this.evalPipeline(dot, r.pipe);
      const mark = this.vars.length;
      const decl = r.pipe.decl;
      const isAssign = r.pipe.isAssign;
      // Returns true to stop iterating ({{break}}). Slice and map elements are interface values in Go.
      const oneIteration = (index: unknown, elem: unknown, iface: boolean): boolean => {
        if (decl.length > 0) {
          if (isAssign) {
            this.setVar(decl[0]?.ident[0] ?? '', decl.length > 1 ? index : elem);
          } else {
            this.setTopVar(1, elem, iface);
          }
        }
        if (decl.length > 1) {
          if (isAssign) this.setVar(decl[1]?.ident[0] ?? '', elem);
          else this.setTopVar(2, index, false);
        }
        this.dotIface = iface;
        const sig = this.walk(elem, r.list);
        this.vars.length = mark;
        return sig === SIG_BREAK;
      };
      switch (kindOf(val)) {
        case 'int': {
          if (decl.length > 1) this.errorf(`can't use ${formatValue(val)} to iterate over more than one variable`);
          const n = Number(val);
          if (n <= 0) break;
          for (let i = 0; i < n; i++) if (oneIteration(undefined, i, false)) break;
          return SIG_NONE;
        }
        case 'slice': {
          const arr = val as unknown[];
          if (arr.length === 0) break;
          for (let i = 0; i < arr.length; i++) if (oneIteration(i, arr[i], true)) break;
          return SIG_NONE;
        }
        case 'map': {
          const entries = mapEntries(val as object);
          if (entries.length === 0) break;
          for (const [k, v] of entries) if (oneIteration(k, v, true)) break;
          return SIG_NONE;
        }
        case 'invalid':
        case 'nil':
          break;
        default:
          this.errorf(`range can't iterate over ${formatValue(val)}`);
      }
      this.dotIface = savedIface;
      if (r.elseList !== null) return this.walk(dot, r.elseList);
      return SIG_NONE;
    } finally {
      this.vars.length = outerMark;
      this.dotIface = savedIface;
    }
  }

  walkTemplate(dot: unknown, t: TemplateNode): void {
    this.at(t);
    const tmpl = this.env.parsed.trees.get(t.name);
    if (tmpl === undefined) this.errorf(`template ${quote(t.name)} not defined`);
    if (this.depth >= MAX_EXEC_DEPTH) this.errorf(`exceeded maximum template depth (${MAX_EXEC_DEPTH})`);
    const newDot = this.evalPipeline(dot, t.pipe);
    const saved = { tmpl: this.tmpl, vars: this.vars, node: this.node, iface: this.dotIface };
    this.tmpl = tmpl;
    this.vars = [{ name: '$', value: newDot, iface: false }];
    this.dotIface = false;
    this.depth++;
    try {
      this.walk(newDot, tmpl.root);
    } finally {
      this.depth--;
      this.tmpl = saved.tmpl;
      this.vars = saved.vars;
      this.node = saved.node;
      this.dotIface = saved.iface;
    }
  }

  // evaluation ----------------------------------------------------------------

  evalPipeline(dot: unknown, pipe: PipeNode | null): unknown {
    if (pipe === null) return undefined;
    this.at(pipe);
    let value: unknown = MISSING;
    const cmds = pipe.cmds;
    for (let i = 0; i < cmds.length; i++) value = this.evalCommand(dot, cmds[i] as CommandNode, value);
    for (const v of pipe.decl) {
      const name = v.ident[0] ?? '';
      if (pipe.isAssign) this.setVar(name, value);
      else this.push(name, value);
    }
    return value;
  }

  notAFunction(args: Node[], final: Final): void {
    if (args.length > 1 || final !== MISSING) {
      this.errorf(`can't give argument to non-function ${nodeString(args[0] as Node)}`);
    }
  }

  evalCommand(dot: unknown, cmd: CommandNode, final: Final): unknown {
    const first = cmd.args[0] as Node;
    switch (first.type) {
      case N_FIELD:
        return this.evalFieldNode(dot, first, cmd.args, final);
      case N_CHAIN:
        return this.evalChainNode(dot, first, cmd.args, final);
      case N_IDENTIFIER:
        return this.evalFunction(dot, first, cmd, cmd.args, final);
      case N_PIPE:
        this.notAFunction(cmd.args, final);
        return this.evalPipeline(dot, first);
      case N_VARIABLE:
        return this.evalVariableNode(dot, first, cmd.args, final);
    }
    this.at(first);
    this.notAFunction(cmd.args, final);
    switch (first.type) {
      case N_BOOL:
        return first.value;
      case N_DOT:
        return dot;
      case N_NIL:
        this.errorf('nil is not a command');
      case N_NUMBER:
        return this.idealConstant(first);
      case N_STRING:
        return first.text;
    }
    this.errorf(`can't evaluate command ${quote(nodeString(first))}`);
  }

  idealConstant(n: NumberNode): unknown {
    this.at(n);
    const t = n.text;
    const hexInt = t.length > 2 && t[0] === '0' && (t[1] === 'x' || t[1] === 'X') && !/[pP]/.test(t);
    const runeInt = t[0] === "'";
    if (n.isFloat && !hexInt && !runeInt && /[.eEpP]/.test(t)) return n.float64;
    if (n.isInt) {
      const v = n.int64;
      return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v;
    }
    if (n.isUint) this.errorf(`${t} overflows int`);
    return undefined;
  }

  evalFieldNode(dot: unknown, field: FieldNode, args: Node[] | null, final: Final): unknown {
    this.at(field);
    return this.evalFieldChain(dot, dot, this.dotIface, field, field.ident, args, final);
  }

  evalChainNode(dot: unknown, chain: ChainNode, args: Node[] | null, final: Final): unknown {
    this.at(chain);
    if (chain.field.length === 0) this.errorf('internal error: no fields in evalChainNode');
    if (chain.node.type === N_NIL) this.errorf(`indirection through explicit nil in ${nodeString(chain)}`);
    const pipe = this.evalArg(dot, null, chain.node);
    return this.evalFieldChain(dot, pipe, false, chain, chain.field, args, final);
  }

  evalVariableNode(dot: unknown, v: VariableNode, args: Node[] | null, final: Final): unknown {
    this.at(v);
    const variable = this.lookupVar(v.ident[0] ?? '');
    if (v.ident.length === 1) {
      if (args !== null) this.notAFunction(args, final);
      else if (final !== MISSING) this.errorf(`can't give argument to non-function ${nodeString(v)}`);
      return variable.value;
    }
    return this.evalFieldChain(dot, variable.value, variable.iface, v, v.ident.slice(1), args, final);
  }

  evalFieldChain(
    dot: unknown,
    receiver: unknown,
    iface: boolean,
    node: Node,
    ident: string[],
    args: Node[] | null,
    final: Final,
  ): unknown {
    const n = ident.length;
    for (let i = 0; i < n - 1; i++) {
      receiver = this.evalField(dot, ident[i] ?? '', node, null, MISSING, receiver, iface);
      iface = this.lastIface;
    }
    return this.evalField(dot, ident[n - 1] ?? '', node, args, final, receiver, iface);
  }

  evalFunction(dot: unknown, node: IdentifierNode, cmd: Node, args: Node[] | null, final: Final): unknown {
    this.at(node);
    const name = node.ident;
    const f = this.env.funcs.get(name) ?? BUILTIN_FUNCS.get(name);
    if (f === undefined) this.errorf(`${quote(name)} is not a defined function`);
    const isBuiltin = !this.env.funcs.has(name);
    return this.evalCall(dot, f, isBuiltin, cmd, name, args, final);
  }

  missingKey(fieldName: string): unknown {
    if (this.env.missingKey === 'error') this.errorf(`map has no entry for key ${quote(fieldName)}`);
    return undefined;
  }

  evalField(
    dot: unknown,
    fieldName: string,
    node: Node,
    args: Node[] | null,
    final: Final,
    receiver: unknown,
    iface: boolean,
  ): unknown {
    this.lastIface = false;
    if (receiver === undefined) {
      if (this.env.missingKey === 'error') this.errorf(`nil data; no entry for key ${quote(fieldName)}`);
      return undefined;
    }
    if (receiver === null) this.errorf(`nil pointer evaluating interface {}.${fieldName}`);
    const hasArgs = (args !== null && args.length > 1) || final !== MISSING;
    if (typeof receiver === 'object' && !Array.isArray(receiver)) {
      const isMap = receiver instanceof Map;
      if (isMap || (isPlainObject(receiver) && !hasGoType(receiver))) {
        // A map (Go's map[string]T): its methods first, then its keys.
        if (isMap) {
          const method = findProtoMethod(receiver, fieldName, Map.prototype);
          if (method !== undefined) return this.callMethod(dot, method, receiver, node, fieldName, args, final);
        }
        const rec = receiver as Record<string, unknown>;
        const v: unknown = isMap ? receiver.get(fieldName) : Object.hasOwn(rec, fieldName) ? rec[fieldName] : undefined;
        if (typeof v === 'function') {
          return this.callMethod(dot, v as (...a: unknown[]) => unknown, receiver, node, fieldName, args, final);
        }
        if (hasArgs) this.errorf(`${fieldName} is not a method but has arguments`);
        if (v === undefined) return this.missingKey(fieldName);
        this.lastIface = true;
        return v;
      }
      // A struct: a class instance. Its functions (own or inherited) are methods, its other properties fields.
      if (structHas(receiver, fieldName)) {
        let v: unknown;
        try {
          v = (receiver as Record<string, unknown>)[fieldName];
        } catch (e) {
          this.errorf(`error calling ${fieldName}: ${errMessage(e)}`);
        }
        if (typeof v === 'function') {
          return this.callMethod(dot, v as (...a: unknown[]) => unknown, receiver, node, fieldName, args, final);
        }
        if (hasArgs) this.errorf(`${fieldName} has arguments but cannot be invoked as function`);
        return v;
      }
    }
    this.errorf(`can't evaluate field ${fieldName} in type ${iface ? 'interface {}' : typeName(receiver)}`);
  }

  /** Calls a JS function as a Go method: exactly fn.length arguments, any types. */
  callMethod(
    dot: unknown,
    fn: (...a: unknown[]) => unknown,
    receiver: unknown,
    node: Node,
    name: string,
    args: Node[] | null,
    final: Final,
  ): unknown {
    const argNodes = args !== null ? args.slice(1) : [];
    const numIn = argNodes.length + (final !== MISSING ? 1 : 0);
    if (numIn !== fn.length) this.errorf(`wrong number of args for ${name}: want ${fn.length} got ${numIn}`);
    const argv: unknown[] = [];
    for (const a of argNodes) argv.push(this.evalArg(dot, 'any', a));
    if (final !== MISSING) argv.push(this.validateType(final, 'any'));
    try {
      return fn.apply(receiver, argv);
    } catch (e) {
      this.at(node);
      this.errorf(`error calling ${name}: ${errMessage(e)}`);
    }
  }

  evalCall(dot: unknown, f: GoFunc, isBuiltin: boolean, node: Node, name: string, args: Node[] | null, final: Final): unknown {
    const argNodes = args !== null ? args.slice(1) : [];
    const numIn = argNodes.length + (final !== MISSING ? 1 : 0);
    let numFixed = argNodes.length;
    if (f.variadic !== undefined) {
      numFixed = f.params.length;
      if (numIn < numFixed) {
        this.errorf(`wrong number of args for ${name}: want at least ${f.params.length} got ${argNodes.length}`);
      }
    } else if (numIn !== f.params.length) {
      this.errorf(`wrong number of args for ${name}: want ${f.params.length} got ${numIn}`);
    }

    if (isBuiltin && (f.special === 'and' || f.special === 'or')) {
      const wantTrue = f.special === 'or';
      let v: unknown = undefined;
      for (const a of argNodes) {
        v = this.evalArg(dot, 'value', a);
        if (isTrue(v) === wantTrue) return v;
      }
      if (final !== MISSING) v = this.validateType(final, 'value');
      return v;
    }

    const argv: unknown[] = [];
    let i = 0;
    for (; i < numFixed && i < argNodes.length; i++) {
      argv.push(this.evalArg(dot, f.params[i] ?? 'any', argNodes[i] as Node));
    }
    if (f.variadic !== undefined) {
      for (; i < argNodes.length; i++) argv.push(this.evalArg(dot, f.variadic, argNodes[i] as Node));
    }
    if (final !== MISSING) {
      let t: ParamType = f.params[f.params.length - 1] ?? 'any';
      if (f.variadic !== undefined) t = numIn - 1 < numFixed ? (f.params[numIn - 1] ?? 'any') : f.variadic;
      argv.push(this.validateType(final, t));
    }

    let result: unknown;
    try {
      if (isBuiltin && f.special === 'call') {
        const callee = argNodes.length === 0 ? '<func() Value>' : nodeString(argNodes[0] as Node);
        result = callFunction(callee, argv[0], argv.slice(1));
      } else {
        result = (f.fn as (...a: unknown[]) => unknown)(...argv);
      }
    } catch (e) {
      if (e instanceof TemplateError) throw e;
      this.at(node);
      this.errorf(`error calling ${name}: ${errMessage(e)}`);
    }
    return result;
  }

  validateType(value: unknown, t: ParamType | null): unknown {
    if (value === undefined) {
      if (canBeNil(t)) return zeroOf(t);
      this.errorf(`invalid value; expected ${goTypeOf(t as ParamType)}`);
    }
    switch (t) {
      case null:
      case 'value':
      case 'any':
        return value;
      case 'string':
        if (typeof value !== 'string') this.errorf(`wrong type for value; expected string; got ${typeName(value)}`);
        return value;
      case 'int':
        if (kindOf(value) !== 'int') this.errorf(`wrong type for value; expected int; got ${typeName(value)}`);
        return typeof value === 'bigint' ? Number(value) : value;
      case 'strings':
        if (!Array.isArray(value) || !value.every((e) => typeof e === 'string')) {
          this.errorf(`wrong type for value; expected []string; got ${typeName(value)}`);
        }
        return value;
    }
  }

  evalArg(dot: unknown, t: ParamType | null, n: Node): unknown {
    this.at(n);
    switch (n.type) {
      case N_DOT:
        return this.validateType(dot, t);
      case N_NIL:
        if (canBeNil(t)) return zeroOf(t);
        this.errorf(`cannot assign nil to ${goTypeOf(t as ParamType)}`);
      case N_FIELD:
        return this.validateType(this.evalFieldNode(dot, n, [n], MISSING), t);
      case N_VARIABLE:
        return this.validateType(this.evalVariableNode(dot, n, null, MISSING), t);
      case N_PIPE:
        return this.validateType(this.evalPipeline(dot, n), t);
      case N_IDENTIFIER:
        return this.validateType(this.evalFunction(dot, n, n, null, MISSING), t);
      case N_CHAIN:
        return this.validateType(this.evalChainNode(dot, n, null, MISSING), t);
    }
    switch (t) {
      case 'string':
        if (n.type === N_STRING) return n.text;
        this.errorf(`expected string; found ${nodeString(n)}`);
      case 'int':
        if (n.type === N_NUMBER && n.isInt) return Number(n.int64);
        this.errorf(`expected integer; found ${nodeString(n)}`);
      case 'strings':
        this.errorf(`can't handle ${nodeString(n)} for arg of type []string`);
      default:
        switch (n.type) {
          case N_BOOL:
            return n.value;
          case N_NUMBER:
            return this.idealConstant(n);
          case N_STRING:
            return n.text;
        }
        this.errorf(`can't handle assignment of ${nodeString(n)} to empty interface argument`);
    }
  }

  printValue(node: Node, v: unknown): void {
    this.at(node);
    if (typeof v === 'string') {
      this.out += v;
      return;
    }
    if (v === undefined) {
      this.out += '<no value>';
      return;
    }
    if (typeof v === 'function') this.errorf(`can't print ${nodeString(node)} of type func`);
    this.out += formatValue(v);
  }
}

/** The builtin `call`: calls a function value with arguments. */
function callFunction(name: string, fn: unknown, args: unknown[]): unknown {
  if (fn === undefined || fn === null) throw new Error('call of nil');
  if (typeof fn !== 'function') throw new Error(`non-function ${name} of type ${typeName(fn)}`);
  if (args.length !== fn.length) throw new Error(`wrong number of args for ${name}: got ${args.length} want ${fn.length}`);
  return (fn as (...a: unknown[]) => unknown)(...args.map((a) => (a === undefined ? null : a)));
}

/** Executes the template `name` of a parsed set with data as dot; returns the output. */
export function execute(env: ExecEnv, name: string, data: unknown): string {
  const tmpl = env.parsed.trees.get(name);
  if (tmpl === undefined) {
    throw new TemplateError(`template: ${name}: ${quote(name)} is an incomplete or empty template`, 'exec');
  }
  const state = new State(env, tmpl, data);
  state.walk(data, tmpl.root);
  return state.out;
}
