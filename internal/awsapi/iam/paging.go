package iam

import (
	"encoding/base64"
	"slices"

	"github.com/berth-dev/berth/internal/awsapi/protocol"
)

// IAM's List calls page the same way: MaxItems 1 to 1000 (100 when
// absent), IsTruncated, and an opaque Marker naming the last item of the
// page before.
const defaultMaxItems = 100

// checkPaging validates a List call's Marker and MaxItems.
func (v *violations) paging(marker string, maxItems int32) {
	if marker != "" && v.length(marker, "marker", 1, 320) {
		v.pattern(marker, "marker", markerPattern, allRunes(marker, func(c rune) bool { return c >= 0x20 && c <= 0xff }))
	}
	if maxItems != 0 {
		v.between(maxItems, "maxItems", 1, 1000)
	}
}

// takePage returns the items (sorted by key) after the one marker names,
// at most maxItems of them, whether more remain, and the marker of the
// next page. The page is never nil, so an empty result is an empty, not a
// missing, element.
func takePage[T any](items []T, key func(T) string, marker string, maxItems int32) ([]T, bool, string, error) {
	if maxItems == 0 {
		maxItems = defaultMaxItems
	}
	if marker != "" {
		b, err := base64.RawURLEncoding.DecodeString(marker)
		if err != nil || len(b) == 0 {
			return nil, false, "", protocol.ValidationError("Invalid Marker: %s", marker)
		}
		after := string(b)
		i := slices.IndexFunc(items, func(v T) bool { return key(v) > after })
		if i < 0 {
			i = len(items)
		}
		items = items[i:]
	}
	if len(items) <= int(maxItems) {
		if items == nil {
			items = []T{}
		}
		return items, false, "", nil
	}
	items = items[:maxItems]
	return items, true, base64.RawURLEncoding.EncodeToString([]byte(key(items[len(items)-1]))), nil
}
