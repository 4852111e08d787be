// Package adminclient calls berth's own /_berth/ endpoints (state reset,
// image cache), signed with SigV4 like any AWS call. The berth CLI and the
// tests use it.
package adminclient

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// Key is who signs: the server's endpoint and a root access key.
type Key struct {
	Endpoint, Region, AccessKeyID, SecretAccessKey string
}

// Call sends a request to one of the server's /_berth/ endpoints, signed
// with key, and returns the body of a 200 answer.
func Call(ctx context.Context, key Key, method, path string, body io.ReadSeeker) ([]byte, error) {
	endpoint, creds := key.Endpoint, key
	if body == nil {
		body = bytes.NewReader(nil)
	}
	h := sha256.New()
	if _, err := io.Copy(h, body); err != nil {
		return nil, err
	}
	if _, err := body.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, method, endpoint+path, body)
	if err != nil {
		return nil, err
	}
	if f, ok := body.(*os.File); ok {
		if st, err := f.Stat(); err == nil {
			req.ContentLength = st.Size()
		}
	}
	err = v4.NewSigner().SignHTTP(ctx, aws.Credentials{AccessKeyID: creds.AccessKeyID, SecretAccessKey: creds.SecretAccessKey},
		req, hex.EncodeToString(h.Sum(nil)), "berth", creds.Region, time.Now())
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, bytes.TrimSpace(out))
	}
	return out, nil
}
