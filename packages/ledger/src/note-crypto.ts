import { createCipheriv, createDecipheriv, pbkdf2Sync, randomBytes } from 'node:crypto';
import { TraceError } from '@tracekernel/schema';

/**
 * `ENC:v1:<salt>:<iv>:<ciphertext+tag>`, each part base64. v1 fixes the parameters: AES-256-GCM
 * with a 12-byte IV and a 16-byte tag appended to the ciphertext; the key is PBKDF2-HMAC-SHA256 of
 * TRACE_ENC_KEY over a random 16-byte salt per message, 210,000 iterations (OWASP's 2023 figure
 * for SHA-256 is 600,000; a note is decrypted each time it is listed, so this trades a little
 * strength for listing speed; a later v2 can raise it, since the version is in every message).
 */
const PREFIX = 'ENC:v1:';
const ITERATIONS = 210_000;
const SALT_BYTES = 16;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export const ENCRYPTED_PLACEHOLDER = '[encrypted]';

const derived = new Map<string, Buffer>();

function deriveKey(secret: string, salt: Buffer): Buffer {
  const cacheKey = `${salt.toString('base64')}\0${secret}`;
  let key = derived.get(cacheKey);
  if (!key) {
    key = pbkdf2Sync(secret, salt, ITERATIONS, 32, 'sha256');
    derived.set(cacheKey, key);
  }
  return key;
}

export function isEncrypted(text: string): boolean {
  return text.startsWith(PREFIX);
}

/** The secret from TRACE_ENC_KEY, or null; an empty value counts as none. */
export function encryptionSecret(env: NodeJS.ProcessEnv = process.env): string | null {
  const secret = env.TRACE_ENC_KEY;
  return secret === undefined || secret === '' ? null : secret;
}

export function encryptText(plaintext: string, secret: string | null): string {
  if (secret === null) throw new TraceError('E_KEY', '--encrypt: TRACE_ENC_KEY is not set; set it to the shared secret (nothing was written)');
  const salt = randomBytes(SALT_BYTES);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', deriveKey(secret, salt), iv);
  const sealed = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return `${PREFIX}${salt.toString('base64')}:${iv.toString('base64')}:${sealed.toString('base64')}`;
}

/** The plaintext, or null without the key, with the wrong key, or for a damaged message. */
export function decryptText(stored: string, secret: string | null): string | null {
  if (secret === null || !isEncrypted(stored)) return null;
  const [salt, iv, sealed] = stored.slice(PREFIX.length).split(':').map((part) => Buffer.from(part, 'base64'));
  if (!salt || !iv || !sealed || salt.length !== SALT_BYTES || iv.length !== IV_BYTES || sealed.length < TAG_BYTES) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', deriveKey(secret, salt), iv);
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}
