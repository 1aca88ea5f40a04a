import { createCachePlugin, type MailerCachePlugin } from './auth/cache-plugin';
import { readClaims } from './auth/claims';
import { createCredential, type Credential } from './auth/credential';
import type { TokenClient } from './auth/msal-app';
import type { SecretCredential } from './auth/secret-credential';
import { TokenProvider, type AccessToken } from './auth/token-provider';
import { tokenMismatch } from './auth/token-trust';
import { safeLogger } from './config/safe-logger';
import type { Logger, O365OAuthMailerConfig } from './config/types';
import { readOwnConfig, readOwnMessage, readOwnOptions, refusing } from './config/own-properties';
import { validateConfig, type ResolvedConfig } from './config/validate';
import { catalogued, looksLikeGuid, type CatalogueContext } from './errors/catalogue';
import { MailerError } from './errors/mailer-error';
import { unexpected } from './errors/unexpected';
import { sendViaDraft, type RouteContext } from './graph/draft-sender';
import { GraphApi } from './graph/graph-api';
import { GraphRunner, type GraphOutcome } from './graph/graph-runner';
import { deliverMime, requireDrafts, sendMime } from './graph/mime-sender';
import { HttpClient } from './http/http-client';
import { MsalNetworkModule } from './http/msal-network';
import { combineObservers, requestLog } from './http/request-log';
import { Telemetry } from './telemetry/telemetry';
import { asciiDomain } from './message/addresses';
import { resolveAttachments } from './message/attachments';
import { sendMailJson, toGraphFileAttachment, toGraphMessage } from './message/graph-json';
import { generateMessageId, normalizeMessageId } from './message/message-id';
import { MimeComposer } from './message/mime-composer';
import { MAX_MIME_BYTES } from './message/mime-size';
import { SEND_PREPARED_MIME, type PrepareMime } from './message/prepared-mime';
import { attachDataUrls } from './message/data-urls';
import { assertBodyFits } from './message/input-limits';
import { normalizeMessage } from './message/normalize';
import type { NormalizedAttachment } from './message/normalized';
import { assertAttachmentSizes, chooseRoute, estimateSendMailJsonBytes } from './message/size';
import type { AddressObject, MailMessage, SendOptions, SendResult } from './message/types';
import { invalid } from './message/validation';
import { readDenied, toSentMessage, type FindSentOptions, type SentMessage } from './message/sent-message';
import { MailboxLimiter } from './reliability/mailbox-limiter';
import { RetryPolicy } from './reliability/retry-policy';
import { runVerify } from './verify/run-verify';
import type { VerifyOptions, VerifyReport } from './verify/types';
import { INSPECT_CUSTOM, nodeCrypto, nodeUtil } from './runtime/node-builtins';

/**
 * Sends mail from a Microsoft 365 mailbox through Microsoft Graph, authenticated with the app registration of the
 * setup guide (OAuth 2.0 client credentials).
 *
 * Construct one per sender mailbox and keep it: it holds the token and the mailbox's 4 request slots. The
 * constructor validates synchronously and does no I/O.
 *
 * @example
 * ```ts
 * const mailer = new O365OAuthMailer({ authType: 'oauth2', tenantId, clientId, clientSecret, sender: 'lab@contoso.com' })
 * const result = await mailer.send({ to: 'qa@contoso.com', subject: 'Report', text: 'Attached.', attachments: [{ path: 'report.pdf' }] })
 * ```
 */
export class O365OAuthMailer {
  readonly #config: ResolvedConfig;
  readonly #secrets: string[] = [];
  readonly #logger: Logger;
  readonly #http: HttpClient;
  readonly #network: MsalNetworkModule;
  readonly #tokens: TokenProvider;
  readonly #runner: GraphRunner;
  readonly #policy: RetryPolicy;
  readonly #userPath: string;
  readonly #cachePlugin: MailerCachePlugin | undefined;
  readonly #credential: Credential;
  readonly #composer = new MimeComposer();
  readonly #telemetry: Telemetry;
  #app: Promise<TokenClient> | undefined;

  /**
   * @throws MailerError `CONFIG_INVALID` naming the field, the setup step and a fix.
   */
  constructor(config: O365OAuthMailerConfig) {
    this.#config = refusing('CONFIG_INVALID', () => validateConfig(readOwnConfig(config), process.env));
    this.#credential = createCredential(this.#config, {
      protect: (value) => {
        if (value && !this.#secrets.includes(value)) this.#secrets.push(value);
      },
    });
    const secrets = () => this.#secrets;
    this.#logger = safeLogger(this.#config.logger, secrets);
    this.#telemetry = new Telemetry(this.#config.telemetry, this.#config.sender);
    this.#http = new HttpClient({
      timeoutMs: this.#config.timeoutMs,
      ...(this.#config.ca !== undefined ? { ca: this.#config.ca } : {}),
      ...(this.#config.proxy !== undefined ? { proxy: this.#config.proxy } : {}),
      ...(this.#config.noProxy !== undefined ? { noProxy: this.#config.noProxy } : {}),
      ...optional('observer', combineObservers(requestLog(this.#logger), this.#telemetry.enabled ? this.#telemetry.httpObserver : undefined)),
    });
    this.#network = new MsalNetworkModule(this.#http);
    const context = () => this.#context();
    const { tokenCache, clientId, tenantId } = this.#config;
    // Without a shared cache, msal-node's own in-memory cache (one per mailer) is the cache: no plugin needed.
    this.#cachePlugin = tokenCache
      ? createCachePlugin(tokenCache, `${clientId}.${tenantId}`, {
          // A shared cache may cost at most this per send while it is unreachable: then tokens come from Entra ID.
          timeoutMs: Math.min(5000, Math.ceil(this.#config.timeoutMs / 4)),
          onError: (e) => this.#logger.warn?.('The shared token cache failed; continuing without it.', { error: String((e as Error)?.message ?? e) }),
        })
      : undefined;
    const plugin = this.#cachePlugin;
    this.#tokens = new TokenProvider({
      observe: (fn, fresh) => this.#telemetry.token(fn, fresh),
      app: () => this.#msalApp(),
      reload: async (error) => {
        if (!(await this.#credential.reload(error))) return false;
        this.#app = undefined;
        this.#logger.info?.(`Entra ID refused ${this.#credential.description}; it changed since it was read, so it is used from now on.`);
        return true;
      },
      network: this.#network,
      scope: this.#config.scope,
      secrets,
      context,
      ...(plugin ? { lock: <T>(fn: () => Promise<T>) => plugin.withLock(fn) } : {}),
      distrust: (token) => tokenMismatch(token, { tenantId, clientId, graphEndpoint: this.#config.cloud.graphEndpoint }),
      onDistrust: (problem) => this.#logger.warn?.(`Discarded a token from the shared token cache: ${problem}. Requesting a fresh one.`),
    });
    this.#policy = new RetryPolicy({ maxRetries: this.#config.maxRetries, maxDelayMs: this.#config.maxDelayMs });
    this.#runner = new GraphRunner({
      api: new GraphApi(this.#config.cloud.graphEndpoint, this.#http),
      tokens: this.#tokens,
      limiter: new MailboxLimiter(this.#config.maxConcurrency),
      policy: this.#policy,
      secrets,
      context,
      logger: this.#logger,
    });
    this.#userPath = `/users/${encodeURIComponent(this.#config.sender)}`;
  }

  /** The mailbox this mailer sends from (the O365 logon name). */
  get sender(): string {
    return this.#config.sender;
  }

  /**
   * Sends one message. It is validated before any request; it goes as one `sendMail` request when it fits in
   * Graph's 4 MB limit, else through a draft with streamed uploads (which needs Mail.ReadWrite).
   *
   * Nothing that may have been delivered is ever sent again: an ambiguous failure rejects with `DELIVERY_UNKNOWN`.
   *
   * @example
   * ```ts
   * const { accepted, requestId } = await mailer.send(
   *   { to: 'Ann Lee <ann@contoso.com>', subject: 'Report', html: '<p>Attached.</p>', attachments: [{ path: 'report.pdf' }] },
   *   { signal: AbortSignal.timeout(120_000), onProgress: (p) => console.log(p.sentBytes, '/', p.totalBytes) },
   * )
   * ```
   * @throws MailerError with a stable `code`, and `step`/`fix` for setup problems.
   */
  send(message: MailMessage, options: SendOptions = {}): Promise<SendResult> {
    return this.#telemetry.send(async () => {
      try {
        return await this.#send(refusing('MESSAGE_INVALID', () => readOwnMessage(message)), readOwnOptions(options ?? {}));
      } catch (error) {
        throw unexpected(error, 'sending', this.#secrets);
      }
    });
  }

  async #send(message: MailMessage, options: SendOptions): Promise<SendResult> {
    const fileAccessOption: unknown = options.disableFileAccess;
    if (fileAccessOption !== undefined && typeof fileAccessOption !== 'boolean') {
      throw invalid('disableFileAccess', 'must be true or false.', 'Set the send option disableFileAccess to true or false, or leave it out.');
    }
    const disableFileAccess = fileAccessOption ?? this.#config.disableFileAccess;
    const normalized = refusing('MESSAGE_INVALID', () => normalizeMessage(message, { disableFileAccess }));
    if (message.attachDataUrls === true) return this.#send(attachDataUrls({ ...message, attachDataUrls: false }), options);
    const { signal } = options;
    if (signal?.aborted) throw new MailerError(catalogued('ABORTED', 'Cancelled before sending.'));
    if (normalized.mimeReasons?.[0] === 'raw') return this.#sendRaw(message, options);
    const specs = message.attachments;
    const attachments = specs && specs.length > 0 ? await resolveAttachments(specs, signal ? { signal } : {}) : [];
    try {
      assertAttachmentSizes(attachments);
      const clientRequestId = nodeCrypto().randomUUID();
      const from: AddressObject = normalized.from ?? { address: this.#config.sender };
      const messageId = normalized.messageId ?? generateMessageId(this.#messageIdDomain(from.address));
      let outcome: GraphOutcome;
      let route: SendResult['route'];
      if (normalized.mimeReasons) {
        ({ outcome, route } = await sendMime({
          ...this.#routeContext(options),
          composer: this.#composer,
          input: { message, normalized, attachments, from, messageId, disableFileAccess },
          clientRequestId,
          mayUseDrafts: async () => this.#mayUseDrafts(await this.#tokens.getToken(signal ? { signal } : {})),
        }));
      } else {
        const graphMessage = toGraphMessage(normalized);
        // Graph's message resource takes internetMessageId while the message is a draft, which a message given
        // to sendMail (or a new draft) is: the recipient sees it as the Message-ID header.
        graphMessage.internetMessageId = messageId;
        // Serialised once: the size checks and the request body share this text.
        const messageJson = JSON.stringify(graphMessage);
        const bodyBytes = estimateSendMailJsonBytes(messageJson, []);
        assertBodyFits(normalized, bodyBytes);
        let jsonRoute = chooseRoute(attachments.length > 0 ? estimateSendMailJsonBytes(messageJson, attachments) : bodyBytes, false);
        if (jsonRoute === 'too-large') {
          const token = await this.#tokens.getToken(signal ? { signal } : {});
          jsonRoute = chooseRoute(Number.POSITIVE_INFINITY, this.#mayUseDrafts(token));
        }
        if (jsonRoute === 'too-large') throw this.#tooLarge(attachments);
        route = jsonRoute;
        outcome = await this.#sendJson(route, graphMessage, messageJson, attachments, clientRequestId, options);
      }
      return this.#result(normalized.recipients, outcome, route, normalized.mimeReasons ? 'mime' : 'json', messageId);
    } finally {
      if (attachments.length > 0) await Promise.all(attachments.map((a) => a.dispose()));
    }
  }

  async #sendJson(
    route: 'sendMail' | 'draft',
    graphMessage: ReturnType<typeof toGraphMessage>,
    messageJson: string,
    attachments: readonly NormalizedAttachment[],
    clientRequestId: string,
    options: SendOptions,
  ): Promise<GraphOutcome> {
    const { signal } = options;
    if (route === 'sendMail') {
      const attachmentsJson = attachments.length > 0 ? await Promise.all(attachments.map(async (a) => JSON.stringify(toGraphFileAttachment(a, await a.read())))) : [];
      return this.#runner.run({
        method: 'POST',
        path: `${this.#userPath}/sendMail`,
        json: sendMailJson(messageJson, this.#config.saveToSentItems, attachmentsJson),
        clientRequestId,
        couldDeliver: true,
        doing: 'sending the mail',
        ...(signal ? { signal } : {}),
      });
    }
    return sendViaDraft({ ...this.#routeContext(options), message: graphMessage, messageJson, attachments, clientRequestId });
  }

  /** A `raw` message: read (at most about 3 MB), given a Message-ID when it has none, sent as MIME `sendMail`. */
  async #sendRaw(message: MailMessage, options: SendOptions): Promise<SendResult> {
    const { signal } = options;
    const raw = await this.#composer.prepareRaw(message.raw as NonNullable<MailMessage['raw']>, MAX_MIME_BYTES, this.#messageIdDomain(this.#config.sender));
    const outcome = await this.#runner.run({
      method: 'POST',
      path: `${this.#userPath}/sendMail`,
      mime: raw.mime.toString('base64'),
      clientRequestId: nodeCrypto().randomUUID(),
      couldDeliver: true,
      doing: 'sending the mail',
      ...(signal ? { signal } : {}),
    });
    return this.#result(raw.recipients, outcome, 'sendMail', 'mime', raw.messageId);
  }

  /**
   * Sends a MIME message built by the nodemailer transport (`o365-oauth-mailer/nodemailer`): `prepare` builds it
   * under this mailer's `disableFileAccess`; it goes as one MIME `sendMail`, or, with `separate` attachments, as a
   * draft created from it with those attachments uploaded, then `/send`, under the same exactly-once,
   * `DELIVERY_UNKNOWN` and clean-up rules as {@link O365OAuthMailer.send}.
   *
   * @internal
   */
  [SEND_PREPARED_MIME](prepare: PrepareMime, options: Pick<SendOptions, 'signal' | 'onProgress'> = {}): Promise<SendResult> {
    return this.#telemetry.send(async () => {
      try {
        const { signal } = options;
        if (signal?.aborted) throw new MailerError(catalogued('ABORTED', 'Cancelled before sending.'));
        const prepared = await prepare({ disableFileAccess: this.#config.disableFileAccess, ...(signal ? { signal } : {}) });
        try {
          let { mime } = prepared;
          let envelope = prepared.envelope;
          if (envelope === 'raw') {
            const raw = await this.#composer.prepareRaw(mime, MAX_MIME_BYTES, this.#messageIdDomain(this.#config.sender));
            ({ mime } = raw);
            envelope = { recipients: raw.recipients, messageId: raw.messageId };
          }
          assertAttachmentSizes(prepared.separate);
          if (prepared.separate.length > 0) await requireDrafts(async () => this.#mayUseDrafts(await this.#tokens.getToken(signal ? { signal } : {})), prepared.separate);
          const { outcome, route } = await deliverMime(
            { ...this.#routeContext(options), clientRequestId: nodeCrypto().randomUUID() },
            mime,
            prepared.separate,
            envelope.messageId,
          );
          return this.#result(envelope.recipients, outcome, route, 'mime', envelope.messageId);
        } finally {
          await prepared.dispose();
        }
      } catch (error) {
        throw unexpected(error, 'sending', this.#secrets);
      }
    });
  }

  /** What every route of one send works with: this mailer's runner, client and policy, the caller's signal and progress. */
  #routeContext(options: Pick<SendOptions, 'signal' | 'onProgress'>): RouteContext {
    return {
      runner: this.#runner,
      http: this.#http,
      policy: this.#policy,
      logger: this.#logger,
      secrets: () => this.#secrets,
      userPath: this.#userPath,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    };
  }

  #result(accepted: string[], outcome: GraphOutcome, route: SendResult['route'], format: SendResult['format'], messageId: string): SendResult {
    const result: SendResult = { accepted, attempts: outcome.attempts, route, format, messageId };
    if (outcome.reply.requestId) result.requestId = outcome.reply.requestId;
    this.#logger.info?.(`Mail accepted by Microsoft Graph for ${result.accepted.length} recipient(s).`, { requestId: result.requestId, route, format, messageId });
    return result;
  }

  /** The domain of generated Message-IDs: the From address's, in ASCII. */
  #messageIdDomain(address: string): string {
    const domain = address.slice(address.lastIndexOf('@') + 1);
    return asciiDomain(domain) || 'localhost';
  }

  /**
   * Looks a sent mail up in the sender's Sent Items by its Message-ID header (Graph's `internetMessageId`), to
   * settle a `DELIVERY_UNKNOWN`: found means it went out. Sent Items can lag behind a send by minutes, so look
   * again a little later before concluding it did not.
   *
   * Needs a read permission on the mailbox: Microsoft Graph › Application permissions › **Mail.ReadBasic.All**
   * (the least privileged; Mail.Read or Mail.ReadWrite work too), or the RBAC for Applications role
   * "Application Mail.ReadBasic". Only mail saved to Sent Items can be found (`saveToSentItems`, on by default).
   *
   * @example
   * ```ts
   * const found = await mailer.findSent('<report-42@contoso.com>', { since: new Date(Date.now() - 3_600_000) })
   * if (found) console.log('sent at', found.sentAt)
   * ```
   * @returns the message, or `undefined` when Sent Items does not hold it (yet).
   * @throws MailerError `MAILBOX_ACCESS_DENIED` without a read permission, and the setup and network codes of `send()`.
   */
  async findSent(messageId: string, options: FindSentOptions = {}): Promise<SentMessage | undefined> {
    const id = normalizeMessageId(messageId, 'messageId');
    const { signal, since } = options;
    const filter = `internetMessageId eq '${id.replace(/'/g, "''")}'`;
    const outcome = await this.#runner
      .run({
        method: 'GET',
        path: `${this.#userPath}/mailFolders/sentitems/messages?$filter=${encodeURIComponent(filter)}&$select=id,internetMessageId,sentDateTime,subject&$top=5`,
        clientRequestId: nodeCrypto().randomUUID(),
        couldDeliver: false,
        doing: 'looking for the mail in Sent Items',
        ...(signal ? { signal } : {}),
      })
      .catch((err: unknown) => {
        throw readDenied(err, this.#config.sender);
      });
    const value = (outcome.reply.body as { value?: unknown } | undefined)?.value;
    const found = (Array.isArray(value) ? value : []).map(toSentMessage).filter((m): m is SentMessage => m !== undefined);
    return found.find((m) => since === undefined || m.sentAt === undefined || m.sentAt.getTime() >= since.getTime());
  }

  /**
   * The Test button: checks the setup in the guide's order (tenant, credentials, permission, secret expiry) and,
   * with `to`, sends a test email. It never rejects for a setup, permission or network problem: each becomes a
   * report line with the step to revisit and the fix. It rejects only with `ABORTED` when `signal` fires.
   *
   * @example
   * ```ts
   * const report = await mailer.verify({ to: 'admin@contoso.com' })
   * for (const c of report.checks) if (c.status === 'fail') console.log(`step ${c.step}: ${c.message}\n${c.fix}`)
   * ```
   */
  verify(options: VerifyOptions = {}): Promise<VerifyReport> {
    return this.#telemetry.verify(() => this.#verify(options));
  }

  #verify(options: VerifyOptions): Promise<VerifyReport> {
    return runVerify(
      {
        config: this.#config,
        http: this.#http,
        tokens: this.#tokens,
        credential: this.#credential,
        secrets: () => this.#secrets,
        context: () => this.#context(),
        send: (message, sendOptions) => this.send(message, sendOptions),
      },
      options,
    );
  }

  /** Closes pooled connections. The mailer is not usable afterwards. */
  async close(): Promise<void> {
    await this.#http.close();
  }

  /** A redacted view: `util.inspect(mailer)` shows the settings, never the secret or a token. */
  [INSPECT_CUSTOM](): string {
    return `O365OAuthMailer ${nodeUtil().inspect(this.toJSON())}`;
  }

  /** A redacted view: what `JSON.stringify(mailer)` gives. */
  toJSON(): Record<string, unknown> {
    const c = this.#config;
    return {
      tenantId: c.tenantId,
      clientId: c.clientId,
      sender: c.sender,
      cloud: c.cloud.name,
      credential: c.credential,
      clientSecret: c.clientSecret !== undefined ? '[REDACTED]' : undefined,
      secretStore: c.secretStore ? c.secretStore.constructor.name : undefined,
    };
  }

  #context(): CatalogueContext {
    const secret = this.#credential.kind === 'secret' || this.#credential.kind === 'secret-store' ? (this.#credential as SecretCredential).current : undefined;
    return { secretLooksLikeGuid: looksLikeGuid(secret), sender: this.#config.sender, credential: this.#credential.kind };
  }

  #mayUseDrafts(token: AccessToken): boolean {
    const claims = readClaims(token.token);
    // An unreadable token gets the benefit of the doubt: Graph will say if the permission is missing. So does a token
    // without roles: Exchange RBAC for Applications grants Mail.ReadWrite without putting it in the token.
    const roles = Array.isArray(claims?.roles) ? claims.roles : [];
    return claims === undefined || roles.length === 0 || roles.includes('Mail.ReadWrite');
  }

  #tooLarge(attachments: readonly NormalizedAttachment[]): MailerError {
    const bytes = attachments.reduce((sum, a) => sum + a.size, 0);
    return new MailerError(
      catalogued(
        'ATTACHMENT_TOO_LARGE',
        `The message with ${attachments.length} attachment(s) of ${(bytes / 1024 / 1024).toFixed(1)} MiB is over Microsoft Graph's 4 MB request limit, and the app has no Mail.ReadWrite permission for the large-attachment route. Nothing was sent.`,
      ),
    );
  }

  /** Reads the credential (once, and again after a rotation) and builds msal-node's client. */
  #msalApp(): Promise<TokenClient> {
    this.#app ??= this.#credential
      .createClient({
        clientId: this.#config.clientId,
        tenantId: this.#config.tenantId,
        authorityHost: this.#config.cloud.authorityHost,
        custom: this.#config.cloud.custom,
        networkClient: this.#network,
        ...(this.#cachePlugin ? { cachePlugin: this.#cachePlugin } : {}),
        logger: this.#logger,
      })
      .catch((err: unknown) => {
        this.#app = undefined;
        throw err;
      });
    return this.#app;
  }
}

/** `{ [key]: value }`, or `{}` when value is undefined (for optional properties under exactOptionalPropertyTypes). */
function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return value === undefined ? {} : ({ [key]: value } as { [P in K]?: V });
}
