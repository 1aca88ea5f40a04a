/** The Microsoft clouds the library knows by name. */
export type CloudName = 'global' | 'usgov' | 'usgov-dod' | 'china';

/**
 * A cloud's two endpoints. As `cloud`: any pair not listed by name (an emulator, a test server, a sovereign cloud);
 * also the shape of each {@link CLOUDS} entry.
 */
export interface CustomCloud {
  /** The sign-in host as an https URL, e.g. `https://login.microsoftonline.com` or `https://127.0.0.1:8443`. */
  authorityHost: string;
  /** The Graph endpoint as an https URL, e.g. `https://graph.microsoft.com`. */
  graphEndpoint: string;
}

/** Endpoints resolved from a cloud setting. */
export interface ResolvedCloud {
  /** The cloud's name, or `'custom'`. */
  name: CloudName | 'custom';
  /** `https://host[:port]`, no trailing slash. */
  authorityHost: string;
  /** `https://host[:port]`, no trailing slash. */
  graphEndpoint: string;
  /** True for endpoints Microsoft does not list: msal-node must skip instance discovery for them. */
  custom: boolean;
}

/** Sign-in and Graph hosts per national cloud (Microsoft's table of national cloud deployments). */
export const CLOUDS: Readonly<Record<CloudName, CustomCloud>> = {
  global: { authorityHost: 'https://login.microsoftonline.com', graphEndpoint: 'https://graph.microsoft.com' },
  usgov: { authorityHost: 'https://login.microsoftonline.us', graphEndpoint: 'https://graph.microsoft.us' },
  'usgov-dod': { authorityHost: 'https://login.microsoftonline.us', graphEndpoint: 'https://dod-graph.microsoft.us' },
  china: { authorityHost: 'https://login.chinacloudapi.cn', graphEndpoint: 'https://microsoftgraph.chinacloudapi.cn' },
};
