/**
 * A durable outbox for o365-oauth-mailer: mail survives crashes and deploys, is paced to Exchange's limits per
 * sender mailbox, is never sent twice, and ambiguous sends are settled through Sent Items. SQLite for one machine,
 * BullMQ on Redis for fleets. See docs/outbox.md.
 *
 * @packageDocumentation
 */
export { createOutbox } from './create-outbox';
export { Outbox } from './outbox';
export type {
  OutboxOptions,
  OutboxStoreOption,
  ReconcileOptions,
  PacingOptions,
  EnqueueOptions,
  EnqueueResult,
  OutboxItem,
  OutboxItemState,
  OutboxStats,
  OutboxSenderStats,
  OutboxPause,
  OutboxEvents,
  OutboxSentEvent,
  OutboxFailedEvent,
  OutboxPausedEvent,
  OutboxResumedEvent,
  ListOptions,
} from './types';
