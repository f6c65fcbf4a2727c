/**
 * Contact details in events are sealed with the customer's data key (ADR 0029, crypto-shredding):
 * AES-256-GCM from node:crypto, a fresh 12-byte IV per value, and the stream id and field name as
 * associated data, so a sealed value cannot be moved to another customer or field. Erasure deletes
 * the key; opening a value without it yields `ERASED` instead of failing.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export const CONTACT_CIPHER = 'A256GCM' as const;
export const CONTACT_KEY_BYTES = 32;

/** A sealed contact value as events carry it (base64url fields). */
export interface SealedContact {
  readonly alg: typeof CONTACT_CIPHER;
  readonly iv: string;
  readonly ct: string;
  readonly tag: string;
}

/** What a reader gets for a sealed value whose key was destroyed by erasure. */
export const ERASED = Object.freeze({ erased: true as const });
export type Erased = typeof ERASED;

/** Where a sealed value belongs: bound into the ciphertext as associated data. */
export interface ContactBinding {
  readonly streamId: string;
  readonly field: string;
}

/** A new random per-customer data key. */
export function newContactKey(): Buffer {
  return randomBytes(CONTACT_KEY_BYTES);
}

function aad(binding: ContactBinding): Buffer {
  return Buffer.from(`${binding.streamId}\u0000${binding.field}`, 'utf8');
}

function checkKey(key: Uint8Array): void {
  if (key.length !== CONTACT_KEY_BYTES) throw new RangeError(`a contact key has ${CONTACT_KEY_BYTES} bytes`);
}

export function sealContact(key: Uint8Array, binding: ContactBinding, value: string): SealedContact {
  checkKey(key);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(aad(binding));
  const ct = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
  return { alg: CONTACT_CIPHER, iv: iv.toString('base64url'), ct: ct.toString('base64url'), tag: cipher.getAuthTag().toString('base64url') };
}

/**
 * Opens a sealed value. `key` null (erased) → `ERASED`. A value that does not authenticate under the
 * key and binding (tampered, or moved to another stream or field) throws: that is corruption, not erasure.
 */
export function openContact(key: Uint8Array | null, binding: ContactBinding, sealed: SealedContact): string | Erased {
  if (key === null) return ERASED;
  checkKey(key);
  if (sealed.alg !== CONTACT_CIPHER) throw new Error(`unknown contact cipher ${String(sealed.alg)}`);
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64url'));
  decipher.setAAD(aad(binding));
  decipher.setAuthTag(Buffer.from(sealed.tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(sealed.ct, 'base64url')), decipher.final()]).toString('utf8');
}

export function isErased(value: unknown): value is Erased {
  return value === ERASED;
}
