import { HttpError } from './http-error.js';

/**
 * A request's query string, read strictly: a parameter the route does not know is an error naming
 * it, as an unknown flag is for the CLI.
 */
export class QueryParams {
  readonly #params: URLSearchParams;

  constructor(params: URLSearchParams, known: readonly string[]) {
    for (const name of params.keys()) {
      if (!known.includes(name)) {
        throw new HttpError(400, 'E_USAGE', `${name}: unknown query parameter; expected one of: ${known.join(', ') || '(none)'}`);
      }
    }
    this.#params = params;
  }

  has(name: string): boolean {
    return this.#params.has(name);
  }

  string(name: string): string | undefined {
    const values = this.#params.getAll(name);
    if (values.length > 1) throw new HttpError(400, 'E_USAGE', `${name}: given ${values.length} times; expected once`);
    if (values[0] === '') throw new HttpError(400, 'E_USAGE', `${name}: expected a value`);
    return values[0];
  }

  /** Repeated or comma-separated values, like `--primitive`. */
  list(name: string): string[] | undefined {
    const values = this.#params.getAll(name).flatMap((value) => value.split(',')).map((value) => value.trim()).filter(Boolean);
    return values.length === 0 ? undefined : values;
  }

  positiveInteger(name: string): number | undefined {
    const text = this.string(name);
    if (text === undefined) return undefined;
    const value = Number(text);
    if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < 1) {
      throw new HttpError(400, 'E_USAGE', `${name}: expected a positive integer, got ${JSON.stringify(text)}`);
    }
    return value;
  }

  boolean(name: string): boolean {
    const text = this.string(name);
    if (text === undefined || text === 'false' || text === '0') return false;
    if (text === 'true' || text === '1') return true;
    throw new HttpError(400, 'E_USAGE', `${name}: expected true or false, got ${JSON.stringify(text)}`);
  }
}
