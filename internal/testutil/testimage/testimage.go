// Package testimage builds the container images berth's tests run, offline:
// one layer with Debian's static busybox (its applets linked in /bin), the
// static test app from test/testapp at /testapp, the aws-sdk-go-v2 program
// from test/sdkapp at /sdkapp, a minimal /etc (root, app uid 1000, nobody
// uid 65534) and /tmp, packed as an OCI image layout tar
// that containerd imports (`ctr images import`, client.Import) under the
// image's full name, and that also carries a docker-archive manifest.json.
//
// Builds are reproducible: equal options give byte-identical archives. The
// programs are compiled once per process (one `go build` of both) and
// layers are cached in memory by content, so after the first Build the
// next ones take milliseconds.
package testimage

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// DefaultName is the standard test image's name.
const DefaultName = "berth-test/app:latest"

// DefaultPath is the PATH the image's environment gets unless Env sets one.
const DefaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// Options describes an image. Every field but Name may be left empty.
type Options struct {
	// Name is the image's name[:tag], e.g. "berth-test/app:latest"
	// (DefaultName when empty). Inside containerd it becomes the normalized
	// "docker.io/berth-test/app:latest".
	Name string
	// Entrypoint, Cmd, Env, WorkingDir and User go into the image config;
	// Env gets DefaultPath first unless it sets PATH.
	Entrypoint, Cmd, Env []string
	WorkingDir, User     string
	// ExtraFiles are added to (or replace) files of the image by absolute
	// path; parent directories are created. Contents starting with "#!" or
	// an ELF header get mode 0755, others 0644.
	ExtraFiles map[string][]byte
}

// Image is a built image archive.
type Image struct {
	Archive string // path of the tar
	Name    string // full name containerd gives it: "docker.io/berth-test/app:latest"
	Digest  string // manifest digest, "sha256:…" (what ECS reports as imageDigest)
}

// Build writes the image described by opts as a tar archive in dir (created
// if missing) and returns its path. Safe for concurrent use.
func Build(ctx context.Context, dir string, opts Options) (archivePath string, err error) {
	img, err := BuildImage(ctx, dir, opts)
	if err != nil {
		return "", err
	}
	return img.Archive, nil
}

// Default builds the standard test image, DefaultName, which runs
// `/testapp serve` (HTTP on port 8080) unless given another command.
func Default(ctx context.Context, dir string) (string, error) {
	return Build(ctx, dir, DefaultOptions())
}

// DefaultOptions are the options of the standard test image.
func DefaultOptions() Options {
	return Options{Name: DefaultName, Entrypoint: []string{"/testapp"}, Cmd: []string{"serve"}}
}

// BuildImage is Build returning the image's name and digest as well.
func BuildImage(ctx context.Context, dir string, opts Options) (*Image, error) {
	if opts.Name == "" {
		opts.Name = DefaultName
	}
	name, err := parseName(opts.Name)
	if err != nil {
		return nil, fmt.Errorf("testimage: %w", err)
	}
	files, key, err := rootfs(ctx, opts.ExtraFiles)
	if err != nil {
		return nil, err
	}
	l, err := cachedLayer(key, files)
	if err != nil {
		return nil, err
	}
	created := epoch.Format("2006-01-02T15:04:05Z")
	config, err := jsonBlob(imageConfig{
		Created:      created,
		Architecture: runtime.GOARCH,
		OS:           "linux",
		Config: containerConfig{
			User: opts.User, Env: withPath(opts.Env), Entrypoint: opts.Entrypoint,
			Cmd: opts.Cmd, WorkingDir: opts.WorkingDir,
		},
		RootFS:  rootFS{Type: "layers", DiffIDs: []string{l.diffID}},
		History: []history{{Created: created, CreatedBy: "berth testimage: busybox-static, testapp and sdkapp"}},
	})
	if err != nil {
		return nil, err
	}
	layerDesc := descriptor{MediaType: mediaTypeLayer, Digest: l.digest, Size: int64(len(l.gz))}
	mf, err := jsonBlob(manifest{
		SchemaVersion: 2,
		MediaType:     mediaTypeManifest,
		Config:        descriptor{MediaType: mediaTypeConfig, Digest: config.digest, Size: int64(len(config.data))},
		Layers:        []descriptor{layerDesc},
	})
	if err != nil {
		return nil, err
	}
	idx := index{SchemaVersion: 2, MediaType: mediaTypeIndex, Manifests: []descriptor{{
		MediaType: mediaTypeManifest, Digest: mf.digest, Size: int64(len(mf.data)),
		Platform:    &platform{Architecture: runtime.GOARCH, OS: "linux"},
		Annotations: map[string]string{annotationImageName: name.Full, annotationRefName: name.Tag},
	}}}
	docker := []dockerManifest{{
		Config: blobPath(config.digest), RepoTags: []string{name.Familiar}, Layers: []string{blobPath(l.digest)},
	}}

	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("testimage: %w", err)
	}
	path := filepath.Join(dir, archiveName(name.Familiar))
	if err := writeFileAtomic(path, func(f *os.File) error {
		return writeArchive(f, idx, docker, []blob{config, mf, {digest: l.digest, data: l.gz}})
	}); err != nil {
		return nil, fmt.Errorf("testimage: writing %s: %w", path, err)
	}
	return &Image{Archive: path, Name: name.Full, Digest: mf.digest}, nil
}

// withPath puts DefaultPath first unless env has a PATH.
func withPath(env []string) []string {
	for _, kv := range env {
		if strings.HasPrefix(kv, "PATH=") {
			return env
		}
	}
	return append([]string{DefaultPath}, env...)
}

// archiveName turns "berth-test/app:latest" into "berth-test_app_latest.tar".
func archiveName(familiar string) string {
	return strings.NewReplacer("/", "_", ":", "_").Replace(familiar) + ".tar"
}

// writeFileAtomic writes through a temporary file renamed into place, so a
// concurrent reader never sees half an archive.
func writeFileAtomic(path string, write func(*os.File) error) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path)+"-")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
