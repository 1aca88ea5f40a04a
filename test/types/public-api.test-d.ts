import { describe, expectTypeOf, it } from 'vitest';
import {
  MailerError,
  O365OAuthMailer,
  type ErrorCode,
  type MailMessage,
  type O365OAuthMailerConfig,
  type SendResult,
  type VerifyReport,
  type SecretStore,
  type TokenCache,
} from '../../src/index';
import type { GraphSentMessageInfo, GraphTransport, TransportError } from '../../src/nodemailer/index';

describe('public API types', () => {
  it('config', () => {
    expectTypeOf<O365OAuthMailerConfig['authType']>().toEqualTypeOf<'oauth2'>();
    expectTypeOf<O365OAuthMailerConfig['cloud']>().toEqualTypeOf<
      'global' | 'usgov' | 'usgov-dod' | 'china' | { authorityHost: string; graphEndpoint: string } | undefined
    >();
    expectTypeOf<O365OAuthMailerConfig['secretStore']>().toEqualTypeOf<SecretStore | undefined>();
    expectTypeOf<O365OAuthMailerConfig['tokenCache']>().toEqualTypeOf<TokenCache | undefined>();
    // @ts-expect-error Basic authentication is not a type the config accepts
    const basic: O365OAuthMailerConfig = { authType: 'basic', tenantId: 't', clientId: 'c', sender: 's' };
    void basic;
  });

  it('send and verify', () => {
    expectTypeOf<O365OAuthMailer['send']>().parameters.toEqualTypeOf<[MailMessage, ({ signal?: AbortSignal; onProgress?: (p: { sentBytes: number; totalBytes: number }) => void; disableFileAccess?: boolean } | undefined)?]>();
    expectTypeOf<O365OAuthMailer['send']>().returns.toEqualTypeOf<Promise<SendResult>>();
    expectTypeOf<SendResult['messageId']>().toEqualTypeOf<string>();
    expectTypeOf<SendResult['format']>().toEqualTypeOf<'json' | 'mime'>();
    expectTypeOf<MailMessage['priority']>().toEqualTypeOf<'high' | 'normal' | 'low' | undefined>();
    // @ts-expect-error a typo of a field name does not compile
    const typo: MailMessage = { to: 'a@x.com', attachment: [] };
    void typo;
    expectTypeOf<SendResult['accepted']>().toEqualTypeOf<string[]>();
    expectTypeOf<SendResult['attempts']>().toEqualTypeOf<number>();
    expectTypeOf<O365OAuthMailer['verify']>().returns.toEqualTypeOf<Promise<VerifyReport>>();
    expectTypeOf<VerifyReport['checks'][number]['status']>().toEqualTypeOf<'pass' | 'fail' | 'warn' | 'skip'>();
    expectTypeOf<MailMessage['importance']>().toEqualTypeOf<'low' | 'normal' | 'high' | undefined>();
    // @ts-expect-error importance is a closed set
    const m: MailMessage = { importance: 'urgent' };
    void m;
  });

  it('nodemailer fields and the transport', () => {
    expectTypeOf<MailMessage['watchHtml']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<MailMessage['attachDataUrls']>().toEqualTypeOf<boolean | undefined>();
    expectTypeOf<MailMessage['textEncoding']>().toEqualTypeOf<'quoted-printable' | 'base64' | undefined>();
    expectTypeOf<MailMessage['xMailer']>().toEqualTypeOf<string | false | undefined>();
    // @ts-expect-error textEncoding is nodemailer's closed set
    const qp: MailMessage = { textEncoding: 'qp' };
    void qp;
    expectTypeOf<TransportError['responseCode']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<TransportError['command']>().toEqualTypeOf<'CONN' | 'AUTH' | 'API' | undefined>();
    expectTypeOf<TransportError['permanent']>().toEqualTypeOf<boolean>();
    expectTypeOf<TransportError>().toMatchTypeOf<MailerError>();
    expectTypeOf<GraphSentMessageInfo['rejected']>().toEqualTypeOf<string[]>();
    expectTypeOf<GraphTransport['send']>().parameters.toMatchTypeOf<[unknown, (err: Error | null, info?: GraphSentMessageInfo) => void]>();
  });

  it('errors', () => {
    expectTypeOf<MailerError['code']>().toEqualTypeOf<ErrorCode>();
    expectTypeOf<MailerError['step']>().toEqualTypeOf<1 | 2 | 3 | 4 | 5 | 6 | undefined>();
    expectTypeOf<MailerError['retriable']>().toEqualTypeOf<boolean>();
    expectTypeOf<'CONSENT_MISSING'>().toMatchTypeOf<ErrorCode>();
    // @ts-expect-error codes are a closed union
    const code: ErrorCode = 'SOMETHING_ELSE';
    void code;
  });
});
