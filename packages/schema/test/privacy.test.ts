import { describe, expect, it } from 'vitest';
import { EventCatalog, REDACTED, Redactor, eventSchema, parseRedactList, toJsonEvent } from '@tracekernel/schema';

describe('Redactor', () => {
  const redactor = new Redactor(['api_key', 'password']);

  it('redacts a named key at any depth, in objects and in objects inside arrays', () => {
    const metadata = {
      api_key: 'sk-top',
      request: { headers: { api_key: 'sk-nested', accept: 'json' } },
      attempts: [{ password: 'hunter2', n: 1 }, 'plain', [{ api_key: { deep: 'sk-object' } }]],
      keep: 'visible',
    };
    expect(redactor.redact(metadata)).toEqual({
      api_key: REDACTED,
      request: { headers: { api_key: REDACTED, accept: 'json' } },
      attempts: [{ password: REDACTED, n: 1 }, 'plain', [{ api_key: REDACTED }]],
      keep: 'visible',
    });
    // the caller's object is not changed
    expect(metadata.request.headers.api_key).toBe('sk-nested');
  });

  it('matches keys case-insensitively and otherwise exactly', () => {
    expect(redactor.redact({ API_KEY: 'a', Api_Key: 'b', apiKey: 'c', api_key_id: 'd', my_password: 'e' })).toEqual({
      API_KEY: REDACTED, Api_Key: REDACTED, apiKey: 'c', api_key_id: 'd', my_password: 'e',
    });
  });

  it('returns the same object when nothing matched, and an empty redactor changes nothing', () => {
    const metadata = { title: 'x', nested: { list: [1, 2] } };
    expect(redactor.redact(metadata)).toBe(metadata);
    expect(new Redactor([]).empty).toBe(true);
    expect(new Redactor([]).redact({ api_key: 'x' })).toEqual({ api_key: 'x' });
  });

  it('redacts a prepared event and its encoded metadata, which the store writes', () => {
    const prepared = new EventCatalog().prepare({ primitive: 'bridge', type: 'send', target_id: 'c', metadata: { content: 'hi', auth: { PASSWORD: 'hunter2' } } });
    const redacted = redactor.redactPrepared(prepared);
    expect(redacted.event.metadata).toEqual({ content: 'hi', auth: { PASSWORD: REDACTED } });
    expect(redacted.metadataJson).not.toContain('hunter2');
    expect(JSON.parse(redacted.metadataJson)).toEqual(redacted.event.metadata);
    expect(redacted.event.id).toBe(prepared.event.id);
  });

  it('refuses a blank key name, naming the field', () => {
    expect(() => new Redactor(['api_key', ' '])).toThrow(/^redact: expected non-empty key names/);
  });

  it('parses TRACE_REDACT as a comma list, ignoring blanks', () => {
    expect(parseRedactList(' api_key, ,password,')).toEqual(['api_key', 'password']);
    expect(parseRedactList(undefined)).toEqual([]);
  });
});

describe('the private flag', () => {
  const catalog = new EventCatalog();

  it('is absent (false) by default, and private: true is kept on the envelope', () => {
    expect(catalog.prepare({ primitive: 'spawn', type: 'wake' }).event).not.toHaveProperty('private');
    expect(catalog.prepare({ primitive: 'spawn', type: 'wake', private: false }).event).not.toHaveProperty('private');
    const event = catalog.prepare({ primitive: 'spawn', type: 'wake', private: true }).event;
    expect(event.private).toBe(true);
    expect(eventSchema.parse(event)).toEqual(event);
  });

  it('an envelope without the field (an older spool record) parses as not private', () => {
    const { private: _omitted, ...older } = catalog.prepare({ primitive: 'spawn', type: 'wake' }).event;
    expect(eventSchema.parse(older).private ?? false).toBe(false);
  });

  it('refuses a value that is not a boolean, naming the field', () => {
    expect(() => catalog.prepare({ primitive: 'spawn', type: 'wake', private: 'yes' as unknown as boolean })).toThrow(/^private: expected true or false, got "yes"$/);
  });

  it('--json shows private only on a private event', () => {
    expect(toJsonEvent(catalog.prepare({ primitive: 'spawn', type: 'wake' }).event)).not.toHaveProperty('private');
    expect(toJsonEvent(catalog.prepare({ primitive: 'spawn', type: 'wake', private: true }).event).private).toBe(true);
  });
});
