package ecstypes

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/awsapi/shape"
)

// registerInput is a RegisterTaskDefinition request as the aws CLI sends it
// for a typical Fargate task definition (after the AWS documentation's
// examples): two containers, one depending on the other's health.
const registerInput = `{
  "family": "web-app",
  "taskRoleArn": "arn:aws:iam::123456789012:role/app",
  "executionRoleArn": "arn:aws:iam::123456789012:role/ecsTaskExecutionRole",
  "networkMode": "awsvpc",
  "requiresCompatibilities": ["FARGATE"],
  "cpu": "512",
  "memory": "1024",
  "runtimePlatform": {"cpuArchitecture": "X86_64", "operatingSystemFamily": "LINUX"},
  "ephemeralStorage": {"sizeInGiB": 30},
  "volumes": [{"name": "shared"}],
  "containerDefinitions": [
    {
      "name": "web",
      "image": "public.ecr.aws/nginx/nginx:latest",
      "essential": true,
      "portMappings": [{"containerPort": 80, "hostPort": 80, "protocol": "tcp", "name": "http", "appProtocol": "http"}],
      "environment": [{"name": "MODE", "value": "production"}, {"name": "PORT", "value": "80"}],
      "mountPoints": [{"sourceVolume": "shared", "containerPath": "/usr/share/nginx/html", "readOnly": true}],
      "dependsOn": [{"containerName": "init", "condition": "HEALTHY"}],
      "logConfiguration": {
        "logDriver": "awslogs",
        "options": {"awslogs-group": "/ecs/web-app", "awslogs-region": "us-east-1", "awslogs-stream-prefix": "web"}
      },
      "healthCheck": {"command": ["CMD-SHELL", "curl -f http://localhost/ || exit 1"], "interval": 30, "timeout": 5, "retries": 3, "startPeriod": 10}
    },
    {
      "name": "init",
      "image": "busybox",
      "cpu": 128,
      "memoryReservation": 64,
      "essential": false,
      "command": ["sh", "-c", "echo hello > /data/index.html"],
      "mountPoints": [{"sourceVolume": "shared", "containerPath": "/data"}],
      "healthCheck": {"command": ["CMD", "true"]}
    }
  ],
  "tags": [{"key": "team", "value": "platform"}]
}`

func TestRegisterTaskDefinitionRoundTrip(t *testing.T) {
	var req RegisterTaskDefinitionRequest
	dec := json.NewDecoder(strings.NewReader(registerInput))
	dec.DisallowUnknownFields() // every field of the sample is in the model
	if err := dec.Decode(&req); err != nil {
		t.Fatal(err)
	}
	if req.Family != "web-app" || req.NetworkMode != NetworkModeAwsvpc || req.Cpu != "512" || req.Memory != "1024" {
		t.Errorf("task-level fields: %+v", req)
	}
	if len(req.RequiresCompatibilities) != 1 || req.RequiresCompatibilities[0] != CompatibilityFargate {
		t.Errorf("requiresCompatibilities %v", req.RequiresCompatibilities)
	}
	if req.EphemeralStorage == nil || req.EphemeralStorage.SizeInGiB != 30 {
		t.Errorf("ephemeralStorage %+v", req.EphemeralStorage)
	}
	if req.RuntimePlatform == nil || req.RuntimePlatform.CpuArchitecture != CPUArchitectureX8664 {
		t.Errorf("runtimePlatform %+v", req.RuntimePlatform)
	}
	if len(req.ContainerDefinitions) != 2 {
		t.Fatalf("%d containers", len(req.ContainerDefinitions))
	}
	web, init := req.ContainerDefinitions[0], req.ContainerDefinitions[1]
	if web.Essential == nil || !*web.Essential || init.Essential == nil || *init.Essential {
		t.Errorf("essential: web %v, init %v", web.Essential, init.Essential)
	}
	if pm := web.PortMappings; len(pm) != 1 || pm[0].ContainerPort == nil || *pm[0].ContainerPort != 80 ||
		pm[0].Protocol != TransportProtocolTcp || pm[0].AppProtocol != ApplicationProtocolHttp {
		t.Errorf("portMappings %+v", pm)
	}
	if len(web.Environment) != 2 || web.Environment[0].Name != "MODE" || web.Environment[1].Value != "80" {
		t.Errorf("environment %+v", web.Environment)
	}
	if lc := web.LogConfiguration; lc == nil || lc.LogDriver != LogDriverAwslogs || lc.Options["awslogs-group"] != "/ecs/web-app" {
		t.Errorf("logConfiguration %+v", lc)
	}
	if d := web.DependsOn; len(d) != 1 || d[0].ContainerName != "init" || d[0].Condition != ContainerConditionHealthy {
		t.Errorf("dependsOn %+v", d)
	}
	if hc := web.HealthCheck; hc == nil || len(hc.Command) != 2 || hc.Interval == nil || *hc.Interval != 30 || *hc.StartPeriod != 10 {
		t.Errorf("healthCheck %+v", hc)
	}
	if hc := init.HealthCheck; hc.Interval != nil || hc.Retries != nil {
		t.Errorf("unset boxed healthCheck members decoded as set: %+v", hc)
	}
	if web.Cpu != 0 || init.Cpu != 128 || init.MemoryReservation == nil || *init.MemoryReservation != 64 || init.Memory != nil {
		t.Errorf("cpu/memory: web %d, init %d %v %v", web.Cpu, init.Cpu, init.MemoryReservation, init.Memory)
	}

	// Build the TaskDefinition the server would store and describe.
	td := TaskDefinition{
		TaskDefinitionArn:       "arn:aws:ecs:us-east-1:123456789012:task-definition/web-app:1",
		Family:                  req.Family,
		Revision:                1,
		TaskRoleArn:             req.TaskRoleArn,
		ExecutionRoleArn:        req.ExecutionRoleArn,
		NetworkMode:             req.NetworkMode,
		ContainerDefinitions:    req.ContainerDefinitions,
		Volumes:                 req.Volumes,
		Status:                  TaskDefinitionStatusActive,
		RequiresCompatibilities: req.RequiresCompatibilities,
		Compatibilities:         []string{CompatibilityEc2, CompatibilityFargate},
		Cpu:                     req.Cpu,
		Memory:                  req.Memory,
		EphemeralStorage:        req.EphemeralStorage,
		RuntimePlatform:         req.RuntimePlatform,
		PlacementConstraints:    []TaskDefinitionPlacementConstraint{}, // AWS answers [] here
		RegisteredAt:            shape.NewTime(time.Unix(1700000000, 123e6)),
		RegisteredBy:            "arn:aws:iam::123456789012:root",
	}
	td.ContainerDefinitions[1].Environment = []KeyValuePair{} // as AWS returns for a container without one
	b, err := json.Marshal(td)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	checks := map[string]any{
		"family":               "web-app",
		"revision":             float64(1),
		"status":               "ACTIVE",
		"networkMode":          "awsvpc",
		"cpu":                  "512",
		"registeredAt":         1700000000.123,
		"placementConstraints": []any{},
	}
	for k, want := range checks {
		if gs, ws := jsonString(t, got[k]), jsonString(t, want); gs != ws {
			t.Errorf("%s = %s, want %s", k, gs, ws)
		}
	}
	if !strings.Contains(string(b), `"registeredAt":1700000000.123`) {
		t.Errorf("registeredAt not epoch seconds with milliseconds: %s", b)
	}
	for _, absent := range []string{"deregisteredAt", "pidMode", "ipcMode", "proxyConfiguration", "inferenceAccelerators", "requiresAttributes", "enableFaultInjection"} {
		if _, ok := got[absent]; ok {
			t.Errorf("unset optional %s present: %v", absent, got[absent])
		}
	}

	containers := got["containerDefinitions"].([]any)
	web0 := containers[0].(map[string]any)
	init1 := containers[1].(map[string]any)
	// cpu is a non-boxed Integer in the model: AWS always sends it, 0 when unset.
	if cpu, ok := web0["cpu"]; !ok || cpu != float64(0) {
		t.Errorf("web cpu = %v (present %v), want 0", cpu, ok)
	}
	if init1["cpu"] != float64(128) {
		t.Errorf("init cpu = %v", init1["cpu"])
	}
	for _, absent := range []string{"memory", "memoryReservation", "links", "command", "user", "linuxParameters", "startTimeout", "privileged"} {
		if _, ok := web0[absent]; ok {
			t.Errorf("web: unset optional %s present: %v", absent, web0[absent])
		}
	}
	if env, ok := init1["environment"].([]any); !ok || len(env) != 0 {
		t.Errorf("init environment = %#v, want []", init1["environment"])
	}
	if _, ok := web0["environment"].([]any); !ok {
		t.Errorf("web environment missing")
	}
	if got := jsonString(t, web0["healthCheck"]); got != `{"command":["CMD-SHELL","curl -f http://localhost/ || exit 1"],"interval":30,"retries":3,"startPeriod":10,"timeout":5}` {
		t.Errorf("healthCheck %s", got)
	}
	if got := jsonString(t, init1["healthCheck"]); got != `{"command":["CMD","true"]}` {
		t.Errorf("init healthCheck %s", got)
	}
	if got := jsonString(t, got["ephemeralStorage"]); got != `{"sizeInGiB":30}` {
		t.Errorf("ephemeralStorage %s", got)
	}
}

func jsonString(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestServiceMetadata(t *testing.T) {
	if TargetPrefix != "AmazonEC2ContainerServiceV20141113" || SigningName != "ecs" || Protocol != "json" || JSONVersion != "1.1" {
		t.Errorf("metadata %s %s %s %s", TargetPrefix, SigningName, Protocol, JSONVersion)
	}
	var found bool
	for _, op := range Operations {
		if op.Name == "RegisterTaskDefinition" {
			found = op.Input == "RegisterTaskDefinitionRequest" && op.Output == "RegisterTaskDefinitionResponse"
		}
	}
	if !found || len(Operations) < 60 {
		t.Errorf("%d operations; RegisterTaskDefinition found %v", len(Operations), found)
	}
	if ErrorStatus[ErrServerException] != 500 || ErrorStatus[ErrClientException] != 400 {
		t.Errorf("error status %v", ErrorStatus)
	}
	if RegisterTaskDefinitionRequestRequired[0] != "family" {
		t.Errorf("required %v", RegisterTaskDefinitionRequestRequired)
	}
}
