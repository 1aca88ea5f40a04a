import type * as Msal from '@azure/msal-node';

/** `@azure/msal-node`'s exports. */
export type MsalModule = typeof Msal;

/**
 * The one door to `@azure/msal-node` (its import costs about 150 ms): loaded on the first token request, never
 * by importing the package. Every credential module takes its values (`ConfidentialClientApplication`,
 * `ManagedIdentityApplication`, `LogLevel`, error classes) from here; elsewhere only `import type` is allowed.
 */
export function loadMsal(): Promise<MsalModule> {
  return import('@azure/msal-node');
}
