package runtime

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/containerd/containerd/errdefs"
	"github.com/containerd/containerd/mount"
	"github.com/containerd/containerd/snapshots"
	"github.com/opencontainers/image-spec/identity"
)

// ImageRootfsMounts makes (or finds) a read-only view of image's unpacked
// root filesystem under key and returns its mounts, for a caller that builds
// its own overlay (LowerDirs gives the lower directories) and passes the
// result as ContainerSpec.Rootfs. The view is a garbage-collection root: it
// stays until RemoveView. Calling it again with the same key returns the
// same view (from memory, after the first call of this Runtime).
func (r *Runtime) ImageRootfsMounts(ctx context.Context, image, key string) ([]mount.Mount, error) {
	ctx = r.ctx(ctx)
	if ms, ok := r.cache.view(key); ok {
		return ms, nil
	}
	ci, err := r.getImage(ctx, image)
	if err != nil {
		return nil, err
	}
	if err := ensureUnpacked(ctx, ci); err != nil {
		return nil, err
	}
	diffIDs, err := ci.RootFS(ctx)
	if err != nil {
		return nil, imageErr("read rootfs of", ci.Name(), err)
	}
	sn := r.client.SnapshotService(snapshotter)
	mounts, err := sn.View(ctx, key, identity.ChainID(diffIDs).String(),
		snapshots.WithLabels(map[string]string{
			"containerd.io/gc.root": time.Now().UTC().Format(time.RFC3339),
		}))
	if errdefs.IsAlreadyExists(err) {
		mounts, err = sn.Mounts(ctx, key)
	}
	if err != nil {
		return nil, fmt.Errorf("view %s of image %s: %w", key, ci.Name(), err)
	}
	r.cache.putView(key, mounts)
	return mounts, nil
}

// RemoveView removes a view made by ImageRootfsMounts. The caller unmounts
// whatever it built on it first. Missing is not an error.
func (r *Runtime) RemoveView(ctx context.Context, key string) error {
	ctx = r.ctx(ctx)
	r.cache.dropView(key)
	err := r.client.SnapshotService(snapshotter).Remove(ctx, key)
	if err != nil && !errdefs.IsNotFound(err) {
		return fmt.Errorf("remove view %s: %w", key, err)
	}
	return nil
}

// LowerDirs turns the mounts of a read-only view into overlayfs lower
// directories, uppermost first (the order of lowerdir=): a bind mount (an
// image with one layer, or none) is its source; an overlay is its lowerdir
// list.
func LowerDirs(mounts []mount.Mount) ([]string, error) {
	if len(mounts) != 1 {
		return nil, fmt.Errorf("lower dirs: want 1 mount, got %d", len(mounts))
	}
	m := mounts[0]
	switch m.Type {
	case "bind", "rbind":
		return []string{m.Source}, nil
	case "overlay":
		for _, o := range m.Options {
			if v, ok := strings.CutPrefix(o, "lowerdir="); ok {
				return strings.Split(v, ":"), nil
			}
		}
		return nil, fmt.Errorf("lower dirs: overlay mount without lowerdir: %v", m.Options)
	default:
		return nil, fmt.Errorf("lower dirs: unsupported mount type %q", m.Type)
	}
}
