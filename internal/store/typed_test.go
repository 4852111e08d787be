package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/berth-dev/berth/internal/store"
	"github.com/berth-dev/berth/internal/store/memstore"
)

type cluster struct {
	Name    string `json:"name"`
	Tasks   int    `json:"tasks"`
	Running bool   `json:"running,omitempty"`
}

func newTyped(t *testing.T) (store.Typed[cluster], *memstore.Store) {
	s := memstore.New()
	t.Cleanup(func() { s.Close() })
	return store.Typed[cluster]{S: s}, s
}

func TestTypedCreateGetUpdateDelete(t *testing.T) {
	ctx := t.Context()
	c, s := newTyped(t)
	rev, err := c.Create(ctx, "/c/a", &cluster{Name: "a"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Create(ctx, "/c/a", &cluster{Name: "again"}); !errors.Is(err, store.ErrAlreadyExists) {
		t.Fatalf("second Create: %v", err)
	}
	obj, _ := s.Get(ctx, "/c/a")
	if string(obj.Value) != `{"name":"a","tasks":0}` {
		t.Errorf("stored %s", obj.Value)
	}

	got, gotRev, err := c.Get(ctx, "/c/a")
	if err != nil || got.Name != "a" || gotRev != rev {
		t.Fatalf("Get = %+v, %d, %v", got, gotRev, err)
	}
	rev2, err := c.Update(ctx, "/c/a", &cluster{Name: "a", Tasks: 3}, rev)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Update(ctx, "/c/a", &cluster{Name: "stale"}, rev); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("Update at a stale revision: %v", err)
	}
	if err := c.Delete(ctx, "/c/a", rev2); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Get(ctx, "/c/a"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Get after Delete: %v", err)
	}
	if _, err := c.Create(ctx, "/c/nil", nil); err == nil {
		t.Error("Create of a nil record succeeded")
	}
}

func TestTypedDecodeError(t *testing.T) {
	c, s := newTyped(t)
	if _, err := s.Create(t.Context(), "/c/bad", []byte("{not json")); err != nil {
		t.Fatal(err)
	}
	_, _, err := c.Get(t.Context(), "/c/bad")
	if err == nil || !strings.Contains(err.Error(), `"/c/bad"`) {
		t.Fatalf("Get of bad JSON: %v, want an error naming the key", err)
	}
	if _, err := c.List(t.Context(), "/c/", store.ListOptions{}); err == nil {
		t.Fatal("List over bad JSON succeeded")
	}
}

func TestTypedList(t *testing.T) {
	ctx := t.Context()
	c, _ := newTyped(t)
	for i := range 5 {
		if _, err := c.Create(ctx, fmt.Sprintf("/c/%d", i), &cluster{Name: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
	p, err := c.List(ctx, "/c/", store.ListOptions{Limit: 2, After: "/c/1"})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Items) != 2 || p.Items[0].Key != "/c/2" || p.Items[1].Value.Name != "3" || !p.More || p.Revision == 0 {
		t.Fatalf("page = %+v", p)
	}
	if p.Items[0].Revision == 0 || p.Items[0].Revision >= p.Items[1].Revision {
		t.Errorf("item revisions %d, %d", p.Items[0].Revision, p.Items[1].Revision)
	}
}

func TestTypedListAll(t *testing.T) {
	ctx := t.Context()
	c, s := newTyped(t)
	const n = 1234 // more than two pages
	for i := range n {
		if _, err := c.Create(ctx, fmt.Sprintf("/c/%05d", i), &cluster{Name: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Create(ctx, "/d/0", []byte("{}")); err != nil {
		t.Fatal(err)
	}
	items, rev, err := c.ListAll(ctx, "/c/")
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != n {
		t.Fatalf("ListAll returned %d items, want %d", len(items), n)
	}
	for i, it := range items {
		if it.Key != fmt.Sprintf("/c/%05d", i) || it.Value.Name != fmt.Sprint(i) {
			t.Fatalf("item %d = %+v", i, it)
		}
	}
	if rev < items[n-1].Revision {
		t.Errorf("ListAll revision %d older than its items", rev)
	}
	if items, _, err := c.ListAll(ctx, "/none/"); err != nil || len(items) != 0 {
		t.Errorf("ListAll of nothing = %v, %v", items, err)
	}
}

func TestTypedScanWhere(t *testing.T) {
	ctx := t.Context()
	c, s := newTyped(t)
	const n = 1234 // more than two pages, so a page may end on a skipped key
	for i := range n {
		if _, err := c.Create(ctx, fmt.Sprintf("/c/%05d", i), &cluster{Name: fmt.Sprint(i), Running: i%100 == 7}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Create(ctx, "/c/zz-not-json", []byte("{")); err != nil { // skipped: never decoded
		t.Fatal(err)
	}
	var got []string
	keep := func(obj store.Object) bool { return strings.Contains(string(obj.Value), `"running":true`) }
	err := c.ScanWhere(ctx, "/c/", "", keep, func(_ store.Object, v *cluster) bool {
		got = append(got, v.Name)
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 13 || got[0] != "7" || got[12] != "1207" {
		t.Fatalf("ScanWhere kept %v, want the 13 running ones from 7 to 1207", got)
	}
}

func TestMutate(t *testing.T) {
	ctx := t.Context()
	c, _ := newTyped(t)
	rev, err := c.Create(ctx, "/c/a", &cluster{Name: "a"})
	if err != nil {
		t.Fatal(err)
	}
	v, rev2, err := c.Mutate(ctx, "/c/a", func(c *cluster) error { c.Tasks = 7; return nil })
	if err != nil || v.Tasks != 7 || rev2 <= rev {
		t.Fatalf("Mutate = %+v, %d, %v", v, rev2, err)
	}
	got, gotRev, _ := c.Get(ctx, "/c/a")
	if *got != *v || gotRev != rev2 {
		t.Fatalf("Get after Mutate = %+v@%d, want %+v@%d", got, gotRev, v, rev2)
	}

	// Unchanged: nothing written.
	_, rev3, err := c.Mutate(ctx, "/c/a", func(c *cluster) error { c.Tasks = 7; return nil })
	if err != nil || rev3 != rev2 {
		t.Fatalf("no-op Mutate = %d, %v; want revision %d kept", rev3, err, rev2)
	}

	// fn's error comes back as it is, and nothing is written.
	errStop := errors.New("stop")
	if _, _, err := c.Mutate(ctx, "/c/a", func(c *cluster) error { c.Tasks = 99; return errStop }); err != errStop {
		t.Fatalf("Mutate with a failing fn: %v", err)
	}
	if got, _, _ := c.Get(ctx, "/c/a"); got.Tasks != 7 {
		t.Fatalf("failed Mutate wrote %+v", got)
	}

	if _, _, err := c.Mutate(ctx, "/c/missing", func(*cluster) error { return nil }); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Mutate of a missing key: %v", err)
	}
}

// Concurrent increments through Mutate lose no update.
func TestMutateConcurrent(t *testing.T) {
	ctx := t.Context()
	c, _ := newTyped(t)
	if _, err := c.Create(ctx, "/c/n", &cluster{}); err != nil {
		t.Fatal(err)
	}
	const workers, each = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Go(func() {
			for range each {
				if _, _, err := c.Mutate(ctx, "/c/n", func(c *cluster) error { c.Tasks++; return nil }); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if got, _, _ := c.Get(ctx, "/c/n"); got.Tasks != workers*each {
		t.Fatalf("counter = %d, want %d", got.Tasks, workers*each)
	}
}

// conflicting is a store on which every Update loses a race.
type conflicting struct {
	store.Store
	updates int
}

func (c *conflicting) Update(ctx context.Context, key string, value []byte, rev int64) (int64, error) {
	c.updates++
	return 0, fmt.Errorf("lost: %w", store.ErrConflict)
}

func TestMutateGivesUp(t *testing.T) {
	s := &conflicting{Store: memstore.New()}
	t.Cleanup(func() { s.Close() })
	c := store.Typed[cluster]{S: s}
	if _, err := c.Create(t.Context(), "/c/a", &cluster{}); err != nil {
		t.Fatal(err)
	}
	_, _, err := c.Mutate(t.Context(), "/c/a", func(c *cluster) error { c.Tasks++; return nil })
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("Mutate under endless conflict: %v", err)
	}
	if s.updates < 2 {
		t.Fatalf("Mutate tried %d times", s.updates)
	}

	ctx, cancel := context.WithCancel(t.Context())
	_, _, err = c.Mutate(ctx, "/c/a", func(c *cluster) error { cancel(); c.Tasks++; return nil })
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Mutate with a context ended while retrying: %v", err)
	}
}
