import { describe, expect, it } from 'vitest';
import { asLease } from './lease-answer.js';

class AnswerError extends Error {
  override readonly name = 'AnswerError';
  readonly statusCode: number;
  constructor(message: string, statusCode: number) {
    super(message);
    this.statusCode = statusCode;
  }
}
const makeError = (message: string): AnswerError => new AnswerError(message, 200);

const thrown = (value: unknown): unknown => {
  try {
    asLease(value, 'GET lease default/ctl', makeError);
  } catch (err) {
    return err;
  }
  throw new Error('asLease did not throw');
};

describe('asLease', () => {
  it('returns a Lease with a string metadata.resourceVersion unchanged (same object)', () => {
    const lease = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'ctl', namespace: 'default', resourceVersion: '42' },
      spec: { holderIdentity: 'a' },
    };
    const got = asLease(lease, 'GET lease default/ctl', makeError);
    expect(got).toBe(lease);
    expect(got.metadata.resourceVersion).toBe('42');
  });

  it('accepts an empty-string resourceVersion (only the type is checked)', () => {
    const lease = { metadata: { resourceVersion: '' } };
    expect(asLease(lease, 'PUT lease default/ctl', makeError)).toBe(lease);
  });

  it.each([
    ['no resourceVersion', { metadata: { name: 'ctl' } }],
    ['a numeric resourceVersion', { metadata: { resourceVersion: 42 } }],
    ['a null resourceVersion', { metadata: { resourceVersion: null } }],
    ['no metadata', { kind: 'Lease' }],
    ['a null metadata', { metadata: null }],
    ['a string metadata', { metadata: '42' }],
  ])('rejects an object with %s', (_label, value) => {
    const err = thrown(value);
    expect(err).toBeInstanceOf(AnswerError);
    expect((err as AnswerError).name).toBe('AnswerError');
    expect((err as AnswerError).statusCode).toBe(200);
    expect((err as AnswerError).message).toBe(
      'GET lease default/ctl: the answer is not a Lease with a resourceVersion',
    );
  });

  it.each([
    ['null', null],
    ['undefined', undefined],
    ['a string', 'Lease'],
    ['a number', 42],
    ['an array', [{ metadata: { resourceVersion: '1' } }]],
  ])('rejects %s', (_label, value) => {
    const err = thrown(value);
    expect(err).toBeInstanceOf(AnswerError);
    expect((err as AnswerError).message).toBe(
      'GET lease default/ctl: the answer is not a Lease with a resourceVersion',
    );
  });

  it('names the request it was given in the message and throws exactly what makeError built', () => {
    const built = new TypeError('built');
    let message = '';
    const err = (() => {
      try {
        asLease({}, 'POST lease kube-system/x', (m) => {
          message = m;
          return built;
        });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBe(built);
    expect(message).toBe(
      'POST lease kube-system/x: the answer is not a Lease with a resourceVersion',
    );
  });
});
