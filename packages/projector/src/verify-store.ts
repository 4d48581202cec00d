import type { StoreCheck, TraceStore } from '@tracekernel/store';
import { verifyRunStore } from './runs/verify-runs.js';

export interface VerifyCheck {
  /** The store's own checks (integrity, protection, dictionaries, chain), then `runs`. */
  name: StoreCheck['name'] | 'runs';
  ok: boolean;
  detail: string;
  problems: string[];
}

export interface StoreVerification {
  ok: boolean;
  checks: VerifyCheck[];
}

/**
 * Checks a store end to end for `trace verify`: the store's own checks (the database's integrity
 * check, the append-only protection, the dictionaries, the hash chain over events), then the run
 * invariants over its run records. `ok` only when every check passes.
 */
export async function verifyStore(store: TraceStore): Promise<StoreVerification> {
  const checks: VerifyCheck[] = store.verify ? await store.verify() : [];
  const { runs, violations } = await verifyRunStore(store);
  checks.push({
    name: 'runs',
    ok: violations.length === 0,
    detail: violations.length === 0
      ? `${runs} run record(s): all invariants hold`
      : `${runs} run record(s): ${violations.length} invariant violation(s)`,
    problems: violations.slice(0, 20).map((violation) => `rule ${violation.rule}, run ${violation.span_id}: ${violation.message}`),
  });
  return { ok: checks.every((check) => check.ok), checks };
}
