// The sample's API types: the Foo custom resource (samplecontroller.k8s.io/v1alpha1, as in
// kubernetes/sample-controller's pkg/apis/samplecontroller) and the slice of apps/v1 Deployment
// the controller writes and reads. Wire JSON shapes, not client-node model classes.
import { defineResource, type GroupVersionResource, type KubeObject } from '@kubecache/core';

/** `Foo.spec`. */
export interface FooSpec {
  /** Name of the Deployment the Foo owns, in the Foo's namespace. */
  deploymentName?: string;
  /** Desired replicas of that Deployment. Default: the Deployment's default (1). */
  replicas?: number;
}

/** `Foo.status`. */
export interface FooStatus {
  /** `status.availableReplicas` of the owned Deployment, as last seen. */
  availableReplicas?: number;
}

/** A Foo: a namespaced custom resource that owns one Deployment. */
export interface Foo extends KubeObject {
  spec?: FooSpec;
  status?: FooStatus;
}

/** The parts of an apps/v1 Deployment the sample uses. */
export interface Deployment extends KubeObject {
  spec?: {
    replicas?: number;
    selector?: { matchLabels?: Record<string, string> };
    template?: {
      metadata?: { labels?: Record<string, string> };
      spec?: { containers?: { name: string; image: string }[] };
    };
  };
  status?: { availableReplicas?: number; replicas?: number };
}

/** The Foo resource: group, version, plural; its kind and apiVersion. */
export const fooResource = {
  group: 'samplecontroller.k8s.io',
  version: 'v1alpha1',
  resource: 'foos',
  kind: 'Foo',
  apiVersion: 'samplecontroller.k8s.io/v1alpha1',
} as const satisfies GroupVersionResource & { kind: string; apiVersion: string };

/** The apps/v1 Deployment resource. */
export const deploymentResource = {
  group: 'apps',
  version: 'v1',
  resource: 'deployments',
  kind: 'Deployment',
  apiVersion: 'apps/v1',
} as const satisfies GroupVersionResource & { kind: string; apiVersion: string };

/**
 * The Foo resource as a `defineResource` definition: what a sharded controller needs for its
 * primary (the sharder and the drain acknowledgement address Foos by it).
 */
export const Foos = defineResource<Foo>({
  group: fooResource.group,
  version: fooResource.version,
  kind: fooResource.kind,
  plural: fooResource.resource,
  namespaced: true,
  statusSubresource: true,
});

/** apps/v1 Deployments as a `defineResource` definition (the sharder labels them). */
export const Deployments = defineResource<Deployment>({
  group: deploymentResource.group,
  version: deploymentResource.version,
  kind: deploymentResource.kind,
  plural: deploymentResource.resource,
  namespaced: true,
  statusSubresource: true,
});
