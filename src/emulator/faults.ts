import type {
  EmulatorFaultKind,
  EmulatorFaultOptions,
  EmulatorFaultRequest,
  EmulatorFaults,
  FailChunkFaultOptions,
  ServerErrorFaultOptions,
  ThrottleFaultOptions,
} from './types';

/** A queued fault. */
export interface QueuedFault {
  kind: EmulatorFaultKind;
  remaining: number;
  /** True when the fault applies after the request was processed successfully. */
  post: boolean;
  match: (request: EmulatorFaultRequest) => boolean;
  retryAfterSeconds?: number;
  retryAfterDate?: Date;
  mode?: 'status' | 'drop';
}

const isGraph = (r: EmulatorFaultRequest): boolean => r.area === 'graph';
const isSend = (r: EmulatorFaultRequest): boolean =>
  r.area === 'graph' && r.method === 'POST' && /\/(sendMail|send)$/i.test(r.path);
const isChunk = (r: EmulatorFaultRequest): boolean => r.area === 'upload' && r.method === 'PUT';

function count(n: number | undefined): number {
  const value = n ?? 1;
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`Fault count must be a positive integer, got ${String(n)}`);
  return value;
}

/** The fault queue behind {@link EmulatorFaults}. */
export class FaultController implements EmulatorFaults {
  private queue: QueuedFault[] = [];

  /** {@inheritDoc EmulatorFaults.throttle} */
  throttle(n?: number, options: ThrottleFaultOptions = {}): void {
    this.add({
      kind: 'throttle',
      remaining: count(n),
      post: false,
      match: options.match ?? isGraph,
      retryAfterSeconds: options.retryAfterSeconds ?? 1,
      ...(options.retryAfterDate ? { retryAfterDate: options.retryAfterDate } : {}),
    });
  }

  /** {@inheritDoc EmulatorFaults.unavailable} */
  unavailable(n?: number, options: ServerErrorFaultOptions = {}): void {
    this.serverError('unavailable', n, options);
  }

  /** {@inheritDoc EmulatorFaults.gatewayTimeout} */
  gatewayTimeout(n?: number, options: ServerErrorFaultOptions = {}): void {
    this.serverError('gatewayTimeout', n, options);
  }

  /** {@inheritDoc EmulatorFaults.dropAfterAccept} */
  dropAfterAccept(n?: number, options: EmulatorFaultOptions = {}): void {
    this.add({ kind: 'dropAfterAccept', remaining: count(n), post: true, match: options.match ?? isSend });
  }

  /** {@inheritDoc EmulatorFaults.hang} */
  hang(n?: number, options: EmulatorFaultOptions = {}): void {
    this.add({ kind: 'hang', remaining: count(n), post: false, match: options.match ?? isGraph });
  }

  /** {@inheritDoc EmulatorFaults.failChunk} */
  failChunk(n?: number, options: FailChunkFaultOptions = {}): void {
    this.add({ kind: 'failChunk', remaining: count(n), post: false, match: options.match ?? isChunk, mode: options.mode ?? 'status' });
  }

  /** {@inheritDoc EmulatorFaults.pending} */
  pending(): Array<{ kind: EmulatorFaultKind; remaining: number }> {
    return this.queue.map((f) => ({ kind: f.kind, remaining: f.remaining }));
  }

  /** {@inheritDoc EmulatorFaults.clear} */
  clear(): void {
    this.queue = [];
  }

  /** Takes the first fault that applies before processing `request`, if any. */
  takeBefore(request: EmulatorFaultRequest): QueuedFault | undefined {
    return this.take(request, false);
  }

  /** Takes the first fault that applies to `request` after it was processed successfully, if any. */
  takeAfter(request: EmulatorFaultRequest): QueuedFault | undefined {
    return this.take(request, true);
  }

  private serverError(kind: 'unavailable' | 'gatewayTimeout', n: number | undefined, options: ServerErrorFaultOptions): void {
    this.add({
      kind,
      remaining: count(n),
      post: options.deliver === true,
      match: options.match ?? isGraph,
      ...(options.retryAfterSeconds !== undefined ? { retryAfterSeconds: options.retryAfterSeconds } : {}),
    });
  }

  private add(fault: QueuedFault): void {
    this.queue.push(fault);
  }

  private take(request: EmulatorFaultRequest, post: boolean): QueuedFault | undefined {
    const index = this.queue.findIndex((f) => f.post === post && f.remaining > 0 && f.match(request));
    if (index < 0) return undefined;
    const fault = this.queue[index]!;
    fault.remaining -= 1;
    if (fault.remaining === 0) this.queue.splice(index, 1);
    return fault;
  }
}
