package runtime

import (
	"fmt"
	"strings"

	"github.com/distribution/reference"
)

// NormalizeRef turns an image reference into the full form containerd
// stores, as Docker does: "busybox" → "docker.io/library/busybox:latest",
// "localhost:5000/app" → "localhost:5000/app:latest"; a digest wins over a
// tag ("a:1@sha256:…" → "docker.io/library/a@sha256:…").
func NormalizeRef(ref string) (string, error) {
	named, err := reference.ParseDockerRef(ref)
	if err != nil {
		return "", fmt.Errorf("invalid image reference %q: %w", ref, err)
	}
	return named.String(), nil
}

// ociRefName makes an image name out of an OCI layout's
// org.opencontainers.image.ref.name annotation, for archives whose index
// lacks io.containerd.image.name. The annotation is often just a tag
// ("latest"), which names no repository; such entries are skipped ("").
func ociRefName(name string) string {
	if !strings.ContainsAny(name, "/:@") {
		return ""
	}
	n, err := NormalizeRef(name)
	if err != nil {
		return ""
	}
	return n
}
