import { describe, expect, it } from 'vitest';
import { podQosClass, quantityNanos } from './qos.js';

const c = (requests?: Record<string, unknown>, limits?: Record<string, unknown>) => ({
  name: 'c',
  resources: { ...(requests ? { requests } : {}), ...(limits ? { limits } : {}) },
});

describe('quantityNanos', () => {
  it('parses decimal, binary and exponent suffixes and plain numbers', () => {
    expect(quantityNanos('100m')).toBe(100_000_000n);
    expect(quantityNanos('0.1')).toBe(100_000_000n);
    expect(quantityNanos(2)).toBe(2_000_000_000n);
    expect(quantityNanos('1Ki')).toBe(1024n * 1_000_000_000n);
    expect(quantityNanos('1.5Gi')).toBe(1_610_612_736n * 1_000_000_000n);
    expect(quantityNanos('1e3')).toBe(quantityNanos('1k'));
    expect(quantityNanos('1n')).toBe(1n);
    expect(quantityNanos('abc')).toBeUndefined();
    expect(quantityNanos('')).toBeUndefined();
  });
});

describe('podQosClass (ComputePodQOS after SetDefaults_Pod)', () => {
  it('BestEffort without cpu/memory requests or limits', () => {
    expect(podQosClass({ containers: [c()] })).toBe('BestEffort');
    expect(podQosClass({ containers: [c({ 'ephemeral-storage': '1Gi' })] })).toBe('BestEffort');
    expect(podQosClass(undefined)).toBe('BestEffort');
  });

  it('Guaranteed when every container limits cpu and memory and requests equal limits (missing requests default to limits)', () => {
    expect(podQosClass({ containers: [c(undefined, { cpu: '1', memory: '1Gi' })] })).toBe(
      'Guaranteed',
    );
    expect(
      podQosClass({
        containers: [c({ cpu: '1000m', memory: '1Gi' }, { cpu: 1, memory: '1024Mi' })],
      }),
    ).toBe('Guaranteed');
  });

  it('Burstable otherwise, init containers included', () => {
    expect(podQosClass({ containers: [c({ cpu: '100m' })] })).toBe('Burstable');
    expect(podQosClass({ containers: [c({ cpu: '1' }, { cpu: '2', memory: '1Gi' })] })).toBe(
      'Burstable',
    );
    expect(
      podQosClass({
        containers: [c(undefined, { cpu: '1', memory: '1Gi' })],
        initContainers: [c({ cpu: '1' })],
      }),
    ).toBe('Burstable');
  });
});
