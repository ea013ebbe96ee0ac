// Public TLS test fixtures: a throw-away CA and a server certificate for 127.0.0.1 / localhost,
// valid for 100 years, generated once with openssl for @kubecache/testing. These keys are public:
// never use them for anything but tests against the in-process API server.

/** PEM of the test CA (goes into the kubeconfig as certificate-authority-data). */
export const testCaPem = `-----BEGIN CERTIFICATE-----
MIIBlDCCATugAwIBAgIUdQS112opaQWvQYNVA/HtaFBCIFAwCgYIKoZIzj0EAwIw
HzEdMBsGA1UEAwwUa3ViZWNhY2hlLXRlc3RpbmctY2EwIBcNMjYxMTIyMTcxMDA3
WhgPMjEyNjEwMjkxNzEwMDdaMB8xHTAbBgNVBAMMFGt1YmVjYWNoZS10ZXN0aW5n
LWNhMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAESlih3k0YRoAkgZdDqt2pl5aG
44jawzX3YQ1OmseBE4hHKbnrWOekkP3yHHVeAfCmcFkWJC4FBsx9UafX4qLUfqNT
MFEwHQYDVR0OBBYEFIPRTnWK03qv6PfxsZZWKhJTGs5QMB8GA1UdIwQYMBaAFIPR
TnWK03qv6PfxsZZWKhJTGs5QMA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwID
RwAwRAIgPjnq2Q3VH7gCJfkMtbwp2eC7PS0hbqhxIJ/+CmJYhhACIHCegZEIc9uA
QsOX1lj5N4cHFQmYkfh76keLGMLdjn3D
-----END CERTIFICATE-----
`;

/** PEM of the server certificate (SAN IP:127.0.0.1, DNS:localhost), signed by the test CA. */
export const testServerCertPem = `-----BEGIN CERTIFICATE-----
MIIB1TCCAXygAwIBAgIUJ1ut1ekLyNKvW3juDFyvU+Jx5IMwCgYIKoZIzj0EAwIw
HzEdMBsGA1UEAwwUa3ViZWNhY2hlLXRlc3RpbmctY2EwIBcNMjYxMTIyMTcxMDA3
WhgPMjEyNjEwMjkxNzEwMDdaMCYxJDAiBgNVBAMMG2t1YmVjYWNoZS10ZXN0aW5n
LWFwaXNlcnZlcjBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABE8jOOdiBerIHVIW
BRaL1+RdT5uOZXak0Hw6QWNuKgOjy21Ko36aGXpGSemzwHEWy2rTicNyRuHgdLVF
3CB1oRSjgYwwgYkwGgYDVR0RBBMwEYcEfwAAAYIJbG9jYWxob3N0MAkGA1UdEwQC
MAAwCwYDVR0PBAQDAgWgMBMGA1UdJQQMMAoGCCsGAQUFBwMBMB0GA1UdDgQWBBTf
sSmF3sVn4DUYONBZhqeYwznyOjAfBgNVHSMEGDAWgBSD0U51itN6r+j38bGWVioS
UxrOUDAKBggqhkjOPQQDAgNHADBEAiBU22KJkdaMkhX9OPZFhk3n7VyNvSH85BPD
Lj5wi3HdRQIgWeHazy2IliXORVZ+mbnoMqnmLw46s3wddcgumSiz1V0=
-----END CERTIFICATE-----
`;

/** PEM of the server's private key (public test fixture). */
export const testServerKeyPem = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgmy+A9aBtlZydScHC
/USwpakLmlnZurXOiVlKRPGlGmihRANCAARPIzjnYgXqyB1SFgUWi9fkXU+bjmV2
pNB8OkFjbioDo8ttSqN+mhl6Rknps8BxFstq04nDckbh4HS1RdwgdaEU
-----END PRIVATE KEY-----
`;
