package sigv4

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// DefaultMaxSkew is the clock skew allowed when Verifier.MaxSkew is zero:
// AWS's usual window (some services, ECS among them, use 5 minutes).
const DefaultMaxSkew = 15 * time.Minute

// Credential is what a lookup returns for an access key id.
type Credential struct {
	AccessKeyID     string
	SecretAccessKey string
	// SessionToken is non-empty for temporary credentials; the request
	// must then carry the same token (X-Amz-Security-Token header or query
	// parameter). A request that carries a token for a credential without
	// one is refused too.
	SessionToken string
	// Expires, when set, is when temporary credentials stop working; a
	// request verified at or after it gets a KindExpiredToken error
	// (checked once signature and token match, so only the holder of the
	// secret learns that the credentials expired).
	Expires time.Time
}

// Lookup finds the secret for an access key id; it returns
// (Credential{}, false, nil) when the key is unknown. An error means the
// lookup itself failed; Verify passes it on wrapped, not as an *Error.
type Lookup func(ctx context.Context, accessKeyID string) (Credential, bool, error)

// Verifier checks SigV4 signatures. Set its fields before first use and do
// not copy it afterwards (it holds a cache); it is safe for concurrent use.
type Verifier struct {
	Lookup  Lookup
	MaxSkew time.Duration    // DefaultMaxSkew when zero
	Now     func() time.Time // time.Now when nil

	keys keyCache
}

// Result describes a verified request. Its strings share memory with the
// request's headers; clone them to keep them past the request.
type Result struct {
	AccessKeyID string
	Region      string // from the credential scope
	Service     string // signing name from the credential scope, e.g. "ecs", "sts"
	Date        string // yyyymmdd of the scope
	SignedAt    time.Time
	Presigned   bool
}

// Verify checks r's SigV4 signature, from its Authorization header or its
// presigned-URL query parameters. body is the full request body, already
// read; Verify does not touch r.Body.
//
// A request the client got wrong yields an *Error (see Kind and Error.For);
// a failing Lookup yields that error wrapped. The checks run in the order
// AWS's front ends use, so the first problem reported is the one AWS would
// report: presence and shape of the signature, then the clock, then the
// scope, then the key, the signature, the session token and its expiry
// and, last, the declared payload hash.
func (v *Verifier) Verify(ctx context.Context, r *http.Request, body []byte) (Result, error) {
	now := time.Now()
	if v.Now != nil {
		now = v.Now()
	}
	skew := v.MaxSkew
	if skew <= 0 {
		skew = DefaultMaxSkew
	}

	var c claim
	if e := c.parse(r); e != nil {
		return Result{}, e
	}
	if e := c.checkTime(now, skew); e != nil {
		return Result{}, e
	}
	if e := c.checkForm(r); e != nil {
		return Result{}, e
	}

	if v.Lookup == nil {
		return Result{}, errUnknownKey()
	}
	cred, ok, err := v.Lookup(ctx, c.accessKeyID)
	if err != nil {
		return Result{}, fmt.Errorf("sigv4: looking up access key %q: %w", c.accessKeyID, err)
	}
	if !ok {
		return Result{}, errUnknownKey()
	}

	// The payload hash in the canonical request is the one the client
	// declares when it declares one (UNSIGNED-PAYLOAD included), else the
	// body's. Presigned S3 URLs never sign their payload.
	declared := firstHeader(r.Header, "X-Amz-Content-Sha256")
	var bodyHex [2 * sha256.Size]byte
	payload := payloadHash{declared: declared, hex: &bodyHex}
	bodyHashed := false
	switch {
	case declared != "":
	case c.presigned && c.service == "s3":
		payload.declared = unsignedPayload
	default:
		hashBody(&bodyHex, body)
		bodyHashed = true
	}

	key := v.keys.signingKey(cred.SecretAccessKey, c.date, c.region, c.service)
	if e := c.checkSignature(r, &key, payload); e != nil {
		return Result{}, e
	}

	if !tokenMatches(c.sessionToken(r), cred.SessionToken) {
		return Result{}, errUnknownKey()
	}
	if !cred.Expires.IsZero() && !now.Before(cred.Expires) {
		return Result{}, errExpiredToken()
	}

	if declared != "" && declared != unsignedPayload {
		if strings.HasPrefix(declared, "STREAMING-") {
			return Result{}, errorf(KindPayloadHash, "Chunked (%s) payloads are not supported; sign the whole payload.", declared)
		}
		if !bodyHashed {
			hashBody(&bodyHex, body)
		}
		if !strings.EqualFold(declared, string(bodyHex[:])) {
			return Result{}, errPayloadHash()
		}
	}

	return Result{
		AccessKeyID: c.accessKeyID,
		Region:      c.region,
		Service:     c.service,
		Date:        c.date,
		SignedAt:    c.signedAt,
		Presigned:   c.presigned,
	}, nil
}

// CheckScope reports, worded as AWS words it, a signature scoped to
// another region or service than the one serving the request. Verify
// cannot check this itself: it does not know which service a request is
// for. An empty region or service matches any.
func (res Result) CheckScope(region, service string) error {
	var msgs []string
	if region != "" && res.Region != region {
		msgs = append(msgs, fmt.Sprintf("Credential should be scoped to a valid region, not '%s'.", res.Region))
	}
	if service != "" && res.Service != service {
		msgs = append(msgs, fmt.Sprintf("Credential should be scoped to correct service: '%s'.", service))
	}
	if len(msgs) == 0 {
		return nil
	}
	return newError(KindBadSignature, strings.Join(msgs, " "))
}

// checkTime applies the skew window; a presigned URL with X-Amz-Expires
// is instead good from its signing time (less the skew, for clients whose
// clock runs ahead) until the signing time plus its lifetime.
func (c *claim) checkTime(now time.Time, skew time.Duration) *Error {
	now = now.UTC()
	if latest := now.Add(skew); c.signedAt.After(latest) {
		return errorf(KindExpired, "Signature not yet current: %s is still later than %s (%s + %s.)",
			c.amzDate, latest.Format(timeFormat), now.Format(timeFormat), formatSkew(skew))
	}
	if c.presigned && c.hasExpires {
		if now.After(c.signedAt.Add(c.expires)) {
			return errPresignExpired()
		}
		return nil
	}
	if earliest := now.Add(-skew); c.signedAt.Before(earliest) {
		return errorf(KindExpired, "Signature expired: %s is now earlier than %s (%s - %s.)",
			c.amzDate, earliest.Format(timeFormat), now.Format(timeFormat), formatSkew(skew))
	}
	return nil
}

func formatSkew(d time.Duration) string {
	if d%time.Minute == 0 {
		return fmt.Sprintf("%d min", d/time.Minute)
	}
	return fmt.Sprintf("%d sec", d/time.Second)
}

// payloadHash is the last line of the canonical request: the declared
// value when there is one, else the hex body hash.
type payloadHash struct {
	declared string
	hex      *[2 * sha256.Size]byte
}

// checkSignature recomputes the signature and compares it in constant
// time. If the path as sent does not match, it tries the path normalized
// the way botocore signs it.
func (c *claim) checkSignature(r *http.Request, key *[sha256.Size]byte, payload payloadHash) *Error {
	s := getScratch()
	defer putScratch(s)

	path := requestPath(r)
	if c.signatureMatches(s, r, key, path, payload) {
		return nil
	}
	// Keep what the client most likely signed for the error's detail.
	e := errBadSignature(s.buf[:s.crLen], s.buf[s.crLen+hmacBlock:])
	if c.service != "s3" {
		if norm, changed := normalizePath(path); changed && c.signatureMatches(s, r, key, norm, payload) {
			return nil
		}
	}
	return e
}

// signatureMatches builds the canonical request and string to sign in s
// (canonical request first, then hmacBlock bytes of pad space, then the
// string to sign) and compares the signature.
func (c *claim) signatureMatches(s *scratch, r *http.Request, key *[sha256.Size]byte, path string, payload payloadHash) bool {
	buf := s.appendCanonicalRequest(s.buf[:0], r, c, path)
	if payload.declared != "" {
		buf = append(buf, payload.declared...)
	} else {
		buf = append(buf, payload.hex[:]...)
	}
	crHash := sha256.Sum256(buf)
	s.crLen = len(buf)

	buf = append(buf, make([]byte, hmacBlock)...)
	buf = append(buf, algorithm...)
	buf = append(buf, '\n')
	buf = append(buf, c.amzDate...)
	buf = append(buf, '\n')
	buf = append(buf, c.scope...)
	buf = append(buf, '\n')
	buf = hex.AppendEncode(buf, crHash[:])
	s.buf = buf

	mac := hmacPadded(key, buf[s.crLen:])
	var want [2 * sha256.Size]byte
	hex.Encode(want[:], mac[:])
	return constantTimeEqual(c.signature, want[:])
}

// sessionToken is the token the request presents: a presigned URL's
// query parameter, or the header (either is accepted in either mode).
func (c *claim) sessionToken(r *http.Request) string {
	hdr := firstHeader(r.Header, "X-Amz-Security-Token")
	if c.presigned || hdr == "" {
		if q := queryValue(r.URL.RawQuery, "X-Amz-Security-Token"); q != "" {
			return q
		}
	}
	return hdr
}

func tokenMatches(presented, want string) bool {
	if presented == "" && want == "" {
		return true
	}
	return constantTimeEqual(presented, want)
}

// constantTimeEqual compares without the timing leak of ==, and without
// converting between string and []byte (which would allocate).
func constantTimeEqual[B string | []byte](a string, b B) bool {
	if len(a) != len(b) {
		return false
	}
	var v byte
	for i := range len(b) {
		v |= a[i] ^ b[i]
	}
	return subtle.ConstantTimeByteEq(v, 0) == 1
}

func hashBody(dst *[2 * sha256.Size]byte, body []byte) {
	sum := sha256.Sum256(body)
	hex.Encode(dst[:], sum[:])
}
