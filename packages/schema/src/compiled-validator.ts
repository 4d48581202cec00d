import type { z } from 'zod';

/**
 * A plain-JS check compiled from a zod schema, for the shapes event metadata is made of (objects,
 * strings, numbers, booleans, enums, literals, arrays, optional and nullable, unknown). On emit,
 * zod's generic machinery (a payload and an issue list per field, a loop over the unknown keys of
 * a loose object) cost a quarter of the call.
 *
 * zod stays the source of truth: a compiled check only ever says "zod accepts this, and here is
 * what zod would return" (a new object per object and array, the schema's keys first, then the
 * unknown ones, in input order). When it is unsure, it returns {@link UNSURE} and the caller asks
 * zod, which also writes the error message. Any schema part not listed above (refinements,
 * transforms, defaults, string formats, unions, ...) makes the whole schema uncompiled.
 */
export const UNSURE: unique symbol = Symbol('unsure');

export type CompiledCheck = (value: unknown) => unknown;

/** The check for `schema`, or undefined when part of it cannot be compiled (zod then validates alone). */
export function compileCheck(schema: z.ZodType): CompiledCheck | undefined {
  try {
    return compile(schema, 0);
  } catch (error) {
    if (error === UNCOMPILABLE) return undefined;
    throw error;
  }
}

const UNCOMPILABLE = new Error('uncompilable');
/** A recursive (z.lazy) or very deep schema is left to zod. */
const MAX_SCHEMA_DEPTH = 32;

interface CheckDef {
  check: string;
  minimum?: unknown;
  maximum?: unknown;
  value?: unknown;
  inclusive?: boolean;
  format?: string;
  pattern?: RegExp;
}

interface SchemaInternals {
  _zod: {
    def: {
      type: string;
      checks?: Array<{ _zod: { def: CheckDef } }>;
      coerce?: boolean;
      check?: string;
      format?: string;
      shape?: Record<string, z.ZodType>;
      catchall?: z.ZodType;
      element?: z.ZodType;
      innerType?: z.ZodType;
    };
    values?: Set<unknown>;
  };
}

function compile(schema: z.ZodType, depth: number): CompiledCheck {
  if (depth > MAX_SCHEMA_DEPTH) throw UNCOMPILABLE;
  const internals = (schema as unknown as SchemaInternals)._zod;
  const def = internals.def;
  if (def.coerce) throw UNCOMPILABLE;
  const checks = (def.checks ?? []).map((check) => check._zod.def);
  switch (def.type) {
    case 'string':
      if (def.check !== undefined || def.format !== undefined) throw UNCOMPILABLE; // z.email() and other formats
      return stringCheck(checks);
    case 'number':
      return numberCheck(def.check === 'number_format' ? def.format : undefined, checks);
    case 'boolean':
      noChecks(checks);
      return (value) => (typeof value === 'boolean' ? value : UNSURE);
    case 'null':
      noChecks(checks);
      return (value) => (value === null ? value : UNSURE);
    case 'enum':
    case 'literal': {
      noChecks(checks);
      const values = internals.values;
      if (!values) throw UNCOMPILABLE;
      return (value) => (values.has(value) ? value : UNSURE);
    }
    case 'unknown':
    case 'any':
      noChecks(checks);
      return (value) => value;
    case 'optional': {
      noChecks(checks);
      const inner = compile(def.innerType!, depth + 1);
      return (value) => (value === undefined ? undefined : inner(value));
    }
    case 'nullable': {
      noChecks(checks);
      const inner = compile(def.innerType!, depth + 1);
      return (value) => (value === null ? null : inner(value));
    }
    case 'array':
      return arrayCheck(compile(def.element!, depth + 1), checks);
    case 'object':
      noChecks(checks);
      return objectCheck(def.shape!, def.catchall, depth);
    default:
      throw UNCOMPILABLE;
  }
}

function noChecks(checks: readonly CheckDef[]): void {
  if (checks.length > 0) throw UNCOMPILABLE;
}

/**
 * zod counts a string's length in code points near a bound, so only lengths that pass whether
 * counted in UTF-16 units or in code points (never more, at least half as many) are decided here.
 */
function stringCheck(checks: readonly CheckDef[]): CompiledCheck {
  let sureMin = 0;
  let max = Infinity;
  const patterns: RegExp[] = [];
  for (const check of checks) {
    if (check.check === 'min_length' && typeof check.minimum === 'number') {
      sureMin = Math.max(sureMin, check.minimum <= 1 ? check.minimum : check.minimum * 2);
    } else if (check.check === 'max_length' && typeof check.maximum === 'number') max = Math.min(max, check.maximum);
    else if (check.check === 'string_format' && check.format === 'regex' && check.pattern instanceof RegExp) patterns.push(check.pattern);
    else throw UNCOMPILABLE;
  }
  if (patterns.length === 0) {
    return (value) => (typeof value === 'string' && value.length >= sureMin && value.length <= max ? value : UNSURE);
  }
  return (value) => {
    if (typeof value !== 'string' || value.length < sureMin || value.length > max) return UNSURE;
    for (const pattern of patterns) {
      pattern.lastIndex = 0; // as zod does, so a /g pattern does not depend on the last test
      if (!pattern.test(value)) return UNSURE;
    }
    return value;
  };
}

function numberCheck(format: string | undefined, checks: readonly CheckDef[]): CompiledCheck {
  if (format !== undefined && format !== 'safeint') throw UNCOMPILABLE;
  const bounds = checks.map((check) => {
    if (typeof check.value !== 'number' || (check.check !== 'greater_than' && check.check !== 'less_than')) throw UNCOMPILABLE;
    return { above: check.check === 'greater_than', value: check.value, inclusive: check.inclusive === true };
  });
  const integer = format === 'safeint';
  return (value) => {
    if (typeof value !== 'number' || !Number.isFinite(value)) return UNSURE;
    if (integer && !Number.isSafeInteger(value)) return UNSURE;
    for (const bound of bounds) {
      const passes =
        bound.above ? (bound.inclusive ? value >= bound.value : value > bound.value)
        : bound.inclusive ? value <= bound.value : value < bound.value;
      if (!passes) return UNSURE;
    }
    return value;
  };
}

function arrayCheck(element: CompiledCheck, checks: readonly CheckDef[]): CompiledCheck {
  let min = 0;
  let max = Infinity;
  for (const check of checks) {
    if (check.check === 'min_length' && typeof check.minimum === 'number') min = Math.max(min, check.minimum);
    else if (check.check === 'max_length' && typeof check.maximum === 'number') max = Math.min(max, check.maximum);
    else throw UNCOMPILABLE;
  }
  return (value) => {
    if (!Array.isArray(value) || value.length < min || value.length > max) return UNSURE;
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) {
      const item = element(value[i]);
      if (item === UNSURE) return UNSURE;
      out[i] = item;
    }
    return out;
  };
}

/**
 * Mirrors zod's object parse: the shape's keys in shape order (`key in input`, so present but
 * undefined counts as present), then, for a loose object, every other enumerable key (for...in).
 * A stripping object drops the others; a strict one is left to zod when there are any.
 */
function objectCheck(shape: Record<string, z.ZodType>, catchall: z.ZodType | undefined, depth: number): CompiledCheck {
  if (Object.getOwnPropertySymbols(shape).length > 0) throw UNCOMPILABLE;
  const keys = Object.keys(shape);
  if (keys.includes('__proto__')) throw UNCOMPILABLE;
  const fields = keys.map((key) => {
    const field = shape[key]!;
    const optin = (field as unknown as { _zod: { optin?: string } })._zod.optin;
    if (optin !== undefined && optin !== 'optional') throw UNCOMPILABLE; // a default fills absent keys
    return { key, check: compile(field, depth + 1), optional: optin === 'optional' };
  });
  const keySet = new Set(keys);
  const catchallType = catchall === undefined ? 'strip' : (catchall as unknown as SchemaInternals)._zod.def.type;
  const rest =
    catchallType === 'strip' ? undefined
    : catchallType === 'never' ? 'strict'
    : catchallType === 'unknown' || catchallType === 'any' ? 'keep'
    : compile(catchall!, depth + 1);
  return (value) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return UNSURE;
    const input = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const field of fields) {
      if (!(field.key in input)) {
        if (field.optional) continue;
        return UNSURE;
      }
      const item = field.check(input[field.key]);
      if (item === UNSURE) return UNSURE;
      out[field.key] = item;
    }
    if (rest === undefined) return out;
    for (const key in input) {
      if (keySet.has(key)) continue;
      if (rest === 'strict' || key === '__proto__') return UNSURE;
      if (rest === 'keep') out[key] = input[key];
      else {
        const item = rest(input[key]);
        if (item === UNSURE) return UNSURE;
        out[key] = item;
      }
    }
    return out;
  };
}
