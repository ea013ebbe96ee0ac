import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { redact } from './redact.js';

const pem = [
  '-----BEGIN RSA PRIVATE KEY-----',
  'MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun',
  '-----END RSA PRIVATE KEY-----',
].join('\n');

describe('redact', () => {
  it('hides the value of an Authorization header in header, JSON and key=value form', () => {
    expect(redact('Authorization: Bearer abc.def-123')).toBe('Authorization: [REDACTED]');
    expect(redact('{"authorization":"Basic dXNlcjpwYXNz","x":1}')).toBe(
      '{"authorization":"[REDACTED]","x":1}',
    );
    expect(redact('proxy-authorization=Negotiate xyz')).toBe('proxy-authorization=[REDACTED]');
  });

  it('hides bearer credentials in free text', () => {
    expect(redact('sent Bearer sha256~s3cr3tT0ken to the server')).toBe(
      'sent Bearer [REDACTED] to the server',
    );
  });

  it('hides PEM blocks, also one cut off before its END line', () => {
    expect(redact(`key follows ${pem} and more`)).toBe('key follows [REDACTED PEM] and more');
    expect(redact('-----BEGIN CERTIFICATE-----\nMIIC truncated')).toBe('[REDACTED PEM]');
  });

  it('hides passwords, tokens and kubeconfig key data under any of their spellings', () => {
    expect(redact('GET /api?watch=1&token=abc123&limit=5')).toBe(
      'GET /api?watch=1&token=[REDACTED]&limit=5',
    );
    expect(redact('password=hunter2 user=bob')).toBe('password=[REDACTED] user=bob');
    expect(redact('{"access_token":"ya29.a0Af","expiry":"2030"}')).toBe(
      '{"access_token":"[REDACTED]","expiry":"2030"}',
    );
    expect(redact('client-key-data: LS0tLS1CRUdJTg==')).toBe('client-key-data: [REDACTED]');
    expect(redact('client-certificate-data: LS0tLS1C')).toBe('client-certificate-data: [REDACTED]');
    expect(redact('client-key-data: ' + pem)).toBe('client-key-data: [REDACTED PEM]');
  });

  it('hides JSON Web Tokens and the user info of URLs', () => {
    const token = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW0ifQ.c2lnbmF0dXJl';
    expect(redact(`token rejected: ${token}`)).toBe('token rejected: [REDACTED]');
    expect(redact('dial https://admin:pa55@10.0.0.1:6443/api failed')).toBe(
      'dial https://[REDACTED]@10.0.0.1:6443/api failed',
    );
  });

  it('leaves ordinary Kubernetes error messages alone', () => {
    const messages = [
      'too old resource version: 5 (1000)',
      'pods is forbidden: User "system:serviceaccount:default:x" cannot list resource "pods"',
      'The provided continue parameter is too old to display a consistent list result.',
      'connect ECONNREFUSED 127.0.0.1:6443',
      'secrets "db" not found',
    ];
    for (const m of messages) expect(redact(m)).toBe(m);
  });
});

describe('redact is idempotent', () => {
  it('redacting twice changes nothing (describeError redacts, and the logger redacts its line again)', () => {
    expect(redact(redact('Authorization: Bearer abc'))).toBe('Authorization: [REDACTED]');
    // Found by the property below (one pass's [REDACTED] completed a user:pass@ URL for the next).
    const found = 'https://passwordhttps://u:p@,u:p@';
    expect(redact(redact(found))).toBe(redact(found));
    const pieces = [
      'Authorization',
      ': ',
      '=',
      'Bearer ',
      'token',
      'password',
      '"',
      "'",
      ' ',
      'abc',
      'x.y',
      '-----BEGIN A-----',
      '-----END A-----',
      'https://',
      'u:p@',
      'eyJhbGciOi.eyJzdWIi.sig',
      '[REDACTED]',
      '\n',
      ',',
      '&',
    ];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...pieces), { maxLength: 12 }), (parts) => {
        const once = redact(parts.join(''));
        expect(redact(once)).toBe(once);
      }),
      { numRuns: 2000 },
    );
  });
});
