package ecs

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strconv"

	"github.com/berth-dev/berth/internal/store"
)

// Pagination: a nextToken is an opaque, base64-encoded position (the last
// key returned). Tokens are not signed; a forged one only moves the start
// of a listing within the caller's own prefix.

const defaultMaxResults = 100

type pageToken struct {
	After string `json:"a"`
}

func encodeToken(after string) string {
	b, _ := json.Marshal(pageToken{After: after})
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeToken(tok string) (string, error) {
	if tok == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(tok)
	var pt pageToken
	if err == nil {
		err = json.Unmarshal(b, &pt)
	}
	if err != nil || pt.After == "" {
		return "", invalidParameter("Invalid nextToken: the token is malformed or was not issued by this API.")
	}
	return pt.After, nil
}

// pageSize validates maxResults (1–max, default max) as ECS does.
func pageSize(maxResults *int32, max int) (int, error) {
	if maxResults == nil {
		return max, nil
	}
	if *maxResults < 1 || int(*maxResults) > max {
		return 0, invalidParameter("maxResults must be between 1 and %d.", max)
	}
	return int(*maxResults), nil
}

func itoa(n int) string { return strconv.Itoa(n) }

// scanARNs pages through the records under prefix after the key a
// nextToken named: arnOf gives a record's ARN, "" to leave it out. It
// returns at most limit ARNs and the token of the next page, "" at the end.
func scanARNs[T any](ctx context.Context, st store.Store, prefix, after string, limit int, arnOf func(*T) string) (arns []string, next string, err error) {
	arns = []string{}
	var lastKey string
	err = store.Typed[T]{S: st}.Scan(ctx, prefix, after, func(obj store.Object, v *T) bool {
		arn := arnOf(v)
		if arn == "" {
			return true
		}
		if len(arns) == limit {
			next = encodeToken(lastKey)
			return false
		}
		arns, lastKey = append(arns, arn), obj.Key
		return true
	})
	return arns, next, err
}
