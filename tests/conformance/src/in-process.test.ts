// The conformance scenarios against the in-process API server (part of `npm test`).
import { defineConformance } from './scenarios.js';
import { inProcessTarget } from './target.js';

defineConformance('the in-process API server', inProcessTarget);
