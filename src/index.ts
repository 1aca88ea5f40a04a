export { O365OAuthMailer } from './mailer';
export type { O365OAuthMailerConfig, Logger, TlsOptions, RetryOptions, TelemetryOptions, ClientCertificate, ClientCertificatePem, ClientCertificateFile, ManagedIdentityOption } from './config/types';
export type { CloudName, CustomCloud } from './config/clouds';
export { CLOUDS } from './config/clouds';
export { MailerError, isMailerError, type MailerErrorInit } from './errors/mailer-error';
export { ERROR_CODES, type ErrorCode, type SetupStep } from './errors/codes';
export { CATALOGUE, ENTRA_CODES, type CatalogueEntry, type EntraRule } from './errors/catalogue';
export type {
  MailMessage,
  Address,
  AddressObject,
  Attachment,
  AttachmentEncoding,
  AlternativeBody,
  CalendarEvent,
  ListHeaders,
  ListHeaderValue,
  SendOptions,
  SendResult,
  SendProgress,
} from './message/types';
export { validateMessage, type ValidatedMessage } from './message/validate-message';
export type { FindSentOptions, SentMessage } from './message/sent-message';
export type { VerifyOptions, VerifyReport, VerifyCheck, VerifyCheckId } from './verify/types';
export {
  MemorySecretStore,
  EnvSecretStore,
  EncryptedFileSecretStore,
  KeyringSecretStore,
  defaultSecretName,
  type SecretStore,
  type EnvSecretStoreOptions,
  type EncryptedFileSecretStoreOptions,
  type KeyringSecretStoreOptions,
  type KeyringModule,
  type KeyringEntry,
  type KeyringEntryConstructor,
  type FileLockOptions,
} from './secrets/index';
export {
  MemoryTokenCache,
  FileTokenCache,
  RedisTokenCache,
  type TokenCache,
  type FileTokenCacheOptions,
  type RedisTokenCacheOptions,
  type RedisClientLike,
  type RedisTokenCacheCommonOptions,
  type LockableTokenCache,
  type MemoryTokenCacheOptions,
} from './token-cache/index';
