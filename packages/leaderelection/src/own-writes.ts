// Which records this elector wrote itself. A replica recognises its own writes by the text of the
// record (canonical JSON of the Lease spec), so that a write whose answer was lost — a renewal cut
// off by a timeout, a create whose answer never arrived — is taken as its own on the next read
// instead of as a stranger's. Not in client-go, which compares holderIdentity only (see the
// README, "Differs from client-go").
import { isConflict, isNotFound } from './errors.js';
import { canonicalJson, recordToLeaseSpec, type LeaderElectionRecord } from './record.js';
import type { LockSnapshot } from './resource-lock.js';

/** A write this elector sent: the text of the record and whether it created the lease. */
interface SentWrite {
  readonly raw: string;
  readonly create: boolean;
}

/** How many of its own last writes an elector recognises (the last one may have an unknown outcome). */
const rememberedWrites = 4;

/**
 * The writes an elector sent since the lease last showed a text that is not its own, newest last,
 * whether or not their answer arrived (at most the last 4), and whether the outcome of the last
 * one is still unknown.
 */
export class OwnWrites {
  #sent: SentWrite[] = [];
  /** True while the outcome of our last write is unknown (sent, no answer that says). */
  unknownOutcome = false;

  /**
   * Notes a write about to be sent (`create`: it creates the lease), so that a later read
   * recognises it even if its answer is lost. Its outcome is unknown until {@link answered}.
   */
  send(record: LeaderElectionRecord, create = false): void {
    this.#remember(canonicalJson(recordToLeaseSpec(record)), create);
    this.unknownOutcome = true;
  }

  /**
   * The answer to our write came: `written` on success (its text as the server stored it is
   * remembered too, in case it differs from the one sent), else the error `err`. A 409 or 404
   * says the write did not land; any other error leaves the outcome unknown.
   */
  answered(written: LockSnapshot | undefined, err?: unknown): void {
    if (written !== undefined) {
      this.unknownOutcome = false;
      // The text as the server stored it, in case it differs from the one sent.
      if (!this.isOwn(written.raw)) this.#remember(written.raw, false);
    } else if (isConflict(err) || isNotFound(err)) {
      this.unknownOutcome = false;
    }
  }

  /** Is `raw` the text of a record this elector wrote (or tried to write)? */
  isOwn(raw: string): boolean {
    return this.#sent.some((w) => w.raw === raw);
  }

  /** Is `raw` the text of a create of ours (a claim whose answer may have been lost)? */
  isOwnCreate(raw: string): boolean {
    return this.#sent.some((w) => w.create && w.raw === raw);
  }

  /** Is one of the remembered writes a create? */
  hasCreate(): boolean {
    return this.#sent.some((w) => w.create);
  }

  /** Someone else wrote (or the lease went missing): our writes are history. */
  forget(): void {
    this.#sent = [];
    this.unknownOutcome = false;
  }

  #remember(raw: string, create: boolean): void {
    this.#sent.push({ raw, create });
    if (this.#sent.length > rememberedWrites) this.#sent.shift();
  }
}
