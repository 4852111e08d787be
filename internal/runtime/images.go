package runtime

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/containerd/containerd"
	"github.com/containerd/containerd/errdefs"
	"github.com/containerd/platforms"
)

// Image is an image present in the namespace, for this host's platform.
type Image struct {
	Name   string // normalized reference, e.g. "docker.io/library/busybox:latest"
	Digest string // digest of what the name points at (manifest or index), as ECS reports imageDigest
	Size   int64  // bytes of this platform's manifest, config and (compressed) layers
	Config ImageConfig
}

// ImageConfig is the part of the OCI image config that decides how a
// container runs by default.
type ImageConfig struct {
	Entrypoint []string
	Cmd        []string
	Env        []string
	WorkingDir string
	User       string
}

// ImportArchive loads the images of an OCI image layout tar or a docker save
// tar (manifest.json) and unpacks them for this platform. Images are named by
// io.containerd.image.name, or by org.opencontainers.image.ref.name when that
// is a full reference; an archive with no named image is an error. An
// existing image of the same name is replaced.
func (r *Runtime) ImportArchive(ctx context.Context, rd io.Reader) ([]Image, error) {
	ctx = r.ctx(ctx)
	// One lease over import and unpack, so that the garbage collector cannot
	// take layers between the two.
	ctx, done, err := r.client.WithLease(ctx)
	if err != nil {
		return nil, fmt.Errorf("import archive: %w", err)
	}
	defer done(ctx)
	imported, err := r.client.Import(ctx, rd,
		containerd.WithImageRefTranslator(ociRefName),
		containerd.WithImportPlatform(platforms.Default()))
	if err != nil {
		return nil, fmt.Errorf("import archive: %w", err)
	}
	if len(imported) == 0 {
		return nil, errors.New("import archive: no named image in it (an OCI layout needs an io.containerd.image.name or a full org.opencontainers.image.ref.name annotation)")
	}
	out := make([]Image, 0, len(imported))
	for _, rec := range imported {
		ci := containerd.NewImageWithPlatform(r.client, rec, platforms.Default())
		if err := ci.Unpack(ctx, snapshotter); err != nil {
			return nil, fmt.Errorf("import archive: unpack %s: %w", rec.Name, err)
		}
		img, err := imageFrom(ctx, ci)
		if err != nil {
			return nil, fmt.Errorf("import archive: %w", err)
		}
		r.cache.putImage(img)
		r.log.Info("image imported", "image", img.Name, "digest", img.Digest)
		out = append(out, img)
	}
	return out, nil
}

// Images lists the images in the namespace. Images without content for this
// platform are left out.
func (r *Runtime) Images(ctx context.Context) ([]Image, error) {
	ctx = r.ctx(ctx)
	recs, err := r.client.ImageService().List(ctx)
	if err != nil {
		return nil, fmt.Errorf("list images: %w", err)
	}
	out := make([]Image, 0, len(recs))
	for _, rec := range recs {
		img, err := imageFrom(ctx, containerd.NewImageWithPlatform(r.client, rec, platforms.Default()))
		if err != nil {
			r.log.Debug("image skipped in listing", "image", rec.Name, "err", err)
			continue
		}
		out = append(out, img)
	}
	return out, nil
}

// Image describes the local image ref (normalized first). It returns an
// error wrapping ErrImageNotFound when there is none.
func (r *Runtime) Image(ctx context.Context, ref string) (Image, error) {
	ctx = r.ctx(ctx)
	ci, err := r.getImage(ctx, ref)
	if err != nil {
		return Image{}, err
	}
	if img, ok := r.cache.image(ci.Target().Digest.String(), ci.Name()); ok {
		return img, nil
	}
	img, err := imageFrom(ctx, ci)
	if err != nil {
		return Image{}, imageErr("inspect", ci.Name(), err)
	}
	r.cache.putImage(img)
	return img, nil
}

// DeleteImage removes the image name; its content and snapshots go when
// nothing else uses them. Missing is not an error.
func (r *Runtime) DeleteImage(ctx context.Context, ref string) error {
	ctx = r.ctx(ctx)
	name, err := NormalizeRef(ref)
	if err != nil {
		return err
	}
	if err := r.client.ImageService().Delete(ctx, name); err != nil && !errdefs.IsNotFound(err) {
		return imageErr("delete", name, err)
	}
	return nil
}

// getImage looks ref up, normalized, for this platform.
func (r *Runtime) getImage(ctx context.Context, ref string) (containerd.Image, error) {
	name, err := NormalizeRef(ref)
	if err != nil {
		return nil, err
	}
	rec, err := r.client.ImageService().Get(ctx, name)
	if err != nil {
		return nil, imageErr("get", name, err)
	}
	return containerd.NewImageWithPlatform(r.client, rec, platforms.Default()), nil
}

// ensureUnpacked unpacks ci unless its snapshot chain is already there
// (an image that arrived through another client, or whose snapshots were
// collected).
func ensureUnpacked(ctx context.Context, ci containerd.Image) error {
	ok, err := ci.IsUnpacked(ctx, snapshotter)
	if err != nil {
		return imageErr("check", ci.Name(), err)
	}
	if ok {
		return nil
	}
	if err := ci.Unpack(ctx, snapshotter); err != nil {
		return imageErr("unpack", ci.Name(), err)
	}
	return nil
}

func imageFrom(ctx context.Context, ci containerd.Image) (Image, error) {
	spec, err := ci.Spec(ctx)
	if err != nil {
		return Image{}, fmt.Errorf("image %s: %w", ci.Name(), err)
	}
	size, err := ci.Size(ctx)
	if err != nil {
		return Image{}, fmt.Errorf("image %s: size: %w", ci.Name(), err)
	}
	return Image{
		Name:   ci.Name(),
		Digest: ci.Target().Digest.String(),
		Size:   size,
		Config: ImageConfig{
			Entrypoint: spec.Config.Entrypoint,
			Cmd:        spec.Config.Cmd,
			Env:        spec.Config.Env,
			WorkingDir: spec.Config.WorkingDir,
			User:       spec.Config.User,
		},
	}, nil
}
