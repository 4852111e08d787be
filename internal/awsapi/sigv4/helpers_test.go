package sigv4

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// Test credentials: AWS's documented example key, and a temporary one.
const (
	permKeyID  = "AKIDEXAMPLE"
	permSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
	tempKeyID  = "ASIAEXAMPLETEMP"
	tempSecret = "tempSecretKeyForSessionCredentials000000"
	tempToken  = "FwoGZXIvYXdzEXAMPLE//////////session+token/with=odd+chars"
)

var (
	permCreds = aws.Credentials{AccessKeyID: permKeyID, SecretAccessKey: permSecret}
	tempCreds = aws.Credentials{AccessKeyID: tempKeyID, SecretAccessKey: tempSecret, SessionToken: tempToken}
	// signTime is when test requests are signed, unless a case says otherwise.
	signTime = time.Date(2024, 3, 15, 12, 30, 0, 0, time.UTC)
)

func testLookup(_ context.Context, id string) (Credential, bool, error) {
	switch id {
	case permKeyID:
		return Credential{AccessKeyID: permKeyID, SecretAccessKey: permSecret}, true, nil
	case tempKeyID:
		return Credential{AccessKeyID: tempKeyID, SecretAccessKey: tempSecret, SessionToken: tempToken}, true, nil
	case "AKIDBROKENSTORE":
		return Credential{}, false, errors.New("store unavailable")
	}
	return Credential{}, false, nil
}

func newVerifier(now time.Time) *Verifier {
	return &Verifier{Lookup: testLookup, Now: func() time.Time { return now }}
}

func bodyHash(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// clientRequest builds a request as a client would before signing.
func clientRequest(t testing.TB, method, url string, body []byte, hdr map[string]string) *http.Request {
	t.Helper()
	r, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		r.Header.Set(k, v)
	}
	return r
}

// signHeader signs r with the Go SDK's signer, as every aws-sdk-go-v2
// client does.
func signHeader(t testing.TB, r *http.Request, body []byte, creds aws.Credentials, service, region string, at time.Time) {
	t.Helper()
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, r, bodyHash(body), service, region, at); err != nil {
		t.Fatal(err)
	}
}

// presign returns r presigned with the Go SDK's signer; headers it signs
// are copied onto r so that the request sent carries them.
func presign(t testing.TB, r *http.Request, body []byte, creds aws.Credentials, service, region string, at time.Time) {
	t.Helper()
	u, hdr, err := v4.NewSigner().PresignHTTP(context.Background(), creds, r, bodyHash(body), service, region, at)
	if err != nil {
		t.Fatal(err)
	}
	nr, err := http.NewRequest(r.Method, u, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		if !strings.EqualFold(k, "host") {
			nr.Header[k] = v
		}
	}
	*r = *nr
}

// overWire returns r as Go's HTTP server sees it: serialized the way the
// client transport writes it, then parsed back.
func overWire(t testing.TB, r *http.Request) (*http.Request, []byte) {
	t.Helper()
	var raw bytes.Buffer
	if err := r.Write(&raw); err != nil {
		t.Fatal(err)
	}
	return parseWire(t, raw.Bytes())
}

func parseWire(t testing.TB, raw []byte) (*http.Request, []byte) {
	t.Helper()
	sr, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(raw)))
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(sr.Body)
	if err != nil {
		t.Fatal(err)
	}
	return sr, body
}

// wantError checks that err is an *Error of kind with a message
// containing msg.
func wantError(t testing.TB, err error, kind Kind, msg string) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v (%T), want *Error of kind %v", err, err, kind)
	}
	if e.Kind != kind {
		t.Fatalf("kind = %v, want %v (err: %v)", e.Kind, kind, e)
	}
	if !strings.Contains(e.Message, msg) {
		t.Fatalf("message = %q, want it to contain %q", e.Message, msg)
	}
	return e
}
