package logs

import "encoding/base64"

// A nextToken is the store key of the last item of the page before,
// base64-encoded. Tokens are not signed; a forged one only moves the start
// of a listing within the caller's own prefix.

func encodeToken(lastKey string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(lastKey))
}

func decodeToken(tok string) (string, error) {
	if tok == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(b) == 0 {
		return "", invalidParameter("The specified nextToken is invalid.")
	}
	return string(b), nil
}
