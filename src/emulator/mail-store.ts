import { newItemId } from './ids';
import type { EmulatorAttachment, EmulatorMessage } from './types';
import type { ParsedMessage } from './message-validation';

/** An attachment of a draft, with its Graph ID. */
export interface DraftAttachment extends EmulatorAttachment {
  /** Graph attachment ID. */
  id: string;
  /** When it was added. */
  lastModified: Date;
}

/** A message in a mailbox's Drafts folder. */
export interface DraftRecord {
  id: string;
  /** Configured address of the owning mailbox. */
  mailbox: string;
  mailboxId: string;
  tenantId: string;
  message: ParsedMessage;
  attachments: DraftAttachment[];
  createdAt: Date;
  changeKey: string;
  /** The single-value extended properties given when the draft was created (`{ id, value }`). */
  extendedProperties?: Array<{ id: string; value: string }>;
}

/** An upload session for a large attachment of a draft. */
export interface UploadSession {
  id: string;
  /** The `authtoken` of the pre-authenticated URL. */
  token: string;
  draftId: string;
  name: string;
  size: number;
  contentType: string;
  isInline: boolean;
  contentId?: string;
  /** Bytes received so far (the next expected offset). */
  received: number;
  buffer: Buffer;
  expiresAt: Date;
}

/** Captured messages, drafts and upload sessions. */
export class MailStore {
  /** Accepted messages, oldest first. */
  readonly messages: EmulatorMessage[] = [];
  /** Drafts by ID. */
  readonly drafts = new Map<string, DraftRecord>();
  /** Upload sessions by ID. */
  readonly sessions = new Map<string, UploadSession>();

  /** Records an accepted message and returns it. */
  capture(input: Omit<EmulatorMessage, 'id' | 'receivedAt'>): EmulatorMessage {
    const message: EmulatorMessage = { id: newItemId(), receivedAt: new Date(), ...input };
    this.messages.push(message);
    return message;
  }

  /** Finds a captured message by ID. */
  findMessage(id: string): EmulatorMessage | undefined {
    return this.messages.find((m) => m.id === id);
  }

  /** Removes a draft and its upload sessions. */
  removeDraft(id: string): void {
    this.drafts.delete(id);
    for (const [sessionId, session] of this.sessions) if (session.draftId === id) this.sessions.delete(sessionId);
  }

  /** Empties everything. */
  reset(): void {
    this.messages.length = 0;
    this.drafts.clear();
    this.sessions.clear();
  }
}
