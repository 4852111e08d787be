package elbv2

import (
	"encoding/base64"
	"slices"
)

// ELB's Describe calls page alike: PageSize 1 to 400 (400 when absent),
// and an opaque Marker naming the last item of the page before, returned
// as NextMarker while more remain.
const maxPageSize = 400

// checkPageSize records a PageSize outside the model's range.
func (v *violations) pageSize(size *int32) { v.between(size, "pageSize", 1, maxPageSize) }

// takePage returns the items (sorted by key) after the one marker names,
// at most size of them, and the marker of the next page ("" on the last).
// The page is never nil, so an empty result is an empty list element.
func takePage[T any](items []T, key func(T) string, marker string, size *int32) ([]T, string, error) {
	n := maxPageSize
	if size != nil {
		n = int(*size)
	}
	if marker != "" {
		b, err := base64.RawURLEncoding.DecodeString(marker)
		if err != nil || len(b) == 0 {
			return nil, "", validation("Invalid marker '%s'", marker)
		}
		after := string(b)
		i := slices.IndexFunc(items, func(v T) bool { return key(v) > after })
		if i < 0 {
			i = len(items)
		}
		items = items[i:]
	}
	if len(items) <= n {
		if items == nil {
			items = []T{}
		}
		return items, "", nil
	}
	items = items[:n]
	return items, base64.RawURLEncoding.EncodeToString([]byte(key(items[len(items)-1]))), nil
}
