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
export { isBookmarkStore, isResourceVersionUpdater } from './store.js';
export {
  DeletedFinalStateUnknown,
  ExplicitKey,
  KeyError,
  deletionHandlingMetaNamespaceKeyFunc,
  explicitKey,
  isDeletedFinalStateUnknown,
  isExplicitKey,
  isKeyError,
  metaNamespaceKeyFunc,
  splitMetaNamespaceKey,
} from './keys.js';
export {
  IndexError,
  createIndexer,
  createStore,
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
  labelSelectorFromSet,
  parseSelector,
  type LabelSelector,
  type Requirement,
} from './labels.js';
export { createLister, type Lister, type NamespaceLister, type SelectorInput } from './lister.js';
