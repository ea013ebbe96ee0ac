/**
 * client-go's DeltaFIFO and RealFIFO: the queues between a Reflector and an informer's cache.
 *
 * @packageDocumentation
 */
export {
  FIFOClosedError,
  isAtomicDelta,
  isFIFOClosedError,
  keyOfDelta,
  newest,
  oldest,
  type AnyDelta,
  type AtomicDelta,
  type BookmarkInfo,
  type Delta,
  type Deltas,
  type DeltaType,
  type ObjectDeltaType,
  type ReplacedAllInfo,
  type KeyedDelta,
  type KeyListerGetter,
  type PopProcessFunc,
  type Queue,
} from './queue.js';
export { DeltaFIFO, type DeltaFIFOOptions } from './delta-fifo.js';
export { RealFIFO, type RealFIFOOptions } from './real-fifo.js';
