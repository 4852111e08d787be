package storetest

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/berth-dev/berth/internal/store"
)

// createMany creates n keys p+"k00".. in random order and returns them
// sorted.
func createMany(t *testing.T, s store.Store, p string, n int) []string {
	t.Helper()
	ks := make([]string, n)
	for i := range ks {
		ks[i] = fmt.Sprintf("%sk%02d", p, i)
	}
	for _, i := range rand.Perm(n) {
		create(t, s, ks[i], "value of "+ks[i])
	}
	return ks
}

func testListOrder(t *testing.T, s store.Store, p string) {
	ks := createMany(t, s, p, 20)
	last := create(t, s, p+"z", "last")
	ks = append(ks, p+"z")
	res, err := s.List(t.Context(), p, store.ListOptions{})
	must(t, "List", err)
	if got := keys(res.Objects); !slices.Equal(got, ks) {
		t.Fatalf("List keys = %q, want %q", got, ks)
	}
	if res.More {
		t.Error("List without a limit said More")
	}
	if res.Revision < last {
		t.Errorf("List revision %d is older than the last write %d", res.Revision, last)
	}
	for _, o := range res.Objects {
		obj, err := s.Get(t.Context(), o.Key)
		must(t, "Get", err)
		if string(o.Value) != string(obj.Value) || o.Revision != obj.Revision {
			t.Errorf("List gave %q=%q@%d, Get gives %q@%d", o.Key, o.Value, o.Revision, obj.Value, obj.Revision)
		}
	}
}

func testListEmpty(t *testing.T, s store.Store, p string) {
	create(t, s, "/storetest-other/"+p, "outside")
	res, err := s.List(t.Context(), p, store.ListOptions{Limit: 10})
	must(t, "List", err)
	if len(res.Objects) != 0 || res.More {
		t.Errorf("List of an empty prefix = %q more=%v", keys(res.Objects), res.More)
	}
	if res.Revision <= 0 {
		t.Errorf("List of an empty prefix has revision %d", res.Revision)
	}
}

func testListPages(t *testing.T, s store.Store, p string) {
	ks := createMany(t, s, p, 10)
	for _, limit := range []int{1, 3, 5, 10, 11} {
		t.Run(fmt.Sprint("limit=", limit), func(t *testing.T) {
			var got []string
			opts := store.ListOptions{Limit: limit}
			for page := 0; ; page++ {
				if page > len(ks) {
					t.Fatal("listing does not end")
				}
				res, err := s.List(t.Context(), p, opts)
				must(t, "List", err)
				if len(res.Objects) > limit {
					t.Fatalf("page of %d objects over limit %d", len(res.Objects), limit)
				}
				got = append(got, keys(res.Objects)...)
				if wantMore := len(got) < len(ks); res.More != wantMore {
					t.Fatalf("after %d of %d keys More = %v", len(got), len(ks), res.More)
				}
				if !res.More {
					break
				}
				opts.After = got[len(got)-1]
			}
			if !slices.Equal(got, ks) {
				t.Errorf("pages gave %q, want %q", got, ks)
			}
		})
	}
}

func testListAfter(t *testing.T, s store.Store, p string) {
	ks := createMany(t, s, p, 5) // k00 .. k04
	tests := []struct {
		after string
		want  []string
	}{
		{"", ks},
		{p + "k01", ks[2:]},
		{p + "k015", ks[2:]},      // between two keys
		{p, ks},                   // the prefix itself is not a key under it
		{"/", ks},                 // before the prefix
		{p + "k04", nil},          // the last key
		{p + "zzz", nil},          // past the prefix's keys
		{p[:len(p)-1] + "0", nil}, // past the whole prefix range
	}
	for _, tt := range tests {
		res, err := s.List(t.Context(), p, store.ListOptions{After: tt.after})
		must(t, "List", err)
		if got := keys(res.Objects); !slices.Equal(got, tt.want) {
			t.Errorf("List after %q = %q, want %q", tt.after, got, tt.want)
		}
		if res.More {
			t.Errorf("List after %q without a limit said More", tt.after)
		}
	}
}

func testListPrefixIsolation(t *testing.T, s store.Store, p string) {
	for _, k := range []string{"a/1", "a/2", "a/b/3", "ab/1", "a", "a0", "A/1"} {
		create(t, s, p+k, k)
	}
	res, err := s.List(t.Context(), p+"a/", store.ListOptions{})
	must(t, "List", err)
	want := []string{p + "a/1", p + "a/2", p + "a/b/3"}
	if got := keys(res.Objects); !slices.Equal(got, want) {
		t.Errorf("List(%q) = %q, want %q", p+"a/", got, want)
	}
	res, err = s.List(t.Context(), p+"a/", store.ListOptions{Limit: 3})
	must(t, "List with limit", err)
	if res.More {
		t.Error("More is true though every key under the prefix was returned")
	}
}
