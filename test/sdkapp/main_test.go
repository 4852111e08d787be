package main

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// runAsChild makes the test binary run main when a test starts it again
// with this variable set, so each case gets a clean environment of its own
// and the real exit code.
const runAsChild = "SDKAPP_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runAsChild) == "1" {
		main()
	}
	os.Exit(m.Run())
}

const (
	accessKey = "ASIAEXAMPLEKEY000001"
	roleARN   = "arn:aws:sts::000000000000:assumed-role/app/0123456789abcdef"
)

// credsEndpoint serves one session's credentials as the ECS credentials
// endpoint does.
func credsEndpoint(t *testing.T) string {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		exp := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
		_, _ = w.Write([]byte(`{"AccessKeyId":"` + accessKey + `","SecretAccessKey":"secret","Token":"token","Expiration":"` + exp + `"}`))
	}))
	t.Cleanup(s.Close)
	return s.URL + "/v2/credentials/id"
}

// stsEndpoint answers GetCallerIdentity with roleARN when the request is
// signed with accessKey, and with InvalidClientTokenId otherwise.
func stsEndpoint(t *testing.T) string {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/xml")
		if !strings.Contains(r.Header.Get("Authorization"), "Credential="+accessKey+"/") {
			w.WriteHeader(http.StatusForbidden)
			_, _ = w.Write([]byte(`<ErrorResponse><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code>` +
				`<Message>The security token included in the request is invalid.</Message></Error><RequestId>r</RequestId></ErrorResponse>`))
			return
		}
		_, _ = w.Write([]byte(`<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>` +
			`<Arn>` + roleARN + `</Arn><UserId>AROAEXAMPLE:0123456789abcdef</UserId><Account>000000000000</Account>` +
			`</GetCallerIdentityResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></GetCallerIdentityResponse>`))
	}))
	t.Cleanup(s.Close)
	return s.URL
}

// noIMDS is an instance metadata service with no role, so the chain's
// last link finds nothing quickly (and never reaches a real IMDS when the
// tests run on a cloud instance).
func noIMDS(t *testing.T) string {
	t.Helper()
	s := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(s.Close)
	return s.URL
}

func TestRun(t *testing.T) {
	tests := []struct {
		name       string
		env        func(t *testing.T) []string
		code       int
		stdout     string
		stderrHave []string
	}{
		{
			name: "task role",
			env: func(t *testing.T) []string {
				return []string{"AWS_CONTAINER_CREDENTIALS_FULL_URI=" + credsEndpoint(t), "AWS_ENDPOINT_URL=" + stsEndpoint(t)}
			},
			code: exitOK, stdout: roleARN + "\n",
		},
		{
			name: "no credentials",
			env: func(t *testing.T) []string {
				return []string{"AWS_ENDPOINT_URL=" + stsEndpoint(t)}
			},
			code:       exitNoCredentials,
			stderrHave: []string{"sdkapp: no credentials: ", "failed to refresh cached credentials", "no EC2 IMDS role found"},
		},
		{
			name: "rejected credentials",
			env: func(t *testing.T) []string {
				return []string{"AWS_ACCESS_KEY_ID=AKIAOTHERKEY00000001", "AWS_SECRET_ACCESS_KEY=x", "AWS_ENDPOINT_URL=" + stsEndpoint(t)}
			},
			code:       exitFailed,
			stderrHave: []string{"operation error STS: GetCallerIdentity", "InvalidClientTokenId"},
		},
		{
			name: "bad configuration",
			env: func(t *testing.T) []string {
				return []string{"AWS_PROFILE=missing"}
			},
			code:       exitFailed,
			stderrHave: []string{"sdkapp: loading the AWS configuration: ", "missing"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := child(t, tc.env(t))
			if code != tc.code || stdout != tc.stdout {
				t.Fatalf("exit %d, stdout %q, stderr %q; want exit %d, stdout %q", code, stdout, stderr, tc.code, tc.stdout)
			}
			for _, s := range tc.stderrHave {
				if !strings.Contains(stderr, s) {
					t.Errorf("stderr %q, want it to contain %q", stderr, s)
				}
			}
		})
	}
}

// child runs main in a fresh process whose only AWS settings are a
// region, an empty home and config files, an IMDS with no role, and env.
// GORACE drops the race runtime's one-second sleep at exit, which a child
// that leaves idle connections behind would otherwise take.
func child(t *testing.T, env []string) (code int, stdout, stderr string) {
	t.Helper()
	home := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append([]string{
		runAsChild + "=1", "GORACE=atexit_sleep_ms=0", "HOME=" + home, "PATH=" + os.Getenv("PATH"), "AWS_REGION=us-east-1",
		"AWS_CONFIG_FILE=" + filepath.Join(home, "config"), "AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, "credentials"),
		"AWS_EC2_METADATA_SERVICE_ENDPOINT=" + noIMDS(t),
	}, env...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		code = exit.ExitCode()
	case err != nil:
		t.Fatal(err)
	}
	return code, out.String(), errOut.String()
}
