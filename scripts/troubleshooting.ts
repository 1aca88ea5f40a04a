import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CATALOGUE, ENTRA_CODES } from '../src/errors/catalogue';
import { ERROR_CODES } from '../src/errors/codes';

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** Renders docs/troubleshooting.md from the error catalogue, so the two cannot drift. */
export function renderTroubleshooting(): string {
  const lines = [
    '# Troubleshooting',
    '',
    '<!-- Generated from src/errors/catalogue.ts by `npm run docs`. Do not edit by hand: a test fails when this file and the catalogue differ. -->',
    '',
    'Every failure is a `MailerError` with a stable `code`; setup problems also carry the setup guide\'s `step` (1–6) and a `fix`.',
    '`verify()` (the Test button, `o365-mailer verify`) reports the same codes per check.',
    '',
    '## Error codes',
    '',
    '| code | what the administrator sees | step | fix | retriable |',
    '|---|---|---|---|---|',
  ];
  for (const code of ERROR_CODES) {
    const e = CATALOGUE[code];
    lines.push(`| \`${code}\` | ${cell(e.summary)} | ${e.step ?? '–'} | ${cell(e.fix)} | ${e.retriable ? 'yes' : 'no'} |`);
  }
  lines.push('', '## Entra ID sign-in errors (AADSTS)', '', 'Matched on the number in `error_codes`, never on the text.', '', '| AADSTS | code | step | fix |', '|---|---|---|---|');
  for (const [num, rule] of Object.entries(ENTRA_CODES)) {
    const entry = CATALOGUE[rule.code];
    lines.push(`| ${num} | \`${rule.code}\` | ${rule.step ?? entry.step ?? '–'} | ${cell(rule.fix ?? entry.fix)} |`);
  }
  lines.push(
    '',
    '## Microsoft Graph errors',
    '',
    '| Graph answer | code |',
    '|---|---|',
    '| 401 `NoPermissionsInAccessToken` | `CONSENT_MISSING` |',
    '| 403 `ErrorAccessDenied` | `CONSENT_MISSING` |',
    '| 403 with "AccessPolicy", "[RAOP]" or "Access to OData is disabled" | `MAILBOX_ACCESS_DENIED` |',
    '| 403 `ErrorSendAsDenied` | `SEND_AS_DENIED` |',
    '| 404 `ErrorInvalidUser`, 404 `MailboxNotEnabledForRESTAPI` | `MAILBOX_NOT_FOUND` |',
    '| 413, or "maximum request length" | `ATTACHMENT_TOO_LARGE` |',
    '| 400 `ErrorInvalidRecipients`, `InvalidInternetMessageHeader`, `InvalidInternetMessageHeaderCollection` | `MESSAGE_INVALID` |',
    '| 401 `InvalidAuthenticationToken` | one fresh token and one retry, then the mapped error |',
    '| 429 after every retry | `THROTTLED` |',
    '| 503 after every retry | `SERVICE_UNAVAILABLE` |',
    '| any other 5xx, a timeout or a broken connection on sendMail or a draft\'s /send | `DELIVERY_UNKNOWN` |',
    '',
  );
  return lines.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(new URL('../docs/troubleshooting.md', import.meta.url), renderTroubleshooting());
  console.log('docs/troubleshooting.md written');
}
