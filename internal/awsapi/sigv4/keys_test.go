package sigv4

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

func TestHMACPadded(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 63, 64, 65, 200, 4096} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			var key [sha256.Size]byte
			for i := range key {
				key[i] = byte(rng.Uint32())
			}
			msg := make([]byte, n)
			for i := range msg {
				msg[i] = byte(rng.Uint32())
			}
			buf := append(make([]byte, hmacBlock), msg...)
			got := hmacPadded(&key, buf)
			h := hmac.New(sha256.New, key[:])
			h.Write(msg)
			if want := h.Sum(nil); !hmac.Equal(got[:], want) {
				t.Errorf("hmacPadded = %x, want %x", got, want)
			}
		})
	}
}

// The key derivation example from the SigV4 documentation.
func TestDeriveSigningKey(t *testing.T) {
	got := deriveSigningKey(permSecret, "20150830", "us-east-1", "iam")
	const want = "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9"
	if fmt.Sprintf("%x", got) != want {
		t.Errorf("signing key = %x, want %s", got, want)
	}
}

func TestKeyCacheBounded(t *testing.T) {
	var c keyCache
	for i := range maxCachedKeys + 10 {
		c.signingKey("secret", "20240315", "us-east-1", fmt.Sprint("svc", i))
	}
	if n := len(c.keys); n > maxCachedKeys {
		t.Errorf("cache holds %d keys, want at most %d", n, maxCachedKeys)
	}
	// An evicted key is derived again, identically.
	want := deriveSigningKey("secret", "20240315", "us-east-1", "svc0")
	if got := c.signingKey("secret", "20240315", "us-east-1", "svc0"); got != want {
		t.Error("re-derived key differs")
	}
}

// A rotated secret must not be served from the cache.
func TestKeyCacheSecretRotation(t *testing.T) {
	secret := "old-secret"
	v := &Verifier{
		Lookup: func(context.Context, string) (Credential, bool, error) {
			return Credential{AccessKeyID: permKeyID, SecretAccessKey: secret}, true, nil
		},
		Now: func() time.Time { return signTime },
	}
	r, body := ecsRequest(t, aws.Credentials{AccessKeyID: permKeyID, SecretAccessKey: "old-secret"}, signTime)
	if _, err := v.Verify(context.Background(), r, body); err != nil {
		t.Fatal(err)
	}
	secret = "new-secret"
	r, body = ecsRequest(t, aws.Credentials{AccessKeyID: permKeyID, SecretAccessKey: "old-secret"}, signTime)
	_, err := v.Verify(context.Background(), r, body)
	wantError(t, err, KindBadSignature, msgBadSignature)
}

// Concurrent verifications across scopes share the cache safely (run
// with -race).
func TestVerifyConcurrent(t *testing.T) {
	v := newVerifier(signTime)
	type req struct {
		r    *http.Request
		body []byte
	}
	var reqs []req
	for i := range 8 {
		creds := permCreds
		if i%2 == 1 {
			creds = tempCreds
		}
		r := clientRequest(t, "POST", ecsURL, ecsBody, map[string]string{"X-Amz-Target": ecsTarget})
		signHeader(t, r, ecsBody, creds, fmt.Sprint("svc", i%3), fmt.Sprint("region-", i%4), signTime.Add(-time.Duration(i)*time.Second))
		sr, body := overWire(t, r)
		reqs = append(reqs, req{sr, body})
	}
	// Verify only reads the request, so goroutines may share them.
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				rq := reqs[(g+i)%len(reqs)]
				if _, err := v.Verify(context.Background(), rq.r, rq.body); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
}
