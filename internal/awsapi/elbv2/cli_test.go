package elbv2

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/awsapi/gateway"
	"github.com/berth-dev/berth/internal/awsapi/protocol"
)

// anyone authenticates every request as testAccount's root, in the
// region its signature names.
type anyone struct{}

func (anyone) Authenticate(_ context.Context, r *http.Request, _ []byte, _ protocol.Wire) (protocol.Principal, string, *protocol.Error) {
	_, cred, _ := strings.Cut(r.Header.Get("Authorization"), "Credential=")
	parts := strings.Split(strings.Split(cred, ",")[0], "/")
	if len(parts) != 5 {
		return protocol.Principal{}, "", protocol.Errorf("MissingAuthenticationToken", http.StatusForbidden, "no credential scope")
	}
	return protocol.Principal{AccountID: testAccount, ARN: "arn:aws:iam::" + testAccount + ":root", Root: true}, parts[2], nil
}

type allowAll struct{}

func (allowAll) Authorize(context.Context, protocol.Principal, string, string) error { return nil }

// TestBotocoreFlow drives the API over HTTP with botocore, as the aws CLI
// would: the gateway decodes what botocore serialises, and botocore parses
// the answers and errors, waiter and paginator included.
func TestBotocoreFlow(t *testing.T) {
	if err := exec.Command("python3", "-c", "import botocore").Run(); err != nil {
		t.Skipf("python3 with botocore not available: %v", err)
	}
	e := newEnv(t)
	// Ten times faster than real time, so the waiter sees provisioning
	// turn active within a poll or two.
	start := time.Now()
	e.now = func() time.Time { return start.Add(10 * time.Since(start)) }
	gw := gateway.New(anyone{}, allowAll{}, slog.New(slog.NewTextHandler(io.Discard, nil)), e.Service.Service())
	srv := httptest.NewServer(gw)
	t.Cleanup(srv.Close)

	cmd := exec.Command("python3", filepath.Join("testdata", "cli_flow.py"))
	cmd.Env = append(cmd.Environ(), "ENDPOINT="+srv.URL, "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.Output()
	if err != nil {
		t.Fatalf("cli_flow.py: %v\n%s", err, stderr.String())
	}
	var out struct {
		Created  map[string]any
		Listener struct{ DefaultActions []map[string]any }
		Rule     map[string]any
		Health   []struct {
			Target          map[string]any
			HealthCheckPort string
			TargetHealth    map[string]string
		}
		LBs   []struct{ State struct{ Code string } }
		Paged []string
		TGs   []struct{ LoadBalancerArns []string }
		Rules []struct {
			Priority  string
			IsDefault bool
		}
		Attributes  []struct{ Key, Value string }
		Tags        []struct{ Tags []struct{ Key, Value string } }
		Errors      map[string]*struct{ Type, Code, Message string }
		AfterDelete []string `json:"after_delete"`
	}
	if err := json.Unmarshal(stdout, &out); err != nil {
		t.Fatalf("%v: %s", err, stdout)
	}
	if s, _ := out.Created["State"].(map[string]any); s["Code"] != "provisioning" || out.Created["DNSName"] == "" {
		t.Errorf("created %v", out.Created)
	}
	if zones, _ := out.Created["AvailabilityZones"].([]any); len(zones) != 2 {
		t.Errorf("zones %v", out.Created["AvailabilityZones"])
	} else if z := zones[0].(map[string]any); z["LoadBalancerAddresses"] == nil {
		t.Errorf("zone %v lacks its empty LoadBalancerAddresses", z)
	}
	if fc, _ := out.Listener.DefaultActions[0]["ForwardConfig"].(map[string]any); fc == nil || fc["TargetGroupStickinessConfig"] == nil {
		t.Errorf("listener actions %v", out.Listener.DefaultActions)
	}
	if out.Rule["Priority"] != "10" || out.Rule["IsDefault"] != false {
		t.Errorf("rule %v", out.Rule)
	}
	if len(out.Health) != 2 || out.Health[0].TargetHealth["State"] != "initial" || out.Health[0].HealthCheckPort != "8080" ||
		out.Health[1].TargetHealth["State"] != "draining" || out.Health[1].Target["AvailabilityZone"] != "us-east-1b" {
		t.Errorf("health %+v", out.Health)
	}
	if len(out.LBs) != 1 || out.LBs[0].State.Code != "active" {
		t.Errorf("after the waiter: %+v", out.LBs)
	}
	if strings.Join(out.Paged, ",") != "web,web2" {
		t.Errorf("paginated %v", out.Paged)
	}
	if len(out.TGs) != 1 || len(out.TGs[0].LoadBalancerArns) != 1 {
		t.Errorf("target groups %+v", out.TGs)
	}
	if len(out.Rules) != 2 || out.Rules[0].Priority != "10" || !out.Rules[1].IsDefault {
		t.Errorf("rules %+v", out.Rules)
	}
	idle := ""
	for _, a := range out.Attributes {
		if a.Key == "idle_timeout.timeout_seconds" {
			idle = a.Value
		}
	}
	if idle != "120" {
		t.Errorf("attributes %+v", out.Attributes)
	}
	if len(out.Tags) != 1 || len(out.Tags[0].Tags) != 1 || out.Tags[0].Tags[0].Key != "env" {
		t.Errorf("tags %+v", out.Tags)
	}
	for name, code := range map[string]string{"in_use": "ResourceInUse", "bad_name": "ValidationError",
		"not_found": "LoadBalancerNotFound", "duplicate_listener": "DuplicateListener"} {
		if e := out.Errors[name]; e == nil || e.Code != code || e.Type != "Sender" || e.Message == "" {
			t.Errorf("%s: %+v, want %s", name, e, code)
		}
	}
	if strings.Join(out.AfterDelete, ",") != "web2" {
		t.Errorf("after delete %v", out.AfterDelete)
	}
}
