// README blocks that do not compile yet, each with the first error it must still show. The docs
// test fails when a block outside this list fails AND when a listed block compiles (or fails
// differently): fixing a README means deleting its entry here. The goal is an empty list.
//
// Keys are block ids: `<README path>#<n>`, n counting the ts/typescript/js/mjs blocks of the file.

/** A block known to fail type-checking. */
export interface KnownFailure {
  /** A substring of the first compiler error the block shows (`TS2304 Cannot find name 'x'`). */
  error: string;
  /** Why, and who fixes it. */
  why: string;
}

export const knownFailures: ReadonlyMap<string, KnownFailure> = new Map();
