import { domainToASCII } from 'node:url';
const DOT_ATOM = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const PLAIN_DOMAIN = /^(?!(?:.*\.)?xn--)[a-z0-9-]+(?:\.[a-z0-9-]+)+$/i;
const NUMBER_LIKE = /(?:^|\.)(?:[0-9]+|0x[0-9a-f]*)$/i;
const ASCII_LABEL = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/i;
const RAW_LABEL = /^[\p{L}\p{M}\p{N}-]+$/u;
const cases = {
  dotatom: () => DOT_ATOM.test('carol'),
  plain: () => PLAIN_DOMAIN.test('contoso.com'),
  number: () => NUMBER_LIKE.test('contoso.com'),
  ascii: () => ASCII_LABEL.test('contoso'),
  raw: () => RAW_LABEL.test('contoso'),
  d2a: () => domainToASCII('contoso.com'),
  bytelen: () => Buffer.byteLength('carol@contoso.com', 'utf8'),
  split: () => 'contoso.com'.split('.'),
  lower: () => 'contoso.com'.toLowerCase(),
  numtest: () => /^[0-9]+$/.test('com'),
};
for (const [name, fn] of Object.entries(cases)) {
  for (let i = 0; i < 20000; i++) fn();
  const n = 200000; const t = performance.now();
  for (let i = 0; i < n; i++) fn();
  console.log(name.padEnd(10), ((performance.now() - t) * 1000 / n).toFixed(3), 'µs');
}
