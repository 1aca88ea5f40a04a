import { jsonReply, type Reply } from './http-io';
import { graphTimestamp } from './ids';

/** The IDs Graph puts on every response. */
export interface GraphIds {
  /** Graph's `request-id` (a GUID). */
  requestId: string;
  /** The client's `client-request-id`, or the `request-id` when the client sent none (as Graph does). */
  clientRequestId: string;
}

/** Headers Graph sends on every response. */
export function graphHeaders(ids: GraphIds): Record<string, string> {
  return {
    'request-id': ids.requestId,
    'client-request-id': ids.clientRequestId,
    'x-ms-ags-diagnostic': JSON.stringify({
      ServerInfo: { DataCenter: 'Emulator', Slice: 'E', Ring: '5', ScaleUnit: '000', RoleInstance: 'EMULATOR' },
    }),
    'strict-transport-security': 'max-age=31536000',
    'cache-control': 'no-cache',
  };
}

/** A Graph error reply: `{ error: { code, message, innerError: { date, 'request-id', 'client-request-id' } } }`. */
export function graphError(ids: GraphIds, status: number, code: string, message: string, headers: Record<string, string> = {}): Reply {
  return jsonReply(
    status,
    {
      error: {
        code,
        message,
        innerError: { date: graphTimestamp(), 'request-id': ids.requestId, 'client-request-id': ids.clientRequestId },
      },
    },
    { ...graphHeaders(ids), ...headers },
  );
}

/** Messages of the Graph errors the emulator produces. */
export const GRAPH_MESSAGES = {
  mimeInvalidBase64: 'Invalid base64 string for MIME content.',
  tokenEmpty: 'Access token is empty.',
  tokenExpired: 'Lifetime validation failed, the token is expired.',
  tokenNotYetValid: 'Lifetime validation failed, the token is not yet valid.',
  tokenInvalid: 'Access token validation failure.',
  tokenMalformed:
    "IDX14100: JWT is not well formed, there are no dots (.).\nThe token needs to be in JWS or JWE Compact Serialization Format. (JWS): 'EncodedHeader.EndcodedPayload.EncodedSignature'. (JWE): 'EncodedProtectedHeader.EncodedEncryptedKey.EncodedInitializationVector.EncodedCiphertext.EncodedAuthenticationTag'.",
  audience: 'Access token validation failure. Invalid audience.',
  noPermissions: 'The token contains no permissions, or permissions can not be understood.',
  accessDenied: 'Access is denied. Check credentials and try again.',
  accessPolicy: 'Access to OData is disabled: [RAOP] : Blocked by tenant configured AppOnly AccessPolicy settings.',
  invalidUser: (user: string) => `The requested user '${user}' is invalid.`,
  mailboxNotEnabled: 'The mailbox is either inactive, soft-deleted, or is hosted on-premise.',
  tooLarge: 'The maximum request length supported is 4MB.',
  itemNotFound: 'The specified object was not found in the store.',
  throttled: 'Application is over its MailboxConcurrency limit.',
  unavailable: 'The service is temporarily unavailable. Please retry later.',
  gatewayTimeout: 'The gateway did not receive a response within the specified time period.',
  sendAsDenied:
    'The user account which was used to submit this request does not have the right to send mail on behalf of the specified sending account., Cannot submit message.',
  noRecipients: "At least one recipient isn't valid., A message can't be sent because it contains no recipients.",
  badRecipient: (address: string) =>
    `At least one recipient isn't valid., Recipient '${address}' isn't resolved. All recipients must be resolved before a message can be submitted.`,
  headerName: (name: string) => `The internet message header name '${name}' should start with 'x-' or 'X-'.`,
  headerCount: 'Maximum number of headers in one message should be less than or equal to 5.',
  headerEmpty: 'The internet message header collection should not be empty.',
  invalidJson: 'Invalid JSON. A token was not recognized in the JSON content.',
  meWithAppOnly: '/me request is only valid with delegated authentication flow.',
  insufficientPrivileges: 'Insufficient privileges to complete the operation.',
  messageTooLarge: 'The message exceeds the maximum supported size.',
  attachmentTooSmall: 'Attachment size must be greater than the minimum size.',
} as const;
