package runtime

import (
	"fmt"
	"testing"

	"github.com/containerd/containerd/mount"
)

func TestImageCache(t *testing.T) {
	var c imageCache
	if _, ok := c.image("sha256:a", "x"); ok {
		t.Fatal("empty cache hit")
	}
	c.putImage(Image{Name: "docker.io/library/a:1", Digest: "sha256:a", Size: 7, Config: ImageConfig{Env: []string{"A=1"}}})

	// Another name for the same content: the description, under that name.
	img, ok := c.image("sha256:a", "docker.io/library/b:2")
	if !ok || img.Name != "docker.io/library/b:2" || img.Size != 7 || img.Config.Env[0] != "A=1" {
		t.Fatalf("image = %+v, %v", img, ok)
	}
	img.Config.Env[0] = "changed"
	if again, _ := c.image("sha256:a", "n"); again.Config.Env[0] != "A=1" {
		t.Fatal("a caller's change reached the cache")
	}

	ms := []mount.Mount{{Type: "bind", Source: "/s/1/fs", Options: []string{"ro", "rbind"}}}
	c.putView("view/a", ms)
	got, ok := c.view("view/a")
	if !ok || len(got) != 1 || got[0].Source != "/s/1/fs" {
		t.Fatalf("view = %+v, %v", got, ok)
	}
	got[0].Options[0] = "rw"
	if again, _ := c.view("view/a"); again[0].Options[0] != "ro" {
		t.Fatal("a caller's change reached the cached view")
	}
	c.dropView("view/a")
	if _, ok := c.view("view/a"); ok {
		t.Fatal("a removed view is still cached")
	}

	for i := range imageCacheMax + 1 {
		c.putImage(Image{Digest: fmt.Sprint("sha256:", i)})
	}
	if n := len(c.images); n > imageCacheMax {
		t.Fatalf("%d images cached, limit %d", n, imageCacheMax)
	}
}
