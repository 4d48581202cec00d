import { KIND_NAME, TraceError, canonicalJson, checkNotBuiltin, sameRegistration, type KindRegistration } from '@tracekernel/schema';

function key(registration: Pick<KindRegistration, 'primitive' | 'type'>): string {
  return `${registration.primitive}.${registration.type}`;
}

/** A stored row's definition back as a registration; a row that is not one is a corrupt store. */
export function registrationOfRow(primitive: string, type: string, definition: string, location: string): KindRegistration {
  try {
    return { ...(JSON.parse(definition) as Omit<KindRegistration, 'primitive' | 'type'>), primitive, type };
  } catch {
    throw new TraceError('E_CORRUPT_STORE', `${location}: the registration of ${primitive}.${type} is not JSON`);
  }
}

/** What a row stores of a registration: all but its key, as canonical JSON, so equal definitions compare equal. */
export function registrationDefinition(registration: KindRegistration): string {
  const { primitive: _primitive, type: _type, ...definition } = registration;
  return canonicalJson(definition);
}

/**
 * The registrations among `incoming` that the store does not hold yet. One it holds with the same
 * definition is skipped (registering twice is a no-op); a different definition for a stored type
 * is refused, so that events already stored keep the meaning they were written with.
 */
export function newRegistrations(incoming: readonly KindRegistration[], stored: readonly KindRegistration[]): KindRegistration[] {
  const byKey = new Map(stored.map((registration) => [key(registration), registration]));
  const added = new Map<string, KindRegistration>();
  for (const registration of incoming) {
    checkNotBuiltin(registration.primitive);
    if (!KIND_NAME.test(registration.primitive) || !KIND_NAME.test(registration.type)) {
      throw new TraceError('E_SCHEMA', `registration: "${key(registration)}" must be a primitive and a type matching ${KIND_NAME}`);
    }
    const existing = byKey.get(key(registration)) ?? added.get(key(registration));
    if (existing === undefined) {
      added.set(key(registration), registration);
    } else if (!sameRegistration(existing, registration)) {
      throw new TraceError(
        'E_SCHEMA',
        `registration: primitive "${registration.primitive}" type "${registration.type}" is already registered in this store with a different definition; registrations cannot change (register a new type name instead)`,
      );
    }
  }
  return [...added.values()];
}
