package testimage

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"fmt"
	"hash"
	"io"
	"sync"
	"time"
)

// epoch is every file's mtime, so equal contents give equal digests.
var epoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// layer is a gzipped layer tar and its digests.
type layer struct {
	gz     []byte
	digest string // of gz: the manifest's layer digest
	diffID string // of the uncompressed tar: the config's rootfs.diff_ids
}

// layers caches built layers by the key of their contents, so the second
// Build of an image in a process only writes files.
var layers struct {
	mu sync.Mutex
	m  map[[sha256.Size]byte]*layer
}

func cachedLayer(key [sha256.Size]byte, files []file) (*layer, error) {
	layers.mu.Lock()
	defer layers.mu.Unlock()
	if l, ok := layers.m[key]; ok {
		return l, nil
	}
	l, err := buildLayer(files)
	if err != nil {
		return nil, err
	}
	if layers.m == nil {
		layers.m = map[[sha256.Size]byte]*layer{}
	}
	layers.m[key] = l
	return l, nil
}

// buildLayer writes files, already sorted, as a tar owned by root unless a
// file says otherwise, with fixed mtimes, and gzips it.
//
// The gzip stream stores the tar without compressing it: a valid tar+gzip
// layer for every reader, built ten times faster under -race (where
// compress/flate is instrumented) than at BestSpeed, which for the two Go
// programs and busybox took two seconds of every test process's first
// Build to save 10 MB of local disk.
func buildLayer(files []file) (*layer, error) {
	var gzBuf bytes.Buffer
	gzSum, tarSum := sha256.New(), sha256.New()
	gz, err := gzip.NewWriterLevel(io.MultiWriter(&gzBuf, gzSum), gzip.NoCompression)
	if err != nil {
		return nil, err
	}
	tw := tar.NewWriter(io.MultiWriter(gz, tarSum))
	for _, f := range files {
		hdr := &tar.Header{
			Name: f.name, Mode: f.mode, Uid: f.uid, Gid: f.gid, ModTime: epoch,
			Typeflag: tar.TypeReg, Size: int64(len(f.data)),
		}
		switch {
		case f.dir:
			hdr.Typeflag, hdr.Name, hdr.Size = tar.TypeDir, f.name+"/", 0
		case f.link != "":
			hdr.Typeflag, hdr.Linkname, hdr.Size = tar.TypeSymlink, f.link, 0
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, fmt.Errorf("testimage: layer entry %s: %w", f.name, err)
		}
		if hdr.Size > 0 {
			if _, err := tw.Write(f.data); err != nil {
				return nil, err
			}
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := gz.Close(); err != nil {
		return nil, err
	}
	return &layer{gz: gzBuf.Bytes(), digest: digestOf(gzSum), diffID: digestOf(tarSum)}, nil
}

func digestOf(h hash.Hash) string {
	return fmt.Sprintf("sha256:%x", h.Sum(nil))
}
