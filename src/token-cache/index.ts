export type { TokenCache } from './token-cache';
export { isLockableTokenCache, withTokenCacheLock, type LockableTokenCache } from './lockable';
export { MemoryTokenCache, type MemoryTokenCacheOptions } from './memory-token-cache';
export { FileTokenCache, type FileTokenCacheOptions } from './file-token-cache';
export { RedisTokenCache, type RedisTokenCacheOptions, type RedisClientLike, type RedisTokenCacheCommonOptions } from './redis-token-cache';
