package testimage

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"debug/elf"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
	"testing"
)

// archive is an image archive read back and checked by readArchive.
type archive struct {
	files    map[string][]byte // the archive's own regular files
	index    index
	manifest manifest
	config   imageConfig
	docker   []dockerManifest
	layer    []*tar.Header     // in archive order
	contents map[string][]byte // regular files of the layer
}

func (a *archive) entry(name string) *tar.Header {
	for _, h := range a.layer {
		if strings.TrimSuffix(h.Name, "/") == name {
			return h
		}
	}
	return nil
}

// readArchive checks the archive's structure: the OCI layout files, every
// digest and size from index to manifest to config and layer, the diff_id
// of the uncompressed layer, the docker manifest.json, and the layer's
// determinism (sorted names, fixed mtimes, parents before children).
func readArchive(t *testing.T, p string) *archive {
	t.Helper()
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	a := &archive{files: map[string][]byte{}, contents: map[string][]byte{}}
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if !h.ModTime.Equal(epoch) {
			t.Errorf("archive entry %s: mtime %v", h.Name, h.ModTime)
		}
		if h.Typeflag == tar.TypeDir {
			continue
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		a.files[h.Name] = b
	}
	if got := string(a.files["oci-layout"]); got != `{"imageLayoutVersion":"1.0.0"}` {
		t.Errorf("oci-layout = %q", got)
	}
	decode(t, a.files["index.json"], &a.index)
	decode(t, a.files["manifest.json"], &a.docker)
	if a.index.SchemaVersion != 2 || a.index.MediaType != mediaTypeIndex || len(a.index.Manifests) != 1 {
		t.Fatalf("index.json = %s", a.files["index.json"])
	}
	md := a.index.Manifests[0]
	if md.MediaType != mediaTypeManifest || md.Platform == nil || md.Platform.OS != "linux" {
		t.Errorf("manifest descriptor = %+v", md)
	}
	decode(t, checkBlob(t, a, md), &a.manifest)
	if a.manifest.SchemaVersion != 2 || a.manifest.MediaType != mediaTypeManifest ||
		a.manifest.Config.MediaType != mediaTypeConfig || len(a.manifest.Layers) != 1 ||
		a.manifest.Layers[0].MediaType != mediaTypeLayer {
		t.Fatalf("manifest = %s", checkBlob(t, a, md))
	}
	decode(t, checkBlob(t, a, a.manifest.Config), &a.config)
	gz := checkBlob(t, a, a.manifest.Layers[0])

	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if diffID := fmt.Sprintf("sha256:%x", sha256.Sum256(raw)); len(a.config.RootFS.DiffIDs) != 1 || a.config.RootFS.DiffIDs[0] != diffID {
		t.Errorf("diff_ids %v, uncompressed layer is %s", a.config.RootFS.DiffIDs, diffID)
	}
	if a.config.RootFS.Type != "layers" || a.config.OS != "linux" || a.config.Architecture == "" {
		t.Errorf("config = %+v", a.config)
	}

	if len(a.docker) != 1 || a.docker[0].Config != blobPath(a.manifest.Config.Digest) ||
		len(a.docker[0].Layers) != 1 || a.docker[0].Layers[0] != blobPath(a.manifest.Layers[0].Digest) {
		t.Errorf("manifest.json = %s", a.files["manifest.json"])
	}

	lr := tar.NewReader(bytes.NewReader(raw))
	seen := map[string]bool{}
	prev := ""
	for {
		h, err := lr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		name := strings.TrimSuffix(h.Name, "/")
		if name <= prev {
			t.Errorf("layer entry %s after %s: not sorted", name, prev)
		}
		if d := path.Dir(name); d != "." && !seen[d] {
			t.Errorf("layer entry %s before its directory", name)
		}
		if !h.ModTime.Equal(epoch) {
			t.Errorf("layer entry %s: mtime %v", name, h.ModTime)
		}
		seen[name], prev = true, name
		a.layer = append(a.layer, h)
		if h.Typeflag == tar.TypeReg {
			if a.contents[name], err = io.ReadAll(lr); err != nil {
				t.Fatal(err)
			}
		}
	}
	return a
}

// checkBlob returns the blob a descriptor names after checking its size
// and digest.
func checkBlob(t *testing.T, a *archive, d descriptor) []byte {
	t.Helper()
	b, ok := a.files[blobPath(d.Digest)]
	if !ok {
		t.Fatalf("no blob %s", blobPath(d.Digest))
	}
	if int64(len(b)) != d.Size {
		t.Errorf("blob %s: %d bytes, descriptor says %d", d.Digest, len(b), d.Size)
	}
	if got := fmt.Sprintf("sha256:%x", sha256.Sum256(b)); got != d.Digest {
		t.Errorf("blob %s has digest %s", d.Digest, got)
	}
	return b
}

func decode(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
}

func isStaticELF(t *testing.T, b []byte) bool {
	t.Helper()
	f, err := elf.NewFile(bytes.NewReader(b))
	if err != nil {
		t.Errorf("not ELF: %v", err)
		return false
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return false
		}
	}
	return true
}
