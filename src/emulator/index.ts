/**
 * A local emulator of Entra ID and Microsoft Graph mail for tests and demos: one HTTPS server on 127.0.0.1 that
 * answers the token endpoint, OpenID metadata and Graph's mail endpoints the way Microsoft does, captures what
 * it accepts, injects faults on request and shows a mailbox page at `/`.
 *
 * @packageDocumentation
 */
export { startEmulator } from './start-emulator';
export type {
  Emulator,
  EmulatorAddress,
  EmulatorAlternative,
  EmulatorApp,
  EmulatorAttachment,
  EmulatorBody,
  EmulatorCalendarPart,
  EmulatorFaultKind,
  EmulatorFaultOptions,
  EmulatorFaultRequest,
  EmulatorFaults,
  EmulatorFederatedCredential,
  EmulatorHeader,
  EmulatorLimits,
  EmulatorMailbox,
  EmulatorManagedIdentity,
  EmulatorMessage,
  EmulatorOptions,
  EmulatorPendingFault,
  EmulatorRbacAssignment,
  EmulatorRequestLogEntry,
  EmulatorSecret,
  EmulatorTenant,
  EmulatorTlsOptions,
  FailChunkFaultOptions,
  FederatedTokenOptions,
  IssueTokenOptions,
  ServerErrorFaultOptions,
  ThrottleFaultOptions,
} from './types';
