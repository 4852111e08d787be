package ec2

import (
	"encoding/base64"
	"slices"
)

// EC2's Describe calls page the same way: MaxResults 5 to 1000 (0 for
// all), and an opaque NextToken naming the last item of the page before.

// checkMaxResults checks a Describe call's MaxResults: 5 to 1000 when set.
func checkMaxResults(n int32) error {
	if n != 0 && (n < 5 || n > 1000) {
		return invalidValue("Value ( %d ) for parameter maxResults is invalid. Parameter must be between 5 and 1000.", n)
	}
	return nil
}

// takePage returns the page of items (sorted by key) that follows the
// position token names, at most maxResults long (all when 0), and the token
// of the next page, empty on the last one. The page is never nil, so an
// empty result is an empty, not a missing, element.
func takePage[T any](items []T, key func(T) string, maxResults int32, token string) ([]T, string, error) {
	if err := checkMaxResults(maxResults); err != nil {
		return nil, "", err
	}
	if token != "" {
		b, err := base64.RawURLEncoding.DecodeString(token)
		if err != nil || len(b) == 0 {
			return nil, "", ec2Error(codeInvalidPagination, "Invalid pagination token: %s", token)
		}
		after := string(b)
		i := slices.IndexFunc(items, func(v T) bool { return key(v) > after })
		if i < 0 {
			i = len(items)
		}
		items = items[i:]
	}
	if maxResults == 0 || len(items) <= int(maxResults) {
		return nonNil(items), "", nil
	}
	items = items[:maxResults]
	return items, base64.RawURLEncoding.EncodeToString([]byte(key(items[len(items)-1]))), nil
}

// nonNil makes an empty result list an empty, not a missing, element.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
