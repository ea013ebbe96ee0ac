// The conformance scenarios against the cluster named by KUBECONFIG (`npm run test:conformance`).
import { defineConformance } from './scenarios.js';
import { clusterTarget } from './target.js';

defineConformance('the cluster in KUBECONFIG', clusterTarget);
