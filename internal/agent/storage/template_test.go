package storage

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
)

func TestTemplateCopyKeepsHoles(t *testing.T) {
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "src"), filepath.Join(dir, "dst")
	const size = 64 << 20
	f, err := os.Create(src)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunks := map[int64][]byte{0: []byte("superblock"), 8 << 20: bytes.Repeat([]byte{7}, 1<<20), size - 4096: []byte("tail")}
	for off, b := range chunks {
		if _, err := f.WriteAt(b, off); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Truncate(size); err != nil {
		t.Fatal(err)
	}
	tmpl := &template{f: f, size: size}
	if err := extents(f, size, func(off, n int64) error {
		tmpl.extents = append(tmpl.extents, extent{off, n})
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(tmpl.extents) != 3 {
		t.Fatalf("extents %v, want the 3 written", tmpl.extents)
	}

	if err := tmpl.copyTo(dst); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(dst)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := os.ReadFile(src)
	if !bytes.Equal(got, want) {
		t.Fatal("the copy differs from its template")
	}
	var data int64
	out, _ := os.Open(dst)
	defer out.Close()
	if err := extents(out, size, func(_, n int64) error { data += n; return nil }); err != nil || data > 4<<20 {
		t.Errorf("the copy has %d bytes of data (%v): holes not kept", data, err)
	}
	if err := tmpl.copyTo(dst); err == nil {
		t.Error("a copy over an existing file succeeded")
	}
}

// TestTemplatedFilesystems: tasks of one size share one template, and each
// gets a filesystem of its own that e2fsck finds clean; nothing of the
// templates is left in Root.
func TestTemplatedFilesystems(t *testing.T) {
	m := newManager(t)
	const size = 32 << 20
	a := createTask(t, m, "a", size)
	b := createTask(t, m, "b", size)
	c := createTask(t, m, "c", 2*size)
	if n := len(m.tmpl.bySz); n != 2 {
		t.Fatalf("%d templates, want one per size", n)
	}
	if ents, _ := os.ReadDir(m.Root); len(ents) != 3 {
		t.Errorf("Root holds %d entries, want the 3 tasks'", len(ents))
	}
	if ids, _ := m.List(); !slices.Equal(ids, []string{"a", "b", "c"}) {
		t.Errorf("List = %v", ids)
	}
	writeFile(t, filepath.Join(a.Mountpoint, "volumes/x/f"), "a's")
	if _, err := os.Stat(filepath.Join(b.Mountpoint, "volumes/x/f")); !os.IsNotExist(err) {
		t.Errorf("b sees a's file: %v", err)
	}
	for _, v := range []*Volume{a, b, c} {
		if _, size, err := m.Usage(v.TaskID); err != nil || size < v.SizeBytes*8/10 || size > v.SizeBytes {
			t.Errorf("task %s: %d bytes usable (%v) of %d", v.TaskID, size, err, v.SizeBytes)
		}
	}
	if _, err := exec.LookPath("e2fsck"); err != nil {
		t.Skip("no e2fsck")
	}
	img := filepath.Join(t.TempDir(), "check.img")
	if err := m.tmpl.bySz[size].copyTo(img); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("e2fsck", "-fn", img).CombinedOutput(); err != nil {
		t.Fatalf("e2fsck of a copy: %v\n%s", err, out)
	}
}

func TestTemplatesBounded(t *testing.T) {
	requireRoot(t) // mkfs
	if _, err := exec.LookPath("mkfs.ext4"); err != nil {
		t.Skip("no mkfs.ext4")
	}
	var ts templates
	for i := range maxTemplates + 2 {
		if _, err := ts.get(t.Context(), int64(8+i)<<20); err != nil {
			t.Fatal(err)
		}
	}
	if len(ts.bySz) != maxTemplates || len(ts.order) != maxTemplates || ts.bySz[8<<20] != nil {
		t.Fatalf("%d templates (%d in order), want the last %d", len(ts.bySz), len(ts.order), maxTemplates)
	}
}
