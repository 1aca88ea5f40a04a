import { parseAddresses, addressProblem } from '/work/wt/i14/src/message/addresses.ts';
import { normalizeMessage } from '/work/wt/i14/src/message/normalize.ts';
const message = { to: ['Ann Lee <ann@contoso.com>', 'bob@contoso.com'], cc: 'carol@contoso.com', subject: 'Report', html: '<p>Quarterly figures attached.</p>' };
for (const [name, fn] of [['addressProblem', () => addressProblem('carol@contoso.com')], ['parse', () => parseAddresses(['Ann Lee <ann@contoso.com>', 'bob@contoso.com'], 'to')], ['normalize', () => normalizeMessage(message)], ['stringify', () => JSON.stringify(message)]] as const) {
  for (let i = 0; i < 20000; i++) fn();
  const n = 100000; const t = performance.now();
  for (let i = 0; i < n; i++) fn();
  console.log(name, ((performance.now() - t) * 1000 / n).toFixed(2), 'µs');
}
