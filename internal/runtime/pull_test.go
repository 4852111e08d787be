package runtime

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestPullUnreachableRegistry(t *testing.T) {
	e := newTestEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	start := time.Now()
	_, err := e.rt.Pull(ctx, "127.0.0.1:1/nothing/here:1", nil)
	var pe *PullError
	if !errors.As(err, &pe) {
		t.Fatalf("Pull = %v, want a *PullError", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("took %s", took)
	}
	if pe.Ref != "127.0.0.1:1/nothing/here:1" || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("error = %q", err)
	}
	t.Logf("CannotPullContainerError: %v", err)

	if _, err := e.rt.Pull(ctx, "Bad//Ref", nil); !errors.As(err, &pe) {
		t.Errorf("Pull of a bad reference = %v, want a *PullError", err)
	}
}

// TestPullFromLoopbackRegistry pulls the test image over plain HTTP from a
// minimal registry on 127.0.0.1 that wants basic auth.
func TestPullFromLoopbackRegistry(t *testing.T) {
	e := newTestEnv(t)
	img, err := buildTestImage()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(testRegistry(img, "user", "secret"))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	got, err := e.rt.Pull(ctx, host+"/team/app:v1", &Credentials{Username: "user", Password: "secret"})
	if err != nil {
		t.Fatalf("Pull: %v", err)
	}
	if got.Name != host+"/team/app:v1" || got.Digest != img.manifestDigest || got.Config.Cmd[0] != "echo default" {
		t.Errorf("pulled %+v", got)
	}
	// Pulled images run (they were unpacked).
	spec := e.spec("pulled", "true")
	spec.Image = host + "/team/app:v1"
	if st := exit(t, e.run(spec), waitLimit); st.Code != 0 {
		t.Errorf("exit %d", st.Code)
	}

	_, err = e.rt.Pull(ctx, host+"/team/app:v1", &Credentials{Username: "user", Password: "wrong"})
	if err == nil || errors.Is(err, ErrImageNotFound) {
		t.Errorf("Pull with bad credentials = %v", err)
	}
	_, err = e.rt.Pull(ctx, host+"/team/app:missing", &Credentials{Username: "user", Password: "secret"})
	if !errors.Is(err, ErrImageNotFound) {
		t.Errorf("Pull of a missing tag = %v, want ErrImageNotFound", err)
	}
	t.Logf("CannotPullContainerError: %v", err)
}

// testRegistry serves img under any repository as tag v1, the
// distribution API's read side only.
func testRegistry(img *testImage, user, pass string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != user || p != pass {
			w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
			http.Error(w, `{"errors":[{"code":"UNAUTHORIZED"}]}`, http.StatusUnauthorized)
			return
		}
		path := r.URL.Path
		switch {
		case path == "/v2/" || path == "/v2":
			w.WriteHeader(http.StatusOK)
		case strings.Contains(path, "/manifests/"):
			ref := path[strings.LastIndex(path, "/")+1:]
			if ref != "v1" && ref != img.manifestDigest {
				http.Error(w, `{"errors":[{"code":"MANIFEST_UNKNOWN"}]}`, http.StatusNotFound)
				return
			}
			serveBlob(w, r, "application/vnd.oci.image.manifest.v1+json", img.manifestDigest, img.manifest)
		case strings.Contains(path, "/blobs/"):
			dgst := path[strings.LastIndex(path, "/")+1:]
			b, ok := img.blob(dgst)
			if !ok {
				http.Error(w, `{"errors":[{"code":"BLOB_UNKNOWN"}]}`, http.StatusNotFound)
				return
			}
			serveBlob(w, r, "application/octet-stream", dgst, b)
		default:
			http.NotFound(w, r)
		}
	})
}

func serveBlob(w http.ResponseWriter, r *http.Request, mediaType, dgst string, b []byte) {
	w.Header().Set("Content-Type", mediaType)
	w.Header().Set("Docker-Content-Digest", dgst)
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	if r.Method != http.MethodHead {
		_, _ = w.Write(b)
	}
}
