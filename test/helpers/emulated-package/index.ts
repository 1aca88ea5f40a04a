/**
 * `o365-oauth-mailer` as a snippet run against the emulator sees it: the package's real exports, except that every
 * mailer also gets the emulator's endpoints and CA (SNIPPET_EMULATOR_URL, SNIPPET_EMULATOR_CA). That is all a real
 * tenant does not need; the rest of the configuration comes from the snippet and the environment, as a user's would.
 */
import { readFileSync } from 'node:fs';
import { O365OAuthMailer as RealMailer } from '../../../src/index';
import type { O365OAuthMailerConfig } from '../../../src/index';

export * from '../../../src/index';

/** The configuration with the emulator's endpoints and CA added. */
export function withEmulator(config: O365OAuthMailerConfig): O365OAuthMailerConfig {
  const url = process.env.SNIPPET_EMULATOR_URL;
  const ca = process.env.SNIPPET_EMULATOR_CA;
  if (!url || !ca) throw new Error('SNIPPET_EMULATOR_URL and SNIPPET_EMULATOR_CA must name the emulator');
  return { ...config, cloud: { authorityHost: url, graphEndpoint: url }, tls: { ca: readFileSync(ca, 'utf8') } };
}

/** The real mailer, pointed at the emulator. */
export class O365OAuthMailer extends RealMailer {
  constructor(config: O365OAuthMailerConfig) {
    super(withEmulator(config));
  }
}
