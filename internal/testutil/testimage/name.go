package testimage

import (
	"fmt"
	"regexp"
	"strings"
)

// ref is an image name split the way containerd and Docker read it.
type ref struct {
	Full     string // "docker.io/berth-test/app:latest": containerd's image name
	Familiar string // "berth-test/app:latest": Docker's RepoTags form
	Tag      string // "latest": the OCI ref.name
}

var (
	pathComponent = regexp.MustCompile(`^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$`)
	tagPattern    = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`)
	domainPattern = regexp.MustCompile(`^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*(?::[0-9]+)?$`)
)

// parseName normalizes a name[:tag] as Docker does: no domain means
// docker.io, a single path component on docker.io gets "library/", and no
// tag means "latest". Digests are not accepted: a built image has none yet.
func parseName(name string) (ref, error) {
	if strings.Contains(name, "@") {
		return ref{}, fmt.Errorf("image name %q: digests are not supported", name)
	}
	repo, tag := name, "latest"
	if i := strings.LastIndex(name, ":"); i > strings.LastIndex(name, "/") {
		repo, tag = name[:i], name[i+1:]
	}
	if !tagPattern.MatchString(tag) {
		return ref{}, fmt.Errorf("image name %q: invalid tag %q", name, tag)
	}
	domain, path := "docker.io", repo
	if i := strings.Index(repo, "/"); i >= 0 {
		first := repo[:i]
		if strings.ContainsAny(first, ".:") || first == "localhost" {
			domain, path = first, repo[i+1:]
		}
	}
	if !domainPattern.MatchString(domain) {
		return ref{}, fmt.Errorf("image name %q: invalid registry %q", name, domain)
	}
	if domain == "docker.io" && !strings.Contains(path, "/") {
		path = "library/" + path
	}
	for _, c := range strings.Split(path, "/") {
		if !pathComponent.MatchString(c) {
			return ref{}, fmt.Errorf("image name %q: invalid path component %q (lower case letters, digits and separators only)", name, c)
		}
	}
	familiar := domain + "/" + path
	if domain == "docker.io" {
		familiar = strings.TrimPrefix(path, "library/")
	}
	return ref{
		Full:     domain + "/" + path + ":" + tag,
		Familiar: familiar + ":" + tag,
		Tag:      tag,
	}, nil
}
