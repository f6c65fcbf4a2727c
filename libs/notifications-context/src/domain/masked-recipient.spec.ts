import { describe, expect, it } from '@jest/globals';
import { maskRecipient } from './masked-recipient.js';

describe('maskRecipient', () => {
  it('keeps the first character and the domain of an address, the country code and last two digits of a number', () => {
    expect(maskRecipient('ada.lovelace@example.com')).toBe('a***@example.com');
    expect(maskRecipient('+4915123456789')).toBe('+49***89');
    expect(maskRecipient('inbox')).toBe('inbox');
    expect(maskRecipient('something else')).toBe('***');
    expect(maskRecipient('ada.lovelace@example.com')).not.toContain('lovelace');
  });
});
