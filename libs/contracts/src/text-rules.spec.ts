import { describe, expect, it } from '@jest/globals';
import { isIdentifier, isStorableText } from './text-rules.js';

describe('text rules', () => {
  it('an identifier is 1–64 printable characters, not blank', () => {
    for (const id of ['c-1', 'customer 42', 'Jürgen', 'user@example', '顧客', 'a'.repeat(64), 'emoji-😀']) {
      expect({ id, ok: isIdentifier(id) }).toEqual({ id, ok: true });
    }
  });

  it.each([
    ['empty', ''],
    ['blank', '   '],
    ['too long', 'a'.repeat(65)],
    ['NUL', 'a\u0000b'],
    ['newline', 'a\nb'],
    ['tab', 'a\tb'],
    ['DEL', 'a\u007fb'],
    ['C1 control', 'a\u0085b'],
    ['zero-width space', 'a\u200bb'],
    ['zero-width joiner', 'a\u200db'],
    ['byte-order mark', '\ufeffab'],
    ['right-to-left override', 'a\u202eb'],
    ['right-to-left mark', 'a\u200fb'],
    ['bidi isolate', 'a\u2066b\u2069'],
    ['Arabic letter mark', 'a\u061cb'],
    ['line separator', 'a\u2028b'],
    ['lone high surrogate', 'x\ud800y'],
    ['lone low surrogate', 'x\udc00y'],
    ['private use', 'a\ue000b'],
    ['not a string', 42],
  ])('an identifier refuses %s', (_name, value) => {
    expect(isIdentifier(value)).toBe(false);
  });

  it('storable text is anything but NUL and unpaired surrogates', () => {
    for (const text of ['', 'found it cheaper', 'line\nbreak', 'tab\t', '😀', 'a\u202eb']) expect(isStorableText(text)).toBe(true);
    for (const text of ['a\u0000b', 'x\ud800y', '\udfff', 'a\ud83d']) expect(isStorableText(text)).toBe(false);
  });
});
