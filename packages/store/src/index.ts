/**
 * client-go's Store, Indexer, key functions, tombstones, label selectors and listers.
 *
 * @packageDocumentation
 */
export type {
  BookmarkStore,
  KeyFunc,
  ResourceVersionUpdater,
  Store,
  TransformFunc,
  TransformingStore,
} from './store.js';
export { createStore, isBookmarkStore, isResourceVersionUpdater } from './store.js';
export { DeletedFinalStateUnknown, isDeletedFinalStateUnknown } from './tombstone.js';
export {
  ExplicitKey,
  KeyError,
  deletionHandlingMetaNamespaceKeyFunc,
  explicitKey,
  isExplicitKey,
  isKeyError,
  metaNamespaceKeyFunc,
  splitMetaNamespaceKey,
} from './keys.js';
export {
  IndexError,
  createIndexer,
  isIndexError,
  metaNamespaceIndexFunc,
  namespaceIndex,
  type IndexFunc,
  type Indexer,
  type Indexers,
} from './indexer.js';
export {
  SelectorParseError,
  everything,
  isSelectorParseError,
  labelKeyProblem,
  labelSelectorFromSet,
  labelValueProblem,
  parseSelector,
  type LabelSelector,
  type Requirement,
} from './labels.js';
export { createLister, type Lister, type NamespaceLister, type SelectorInput } from './lister.js';
