/**
 * The whole job on a laptop, no Microsoft account needed: start the local emulator of Entra ID and Graph, run the
 * Test button (verify with a test email), send a lab report with CSV and PDF attachments, diagnose a misconfigured
 * secret, and show what the emulator captured.
 *
 *   npm run demo              # runs and exits
 *   npm run demo -- --serve   # keeps the emulator and its mailbox page running
 */
import { MailerError, O365OAuthMailer, type VerifyReport } from 'o365-oauth-mailer';
import { startEmulator } from 'o365-oauth-mailer/emulator';

const serve = process.argv.includes('--serve');
const tty = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code: number) => (text: string) => (tty ? `\x1b[${code}m${text}\x1b[0m` : text);
const [green, red, yellow, dim, bold] = [paint(32), paint(31), paint(33), paint(2), paint(1)];
const MARK = { pass: green('✔'), fail: red('✖'), warn: yellow('!'), skip: dim('–') } as const;

function printReport(report: VerifyReport): void {
  for (const check of report.checks) {
    console.log(`  ${MARK[check.status]} ${check.id.padEnd(13)} ${check.step ? dim(`(step ${check.step}) `) : ''}${check.message}`);
    if (check.fix && check.status !== 'pass') console.log(`      ${yellow('fix:')} ${check.fix}`);
  }
  console.log(`  ${report.ok ? green('ok') : red('not ok')}\n`);
}

/** A one-page PDF, written by hand: enough for any viewer to open. */
function tinyPdf(text: string): Buffer {
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    (() => {
      const stream = `BT /F1 18 Tf 72 770 Td (${text.replace(/[()\\]/g, '\\$&')}) Tj ET`;
      return `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`;
    })(),
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let body = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((o, i) => {
    offsets.push(body.length);
    body += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = body.length;
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(body, 'latin1');
}

async function main(): Promise<void> {
  const started = Date.now();
  const emulator = await startEmulator({ apps: [{ roles: ['Mail.Send', 'Mail.ReadWrite'] }] });
  console.log(`${bold('Emulator')} of Entra ID and Microsoft Graph at ${emulator.url}`);
  console.log(dim(`  tenant ${emulator.tenantId}, app ${emulator.clientId}, mailbox ${emulator.sender}\n`));

  const mailer = new O365OAuthMailer(emulator.mailerConfig({ secretExpiresAt: new Date(Date.now() + 400 * 86_400_000) }));

  console.log(bold('1. The Test button: verify({ to })'));
  printReport(await mailer.verify({ to: 'lab-admin@contoso.com' }));

  console.log(bold('2. A lab report with CSV and PDF attachments'));
  const csv = 'sample,analyte,result,unit\nS-1001,Lead,0.8,µg/L\nS-1002,Copper,12.4,µg/L\n';
  const result = await mailer.send({
    to: 'Quality Assurance <qa@contoso.com>',
    cc: 'regulator@example.gov',
    subject: 'TrueChem lab report — batch 2026-11-29',
    html: '<h2>Batch 2026-11-29</h2><p>2 samples analysed. Results attached.</p>',
    importance: 'high',
    headers: { 'X-TrueChem-Batch': '2026-11-29' },
    attachments: [
      { filename: 'results.csv', content: csv },
      { filename: 'report.pdf', content: tinyPdf('TrueChem lab report - batch 2026-11-29') },
    ],
  });
  console.log(`  ${green('✔')} accepted for ${result.accepted.join(', ')} ${dim(`(request ${result.requestId}, ${result.attempts} attempt, route ${result.route})`)}\n`);

  console.log(bold('3. A misconfigured secret: the Secret ID entered instead of the Value'));
  const wrong = new O365OAuthMailer(emulator.mailerConfig({ clientSecret: emulator.secretId }));
  const diagnosis = await wrong.verify();
  printReport(diagnosis);
  try {
    await wrong.send({ to: 'qa@contoso.com', subject: 'never sent', text: 'x' });
  } catch (err) {
    if (!(err instanceof MailerError)) throw err;
    console.log(`  send() rejects too: ${red(err.code)} (step ${err.step}) ${err.fix}\n`);
  }

  console.log(bold('4. What the emulator captured'));
  for (const m of emulator.messages) {
    const to = [...m.to, ...m.cc].map((a) => a.address).join(', ');
    const files = m.attachments.map((a) => `${a.name} (${a.contentType}, ${a.size} B)`).join(', ') || 'no attachments';
    console.log(`  ${m.receivedAt.toISOString()}  ${m.from.address} → ${to}\n    ${JSON.stringify(m.subject)}; ${files}`);
  }
  console.log(dim(`\nDone in ${Date.now() - started} ms.`));

  await Promise.all([mailer.close(), wrong.close()]);
  if (serve) {
    console.log(`\n${bold('Mailbox page:')} ${emulator.url}/  (self-signed certificate; Ctrl+C to stop)`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
  }
  await emulator.close();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
