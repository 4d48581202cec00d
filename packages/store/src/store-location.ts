/** Whether a location names a PostgreSQL server rather than a file. */
export function isPostgresLocation(location: string): boolean {
  return /^postgres(?:ql)?:\/\//i.test(location);
}

/**
 * The location as it may be shown: a URL without its user name, password or `password` parameter.
 * Errors, `location` and stats use this form, so a password never reaches a terminal or a log.
 */
export function redactLocation(location: string): string {
  if (!isPostgresLocation(location)) return location;
  try {
    const url = new URL(location);
    url.username = '';
    url.password = '';
    for (const key of [...url.searchParams.keys()]) {
      if (/pass|secret|token|key/i.test(key)) url.searchParams.delete(key);
    }
    return url.toString();
  } catch {
    // Unparseable: keep the scheme only, which can hold no secret.
    return `${location.slice(0, location.indexOf('://') + 3)}…`;
  }
}

/** `host:port/database` of a PostgreSQL URL, for messages. */
export function describePostgres(location: string): string {
  try {
    const url = new URL(location);
    return `${url.hostname || 'localhost'}:${url.port || '5432'}${url.pathname === '/' ? '' : url.pathname}`;
  } catch {
    return redactLocation(location);
  }
}
