package runtime

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// testImageName is the name the test image is imported under.
const testImageName = "docker.io/berth-test/busybox:latest"

// testImage is a one-layer image built offline from the host's static
// busybox (Debian's busybox-static): /bin/busybox with every applet linked
// to it, /etc/passwd with root and app (1000:1000, also in group extra
// 2000), /tmp, and PATH in the config. Blobs are kept in memory so that a
// test registry can serve them as well.
type testImage struct {
	manifest       []byte
	manifestDigest string
	config         []byte
	configDigest   string
	layer          []byte // gzip
	layerDigest    string
	diffID         string
}

func (img *testImage) blob(digest string) ([]byte, bool) {
	switch digest {
	case img.manifestDigest:
		return img.manifest, true
	case img.configDigest:
		return img.config, true
	case img.layerDigest:
		return img.layer, true
	}
	return nil, false
}

var buildTestImage = sync.OnceValues(func() (*testImage, error) {
	bb, err := os.ReadFile("/bin/busybox")
	if err != nil {
		return nil, err
	}
	list, err := exec.Command("/bin/busybox", "--list").Output()
	if err != nil {
		return nil, err
	}
	var raw bytes.Buffer
	tw := tar.NewWriter(&raw)
	mtime := time.Unix(1700000000, 0)
	dir := func(name string, mode int64) {
		_ = tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: name + "/", Mode: mode, ModTime: mtime})
	}
	file := func(name string, mode int64, data []byte) {
		_ = tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: mode, Size: int64(len(data)), ModTime: mtime})
		_, _ = tw.Write(data)
	}
	for _, d := range []string{"bin", "etc", "root", "home", "home/app", "dev", "proc", "sys"} {
		dir(d, 0o755)
	}
	dir("tmp", 0o1777)
	file("bin/busybox", 0o755, bb)
	applets := strings.Fields(string(list))
	sort.Strings(applets)
	for _, a := range applets {
		if a == "busybox" || strings.Contains(a, "/") {
			continue
		}
		_ = tw.WriteHeader(&tar.Header{Typeflag: tar.TypeSymlink, Name: "bin/" + a, Linkname: "busybox", Mode: 0o777, ModTime: mtime})
	}
	file("etc/passwd", 0o644, []byte("root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\n"))
	file("etc/group", 0o644, []byte("root:x:0:\napp:x:1000:\nextra:x:2000:app\n"))
	if err := tw.Close(); err != nil {
		return nil, err
	}

	img := &testImage{diffID: digestOf(raw.Bytes())}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write(raw.Bytes())
	_ = zw.Close()
	img.layer, img.layerDigest = gz.Bytes(), digestOf(gz.Bytes())

	img.config = mustJSON(map[string]any{
		"architecture": "amd64",
		"os":           "linux",
		"created":      mtime.UTC().Format(time.RFC3339),
		"config": map[string]any{
			"Env":        []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "IMAGE_VAR=from-image"},
			"Entrypoint": []string{"/bin/sh", "-c"},
			"Cmd":        []string{"echo default"},
			"WorkingDir": "/",
		},
		"rootfs": map[string]any{"type": "layers", "diff_ids": []string{img.diffID}},
	})
	img.configDigest = digestOf(img.config)
	img.manifest = mustJSON(map[string]any{
		"schemaVersion": 2,
		"mediaType":     "application/vnd.oci.image.manifest.v1+json",
		"config": map[string]any{
			"mediaType": "application/vnd.oci.image.config.v1+json",
			"digest":    img.configDigest, "size": len(img.config),
		},
		"layers": []any{map[string]any{
			"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
			"digest":    img.layerDigest, "size": len(img.layer),
		}},
	})
	img.manifestDigest = digestOf(img.manifest)
	return img, nil
})

// ociArchive is the image as an OCI image layout tar, named name through
// the containerd annotation, or (refNameOnly) through
// org.opencontainers.image.ref.name alone.
func (img *testImage) ociArchive(t testing.TB, name string, refNameOnly bool) []byte {
	t.Helper()
	ann := map[string]string{"org.opencontainers.image.ref.name": name}
	if !refNameOnly {
		ann["io.containerd.image.name"] = name
		ann["org.opencontainers.image.ref.name"] = "latest"
	}
	index := mustJSON(map[string]any{
		"schemaVersion": 2,
		"mediaType":     "application/vnd.oci.image.index.v1+json",
		"manifests": []any{map[string]any{
			"mediaType":   "application/vnd.oci.image.manifest.v1+json",
			"digest":      img.manifestDigest,
			"size":        len(img.manifest),
			"annotations": ann,
		}},
	})
	files := []tarFile{
		{"oci-layout", []byte(`{"imageLayoutVersion":"1.0.0"}`)},
		{"index.json", index},
	}
	for _, b := range [][]byte{img.manifest, img.config, img.layer} {
		files = append(files, tarFile{"blobs/sha256/" + strings.TrimPrefix(digestOf(b), "sha256:"), b})
	}
	return writeTar(t, files)
}

// dockerArchive is the image as `docker save` writes it (manifest.json with
// RepoTags, config and layer by file name).
func (img *testImage) dockerArchive(t testing.TB, repoTag string) []byte {
	t.Helper()
	raw := gunzip(t, img.layer)
	cfgName := strings.TrimPrefix(img.configDigest, "sha256:") + ".json"
	layerName := strings.TrimPrefix(img.diffID, "sha256:") + "/layer.tar"
	manifest := mustJSON([]any{map[string]any{
		"Config": cfgName, "RepoTags": []string{repoTag}, "Layers": []string{layerName},
	}})
	return writeTar(t, []tarFile{{cfgName, img.config}, {layerName, raw}, {"manifest.json", manifest}})
}

type tarFile struct {
	name string
	data []byte
}

func writeTar(t testing.TB, files []tarFile) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range files {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: f.name, Mode: 0o644, Size: int64(len(f.data))}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(f.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func gunzip(t testing.TB, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if _, err := out.ReadFrom(zr); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func digestOf(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
