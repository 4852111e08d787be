package runtime

import (
	"context"
	"net"
	"net/http"
	"time"

	"github.com/containerd/containerd"
	"github.com/containerd/containerd/remotes"
	"github.com/containerd/containerd/remotes/docker"
	"github.com/containerd/platforms"
)

// Credentials authenticate a pull (ECS repositoryCredentials, or an ECR
// token's user and password). They are sent to whatever registry the
// reference names.
type Credentials struct {
	Username string
	Password string
}

// Pull fetches ref (normalized first) from its registry for this platform
// and unpacks it. Registries on loopback addresses (127.0.0.0/8, localhost,
// [::1]) are spoken to over plain HTTP, all others over HTTPS. Any failure
// is a *PullError; errors.Is(err, ErrImageNotFound) when the registry says
// the image does not exist. ctx bounds the whole pull.
func (r *Runtime) Pull(ctx context.Context, ref string, creds *Credentials) (Image, error) {
	ctx = r.ctx(ctx)
	name, err := NormalizeRef(ref)
	if err != nil {
		return Image{}, &PullError{Ref: ref, Err: err}
	}
	start := time.Now()
	ci, err := r.client.Pull(ctx, name,
		containerd.WithResolver(newResolver(creds)),
		containerd.WithPlatformMatcher(platforms.Default()),
		containerd.WithPullUnpack,
		containerd.WithPullSnapshotter(snapshotter))
	if err != nil {
		return Image{}, &PullError{Ref: name, Err: err}
	}
	img, err := imageFrom(ctx, ci)
	if err != nil {
		return Image{}, &PullError{Ref: name, Err: err}
	}
	r.cache.putImage(img)
	r.log.Info("image pulled", "image", name, "digest", img.Digest, "took", time.Since(start).Round(time.Millisecond))
	return img, nil
}

// registryClient bounds the parts of a registry exchange that should be
// quick (connecting, TLS, first response byte) but not the body: layers
// take as long as they take, within the caller's ctx.
var registryClient = &http.Client{Transport: registryTransport()}

func registryTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = (&net.Dialer{Timeout: 15 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	t.TLSHandshakeTimeout = 15 * time.Second
	t.ResponseHeaderTimeout = 60 * time.Second
	return t
}

// newResolver resolves and fetches from any registry, with plain HTTP for
// loopback ones and creds (if any) offered to whichever registry asks.
func newResolver(creds *Credentials) remotes.Resolver {
	authOpts := []docker.AuthorizerOpt{docker.WithAuthClient(registryClient)}
	if creds != nil {
		c := *creds
		authOpts = append(authOpts, docker.WithAuthCreds(func(string) (string, string, error) {
			return c.Username, c.Password, nil
		}))
	}
	return docker.NewResolver(docker.ResolverOptions{
		Hosts: docker.ConfigureDefaultRegistries(
			docker.WithClient(registryClient),
			docker.WithPlainHTTP(docker.MatchLocalhost),
			docker.WithAuthorizer(docker.NewDockerAuthorizer(authOpts...)),
		),
		Headers: http.Header{"User-Agent": []string{"berth"}},
	})
}
