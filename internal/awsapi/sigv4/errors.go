package sigv4

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
)

// Kind says which rule a request broke. AWS reports the same failure under
// different codes (and sometimes statuses and messages) depending on the
// wire protocol of the service that was called, so the verifier, which
// does not know the protocol, classifies and the caller picks the wording
// with [Error.For].
type Kind int

const (
	// KindMissingAuth: no Authorization header (or one that is not AWS4-*)
	// and no presigned query parameters.
	KindMissingAuth Kind = iota + 1
	// KindIncomplete: the signature's parts are missing or malformed.
	KindIncomplete
	// KindUnknownKey: the access key id is unknown, or the session token
	// does not belong to it.
	KindUnknownKey
	// KindBadSignature: the signature, or its credential scope, does not
	// match the request.
	KindBadSignature
	// KindExpired: the signing time is outside the allowed clock skew.
	KindExpired
	// KindPresignExpired: a presigned URL is past its X-Amz-Expires.
	KindPresignExpired
	// KindPayloadHash: X-Amz-Content-Sha256 disagrees with the body.
	KindPayloadHash
	// KindExpiredToken: the temporary credentials (session) that signed
	// the request have expired.
	KindExpiredToken
)

var kindNames = [...]string{
	KindMissingAuth:    "MissingAuth",
	KindIncomplete:     "Incomplete",
	KindUnknownKey:     "UnknownKey",
	KindBadSignature:   "BadSignature",
	KindExpired:        "Expired",
	KindPresignExpired: "PresignExpired",
	KindPayloadHash:    "PayloadHash",
	KindExpiredToken:   "ExpiredToken",
}

func (k Kind) String() string {
	if k > 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Protocol is a family of AWS wire protocols that word authentication
// failures the same way.
type Protocol int

const (
	// Query covers awsQuery and restXml services (IAM, STS, ELBv2,
	// CloudWatch, Auto Scaling): MissingAuthenticationToken,
	// InvalidClientTokenId, SignatureDoesNotMatch, mostly 403.
	Query Protocol = iota
	// JSON covers awsJson 1.0/1.1, restJson and rpcv2Cbor services (ECS,
	// Logs, EventBridge, Cloud Map, ECR, Cost Explorer): the Coral names
	// ending in "Exception", all 400.
	JSON
	// EC2Query is EC2's own dialect: AuthFailure (401) for both unknown
	// keys and bad signatures, RequestExpired for clock skew.
	EC2Query
)

// Error is an authentication failure as the client should see it. Code and
// Status are those of the Query family; call For to get another family's.
type Error struct {
	Kind    Kind
	Code    string
	Message string
	Status  int
	// Detail, set for KindBadSignature, is the canonical request and
	// string to sign the verifier computed. It helps debug a client's
	// signer; it holds no secret but is meant for logs, not the response
	// (AWS stopped sending it).
	Detail string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// wording is one protocol family's code, status and, when the family has
// its own, message for a Kind.
type wording struct {
	code    string
	status  int
	message string // "" keeps the verifier's message
}

const (
	msgMissingAuth  = "Request is missing Authentication Token"
	msgInvalidToken = "The security token included in the request is invalid."
	msgBadSignature = "The request signature we calculated does not match the signature you provided. " +
		"Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
	msgEC2AuthFailure  = "AWS was not able to validate the provided access credentials"
	msgRequestExpired  = "Request has expired"
	msgPayloadMismatch = "The provided 'x-amz-content-sha256' header does not match what was computed."
	msgExpiredToken    = "The security token included in the request is expired"
)

// wordings[kind][protocol]. Sources: AWS's common-errors pages, and
// responses observed from STS/IAM (query), DynamoDB/Kinesis/ECS/ECR (JSON,
// where Coral answers 400 even for auth failures) and EC2.
var wordings = [...][3]wording{
	KindMissingAuth: {
		Query:    {"MissingAuthenticationToken", http.StatusForbidden, ""},
		JSON:     {"MissingAuthenticationTokenException", http.StatusBadRequest, ""},
		EC2Query: {"MissingAuthenticationToken", http.StatusUnauthorized, ""},
	},
	KindIncomplete: {
		Query:    {"IncompleteSignature", http.StatusBadRequest, ""},
		JSON:     {"IncompleteSignatureException", http.StatusBadRequest, ""},
		EC2Query: {"IncompleteSignature", http.StatusBadRequest, ""},
	},
	KindUnknownKey: {
		Query:    {"InvalidClientTokenId", http.StatusForbidden, ""},
		JSON:     {"UnrecognizedClientException", http.StatusBadRequest, ""},
		EC2Query: {"AuthFailure", http.StatusUnauthorized, msgEC2AuthFailure},
	},
	KindBadSignature: {
		Query:    {"SignatureDoesNotMatch", http.StatusForbidden, ""},
		JSON:     {"InvalidSignatureException", http.StatusBadRequest, ""},
		EC2Query: {"AuthFailure", http.StatusUnauthorized, msgEC2AuthFailure},
	},
	// Query and JSON report clock skew as a signature mismatch with a
	// "Signature expired" message; the SDKs' clock-skew correction keys on
	// exactly these codes. EC2 has a code of its own.
	KindExpired: {
		Query:    {"SignatureDoesNotMatch", http.StatusForbidden, ""},
		JSON:     {"InvalidSignatureException", http.StatusBadRequest, ""},
		EC2Query: {"RequestExpired", http.StatusBadRequest, msgRequestExpired + "."},
	},
	// Only S3 and EC2 document an answer for an expired presigned URL;
	// the other families borrow S3's.
	KindPresignExpired: {
		Query:    {"AccessDenied", http.StatusForbidden, ""},
		JSON:     {"AccessDeniedException", http.StatusForbidden, ""},
		EC2Query: {"RequestExpired", http.StatusBadRequest, msgRequestExpired + "."},
	},
	// S3 is the only service that checks the header against the body; its
	// wording is used everywhere.
	KindPayloadHash: {
		Query:    {"XAmzContentSHA256Mismatch", http.StatusBadRequest, ""},
		JSON:     {"XAmzContentSHA256Mismatch", http.StatusBadRequest, ""},
		EC2Query: {"XAmzContentSHA256Mismatch", http.StatusBadRequest, ""},
	},
	// Expired session credentials: the codes the SDKs' credential
	// refreshers look for (ExpiredToken, ExpiredTokenException, and
	// EC2's RequestExpired).
	KindExpiredToken: {
		Query:    {"ExpiredToken", http.StatusForbidden, ""},
		JSON:     {"ExpiredTokenException", http.StatusBadRequest, ""},
		EC2Query: {"RequestExpired", http.StatusBadRequest, msgRequestExpired + "."},
	},
}

// For returns a copy of e worded as protocol family p reports it. It is
// safe to call on any Error and with any p; an unknown p yields Query's.
func (e *Error) For(p Protocol) *Error {
	out := *e
	if int(e.Kind) <= 0 || int(e.Kind) >= len(wordings) || p < Query || p > EC2Query {
		return &out
	}
	w := wordings[e.Kind][p]
	out.Code, out.Status = w.code, w.status
	if w.message != "" {
		out.Message = w.message
	}
	return &out
}

func newError(k Kind, msg string) *Error {
	w := wordings[k][Query]
	return &Error{Kind: k, Code: w.code, Status: w.status, Message: msg}
}

func errorf(k Kind, format string, args ...any) *Error {
	return newError(k, fmt.Sprintf(format, args...))
}

func errMissingAuth() *Error    { return newError(KindMissingAuth, msgMissingAuth) }
func errUnknownKey() *Error     { return newError(KindUnknownKey, msgInvalidToken) }
func errPayloadHash() *Error    { return newError(KindPayloadHash, msgPayloadMismatch) }
func errPresignExpired() *Error { return newError(KindPresignExpired, msgRequestExpired) }
func errExpiredToken() *Error   { return newError(KindExpiredToken, msgExpiredToken) }

func errBadSignature(canonicalRequest, stringToSign []byte) *Error {
	e := newError(KindBadSignature, msgBadSignature)
	e.Detail = "CanonicalRequest:\n" + string(canonicalRequest) + "\n\nStringToSign:\n" + string(stringToSign)
	return e
}

// hashedAuthorization is how AWS now quotes an Authorization header in an
// error: hashed, so a bearer token sent to the wrong place is not echoed.
func hashedAuthorization(authz string) string {
	sum := sha256.Sum256([]byte(authz))
	return "(Hashed with SHA-256 and encoded with Base64) Authorization=" + base64.StdEncoding.EncodeToString(sum[:])
}

// errMissingParts reports every missing part of an Authorization header in
// one message, in AWS's order.
func errMissingParts(authz string, missing []string, noDate bool) *Error {
	var b strings.Builder
	for _, m := range missing {
		fmt.Fprintf(&b, "Authorization header requires '%s' parameter. ", m)
	}
	if noDate {
		b.WriteString("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ")
	}
	b.WriteString(hashedAuthorization(authz))
	return newError(KindIncomplete, b.String())
}

// errMissingQueryParams is the presigned-URL counterpart of errMissingParts.
func errMissingQueryParams(missing []string) *Error {
	var b strings.Builder
	for _, m := range missing {
		fmt.Fprintf(&b, "AWS query-string parameters must include '%s'. ", m)
	}
	b.WriteString("Re-examine the query-string parameters.")
	return newError(KindIncomplete, b.String())
}

func errBadDate(got string) *Error {
	return errorf(KindIncomplete, "Date must be in ISO-8601 'basic format'. Got '%s'. See http://en.wikipedia.org/wiki/ISO_8601", got)
}
