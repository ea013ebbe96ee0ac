// Type tests of waitFor (checked by `tsc` in the typecheck target; vitest does not run them).
import { expectTypeOf } from 'vitest';
import {
  createSharedInformerFactory,
  waitFor,
  type KubeConfigLike,
  type Node,
  type Pod,
  type ResourceEventHandlerRegistration,
  type SharedIndexInformer,
} from './index.js';

declare const kc: KubeConfigLike;
const factory = createSharedInformerFactory(kc);
const pods = factory.pods();
const nodes = factory.nodes();
const reg = pods.addEventHandler({ onAdd: () => undefined });

// Informers of different object types and registrations mix; the result names what was given.
const result = await waitFor(AbortSignal.timeout(1000), pods, nodes, reg);
expectTypeOf(result.notSynced).toEqualTypeOf<
  readonly (
    SharedIndexInformer<Pod> | SharedIndexInformer<Node> | ResourceEventHandlerRegistration
  )[]
>();
