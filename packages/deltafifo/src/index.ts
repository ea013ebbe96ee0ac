/**
 * client-go's DeltaFIFO and RealFIFO: the queues between a Reflector and an informer's cache.
 *
 * @packageDocumentation
 */
export {
  FIFOClosedError,
  RequeueError,
  isFIFOClosedError,
  isRequeueError,
  keyOfDelta,
  newest,
  oldest,
  type Delta,
  type Deltas,
  type DeltaType,
  type KeyedDelta,
  type KeyListerGetter,
  type PopProcessFunc,
  type Queue,
} from './queue.js';
export { DeltaFIFO, type DeltaFIFOOptions } from './delta-fifo.js';
export { RealFIFO, type RealFIFOOptions } from './real-fifo.js';
