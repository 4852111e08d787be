package apitest

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"

	"github.com/berth-dev/berth/internal/testutil"
)

// TestRestartPersistence runs its own server: state and the root key
// survive a restart, and the fixed-key variables are honoured at first
// start.
func TestRestartPersistence(t *testing.T) {
	s := testutil.StartServer(t,
		"BERTH_ROOT_ACCESS_KEY_ID=AKIAFIXEDKEY0000TEST",
		"BERTH_ROOT_SECRET_ACCESS_KEY=fixed-secret-for-tests")
	if s.KeyID != "AKIAFIXEDKEY0000TEST" || s.Secret != "fixed-secret-for-tests" {
		t.Fatalf("root key %s/%s not the one fixed by the environment", s.KeyID, s.Secret)
	}
	c := ecs.NewFromConfig(s.AWSConfig(""))
	must[*ecs.CreateClusterOutput](t)(c.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String("durable")}))
	must[*ecs.RegisterTaskDefinitionOutput](t)(c.RegisterTaskDefinition(ctx, fargateTaskDef("durable")))

	if err := s.Restart(); err != nil {
		t.Fatal(err)
	}
	c = ecs.NewFromConfig(s.AWSConfig(""))
	desc := must[*ecs.DescribeClustersOutput](t)(c.DescribeClusters(ctx, &ecs.DescribeClustersInput{Clusters: []string{"durable"}}))
	if len(desc.Clusters) != 1 || aws.ToString(desc.Clusters[0].Status) != "ACTIVE" {
		t.Fatalf("after restart: %+v", desc)
	}
	td := must[*ecs.RegisterTaskDefinitionOutput](t)(c.RegisterTaskDefinition(ctx, fargateTaskDef("durable")))
	if td.TaskDefinition.Revision != 2 {
		t.Fatalf("revision after restart %d, want 2", td.TaskDefinition.Revision)
	}

	out, err := exec.Command(s.Bin, "credentials", "--data-dir", s.DataDir).Output()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "AWS_ACCESS_KEY_ID=AKIAFIXEDKEY0000TEST") || !strings.Contains(string(out), "AWS_ENDPOINT_URL="+s.Endpoint) {
		t.Fatalf("berth credentials: %s", out)
	}

	out, err = exec.Command(s.Bin, "reset", "--data-dir", s.DataDir).CombinedOutput()
	if err != nil {
		t.Fatalf("berth reset: %v: %s", err, out)
	}
	list := must[*ecs.ListClustersOutput](t)(c.ListClusters(ctx, &ecs.ListClustersInput{}))
	if len(list.ClusterArns) != 0 {
		t.Fatalf("after reset: %v", list.ClusterArns)
	}
}
