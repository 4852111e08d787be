package runtime

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"testing"
)

func TestImportListImage(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	built, err := buildTestImage()
	if err != nil {
		t.Fatal(err)
	}

	imported := e.importTestImage()
	if imported.Name != testImageName || imported.Digest != built.manifestDigest {
		t.Errorf("imported %s@%s, want %s@%s", imported.Name, imported.Digest, testImageName, built.manifestDigest)
	}
	want := ImageConfig{
		Entrypoint: []string{"/bin/sh", "-c"},
		Cmd:        []string{"echo default"},
		Env:        []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "IMAGE_VAR=from-image"},
		WorkingDir: "/",
	}
	if !equalConfig(imported.Config, want) {
		t.Errorf("config = %+v, want %+v", imported.Config, want)
	}
	if wantSize := int64(len(built.manifest) + len(built.config) + len(built.layer)); imported.Size != wantSize {
		t.Errorf("size = %d, want %d", imported.Size, wantSize)
	}

	// docker save format, and an OCI layout named by ref.name only.
	if _, err := e.rt.ImportArchive(ctx, bytes.NewReader(built.dockerArchive(t, "berth-test/docker:1"))); err != nil {
		t.Fatalf("import docker archive: %v", err)
	}
	if _, err := e.rt.ImportArchive(ctx, bytes.NewReader(built.ociArchive(t, "localhost:5000/refname:v2", true))); err != nil {
		t.Fatalf("import OCI layout named by ref.name: %v", err)
	}
	if _, err := e.rt.ImportArchive(ctx, bytes.NewReader(built.ociArchive(t, "latest", true))); err == nil {
		t.Error("importing an archive whose only name is a tag succeeded")
	}

	imgs, err := e.rt.Images(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, img := range imgs {
		names = append(names, img.Name)
	}
	slices.Sort(names)
	wantNames := []string{"docker.io/berth-test/busybox:latest", "docker.io/berth-test/docker:1", "localhost:5000/refname:v2"}
	if !slices.Equal(names, wantNames) {
		t.Errorf("Images = %v, want %v", names, wantNames)
	}

	// Short references are normalized as Docker does.
	for _, ref := range []string{"berth-test/busybox", "berth-test/docker:1", "docker.io/berth-test/busybox:latest"} {
		img, err := e.rt.Image(ctx, ref)
		if err != nil {
			t.Errorf("Image(%q): %v", ref, err)
			continue
		}
		if !equalConfig(img.Config, want) {
			t.Errorf("Image(%q).Config = %+v", ref, img.Config)
		}
	}
	if _, err := e.rt.Image(ctx, "busybox"); !errors.Is(err, ErrImageNotFound) {
		t.Errorf("Image(busybox) = %v, want ErrImageNotFound", err)
	}

	// A container runs from the docker-archive image too.
	spec := e.spec("from-docker-archive", "sh", "-c", "echo $IMAGE_VAR")
	spec.Image = "berth-test/docker:1"
	if st := exit(t, e.run(spec), 10e9); st.Code != 0 {
		t.Errorf("exit code %d", st.Code)
	}

	if err := e.rt.DeleteImage(ctx, "berth-test/docker:1"); err != nil {
		t.Fatal(err)
	}
	if err := e.rt.DeleteImage(ctx, "berth-test/docker:1"); err != nil {
		t.Errorf("second DeleteImage: %v", err)
	}
	if _, err := e.rt.Image(ctx, "berth-test/docker:1"); !errors.Is(err, ErrImageNotFound) {
		t.Errorf("Image after delete = %v, want ErrImageNotFound", err)
	}
}

func equalConfig(a, b ImageConfig) bool {
	return slices.Equal(a.Entrypoint, b.Entrypoint) && slices.Equal(a.Cmd, b.Cmd) &&
		slices.Equal(a.Env, b.Env) && a.WorkingDir == b.WorkingDir && a.User == b.User
}

func TestNormalizeRef(t *testing.T) {
	const dgst = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	for _, tc := range []struct{ in, want string }{
		{"busybox", "docker.io/library/busybox:latest"},
		{"busybox:1.36", "docker.io/library/busybox:1.36"},
		{"library/busybox", "docker.io/library/busybox:latest"},
		{"someone/app:v1", "docker.io/someone/app:v1"},
		{"localhost:5000/app", "localhost:5000/app:latest"},
		{"127.0.0.1:5000/a/b:c", "127.0.0.1:5000/a/b:c"},
		{"123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1", "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1"},
		{"busybox@" + dgst, "docker.io/library/busybox@" + dgst},
		{"busybox:1@" + dgst, "docker.io/library/busybox@" + dgst},
		{"Upper/Case", ""},
		{"", ""},
	} {
		got, err := NormalizeRef(tc.in)
		if tc.want == "" {
			if err == nil {
				t.Errorf("NormalizeRef(%q) = %q, want an error", tc.in, got)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("NormalizeRef(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestResolveArgs(t *testing.T) {
	img := ImageConfig{Entrypoint: []string{"/ep"}, Cmd: []string{"c1", "c2"}}
	noEP := ImageConfig{Cmd: []string{"sh"}}
	for _, tc := range []struct {
		name       string
		img        ImageConfig
		entryPoint []string
		command    []string
		want       []string
	}{
		{"image defaults", img, nil, nil, []string{"/ep", "c1", "c2"}},
		{"command replaces cmd", img, nil, []string{"x"}, []string{"/ep", "x"}},
		{"entryPoint drops image cmd", img, []string{"/new"}, nil, []string{"/new"}},
		{"entryPoint and command", img, []string{"/new"}, []string{"a"}, []string{"/new", "a"}},
		{"empty entryPoint clears image's", img, []string{}, nil, []string{"c1", "c2"}},
		{"empty entryPoint with command", img, []string{}, []string{"a"}, []string{"a"}},
		{"empty command keeps cmd", img, nil, []string{}, []string{"/ep", "c1", "c2"}},
		{"no entrypoint in image", noEP, nil, nil, []string{"sh"}},
		{"nothing at all", ImageConfig{}, nil, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ResolveArgs(tc.img, tc.entryPoint, tc.command); !slices.Equal(got, tc.want) {
				t.Errorf("ResolveArgs = %q, want %q", got, tc.want)
			}
		})
	}
}
