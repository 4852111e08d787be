package sigv4

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

const (
	algorithm       = "AWS4-HMAC-SHA256"
	terminator      = "aws4_request"
	timeFormat      = "20060102T150405Z" // ISO 8601 basic, as X-Amz-Date carries it
	unsignedPayload = "UNSIGNED-PAYLOAD"

	// maxPresignExpires is the longest X-Amz-Expires AWS accepts: a week.
	maxPresignExpires = 7 * 24 * time.Hour
)

// claim is what a request says about its own signature, taken from the
// Authorization header or from presigned-URL query parameters. The strings
// are substrings of the request's header or decoded query values; nothing
// in it has been checked against a secret yet.
type claim struct {
	presigned bool

	algorithm     string
	credential    string // keyid/date/region/service/terminator
	signedHeaders string
	signature     string

	amzDate  string // the timestamp exactly as it enters the string to sign
	signedAt time.Time

	// Presigned URLs only; hasExpires is false when X-Amz-Expires is
	// absent, in which case the header-auth skew window applies.
	expires    time.Duration
	hasExpires bool

	// Filled by splitCredential.
	accessKeyID, date, region, service, term string
	scope                                    string // credential without the key id
}

// parse fills c from r, reporting a missing or malformed signature. It
// stops at what AWS checks before the clock.
func (c *claim) parse(r *http.Request) *Error {
	authz := firstHeader(r.Header, "Authorization")
	presigned := hasPresignParams(r.URL.RawQuery)
	switch {
	case authz != "" && presigned:
		// S3's wording; other services have no documented answer.
		return newError(KindIncomplete, "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, "+
			"Signature query string parameter or the Authorization header should be specified")
	case presigned:
		return c.parseQuery(r.URL.RawQuery)
	case authz == "":
		return errMissingAuth()
	}
	return c.parseHeader(r, authz)
}

// parseHeader reads an "AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…,
// Signature=…" header and the request's timestamp.
func (c *claim) parseHeader(r *http.Request, authz string) *Error {
	// Like Coral, treat anything that is not an AWS4 scheme (Basic, Bearer,
	// SigV2's "AWS key:sig") as no AWS authentication at all.
	authz = strings.TrimSpace(authz)
	if !strings.HasPrefix(authz, "AWS4-") {
		return errMissingAuth()
	}
	alg, rest, _ := strings.Cut(authz, " ")
	c.algorithm = alg

	// Parameters are separated by commas and/or whitespace; AWS rejects a
	// token without '=' before looking for the ones it needs.
	for rest != "" {
		var tok string
		i := strings.IndexAny(rest, ", \t")
		if i < 0 {
			tok, rest = rest, ""
		} else {
			tok, rest = rest[:i], rest[i+1:]
		}
		if tok == "" {
			continue
		}
		k, v, ok := strings.Cut(tok, "=")
		if !ok {
			return errorf(KindIncomplete, "'%s' not a valid key=value pair (missing equal-sign) in Authorization header: '%s'",
				tok, hashedAuthorization(authz))
		}
		switch k {
		case "Credential":
			if c.credential == "" {
				c.credential = v
			}
		case "SignedHeaders":
			if c.signedHeaders == "" {
				c.signedHeaders = v
			}
		case "Signature":
			if c.signature == "" {
				c.signature = v
			}
		}
	}

	amzDate := firstHeader(r.Header, "X-Amz-Date")
	httpDate := ""
	if amzDate == "" {
		httpDate = firstHeader(r.Header, "Date")
	}
	var missing [3]string
	n := 0
	for _, p := range [...]struct{ name, val string }{
		{"Credential", c.credential}, {"Signature", c.signature}, {"SignedHeaders", c.signedHeaders},
	} {
		if p.val == "" {
			missing[n] = p.name
			n++
		}
	}
	noDate := amzDate == "" && httpDate == ""
	if n > 0 || noDate {
		return errMissingParts(authz, missing[:n], noDate)
	}

	if amzDate != "" {
		return c.setAmzDate(amzDate)
	}
	// A Date header (RFC 1123 and friends) signs as its ISO 8601 form.
	t, err := http.ParseTime(httpDate)
	if err != nil {
		return errBadDate(httpDate)
	}
	c.signedAt = t.UTC()
	c.amzDate = c.signedAt.Format(timeFormat)
	return nil
}

// parseQuery reads presigned-URL parameters.
func (c *claim) parseQuery(rawQuery string) *Error {
	c.presigned = true
	c.algorithm = queryValue(rawQuery, "X-Amz-Algorithm")
	c.credential = queryValue(rawQuery, "X-Amz-Credential")
	c.signature = queryValue(rawQuery, "X-Amz-Signature")
	c.signedHeaders = queryValue(rawQuery, "X-Amz-SignedHeaders")
	c.amzDate = queryValue(rawQuery, "X-Amz-Date")
	var missing []string
	for _, p := range [...]struct{ name, val string }{
		{"X-Amz-Algorithm", c.algorithm},
		{"X-Amz-Credential", c.credential},
		{"X-Amz-Signature", c.signature},
		{"X-Amz-SignedHeaders", c.signedHeaders},
		{"X-Amz-Date", c.amzDate},
	} {
		if p.val == "" {
			missing = append(missing, p.name)
		}
	}
	if len(missing) > 0 {
		return errMissingQueryParams(missing)
	}
	if e := c.setAmzDate(c.amzDate); e != nil {
		return e
	}
	if exp, ok := queryParam(rawQuery, "X-Amz-Expires"); ok {
		// S3's rules and wording: a whole number of seconds, at most a week.
		secs, err := strconv.ParseInt(exp, 10, 64)
		switch {
		case err != nil:
			return newError(KindIncomplete, "X-Amz-Expires should be a number")
		case secs < 0:
			return newError(KindIncomplete, "X-Amz-Expires must be non-negative")
		case time.Duration(secs)*time.Second > maxPresignExpires:
			return newError(KindIncomplete, "X-Amz-Expires must be less than a week (in seconds) that is 604800")
		}
		c.expires, c.hasExpires = time.Duration(secs)*time.Second, true
	}
	return nil
}

func (c *claim) setAmzDate(s string) *Error {
	// time.Parse alone would accept a one-digit hour; AWS wants exactly
	// yyyymmddThhmmssZ.
	if len(s) != len(timeFormat) {
		return errBadDate(s)
	}
	t, err := time.Parse(timeFormat, s)
	if err != nil {
		return errBadDate(s)
	}
	c.amzDate, c.signedAt = s, t
	return nil
}

// checkForm applies AWS's checks that follow the clock check: host is
// signed, the algorithm is supported, the credential has five parts and
// its scope is well formed and dated like the request.
func (c *claim) checkForm(r *http.Request) *Error {
	if !headerListed(c.signedHeaders, "host") {
		return newError(KindBadSignature, "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
	}
	// Every client sends the list sorted and without repeats, as the spec
	// says. Insisting on it also bounds the canonical request: a list
	// naming one large header thousands of times would otherwise make it
	// thousands of times larger than the request.
	if !sortedUnique(c.signedHeaders) {
		return newError(KindIncomplete, "SignedHeaders must list header names sorted and without repeats.")
	}
	if c.algorithm != algorithm {
		return errorf(KindIncomplete, "Unsupported AWS 'algorithm': '%s' (only %s for now).", c.algorithm, algorithm)
	}
	if e := c.splitCredential(); e != nil {
		return e
	}
	var msgs []string
	if c.region == "" {
		msgs = append(msgs, "Credential should be scoped to a valid region, not ''.")
	}
	if c.service == "" {
		msgs = append(msgs, "Credential should be scoped to correct service: ''.")
	}
	if c.term != terminator {
		msgs = append(msgs, "Credential should be scoped with a valid terminator: '"+terminator+"', not '"+c.term+"'.")
	}
	if c.date != c.amzDate[:8] {
		msgs = append(msgs, "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '"+
			c.date+"' != '"+c.amzDate[:8]+"', from '"+c.amzDate+"'.")
	}
	if len(msgs) > 0 {
		return newError(KindBadSignature, strings.Join(msgs, " "))
	}
	// X-Amz-Target picks the operation of a JSON service but is outside
	// the body's hash; unsigned, a captured request could be replayed as
	// another operation, and a presigned URL handed out as proof of
	// identity (an EKS token) could be sent with one to act as its signer.
	// Every AWS SDK signs it, so requiring it costs nothing.
	if len(r.Header["X-Amz-Target"]) > 0 && !headerListed(c.signedHeaders, "x-amz-target") {
		return newError(KindIncomplete, "The request signature does not conform to AWS standards. Header(s) not signed: x-amz-target.")
	}
	return nil
}

// splitCredential splits keyid/date/region/service/terminator. Like AWS,
// it ignores trailing slashes.
func (c *claim) splitCredential() *Error {
	cred := strings.TrimRight(c.credential, "/")
	var parts [5]string
	rest := cred
	for i := range 4 {
		p, r, ok := strings.Cut(rest, "/")
		if !ok {
			return errBadCredential(c.credential)
		}
		parts[i], rest = p, r
	}
	if strings.Contains(rest, "/") {
		return errBadCredential(c.credential)
	}
	parts[4] = rest
	c.accessKeyID, c.date, c.region, c.service, c.term = parts[0], parts[1], parts[2], parts[3], parts[4]
	c.scope = cred[len(parts[0])+1:]
	return nil
}

func errBadCredential(cred string) *Error {
	return errorf(KindIncomplete, "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '%s'", cred)
}

// sortedUnique reports whether the ';'-separated names in list are in
// strictly increasing order, ignoring ASCII case.
func sortedUnique(list string) bool {
	prev, rest, _ := strings.Cut(list, ";")
	for rest != "" {
		var name string
		name, rest, _ = strings.Cut(rest, ";")
		if compareFold(prev, name) >= 0 {
			return false
		}
		prev = name
	}
	return true
}

// compareFold compares a and b as if both were lowercase ASCII.
func compareFold(a, b string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		ca, cb := lowerByte(a[i]), lowerByte(b[i])
		if ca != cb {
			return int(ca) - int(cb)
		}
	}
	return len(a) - len(b)
}

func lowerByte(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// headerListed reports whether the SignedHeaders list names header (given
// lowercase), comparing case-insensitively as AWS does.
func headerListed(list, header string) bool {
	for list != "" {
		var name string
		name, list, _ = strings.Cut(list, ";")
		if strings.EqualFold(name, header) {
			return true
		}
	}
	return false
}

func firstHeader(h http.Header, canonicalKey string) string {
	if v := h[canonicalKey]; len(v) > 0 {
		return v[0]
	}
	return ""
}
