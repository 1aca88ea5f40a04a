export { defaultSecretName, type SecretStore } from './secret-store';
export { MemorySecretStore } from './memory-secret-store';
export { EnvSecretStore, type EnvSecretStoreOptions } from './env-secret-store';
export { EncryptedFileSecretStore, type EncryptedFileSecretStoreOptions } from './encrypted-file-secret-store';
export { KeyringSecretStore, type KeyringSecretStoreOptions, type KeyringModule, type KeyringEntry, type KeyringEntryConstructor } from './keyring-secret-store';
export { requireSecret } from './require-secret';
export type { FileLockOptions } from './file-io';
