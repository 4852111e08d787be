package ecs

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/berth-dev/berth/internal/awsapi/ecs/ecstypes"
)

// go test ./internal/awsapi/ecs/ -run TestNewTaskDefinition -update
// rewrites the golden file. The flag is shared with any other golden test
// of the package, whichever registers it first.
func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite golden files under testdata")
	}
}

func updateGolden() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestNewTaskDefinition compares normalized task definitions, as
// RegisterTaskDefinition returns them, with testdata's golden JSON.
func TestNewTaskDefinition(t *testing.T) {
	cases := map[string]*ecstypes.RegisterTaskDefinitionRequest{}

	// The base Fargate definition written with units, a port mapping
	// without protocol and a health check with only an interval.
	fargate := baseTaskDef()
	fargate.Cpu, fargate.Memory = "0.5 vCPU", "1 GB"
	web(fargate).PortMappings[0].Protocol = ""
	web(fargate).Image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1"
	cases["fargate"] = fargate

	// A minimal Fargate definition: no lists at all.
	minimal := &ecstypes.RegisterTaskDefinitionRequest{
		Family:                  "minimal",
		NetworkMode:             "awsvpc",
		RequiresCompatibilities: []string{"FARGATE"},
		Cpu:                     "256",
		Memory:                  "512",
		ContainerDefinitions:    []ecstypes.ContainerDefinition{{Name: "app", Image: "busybox"}},
	}
	cases["fargateMinimal"] = minimal

	// An EC2 bridge definition: dynamic host ports, no task size.
	bridge := &ecstypes.RegisterTaskDefinitionRequest{
		Family: "legacy",
		ContainerDefinitions: []ecstypes.ContainerDefinition{{
			Name:         "app",
			Image:        "nginx",
			Memory:       new(int32(128)),
			PortMappings: []ecstypes.PortMapping{{ContainerPort: new(int32(80))}, {ContainerPort: new(int32(53)), HostPort: new(int32(53)), Protocol: "udp"}},
		}},
	}
	cases["ec2Bridge"] = bridge

	got := map[string]*ecstypes.TaskDefinition{}
	for name, in := range cases {
		if err := validateTaskDefinition(in); err != nil {
			t.Fatalf("%s: invalid request: %v", name, err)
		}
		got[name] = newTaskDefinition(in)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(got); err != nil {
		t.Fatal(err)
	}
	out := buf.Bytes()
	path := filepath.Join("testdata", "taskdef_normalized.golden.json")
	if updateGolden() {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, out, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(out, want) {
		t.Errorf("normalized task definitions differ from %s (run with -update after checking):\n%s", path, out)
	}
}

func TestNewTaskDefinitionLeavesInputAlone(t *testing.T) {
	in := baseTaskDef()
	in.ContainerDefinitions[1].PortMappings = []ecstypes.PortMapping{{ContainerPort: new(int32(8080))}}
	before := mustJSON(t, in)
	td := newTaskDefinition(in)
	if after := mustJSON(t, in); after != before {
		t.Errorf("request changed:\n got %s\nwant %s", after, before)
	}
	// Writing through the result must not reach the request either.
	*td.ContainerDefinitions[1].PortMappings[0].HostPort = 1
	*td.ContainerDefinitions[1].HealthCheck.Retries = 9
	if after := mustJSON(t, in); after != before {
		t.Errorf("result aliases the request:\n got %s\nwant %s", after, before)
	}
}

func TestTaskDefCompatibilities(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(in *ecstypes.RegisterTaskDefinitionRequest)
		want   []string
	}{
		{"fargate awsvpc", func(*ecstypes.RegisterTaskDefinitionRequest) {}, []string{"EC2", "MANAGED_INSTANCES", "FARGATE"}},
		{"awsvpc without fargate size", func(in *ecstypes.RegisterTaskDefinitionRequest) {
			in.RequiresCompatibilities = []string{"EC2"}
			in.Cpu = ""
		}, []string{"EC2", "MANAGED_INSTANCES"}},
		{"awsvpc privileged", func(in *ecstypes.RegisterTaskDefinitionRequest) {
			in.RequiresCompatibilities = nil
			web(in).Privileged = new(true)
		}, []string{"EC2", "MANAGED_INSTANCES"}},
		{"bridge", func(in *ecstypes.RegisterTaskDefinitionRequest) {
			in.RequiresCompatibilities = nil
			in.NetworkMode = "bridge"
		}, []string{"EXTERNAL", "EC2"}},
		{"host", func(in *ecstypes.RegisterTaskDefinitionRequest) {
			in.RequiresCompatibilities = nil
			in.NetworkMode = "host"
		}, []string{"EXTERNAL", "EC2", "MANAGED_INSTANCES"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := baseTaskDef()
			tt.mutate(in)
			if err := validateTaskDefinition(in); err != nil {
				t.Fatal(err)
			}
			if got := newTaskDefinition(in).Compatibilities; !slices.Equal(got, tt.want) {
				t.Errorf("compatibilities %v, want %v", got, tt.want)
			}
		})
	}
}

func TestTaskDefRequiresAttributes(t *testing.T) {
	names := func(in *ecstypes.RegisterTaskDefinitionRequest) []string {
		var out []string
		for _, a := range requiresAttributes(in) {
			out = append(out, a.Name)
		}
		return out
	}
	in := baseTaskDef()
	web(in).Image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1"
	want := []string{
		"com.amazonaws.ecs.capability.logging-driver.awslogs",
		"ecs.capability.execution-role-awslogs",
		"com.amazonaws.ecs.capability.ecr-auth",
		"com.amazonaws.ecs.capability.docker-remote-api.1.19",
		"com.amazonaws.ecs.capability.docker-remote-api.1.24",
		"com.amazonaws.ecs.capability.task-iam-role",
		"ecs.capability.container-health-check",
		"ecs.capability.container-ordering",
		"ecs.capability.execution-role-ecr-pull",
		"ecs.capability.secrets.ssm.environment-variables",
		"com.amazonaws.ecs.capability.docker-remote-api.1.18",
		"ecs.capability.task-eni",
	}
	if got := names(in); !slices.Equal(got, want) {
		t.Errorf("attributes\n got %q\nwant %q", got, want)
	}

	bare := &ecstypes.RegisterTaskDefinitionRequest{
		Family:               "bare",
		ContainerDefinitions: []ecstypes.ContainerDefinition{{Name: "app", Image: "nginx", Memory: new(int32(64))}},
	}
	if got := names(bare); len(got) != 0 {
		t.Errorf("bridge definition without features needs %q, want none", got)
	}
}
