package runtime

import (
	"slices"
	"sync"

	"github.com/containerd/containerd/mount"
)

// imageCacheMax bounds each of the cache's maps; past it a map starts over.
const imageCacheMax = 1024

// imageCache remembers, for a Runtime's life, what cannot change once
// known: what an image's content says (its config and size), by the digest
// its name points at, since content is addressed by digest; and the mounts
// of a read-only view, by its key, since a view stays as it is until
// RemoveView. A launch of an image already seen then asks containerd only
// where the name points, instead of reading the manifest, config and
// snapshot chain twice over (a dozen calls per container).
type imageCache struct {
	mu     sync.Mutex
	images map[string]Image         // by target digest
	views  map[string][]mount.Mount // by view key
}

// image returns the cached description of the content at digest, named
// name.
func (c *imageCache) image(digest, name string) (Image, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	img, ok := c.images[digest]
	if !ok {
		return Image{}, false
	}
	img.Name = name
	return cloneImage(img), true
}

func (c *imageCache) putImage(img Image) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.images == nil || len(c.images) >= imageCacheMax {
		c.images = map[string]Image{}
	}
	c.images[img.Digest] = cloneImage(img)
}

// view returns the cached mounts of the view key.
func (c *imageCache) view(key string) ([]mount.Mount, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ms, ok := c.views[key]
	return cloneMounts(ms), ok
}

func (c *imageCache) putView(key string, ms []mount.Mount) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.views == nil || len(c.views) >= imageCacheMax {
		c.views = map[string][]mount.Mount{}
	}
	c.views[key] = cloneMounts(ms)
}

func (c *imageCache) dropView(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.views, key)
}

// cloneImage copies img's slices, so that no caller shares the cache's.
func cloneImage(img Image) Image {
	img.Config.Entrypoint = slices.Clone(img.Config.Entrypoint)
	img.Config.Cmd = slices.Clone(img.Config.Cmd)
	img.Config.Env = slices.Clone(img.Config.Env)
	return img
}

func cloneMounts(ms []mount.Mount) []mount.Mount {
	if ms == nil {
		return nil
	}
	out := make([]mount.Mount, len(ms))
	for i, m := range ms {
		m.Options = slices.Clone(m.Options)
		out[i] = m
	}
	return out
}
