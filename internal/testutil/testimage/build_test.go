package testimage

import (
	"archive/tar"
	"bytes"
	"context"
	"debug/elf"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestDefaultImage(t *testing.T) {
	ctx := context.Background()
	start := time.Now()
	p, err := Default(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	first := time.Since(start)
	start = time.Now()
	again, err := Default(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("Build: first %v (go build of testapp and sdkapp and the layer, if first in this process), cached %v", first, time.Since(start))
	if filepath.Base(p) != "berth-test_app_latest.tar" {
		t.Errorf("archive name %s", p)
	}
	b1, _ := os.ReadFile(p)
	b2, _ := os.ReadFile(again)
	if !bytes.Equal(b1, b2) {
		t.Error("two builds of the same image differ")
	}
	fi, _ := os.Stat(p)
	t.Logf("archive %s: %d bytes", p, fi.Size())

	a := readArchive(t, p)
	ann := a.index.Manifests[0].Annotations
	if ann[annotationImageName] != "docker.io/berth-test/app:latest" || ann[annotationRefName] != "latest" {
		t.Errorf("index annotations = %v", ann)
	}
	if !slices.Equal(a.docker[0].RepoTags, []string{"berth-test/app:latest"}) {
		t.Errorf("RepoTags = %v", a.docker[0].RepoTags)
	}
	c := a.config.Config
	if !slices.Equal(c.Entrypoint, []string{"/testapp"}) || !slices.Equal(c.Cmd, []string{"serve"}) ||
		!slices.Equal(c.Env, []string{DefaultPath}) || c.User != "" || c.WorkingDir != "" {
		t.Errorf("config = %+v", c)
	}
	if a.config.Architecture != runtime.GOARCH {
		t.Errorf("architecture %s", a.config.Architecture)
	}

	bbPath, _, err := findBusybox()
	if err != nil {
		t.Fatal(err)
	}
	bb, _ := os.ReadFile(bbPath)
	if !bytes.Equal(a.contents["bin/busybox"], bb) {
		t.Errorf("bin/busybox is not %s", bbPath)
	}
	for _, prog := range []string{"testapp", "sdkapp"} {
		if h := a.entry(prog); h == nil || h.Mode != 0o755 || !isStaticELF(t, a.contents[prog]) {
			t.Errorf("%s: %+v, want a static executable", prog, h)
		} else {
			t.Logf("%s: %d bytes", prog, h.Size)
		}
	}
	for _, app := range []string{"sh", "ls", "cat", "echo", "sleep", "wget", "id", "env", "head", "dd",
		"mkdir", "touch", "rm", "ps", "kill", "true", "false", "grep", "nslookup"} {
		if h := a.entry("bin/" + app); h == nil || h.Typeflag != tar.TypeSymlink || h.Linkname != "/bin/busybox" {
			t.Errorf("bin/%s: %+v, want a symlink to /bin/busybox", app, h)
		}
	}
	for name, mode := range map[string]int64{"tmp": 0o1777, "var/tmp": 0o1777, "root": 0o700, "etc": 0o755} {
		if h := a.entry(name); h == nil || h.Typeflag != tar.TypeDir || h.Mode != mode {
			t.Errorf("%s: %+v, want a directory with mode %o", name, h, mode)
		}
	}
	for _, h := range a.layer {
		if (h.Uid != 0 || h.Gid != 0) && h.Name != "home/app/" {
			t.Errorf("%s owned by %d:%d", h.Name, h.Uid, h.Gid)
		}
	}
	if h := a.entry("home/app"); h == nil || h.Uid != 1000 || h.Gid != 1000 {
		t.Errorf("home/app: %+v, want owned by app", h)
	}
	for file, want := range map[string]string{
		"etc/passwd": "app:x:1000:1000:", "etc/group": "nogroup:x:65534:",
		"etc/hosts": "localhost", "etc/resolv.conf": "placeholder",
	} {
		if !strings.Contains(string(a.contents[file]), want) {
			t.Errorf("%s = %q, want it to contain %q", file, a.contents[file], want)
		}
	}
	if !strings.Contains(string(a.contents["etc/passwd"]), "nobody:x:65534:65534:") {
		t.Errorf("etc/passwd = %q", a.contents["etc/passwd"])
	}
}

func TestImageOptions(t *testing.T) {
	script := "#!/bin/sh\necho hi\n"
	img, err := BuildImage(context.Background(), filepath.Join(t.TempDir(), "new"), Options{
		Name:       "localhost:5000/x/y:v1",
		Entrypoint: []string{"/bin/sh", "-c"},
		Cmd:        []string{"echo $FOO"},
		Env:        []string{"FOO=bar"},
		WorkingDir: "/home/app",
		User:       "app",
		ExtraFiles: map[string][]byte{
			"/etc/berth/run.sh": []byte(script),
			"data/x.txt":        []byte("x"),
			"/etc/hosts":        []byte("10.0.0.1 db\n"),
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(img.Archive) != "localhost_5000_x_y_v1.tar" || img.Name != "localhost:5000/x/y:v1" {
		t.Errorf("image = %+v", img)
	}
	a := readArchive(t, img.Archive)
	if a.index.Manifests[0].Digest != img.Digest {
		t.Errorf("Digest %s, index says %s", img.Digest, a.index.Manifests[0].Digest)
	}
	if ann := a.index.Manifests[0].Annotations; ann[annotationImageName] != "localhost:5000/x/y:v1" || ann[annotationRefName] != "v1" {
		t.Errorf("annotations = %v", ann)
	}
	want := containerConfig{
		User: "app", Env: []string{DefaultPath, "FOO=bar"}, Entrypoint: []string{"/bin/sh", "-c"},
		Cmd: []string{"echo $FOO"}, WorkingDir: "/home/app",
	}
	got := a.config.Config
	if got.User != want.User || got.WorkingDir != want.WorkingDir || !slices.Equal(got.Env, want.Env) ||
		!slices.Equal(got.Entrypoint, want.Entrypoint) || !slices.Equal(got.Cmd, want.Cmd) {
		t.Errorf("config = %+v, want %+v", got, want)
	}
	checks := []struct {
		name string
		typ  byte
		mode int64
		data string
	}{
		{"etc/berth", tar.TypeDir, 0o755, ""},
		{"etc/berth/run.sh", tar.TypeReg, 0o755, script},
		{"data", tar.TypeDir, 0o755, ""},
		{"data/x.txt", tar.TypeReg, 0o644, "x"},
		{"etc/hosts", tar.TypeReg, 0o644, "10.0.0.1 db\n"},
	}
	for _, c := range checks {
		h := a.entry(c.name)
		if h == nil || h.Typeflag != c.typ || h.Mode != c.mode || string(a.contents[c.name]) != c.data {
			t.Errorf("%s: %+v %q", c.name, h, a.contents[c.name])
		}
	}
	if a.entry("testapp") == nil || a.entry("bin/busybox") == nil {
		t.Error("extra files replaced the base image")
	}
}

func TestBuildErrors(t *testing.T) {
	for name, opts := range map[string]Options{
		"bad name":           {Name: "Upper/Case"},
		"digest":             {Name: "app@sha256:00"},
		"below a file":       {ExtraFiles: map[string][]byte{"/testapp/x": nil}},
		"root":               {ExtraFiles: map[string][]byte{"/": nil}},
		"trailing slash":     {ExtraFiles: map[string][]byte{"/etc/x/": nil}},
		"file over base dir": {ExtraFiles: map[string][]byte{"/bin": nil}},
	} {
		t.Run(name, func(t *testing.T) {
			if p, err := Build(context.Background(), t.TempDir(), opts); err == nil {
				t.Errorf("Build = %s, want an error", p)
			}
		})
	}
}

func TestFindBusyboxExplains(t *testing.T) {
	t.Setenv("BERTH_TEST_BUSYBOX", filepath.Join(t.TempDir(), "busybox"))
	if _, _, err := findBusybox(); err == nil || !strings.Contains(err.Error(), "busybox-static") {
		t.Errorf("missing busybox: %v", err)
	}
	dynamic := "/bin/ls"
	f, err := elf.Open(dynamic)
	if err != nil {
		t.Skipf("no %s to test a dynamic binary with", dynamic)
	}
	f.Close()
	t.Setenv("BERTH_TEST_BUSYBOX", dynamic)
	if _, _, err := findBusybox(); err == nil || !strings.Contains(err.Error(), "dynamically linked") {
		t.Errorf("dynamic busybox: %v", err)
	}
}
