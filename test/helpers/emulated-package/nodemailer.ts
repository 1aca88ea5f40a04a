/** `o365-oauth-mailer/nodemailer` for a snippet run against the emulator: a transport made from a configuration gets its endpoints. */
import { createGraphTransport as realCreateGraphTransport, type GraphTransport } from '../../../src/nodemailer/index';
import type { O365OAuthMailer, O365OAuthMailerConfig } from '../../../src/index';
import { withEmulator } from './index';

export * from '../../../src/nodemailer/index';

/** The real transport; a configuration (not a mailer) gets the emulator's endpoints. */
export function createGraphTransport(configOrMailer: O365OAuthMailerConfig | O365OAuthMailer): GraphTransport {
  return realCreateGraphTransport('send' in configOrMailer ? configOrMailer : withEmulator(configOrMailer));
}
