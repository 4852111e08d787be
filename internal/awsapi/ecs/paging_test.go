package ecs

import (
	"context"
	"slices"
	"testing"

	"github.com/berth-dev/berth/internal/store"
	"github.com/berth-dev/berth/internal/store/memstore"
)

// TestScanARNs: pages of at most limit ARNs, filtered, each page's token
// leading to the next, the last without one.
func TestScanARNs(t *testing.T) {
	ctx := context.Background()
	st := memstore.New()
	type rec struct{ ARN string }
	for _, id := range []string{"a", "b", "skip", "c", "d", "e"} {
		if _, err := (store.Typed[rec]{S: st}).Create(ctx, "/k/"+id, &rec{ARN: "arn:" + id}); err != nil {
			t.Fatal(err)
		}
	}
	keep := func(r *rec) string {
		if r.ARN == "arn:skip" {
			return ""
		}
		return r.ARN
	}
	var got [][]string
	after := ""
	for range 5 {
		arns, next, err := scanARNs(ctx, st, "/k/", after, 2, keep)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, arns)
		if next == "" {
			break
		}
		if after, err = decodeToken(next); err != nil {
			t.Fatal(err)
		}
	}
	want := [][]string{{"arn:a", "arn:b"}, {"arn:c", "arn:d"}, {"arn:e"}}
	if !slices.EqualFunc(got, want, slices.Equal) {
		t.Fatalf("pages %v, want %v", got, want)
	}
}
