package events

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
)

// A NextToken is the store key of the last item of the page before,
// base64-encoded. Tokens are not signed; one that does not lie under the
// listing's prefix is refused, so a forged token cannot reach outside the
// caller's own records.

func encodeToken(lastKey string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(lastKey))
}

func decodeToken(tok, prefix string) (string, error) {
	if tok == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || !strings.HasPrefix(string(b), prefix) {
		return "", validation("The NextToken provided is invalid.")
	}
	return string(b), nil
}

// limitOf checks a list call's Limit (1–100) and returns it, 100 when
// unset.
func limitOf(limit *int32) (int, error) {
	if limit == nil {
		return 100, nil
	}
	if *limit < 1 || *limit > 100 {
		return 0, constraint(*limit, "limit", "have value between 1 and 100")
	}
	return int(*limit), nil
}

// decodeObject decodes a JSON object with numbers kept as json.Number,
// as the pattern matcher wants them, and nothing after it.
func decodeObject(b []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v map[string]any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if v == nil {
		return nil, errors.New("not an object")
	}
	if dec.More() {
		return nil, errors.New("text after the object")
	}
	return v, nil
}
