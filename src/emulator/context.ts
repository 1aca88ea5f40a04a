import type { IncomingMessage } from 'node:http';
import type { TokenSigner } from './access-token';
import type { FederatedIssuer } from './client-assertion';
import type { Directory } from './directory';
import type { GraphIds } from './graph-errors';
import type { MailStore } from './mail-store';
import type { MimeReader } from './mime-message';
import type { EmulatorLimits } from './types';

/** Shared state every route reads. */
export interface EmulatorContext {
  /** `https://127.0.0.1:{port}`. */
  url: string;
  directory: Directory;
  store: MailStore;
  signer: TokenSigner;
  limits: Required<EmulatorLimits>;
  tokenLifetimeSeconds: number;
  counters: { tokenRequests: number; tokensIssued: number };
  /** Audiences Graph accepts: the emulator URL and Graph's application ID. */
  graphAudiences: string[];
  /** The external identity provider whose tokens federated credentials trust. */
  federatedIssuer: FederatedIssuer;
  /** The value the managed identity endpoint expects in `X-IDENTITY-HEADER`. */
  identityHeader: string;
  /** Reads MIME request bodies (loads mailparser on first use). */
  mime: MimeReader;
}

/** One request as routes see it. */
export interface RouteRequest {
  req: IncomingMessage;
  method: string;
  /** Decoded-once pathname, no query. */
  path: string;
  query: URLSearchParams;
  /** Graph's IDs for this request; `clientRequestId` also serves as Entra's correlation ID. */
  ids: GraphIds;
  /** The client's own `client-request-id`, if it sent one. */
  clientRequestIdHeader?: string;
}

/** Graph's first-party application ID, an accepted audience for Graph tokens. */
export const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
