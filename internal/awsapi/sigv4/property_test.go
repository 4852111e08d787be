package sigv4

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// pathAlphabet and queryAlphabet mix unreserved, reserved, space, '%',
// '+' and multi-byte characters. ';' is left out of queries: Go's
// url.ParseQuery, which the Go SDK signs from, drops such pairs.
const (
	pathAlphabet  = "aZ09-_.~ !$&'()*+,;=:@%/?#[]\"<>^`{|}é✓"
	queryAlphabet = "aZ09-_.~ !$&'()*+,=:@%/?#[]\"<>^`{|}é✓"
)

func randString(rng *rand.Rand, alphabet string, max int) string {
	runes := []rune(alphabet)
	n := rng.IntN(max + 1)
	var b strings.Builder
	for range n {
		b.WriteRune(runes[rng.IntN(len(runes))])
	}
	return b.String()
}

// escapeQuery encodes s the way one of several real clients would.
func escapeQuery(rng *rand.Rand, s string) string {
	switch rng.IntN(3) {
	case 0:
		return url.QueryEscape(s) // space as '+'
	case 1:
		return strings.ReplaceAll(url.QueryEscape(s), "+", "%20") // RFC 3986, like botocore
	default:
		// Lower-case hex, as some hand-written clients send.
		e := []byte(url.QueryEscape(s))
		for i := range e {
			if e[i] == '%' && i+2 < len(e) {
				e[i+1], e[i+2] = lowerHex(e[i+1]), lowerHex(e[i+2])
			}
		}
		return string(e)
	}
}

func lowerHex(c byte) byte {
	if 'A' <= c && c <= 'F' {
		return c + 'a' - 'A'
	}
	return c
}

// TestVerifyRandomRequests signs random paths, queries and headers with
// the Go SDK and checks that every one verifies, and that a one-byte
// change to the body does not.
func TestVerifyRandomRequests(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	v := newVerifier(signTime)
	for i := range 400 {
		var segs []string
		for range rng.IntN(4) {
			segs = append(segs, randString(rng, pathAlphabet, 6))
		}
		u := &url.URL{Scheme: "https", Host: "svc.us-east-1.amazonaws.com", Path: "/" + strings.Join(segs, "/")}
		var q []string
		for range rng.IntN(5) {
			k := randString(rng, queryAlphabet, 5)
			if k == "" {
				k = "k"
			}
			q = append(q, escapeQuery(rng, k)+"="+escapeQuery(rng, randString(rng, queryAlphabet, 8)))
		}
		u.RawQuery = strings.Join(q, "&")
		body := []byte(randString(rng, queryAlphabet, 40))

		r, err := http.NewRequest(http.MethodPost, u.String(), strings.NewReader(string(body)))
		if err != nil {
			t.Fatalf("#%d: %v", i, err)
		}
		r.Header.Set("X-Amz-Target", "Svc.Op")
		r.Header.Set("X-Custom", " "+randString(rng, "ab  c\t", 10)+" ")
		signHeader(t, r, body, permCreds, "svc", "us-east-1", signTime)
		sr, sbody := overWire(t, r)

		if _, err := v.Verify(context.Background(), sr, sbody); err != nil {
			detail := ""
			if e, ok := err.(*Error); ok {
				detail = e.Detail
			}
			t.Fatalf("#%d %s: %v\n%s", i, sr.RequestURI, err, detail)
		}
		if len(sbody) > 0 {
			sbody[rng.IntN(len(sbody))] ^= 1
			if _, err := v.Verify(context.Background(), sr, sbody); err == nil {
				t.Fatalf("#%d: a changed body verified", i)
			}
		}
	}
}

// FuzzVerify feeds arbitrary Authorization headers, dates and queries to
// Verify: it must never panic, and garbage must never verify.
func FuzzVerify(f *testing.F) {
	f.Add("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240315/us-east-1/ecs/aws4_request, SignedHeaders=host;x-amz-date, Signature=00",
		"20240315T123000Z", "a=1")
	f.Add("AWS4-", "", "X-Amz-Signature=1&X-Amz-Credential=a%2Fb&X-Amz-Date=20240315T123000Z&X-Amz-Expires=-1")
	f.Add("AWS4-HMAC-SHA256 Credential=////, SignedHeaders=;;, Signature=", "20240315T123000Z", "%")
	v := newVerifier(signTime)
	f.Fuzz(func(t *testing.T, authz, date, query string) {
		r := &http.Request{Method: "GET", Host: "h", URL: &url.URL{Path: "/", RawQuery: query}, Header: http.Header{}}
		if authz != "" {
			r.Header.Set("Authorization", authz)
		}
		if date != "" {
			r.Header.Set("X-Amz-Date", date)
		}
		if _, err := v.Verify(context.Background(), r, nil); err == nil {
			t.Fatalf("verified: %q %q %q", authz, date, query)
		}
	})
}

func ExampleError_For() {
	err := errUnknownKey()
	for _, p := range []Protocol{Query, JSON, EC2Query} {
		e := err.For(p)
		fmt.Println(e.Status, e.Code, "-", e.Message)
	}
	// Output:
	// 403 InvalidClientTokenId - The security token included in the request is invalid.
	// 400 UnrecognizedClientException - The security token included in the request is invalid.
	// 401 AuthFailure - AWS was not able to validate the provided access credentials
}
