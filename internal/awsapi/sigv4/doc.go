// Package sigv4 verifies AWS Signature Version 4 on incoming requests, the
// server-side mirror of the SDKs' signers, so that the aws CLI and the AWS
// SDKs can talk to berth unmodified.
//
// A Verifier recomputes the signature from the request exactly as the
// clients compute it (https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html):
//
//   - canonical URI: the path as sent on the wire, URI-encoded once more
//     for every service except S3 (the SDKs double-encode: "/a%20b" signs
//     as "/a%2520b"); if that fails, the path with "." , ".." and empty
//     segments removed, which is what botocore signs;
//   - canonical query: parameters decoded, RFC 3986 re-encoded, sorted by
//     name then value; a presigned URL's X-Amz-Signature is left out;
//   - canonical headers: the SignedHeaders list, values trimmed with space
//     runs collapsed and repeats joined by ","; host from Request.Host;
//   - payload hash: X-Amz-Content-Sha256 when sent (UNSIGNED-PAYLOAD
//     included), else hex SHA-256 of the body; a declared hash must then
//     also match the body.
//
// Derived signing keys are cached per (secret, date, region, service). A
// header-signed request whose key is cached is verified without allocating
// (beyond what Lookup does) in about 2.5µs, so the check stays cheap on
// the request path.
//
// # Errors
//
// AWS words an authentication failure by the wire protocol of the service
// called, which the verifier does not know. It returns an *Error whose
// Kind classifies the failure and whose Code and Status are the Query
// family's; the caller rewords it with Error.For:
//
//	Kind            Query (awsQuery, restXml)       JSON (awsJson, restJson, CBOR)           EC2Query
//	MissingAuth     MissingAuthenticationToken 403  MissingAuthenticationTokenException 400  MissingAuthenticationToken 401
//	Incomplete      IncompleteSignature 400         IncompleteSignatureException 400         IncompleteSignature 400
//	UnknownKey      InvalidClientTokenId 403        UnrecognizedClientException 400          AuthFailure 401
//	BadSignature    SignatureDoesNotMatch 403       InvalidSignatureException 400            AuthFailure 401
//	Expired         SignatureDoesNotMatch 403       InvalidSignatureException 400            RequestExpired 400
//	PresignExpired  AccessDenied 403                AccessDeniedException 403                RequestExpired 400
//	PayloadHash     XAmzContentSHA256Mismatch 400 in every family (S3's wording)
//	ExpiredToken    ExpiredToken 403                ExpiredTokenException 400                RequestExpired 400
//
// Messages follow AWS's: "Request is missing Authentication Token",
// "Authorization header requires 'Credential' parameter. …", "Credential
// must have exactly 5 slash-delimited elements, …", "Signature expired:
// 20240101T000000Z is now earlier than 20240101T000500Z (20240101T002000Z
// - 15 min.)", "The security token included in the request is invalid.",
// and so on. A session token that does not match the credential's is an
// unknown key, as in AWS; a credential past its Expires is an expired
// token ("The security token included in the request is expired").
// Clients' clock-skew correction keys on the Expired codes and on the
// response's Date header, which the caller must therefore send.
//
// The checks run in the order AWS's front ends use: shape of the
// signature, then the clock, then host-is-signed, algorithm, credential
// and scope, then the key, the signature, the session token and its
// expiry, and the declared payload hash. As in AWS, a bad scope terminator
// or a scope date other than X-Amz-Date's is a signature mismatch, not an
// incomplete one.
//
// Three checks go beyond what AWS documents: X-Amz-Target must be signed
// when present (it selects a JSON operation and is outside the body hash);
// SignedHeaders must be sorted without repeats (every client sends it so,
// and it bounds the canonical request's size); and a presigned URL's
// X-Amz-Expires is honoured (IAM and STS ignore it and apply only the skew
// window; S3 honours it). Verify cannot know which service a request is
// for, so checking the scope's region and service is left to
// Result.CheckScope.
package sigv4
