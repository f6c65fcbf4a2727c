import { ERASED, isErased, newContactKey, openContact, sealContact } from './contact-cipher.js';

const binding = { streamId: 'customer-c-1', field: 'contact.email' };
const email = 'ann@example.org';

describe('contact cipher (ADR 0029)', () => {
  it('seals a contact value so its bytes hold no clear text, and opens it with the key', () => {
    const key = newContactKey();
    const sealed = sealContact(key, binding, email);
    const raw = JSON.stringify(sealed);
    expect(raw).not.toContain(email);
    expect(raw).not.toContain('ann');
    expect(openContact(key, binding, sealed)).toBe(email);
  });

  it('gives a fresh IV each time: the same address seals to different bytes', () => {
    const key = newContactKey();
    expect(sealContact(key, binding, email).ct).not.toBe(sealContact(key, binding, email).ct);
  });

  it('yields ERASED without the key (erasure destroyed it) instead of failing', () => {
    const sealed = sealContact(newContactKey(), binding, email);
    const opened = openContact(null, binding, sealed);
    expect(opened).toBe(ERASED);
    expect(isErased(opened)).toBe(true);
  });

  it('refuses a value moved to another customer or field, or opened with another key', () => {
    const key = newContactKey();
    const sealed = sealContact(key, binding, email);
    expect(() => openContact(key, { ...binding, streamId: 'customer-c-2' }, sealed)).toThrow();
    expect(() => openContact(key, { ...binding, field: 'contact.phone' }, sealed)).toThrow();
    expect(() => openContact(newContactKey(), binding, sealed)).toThrow();
  });

  it('refuses a key of the wrong length', () => {
    expect(() => sealContact(Buffer.alloc(16), binding, email)).toThrow(RangeError);
  });
});
