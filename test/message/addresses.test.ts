import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MailerError } from '../../src/errors/mailer-error';
import { domainToASCII } from 'node:url';
import { asciiDomain, domainProblem, formatAddress, parseAddresses } from '../../src/message/addresses';
import type { Address, AddressObject } from '../../src/message/types';
import { expectMailerError, thrown } from './helpers';

const ATEXT = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+/=?^_`{|}~-".split('');
const LDH = 'abcdefghijklmnopqrstuvwxyz0123456789-'.split('');
const ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789'.split('');

const atom = fc.string({ unit: fc.constantFrom(...ATEXT), minLength: 1, maxLength: 12 });
const localPart = fc
  .array(atom, { minLength: 1, maxLength: 4 })
  .map((atoms) => atoms.join('.'))
  .filter((l) => l.length <= 64);
const label = fc
  .tuple(fc.constantFrom(...ALNUM), fc.string({ unit: fc.constantFrom(...LDH), maxLength: 20 }), fc.constantFrom(...ALNUM))
  .map(([a, mid, z]) => `${a}${mid}${z}`);
const tld = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz'.split('')), minLength: 2, maxLength: 8 });
const domain = fc.tuple(fc.array(label, { minLength: 1, maxLength: 3 }), tld).map(([ls, t]) => [...ls, t].join('.'));
const validAddress = fc.tuple(localPart, domain).map(([l, d]) => `${l}@${d}`);
/** Display names: any text without control characters, trimmed and non-empty. */
const displayName = fc
  .string({ unit: 'grapheme', minLength: 1, maxLength: 30 })
  .map((s) => s.replace(/[\u0000-\u001f\u007f]/g, '').trim())
  .filter((s) => s !== '');
const badChar = fc.constantFrom('\r', '\n', '\r\n', '\u0000', '\u0007', '\t', '\u001f', '\u007f');

function insertAt(s: string, pos: number, ins: string): string {
  const i = pos % (s.length + 1);
  return s.slice(0, i) + ins + s.slice(i);
}

describe('parseAddresses: accepted forms', () => {
  it.each<[Address, AddressObject[]]>([
    ['a@x.com', [{ address: 'a@x.com' }]],
    ['  a@x.com  ', [{ address: 'a@x.com' }]],
    ['Ann Lee <ann@x.com>', [{ name: 'Ann Lee', address: 'ann@x.com' }]],
    ['<ann@x.com>', [{ address: 'ann@x.com' }]],
    ['"Lee, Ann" <ann@x.com>', [{ name: 'Lee, Ann', address: 'ann@x.com' }]],
    ['"Ann \\"Q\\" Lee" <ann@x.com>', [{ name: 'Ann "Q" Lee', address: 'ann@x.com' }]],
    ['Ann "The" Lee <a@x.com>', [{ name: 'Ann The Lee', address: 'a@x.com' }]],
    [
      '"Lee, Ann" <ann@x.com>, Bob <bob@y.org>,c@z.net',
      [{ name: 'Lee, Ann', address: 'ann@x.com' }, { name: 'Bob', address: 'bob@y.org' }, { address: 'c@z.net' }],
    ],
    ['a@x.com, ', [{ address: 'a@x.com' }]],
    ['', []],
    ['"john doe"@x.com', [{ address: '"john doe"@x.com' }]],
    ['"a,b"@x.com, c@x.com', [{ address: '"a,b"@x.com' }, { address: 'c@x.com' }]],
    ['Q <"a>b"@x.com>', [{ name: 'Q', address: '"a>b"@x.com' }]],
    ["o'brien+tag@mail.example.co.uk", [{ address: "o'brien+tag@mail.example.co.uk" }]],
    ['ann@bücher.de', [{ address: 'ann@bücher.de' }]],
    ['Ann <ann@例え.テスト>', [{ name: 'Ann', address: 'ann@例え.テスト' }]],
    ['Anne Müller <Anne.Mueller@Contoso.COM>', [{ name: 'Anne Müller', address: 'Anne.Mueller@Contoso.COM' }]],
    [{ address: 'a@x.com' }, [{ address: 'a@x.com' }]],
    [{ name: '  Ann  ', address: ' a@x.com ' }, [{ name: 'Ann', address: 'a@x.com' }]],
    [{ name: '', address: 'a@x.com' }, [{ address: 'a@x.com' }]],
    [
      ['a@x.com', { name: 'B', address: 'b@x.com' }, 'C <c@x.com>, d@x.com'],
      [{ address: 'a@x.com' }, { name: 'B', address: 'b@x.com' }, { name: 'C', address: 'c@x.com' }, { address: 'd@x.com' }],
    ],
    [[], []],
  ])('%j', (input, expected) => {
    expect(parseAddresses(input, 'to')).toStrictEqual(expected);
  });

  it('gives [] for undefined and null', () => {
    expect(parseAddresses(undefined, 'cc')).toStrictEqual([]);
    expect(parseAddresses(null as unknown as Address, 'cc')).toStrictEqual([]);
  });
});

describe('parseAddresses: rejected input names the field and index', () => {
  it.each<[unknown, string, string]>([
    ['nope', 'to', 'to[0]'],
    ['a@x.com, nope', 'to', 'to[1]'],
    [['a@x.com', 'b@x.com', 'nope'], 'cc', 'cc[2]'],
    [['a@x.com, b@x.com', 'c@'], 'bcc', 'bcc[2]'],
    ['Lee, Ann <ann@x.com>', 'to', 'to[0]'],
    ['"Ann <ann@x.com>', 'to', 'to[0]'],
    ['Ann <ann@x.com', 'to', 'to[0]'],
    ['ann@x.com>', 'to', 'to[0]'],
    ['Ann <ann@x.com> extra', 'to', 'to[0]'],
    ['Ann Lee ann@x.com', 'to', 'to[0]'],
    ['a@x', 'to', 'to[0]'],
    ['@x.com', 'to', 'to[0]'],
    ['a@', 'to', 'to[0]'],
    ['a..b@x.com', 'to', 'to[0]'],
    ['.a@x.com', 'to', 'to[0]'],
    ['a.@x.com', 'to', 'to[0]'],
    ['a b@x.com', 'to', 'to[0]'],
    ['a@b@x.com', 'to', 'to[0]'],
    ['""@x.com', 'to', 'to[0]'],
    ['a@x..com', 'to', 'to[0]'],
    ['a@.x.com', 'to', 'to[0]'],
    ['a@x.com.', 'to', 'to[0]'],
    ['a@-x.com', 'to', 'to[0]'],
    ['a@x-.com', 'to', 'to[0]'],
    ['a@x_y.com', 'to', 'to[0]'],
    ['a@x%41.com', 'to', 'to[0]'],
    ['a@1.2.3.4', 'to', 'to[0]'],
    ['a@[1.2.3.4]', 'to', 'to[0]'],
    ['a@xn--zz.com', 'to', 'to[0]'],
    ['ä@x.com', 'to', 'to[0]'],
    [{ address: 'Ann <a@x.com>' }, 'to', 'to[0]'],
    [{ name: 'A' }, 'to', 'to[0].address'],
    [{ name: 5, address: 'a@x.com' }, 'to', 'to[0].name'],
    [['a@x.com', 5], 'to', 'to[1]'],
    [['a@x.com', null], 'to', 'to[1]'],
    [['a@x.com', ['b@x.com']], 'to', 'to[1]'],
    [42, 'replyTo', 'replyTo'],
  ])('%j as %s → %s', (input, field, named) => {
    expectMailerError(thrown(() => parseAddresses(input as Address, field)), 'MESSAGE_INVALID', named);
  });

  it.each<[unknown, string]>([
    ['Ann\r\nBcc: evil@x.com <a@x.com>', 'to[0]'],
    ['a@x.com\n', 'to[0]'],
    ['\na@x.com', 'to[0]'],
    ['a@x.com, \r\n', 'to[1]'],
    ['a@x.com\u0000', 'to[0]'],
    ['Ann\tLee <a@x.com>', 'to[0]'],
    ['"Ann\u007f" <a@x.com>', 'to[0]'],
    [{ name: 'Ann\r\nLee', address: 'a@x.com' }, 'to[0].name'],
    [{ address: 'a@x.com\r\n' }, 'to[0].address'],
    [['a@x.com', { address: '\u0000b@x.com' }], 'to[1].address'],
  ])('rejects control characters in %j, naming %s', (input, named) => {
    const e = expectMailerError(thrown(() => parseAddresses(input as Address, 'to')), 'MESSAGE_INVALID', named);
    expect(e.message).toMatch(/control character/);
  });
});

describe('parseAddresses: length limits', () => {
  it('accepts a 64-octet local part and rejects 65', () => {
    const l64 = 'a'.repeat(64);
    expect(parseAddresses(`${l64}@x.com`, 'to')).toStrictEqual([{ address: `${l64}@x.com` }]);
    const e = expectMailerError(thrown(() => parseAddresses(`${l64}b@x.com`, 'to')), 'MESSAGE_INVALID', 'to[0]');
    expect(e.message).toMatch(/65 octets/);
    // a quoted local part counts with its quotes
    const q64 = `"${'a'.repeat(62)}"`;
    expect(parseAddresses(`${q64}@x.com`, 'to')).toHaveLength(1);
    expectMailerError(thrown(() => parseAddresses(`"${'a'.repeat(63)}"@x.com`, 'to')), 'MESSAGE_INVALID', 'to[0]');
  });

  it('accepts an address of exactly 254 octets and rejects 255', () => {
    const a254 = `${'l'.repeat(64)}@${'d'.repeat(63)}.${'d'.repeat(63)}.${'d'.repeat(57)}.com`;
    expect(Buffer.byteLength(a254)).toBe(254);
    expect(parseAddresses(a254, 'to')).toStrictEqual([{ address: a254 }]);
    const a255 = `${'l'.repeat(64)}@${'d'.repeat(63)}.${'d'.repeat(63)}.${'d'.repeat(58)}.com`;
    expect(Buffer.byteLength(a255)).toBe(255);
    const e = expectMailerError(thrown(() => parseAddresses(['ok@x.com', a255], 'to')), 'MESSAGE_INVALID', 'to[1]');
    expect(e.message).toMatch(/255 octets/);
  });

  it('counts octets, not characters, for international domains', () => {
    const label = 'ü'.repeat(20); // 40 octets in UTF-8
    const address = `${'l'.repeat(64)}@${label}.${label}.${label}.${label}.${'d'.repeat(24)}.com`;
    expect(address.length).toBeLessThanOrEqual(254);
    expect(Buffer.byteLength(address)).toBeGreaterThan(254);
    expectMailerError(thrown(() => parseAddresses(address, 'to')), 'MESSAGE_INVALID', 'to[0]');
  });

  it('accepts a 63-octet domain label and rejects 64', () => {
    expect(parseAddresses(`a@${'d'.repeat(63)}.com`, 'to')).toHaveLength(1);
    expectMailerError(thrown(() => parseAddresses(`a@${'d'.repeat(64)}.com`, 'to')), 'MESSAGE_INVALID', 'to[0]');
  });
});

describe('parseAddresses: properties', () => {
  it('any generated valid address parses to itself', () => {
    fc.assert(
      fc.property(validAddress, (address) => {
        expect(parseAddresses(address, 'to')).toStrictEqual([{ address }]);
        expect(parseAddresses({ address }, 'to')).toStrictEqual([{ address }]);
      }),
    );
  });

  it('any name and address round-trip through formatAddress, alone and in lists', () => {
    const entry = fc.tuple(displayName, validAddress).map(([name, address]): { name: string; address: string } => ({ name, address }));
    fc.assert(
      fc.property(fc.array(entry, { minLength: 1, maxLength: 5 }), (entries) => {
        for (const e of entries) expect(parseAddresses(formatAddress(e), 'to')).toStrictEqual([e]);
        expect(parseAddresses(entries.map(formatAddress).join(', '), 'to')).toStrictEqual(entries);
        expect(parseAddresses(entries.map(formatAddress), 'to')).toStrictEqual(entries);
      }),
    );
  });

  it('any string containing CR, LF, NUL or another control character is rejected', () => {
    const entry = fc.tuple(displayName, validAddress).map(([name, address]): { name: string; address: string } => ({ name, address }));
    fc.assert(
      fc.property(entry, badChar, fc.nat(), (e, bad, pos) => {
        const text = insertAt(formatAddress(e), pos, bad);
        expectMailerError(thrown(() => parseAddresses(text, 'to')), 'MESSAGE_INVALID', 'to[0]');
        expectMailerError(thrown(() => parseAddresses({ address: insertAt(e.address, pos, bad) }, 'to')), 'MESSAGE_INVALID', 'to[0].address');
        expectMailerError(thrown(() => parseAddresses({ name: insertAt(e.name, pos, bad), address: e.address }, 'to')), 'MESSAGE_INVALID', 'to[0].name');
      }),
    );
    fc.assert(
      fc.property(fc.string(), badChar, fc.nat(), (s, bad, pos) => {
        expectMailerError(thrown(() => parseAddresses(insertAt(s, pos, bad), 'to')), 'MESSAGE_INVALID');
      }),
    );
  });

  it('never throws anything but MESSAGE_INVALID, and what it accepts respects the limits', () => {
    const noisy = fc.string({ unit: fc.constantFrom(...'aZ9.@"<>, \\-_ü'.split('')), maxLength: 300 });
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 300 }), noisy), (s) => {
        let out: AddressObject[];
        try {
          out = parseAddresses(s, 'to');
        } catch (err) {
          expect(err).toBeInstanceOf(MailerError);
          expect((err as MailerError).code).toBe('MESSAGE_INVALID');
          return;
        }
        for (const a of out) {
          expect(Buffer.byteLength(a.address)).toBeLessThanOrEqual(254);
          expect(Buffer.byteLength(a.address.slice(0, a.address.lastIndexOf('@')))).toBeLessThanOrEqual(64);
          expect(a.address).not.toMatch(/[\u0000-\u001f\u007f]/);
          if (a.name !== undefined) expect(a.name).not.toMatch(/[\u0000-\u001f\u007f]/);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('rejects local parts over 64 octets and accepts up to 64', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100 }), domain, (n, d) => {
        const address = `${'x'.repeat(n)}@${d}`;
        if (n <= 64 && address.length <= 254) expect(parseAddresses(address, 'to')).toStrictEqual([{ address }]);
        else expectMailerError(thrown(() => parseAddresses(address, 'to')), 'MESSAGE_INVALID', 'to[0]');
      }),
    );
  });
});

describe('the plain-ASCII domain shortcut', () => {
  it('gives exactly what the full check gives (problem and ASCII form), for domains near every edge', () => {
    const piece = fc.constantFrom('a', 'Z', '0', '9', '-', '.', 'xn--', 'XN--', '0x', '0X', 'f', 'é', 'ß', '1', '--', 'a'.repeat(62), 'b'.repeat(63), 'c'.repeat(64));
    const domainish = fc.array(piece, { minLength: 1, maxLength: 12 }).map((p) => p.join(''));
    fc.assert(
      fc.property(domainish, (d) => {
        expect(domainProblem(d)).toEqual(domainProblem(d, false));
        expect(asciiDomain(d)).toBe(domainToASCII(d));
      }),
      { numRuns: 5000 },
    );
    for (const d of ['contoso.com', 'CONTOSO.COM', 'a.b', 'xn--bcher-kva.de', 'mail.xn--bcher-kva.de', 'a.0x', 'a.0x1f', 'a.123', '1.2.3.4', 'a-.com', '-a.com', 'ab--cd.com', `${'a'.repeat(63)}.com`, `${'a'.repeat(64)}.com`, `${'a.'.repeat(126)}com`, `${'a.'.repeat(125)}com`]) {
      expect(domainProblem(d), d).toEqual(domainProblem(d, false));
    }
  });
});
