package testimage

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"path"
	"sort"
	"strings"
	"sync"
)

// file is one entry of the image's only layer. Names are relative to / and
// have no trailing slash.
type file struct {
	name     string
	dir      bool
	link     string // symlink target when set
	mode     int64  // permission bits, with the sticky bit for /tmp
	uid, gid int
	data     []byte
}

const (
	passwd = "root:x:0:0:root:/root:/bin/sh\n" +
		"app:x:1000:1000:app:/home/app:/bin/sh\n" +
		"nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"
	group = "root:x:0:\n" +
		"app:x:1000:\n" +
		"nogroup:x:65534:\n"
	hosts = "127.0.0.1\tlocalhost\n" +
		"::1\tlocalhost ip6-localhost ip6-loopback\n"
	resolvConf = "# placeholder: the container runtime replaces this file\n"
	nsswitch   = "hosts: files dns\n"
)

// base is the part of the file system every image shares, made once per
// process since it holds busybox and the freshly built programs.
var base struct {
	mu    sync.Mutex
	files []file
	key   [sha256.Size]byte // identifies the contents, for the layer cache
}

func baseFiles(ctx context.Context) ([]file, [sha256.Size]byte, error) {
	base.mu.Lock()
	defer base.mu.Unlock()
	if base.files != nil {
		return base.files, base.key, nil
	}
	bbPath, links, err := findBusybox()
	if err != nil {
		return nil, base.key, err
	}
	bb, err := os.ReadFile(bbPath)
	if err != nil {
		return nil, base.key, fmt.Errorf("testimage: %w", err)
	}
	bins, binsSum, err := programBinaries(ctx)
	if err != nil {
		return nil, base.key, err
	}
	files := []file{
		{name: "bin", dir: true, mode: 0o755},
		{name: "bin/busybox", mode: 0o755, data: bb},
		{name: "dev", dir: true, mode: 0o755},
		{name: "etc", dir: true, mode: 0o755},
		{name: "etc/group", mode: 0o644, data: []byte(group)},
		{name: "etc/hosts", mode: 0o644, data: []byte(hosts)},
		{name: "etc/nsswitch.conf", mode: 0o644, data: []byte(nsswitch)},
		{name: "etc/passwd", mode: 0o644, data: []byte(passwd)},
		{name: "etc/resolv.conf", mode: 0o644, data: []byte(resolvConf)},
		{name: "home", dir: true, mode: 0o755},
		{name: "home/app", dir: true, mode: 0o755, uid: 1000, gid: 1000},
		{name: "proc", dir: true, mode: 0o755},
		{name: "root", dir: true, mode: 0o700},
		{name: "run", dir: true, mode: 0o755},
		{name: "sbin", dir: true, mode: 0o755},
		{name: "sys", dir: true, mode: 0o755},
		{name: "tmp", dir: true, mode: 0o1777},
		{name: "usr", dir: true, mode: 0o755},
		{name: "usr/bin", dir: true, mode: 0o755},
		{name: "usr/sbin", dir: true, mode: 0o755},
		{name: "var", dir: true, mode: 0o755},
		{name: "var/tmp", dir: true, mode: 0o1777},
	}
	for name, bin := range bins {
		files = append(files, file{name: name, mode: 0o755, data: bin})
	}
	for _, a := range links {
		files = append(files, file{name: "bin/" + a, link: "/bin/busybox", mode: 0o777})
	}
	h := sha256.New()
	bbSum := sha256.Sum256(bb)
	h.Write(bbSum[:])
	h.Write(binsSum[:])
	fmt.Fprintf(h, "%q", links)
	copy(base.key[:], h.Sum(nil))
	base.files = files
	return files, base.key, nil
}

// rootfs merges the extra files over the base ones, adds missing parent
// directories and sorts the result so the layer is byte-for-byte
// reproducible. It also returns a key naming the merged contents.
func rootfs(ctx context.Context, extra map[string][]byte) ([]file, [sha256.Size]byte, error) {
	files, key, err := baseFiles(ctx)
	if err != nil {
		return nil, key, err
	}
	byName := make(map[string]file, len(files)+len(extra))
	for _, f := range files {
		byName[f.name] = f
	}
	h := sha256.New()
	h.Write(key[:])
	names := make([]string, 0, len(extra))
	for n := range extra {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		clean := strings.TrimPrefix(path.Clean("/"+n), "/")
		if clean == "" || strings.HasSuffix(n, "/") {
			return nil, key, fmt.Errorf("testimage: extra file %q is not a file path", n)
		}
		data := extra[n]
		byName[clean] = file{name: clean, mode: fileMode(data), data: data}
		sum := sha256.Sum256(data)
		fmt.Fprintf(h, "%q %x\n", clean, sum)
	}
	for _, f := range byName {
		for d := path.Dir(f.name); d != "."; d = path.Dir(d) {
			p, ok := byName[d]
			if !ok {
				byName[d] = file{name: d, dir: true, mode: 0o755}
			} else if !p.dir {
				return nil, key, fmt.Errorf("testimage: %q is below %q, which is not a directory", f.name, d)
			}
		}
	}
	out := make([]file, 0, len(byName))
	for _, f := range byName {
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	copy(key[:], h.Sum(nil))
	return out, key, nil
}

// fileMode makes scripts and ELF binaries among the extra files executable.
func fileMode(data []byte) int64 {
	if bytes.HasPrefix(data, []byte("#!")) || bytes.HasPrefix(data, []byte("\x7fELF")) {
		return 0o755
	}
	return 0o644
}
