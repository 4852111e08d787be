package storetest

import (
	"bytes"
	"context"
	"slices"
	"testing"

	"github.com/berth-dev/berth/internal/store"
)

func testCreateGet(t *testing.T, s store.Store, p string) {
	rev1 := create(t, s, p+"a", "one")
	rev2 := create(t, s, p+"b", "two")
	if rev2 <= rev1 {
		t.Fatalf("revisions did not increase: %d then %d", rev1, rev2)
	}
	wantObject(t, s, p+"a", "one", rev1)
	wantObject(t, s, p+"b", "two", rev2)
	_, err := s.Get(t.Context(), p+"missing")
	wantErr(t, "Get(missing)", err, store.ErrNotFound)
}

func testCreateTwice(t *testing.T, s store.Store, p string) {
	rev := create(t, s, p+"k", "first")
	_, err := s.Create(t.Context(), p+"k", []byte("second"))
	wantErr(t, "second Create", err, store.ErrAlreadyExists)
	wantObject(t, s, p+"k", "first", rev)
}

func testValues(t *testing.T, s store.Store, p string) {
	for name, v := range map[string][]byte{
		"empty":  {},
		"binary": {0, 1, 2, 0xff, 0, '\n'},
		"large":  bytes.Repeat([]byte("berth"), 100_000),
	} {
		_, err := s.Create(t.Context(), p+name, v)
		must(t, "Create "+name, err)
		obj, err := s.Get(t.Context(), p+name)
		must(t, "Get "+name, err)
		if !bytes.Equal(obj.Value, v) {
			t.Errorf("%s value changed in the store: got %d bytes, want %d", name, len(obj.Value), len(v))
		}
	}
	// The store must not keep a caller's slice: changing it afterwards
	// changes nothing stored.
	v := []byte("before")
	_, err := s.Create(t.Context(), p+"aliased", v)
	must(t, "Create aliased", err)
	copy(v, "after!")
	wantObject(t, s, p+"aliased", "before", 0)
}

func testEmptyKey(t *testing.T, s store.Store, _ string) {
	if _, err := s.Create(t.Context(), "", []byte("v")); err == nil {
		t.Fatal("Create with an empty key succeeded")
	}
}

func testUpdate(t *testing.T, s store.Store, p string) {
	rev1 := create(t, s, p+"k", "v1")
	rev2, err := s.Update(t.Context(), p+"k", []byte("v2"), rev1)
	must(t, "Update", err)
	if rev2 <= rev1 {
		t.Fatalf("Update returned revision %d, not above %d", rev2, rev1)
	}
	wantObject(t, s, p+"k", "v2", rev2)
}

func testUpdateStale(t *testing.T, s store.Store, p string) {
	rev1 := create(t, s, p+"k", "v1")
	rev2, err := s.Update(t.Context(), p+"k", []byte("v2"), rev1)
	must(t, "Update", err)
	_, err = s.Update(t.Context(), p+"k", []byte("v3"), rev1)
	wantErr(t, "Update at a stale revision", err, store.ErrConflict)
	_, err = s.Update(t.Context(), p+"k", []byte("v3"), 0)
	wantErr(t, "Update at revision 0", err, store.ErrConflict)
	_, err = s.Update(t.Context(), p+"k", []byte("v3"), rev2+1000)
	wantErr(t, "Update at a future revision", err, store.ErrConflict)
	wantObject(t, s, p+"k", "v2", rev2)
}

func testUpdateMissing(t *testing.T, s store.Store, p string) {
	_, err := s.Update(t.Context(), p+"never", []byte("v"), 1)
	wantErr(t, "Update of a missing key", err, store.ErrNotFound)
	_, err = s.Update(t.Context(), p+"never", []byte("v"), 0)
	wantErr(t, "Update of a missing key at revision 0", err, store.ErrNotFound)

	rev := create(t, s, p+"gone", "v")
	must(t, "Delete", s.Delete(t.Context(), p+"gone", rev))
	_, err = s.Update(t.Context(), p+"gone", []byte("v2"), rev)
	wantErr(t, "Update of a deleted key", err, store.ErrNotFound)
	_, err = s.Get(t.Context(), p+"gone")
	wantErr(t, "Get after a failed Update", err, store.ErrNotFound)
}

func testDelete(t *testing.T, s store.Store, p string) {
	rev := create(t, s, p+"k", "v")
	_, err := s.Update(t.Context(), p+"k", []byte("v2"), rev)
	must(t, "Update", err)
	must(t, "Delete at revision 0", s.Delete(t.Context(), p+"k", 0))
	_, err = s.Get(t.Context(), p+"k")
	wantErr(t, "Get after Delete", err, store.ErrNotFound)

	// A deleted key can be created again.
	create(t, s, p+"k", "again")
	wantObject(t, s, p+"k", "again", 0)
}

func testDeleteAtRevision(t *testing.T, s store.Store, p string) {
	rev1 := create(t, s, p+"k", "v1")
	rev2, err := s.Update(t.Context(), p+"k", []byte("v2"), rev1)
	must(t, "Update", err)
	wantErr(t, "Delete at a stale revision", s.Delete(t.Context(), p+"k", rev1), store.ErrConflict)
	wantObject(t, s, p+"k", "v2", rev2)
	must(t, "Delete at the current revision", s.Delete(t.Context(), p+"k", rev2))
	_, err = s.Get(t.Context(), p+"k")
	wantErr(t, "Get after Delete", err, store.ErrNotFound)
}

func testDeleteMissing(t *testing.T, s store.Store, p string) {
	wantErr(t, "Delete of a missing key", s.Delete(t.Context(), p+"never", 0), store.ErrNotFound)
	wantErr(t, "Delete of a missing key at a revision", s.Delete(t.Context(), p+"never", 5), store.ErrNotFound)
}

func testDeletePrefix(t *testing.T, s store.Store, p string) {
	for _, k := range []string{"d/a", "d/b", "d/c/deep", "dx/a", "d"} {
		create(t, s, p+k, k)
	}
	n, err := s.DeletePrefix(t.Context(), p+"d/")
	must(t, "DeletePrefix", err)
	if n != 3 {
		t.Errorf("DeletePrefix removed %d keys, want 3", n)
	}
	res, err := s.List(t.Context(), p, store.ListOptions{})
	must(t, "List", err)
	if got, want := keys(res.Objects), []string{p + "d", p + "dx/a"}; !slices.Equal(got, want) {
		t.Errorf("left after DeletePrefix: %q, want %q", got, want)
	}
	n, err = s.DeletePrefix(t.Context(), p+"d/")
	must(t, "DeletePrefix of nothing", err)
	if n != 0 {
		t.Errorf("second DeletePrefix removed %d keys, want 0", n)
	}
	if _, err := s.DeletePrefix(t.Context(), ""); err == nil {
		t.Error(`DeletePrefix("") succeeded; it must refuse to empty the store`)
	}
}

func testCanceledContext(t *testing.T, s store.Store, p string) {
	create(t, s, p+"k", "v")
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := s.Get(ctx, p+"k"); err == nil {
		t.Error("Get with a canceled context succeeded")
	}
	if _, err := s.Create(ctx, p+"new", []byte("v")); err == nil {
		t.Error("Create with a canceled context succeeded")
	}
}
