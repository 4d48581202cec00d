import { z } from 'zod';
import { builtinPrimitives } from './builtin-catalog.js';
import { UNSURE, compileCheck, type CompiledCheck } from './compiled-validator.js';
import { compileDescription, type DescriptionTemplate } from './description-template.js';
import { KIND_NAME, MAX_CAUSES, MAX_METADATA_BYTES, SCHEMA_VERSION, type JsonObject, type TraceEvent } from './envelope.js';
import { eventIdAt, eventIdTime, isEventId, lastEventIdTime, newEventId } from './event-id.js';
import { MAX_TS, parseTime } from './parse-time.js';
import { TraceError } from './trace-error.js';

export interface EventTypeDefinition {
  /** What the event means, for docs. */
  summary: string;
  /** One line for timelines; see {@link compileDescription}. */
  description: DescriptionTemplate;
  /** Validates `metadata`. */
  metadata: z.ZodType;
  /** Whether the event must name a target (the task of an ops event, the channel of a bridge event). */
  requiresTarget?: boolean;
  /**
   * A metadata field naming the parent of this event's target, e.g. `parent_task_id` on
   * ops.create_task. The store indexes it so that a target's descendants are found fast.
   */
  targetParentField?: string;
}

/** What a typed helper accepts as metadata for an event type: its schema's input. */
export type MetadataInput<D extends EventTypeDefinition> = z.input<D['metadata']>;

export interface PrimitiveDefinition {
  summary: string;
  /** What the target of this primitive's events is, e.g. `task` or `channel`; null when it has none. */
  target: string | null;
  types: Record<string, EventTypeDefinition>;
}

/** What an emitter supplies; the catalog fills in the id, the time and the defaults. */
export interface EventInput {
  primitive: string;
  type: string;
  id?: string;
  /** Epoch ms, an ISO-8601 string or a Date, read by {@link parseTime}; by default now. */
  ts?: number | string | Date;
  agent_id?: string | null;
  target_id?: string | null;
  session_id?: string | null;
  parent_event_id?: string | null;
  causes?: readonly string[];
  idempotency_key?: string | null;
  metadata?: unknown;
  /** Store the event but hide it from reads unless private events are asked for. */
  private?: boolean;
}

/** A validated event plus its metadata already encoded, so a deferred writer stores a snapshot. */
export interface PreparedEvent {
  event: TraceEvent;
  metadataJson: string;
}

const MAX_NAME_LENGTH = 512;
/** Deeper metadata is refused: nothing needs it, and a circular object would otherwise never end the key check. */
const MAX_METADATA_DEPTH = 512;

interface RegisteredType {
  definition: EventTypeDefinition;
  describe: (event: TraceEvent) => string;
  /** The metadata schema compiled to plain JS on first use; null when zod must validate alone. */
  check: CompiledCheck | null | undefined;
}
interface RegisteredPrimitive {
  definition: PrimitiveDefinition;
  types: Map<string, RegisteredType>;
}

const describeUnknown = compileDescription('{agent} {primitive}.{type}[ {target}]');

function issuePath(path: readonly PropertyKey[]): string {
  return ['metadata', ...path.map(String)].join('.');
}

/**
 * The path of the first `__proto__` key in metadata, or undefined. JSON.parse keeps such a key as
 * data, but zod (which validates every type's metadata) skips it and any `obj[key] = value` copy
 * turns it into the object's prototype, so it would be dropped or change meaning: it is refused.
 */
function protoKeyPath(value: object, depth: number): string | undefined {
  if (depth > MAX_METADATA_DEPTH) {
    throw new TraceError('E_SCHEMA', `metadata: nested more than ${MAX_METADATA_DEPTH} levels deep, or circular`);
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (typeof item !== 'object' || item === null) continue;
      const path = protoKeyPath(item, depth + 1);
      if (path !== undefined) return `${i}.${path}`;
    }
    return undefined;
  }
  if (Object.hasOwn(value, '__proto__')) return '__proto__';
  for (const key in value) {
    const item: unknown = (value as Record<string, unknown>)[key];
    if (typeof item !== 'object' || item === null) continue;
    const path = protoKeyPath(item, depth + 1);
    if (path !== undefined) return `${key}.${path}`;
  }
  return undefined;
}

/**
 * UTF-8 bytes never number fewer than UTF-16 units nor more than three per unit, so only JSON
 * between a third of the limit and the limit is counted byte by byte.
 */
function metadataTooLarge(json: string): boolean {
  if (json.length <= MAX_METADATA_BYTES / 3) return false;
  return json.length > MAX_METADATA_BYTES || Buffer.byteLength(json, 'utf8') > MAX_METADATA_BYTES;
}

function checkName(value: unknown, field: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_NAME_LENGTH) {
    throw new TraceError('E_SCHEMA', `${field}: expected a non-empty string of at most ${MAX_NAME_LENGTH} characters`);
  }
  return value;
}

function checkId(value: unknown, field: string): string {
  if (!isEventId(value)) {
    throw new TraceError('E_INVALID_ID', `${field}: expected a uuidv7 event id, got ${JSON.stringify(value)}`);
  }
  return value;
}

function checkPrivate(value: unknown): boolean {
  if (value === undefined || value === null || value === false) return false;
  if (value === true) return true;
  throw new TraceError('E_SCHEMA', `private: expected true or false, got ${JSON.stringify(value)}`);
}

/**
 * The registry of primitives and event types. It validates what is emitted and describes
 * what is read. Start from the built-in five and register your own at runtime.
 */
export class EventCatalog {
  readonly #primitives = new Map<string, RegisteredPrimitive>();

  constructor(primitives: Record<string, PrimitiveDefinition> = builtinPrimitives) {
    for (const [name, definition] of Object.entries(primitives)) this.registerPrimitive(name, definition);
  }

  /** Adds a primitive with its types; adding types to an existing primitive extends it. */
  registerPrimitive(name: string, definition: PrimitiveDefinition): this {
    if (!KIND_NAME.test(name)) {
      throw new TraceError('E_SCHEMA', `primitive: "${name}" must match ${KIND_NAME}`);
    }
    const existing = this.#primitives.get(name);
    const registered = existing ?? { definition: { ...definition, types: {} }, types: new Map() };
    if (!existing) this.#primitives.set(name, registered);
    for (const [type, typeDefinition] of Object.entries(definition.types)) {
      this.registerType(name, type, typeDefinition);
    }
    return this;
  }

  registerType(primitive: string, type: string, definition: EventTypeDefinition): this {
    const registered = this.#primitives.get(primitive);
    if (!registered) {
      throw new TraceError('E_UNKNOWN_KIND', `unknown primitive "${primitive}"; register it first with registerPrimitive`);
    }
    if (!KIND_NAME.test(type)) throw new TraceError('E_SCHEMA', `type: "${type}" must match ${KIND_NAME}`);
    const describe = compileDescription(definition.description);
    registered.types.set(type, { definition, describe, check: undefined });
    registered.definition.types[type] = definition;
    return this;
  }

  primitives(): string[] {
    return [...this.#primitives.keys()];
  }

  primitive(name: string): PrimitiveDefinition {
    const registered = this.#primitives.get(name);
    if (!registered) {
      throw new TraceError(
        'E_UNKNOWN_KIND',
        `unknown primitive "${name}"; expected one of: ${this.primitives().join(', ')}`,
      );
    }
    return registered.definition;
  }

  definition(primitive: string, type: string): EventTypeDefinition {
    return this.#registered(primitive, type).definition;
  }

  #registered(primitive: string, type: string): RegisteredType {
    const registered = this.#primitives.get(primitive)?.types.get(type);
    if (registered) return registered;
    this.primitive(primitive); // throws for an unknown primitive
    const valid = [...this.#primitives.get(primitive)!.types.keys()].join(', ');
    throw new TraceError('E_UNKNOWN_KIND', `unknown type "${type}" for primitive ${primitive}; expected one of: ${valid}`);
  }

  /** The one-line timeline description of an event; events of unregistered kinds get a generic one. */
  describe(event: TraceEvent): string {
    const registered = this.#primitives.get(event.primitive)?.types.get(event.type);
    return (registered?.describe ?? describeUnknown)(event);
  }

  /** Validates metadata against its type's schema; the error names the first bad field. */
  parseMetadata(primitive: string, type: string, metadata: unknown): JsonObject {
    return this.#parseMetadata(this.#registered(primitive, type), primitive, type, metadata);
  }

  #parseMetadata(registered: RegisteredType, primitive: string, type: string, metadata: unknown): JsonObject {
    if (metadata === undefined || metadata === null) metadata = {};
    if (typeof metadata !== 'object' || Array.isArray(metadata)) {
      throw new TraceError('E_SCHEMA', `metadata: expected a JSON object (${primitive}.${type})`);
    }
    const protoPath = protoKeyPath(metadata as object, 0);
    if (protoPath !== undefined) {
      throw new TraceError(
        'E_SCHEMA',
        `metadata.${protoPath}: the key "__proto__" is not allowed in metadata (JavaScript gives it a special meaning); rename it (${primitive}.${type})`,
      );
    }
    if (registered.check === undefined) registered.check = compileCheck(registered.definition.metadata) ?? null;
    if (registered.check !== null) {
      const checked = registered.check(metadata);
      if (checked !== UNSURE) return checked as JsonObject;
    }
    // zod decides what the compiled check was unsure of, and words the error.
    const result = registered.definition.metadata.safeParse(metadata);
    if (!result.success) {
      const issue = result.error.issues[0]!;
      throw new TraceError('E_SCHEMA', `${issuePath(issue.path)}: ${issue.message} (${primitive}.${type})`);
    }
    return result.data as JsonObject;
  }

  /**
   * Builds a complete, validated event from what an emitter supplied. Without an explicit `ts`
   * the id is a fresh uuidv7 and `ts` is its time; with one, the id carries that time.
   */
  prepare(input: EventInput): PreparedEvent {
    const { primitive, type } = input;
    const registered = this.#registered(primitive, type);
    const target_id = checkName(input.target_id, 'target_id');
    if (registered.definition.requiresTarget && target_id === null) {
      const what = this.#primitives.get(primitive)!.definition.target ?? 'target';
      throw new TraceError('E_SCHEMA', `target_id: ${primitive}.${type} needs a target (the ${what})`);
    }
    const metadata = this.#parseMetadata(registered, primitive, type, input.metadata);
    let metadataJson: string;
    try {
      metadataJson = JSON.stringify(metadata);
    } catch (error) {
      throw new TraceError('E_SCHEMA', `metadata: not JSON-serializable (${(error as Error).message})`);
    }
    if (metadataTooLarge(metadataJson)) {
      throw new TraceError(
        'E_SCHEMA',
        `metadata: ${Buffer.byteLength(metadataJson, 'utf8')} bytes of JSON (UTF-8), more than the limit of ${MAX_METADATA_BYTES} bytes`,
      );
    }
    const given = input.ts;
    const ts =
      given === undefined ? undefined
      : typeof given === 'number' && Number.isSafeInteger(given) && given >= 0 && given <= MAX_TS ? given
      : parseTime(given, 'ts');
    const fresh = input.id === undefined && ts === undefined;
    const id = fresh ? newEventId() : input.id === undefined ? eventIdAt(ts!) : checkId(input.id, 'id');
    const causes = input.causes ?? [];
    if (!Array.isArray(causes)) throw new TraceError('E_SCHEMA', 'causes: expected an array of event ids');
    if (causes.length > MAX_CAUSES) {
      throw new TraceError('E_SCHEMA', `causes: ${causes.length} event ids, more than the limit of ${MAX_CAUSES} causes per event`);
    }
    const event: TraceEvent = {
      id,
      ts: ts ?? (fresh ? lastEventIdTime() : eventIdTime(id)),
      primitive,
      type,
      agent_id: checkName(input.agent_id, 'agent_id'),
      target_id,
      session_id: checkName(input.session_id, 'session_id'),
      parent_event_id: input.parent_event_id == null ? null : this.#checkParent(input.parent_event_id),
      causes: causes.map((cause, i) => checkId(cause, `causes[${i}]`)),
      idempotency_key: checkName(input.idempotency_key, 'idempotency_key'),
      schema_version: SCHEMA_VERSION,
      metadata,
    };
    if (checkPrivate(input.private)) event.private = true;
    return { event, metadataJson };
  }

  /**
   * Consecutive events mostly share a parent (everything emitted inside one within()), so the
   * last parent that passed the uuid check is remembered: the check cost a third of an emit.
   */
  #lastParent: string | undefined;
  #checkParent(parent: unknown): string {
    if (this.#lastParent !== undefined && parent === this.#lastParent) return this.#lastParent;
    return (this.#lastParent = checkId(parent, 'parent_event_id'));
  }

  /** The catalog as JSON Schema: one entry per primitive and type, for docs and other languages. */
  toJSONSchema(): Record<string, unknown> {
    const primitives: Record<string, unknown> = {};
    for (const [name, { definition, types }] of this.#primitives) {
      const typeSchemas: Record<string, unknown> = {};
      for (const [type, { definition: typeDefinition }] of types) {
        typeSchemas[type] = {
          summary: typeDefinition.summary,
          description_template: typeDefinition.description,
          requires_target: typeDefinition.requiresTarget ?? false,
          metadata: z.toJSONSchema(typeDefinition.metadata, { io: 'input', unrepresentable: 'any' }),
        };
      }
      primitives[name] = { summary: definition.summary, target: definition.target, types: typeSchemas };
    }
    return { schema_version: SCHEMA_VERSION, primitives };
  }
}
