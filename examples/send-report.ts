/**
 * Sending a lab report from a real Microsoft 365 tenant. Configure with the environment:
 *   AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET, O365_SENDER, REPORT_TO
 * then: npx tsx examples/send-report.ts path/to/report.pdf
 */
import { MailerError, O365OAuthMailer } from 'o365-oauth-mailer';

const mailer = new O365OAuthMailer({
  authType: 'oauth2',
  tenantId: process.env.AZURE_TENANT_ID ?? '',
  clientId: process.env.AZURE_CLIENT_ID ?? '',
  clientSecret: process.env.AZURE_CLIENT_SECRET,
  sender: process.env.O365_SENDER ?? '',
  logger: console,
});

try {
  const result = await mailer.send(
    {
      to: process.env.REPORT_TO ?? '',
      subject: 'Lab report',
      html: '<p>The report is attached.</p>',
      attachments: [{ path: process.argv[2] ?? 'report.pdf' }],
    },
    { onProgress: ({ sentBytes, totalBytes }) => console.log(`uploaded ${sentBytes} of ${totalBytes} bytes`) },
  );
  console.log(`Sent to ${result.accepted.join(', ')} (request ${result.requestId ?? 'n/a'})`);
} catch (err) {
  if (!(err instanceof MailerError)) throw err;
  // DELIVERY_UNKNOWN: the mail may have gone out; look in Sent Items before sending again.
  console.error(`${err.code}${err.step ? ` (setup step ${err.step})` : ''}: ${err.message}\nFix: ${err.fix ?? '-'}`);
  process.exitCode = 1;
} finally {
  await mailer.close();
}
