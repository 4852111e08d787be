package apitest

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// TestServiceAPI: CreateService's checks give ECS's errors and create
// nothing; a good service is described with ECS's defaults, listed,
// updated (a new task definition makes a new PRIMARY deployment) and
// deleted (only at zero unless forced). This server runs no agent, so the
// services here are scaled to zero; test/tasktest runs them for real.
func TestServiceAPI(t *testing.T) {
	c, region := ecsClient(t)
	must[*ecs.CreateClusterOutput](t)(c.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String("svc")}))
	td := fargateTaskDef("svcapp")
	td.ExecutionRoleArn = aws.String(ecsTaskRole(t, "svcexec"))
	must[*ecs.RegisterTaskDefinitionOutput](t)(c.RegisterTaskDefinition(ctx, td))
	must[*ecs.RegisterTaskDefinitionOutput](t)(c.RegisterTaskDefinition(ctx, td))
	e := ec2.NewFromConfig(srv.AWSConfig(region))
	subnet := aws.ToString(must[*ec2.DescribeSubnetsOutput](t)(e.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{})).Subnets[0].SubnetId)
	netConf := &types.NetworkConfiguration{AwsvpcConfiguration: &types.AwsVpcConfiguration{Subnets: []string{subnet}}}
	base := func() *ecs.CreateServiceInput {
		return &ecs.CreateServiceInput{Cluster: aws.String("svc"), ServiceName: aws.String("web"), TaskDefinition: aws.String("svcapp:1"),
			DesiredCount: aws.Int32(0), LaunchType: types.LaunchTypeFargate, NetworkConfiguration: netConf}
	}
	cases := []struct {
		name   string
		mutate func(*ecs.CreateServiceInput)
		code   string
		msg    string
	}{
		{"unknown cluster", func(in *ecs.CreateServiceInput) { in.Cluster = aws.String("nope") }, "ClusterNotFoundException", "Cluster not found"},
		{"bad name", func(in *ecs.CreateServiceInput) { in.ServiceName = aws.String("no spaces") }, "InvalidParameterException", "Service name can only contain"},
		{"unknown task definition", func(in *ecs.CreateServiceInput) { in.TaskDefinition = aws.String("nope") }, "InvalidParameterException", "TaskDefinition not found"},
		{"negative count", func(in *ecs.CreateServiceInput) { in.DesiredCount = aws.Int32(-1) }, "InvalidParameterException", "desiredCount"},
		{"no network", func(in *ecs.CreateServiceInput) { in.NetworkConfiguration = nil }, "InvalidParameterException", "Network Configuration must be provided"},
		{"daemon", func(in *ecs.CreateServiceInput) { in.SchedulingStrategy = types.SchedulingStrategyDaemon }, "InvalidParameterException", "DAEMON"},
		{"minimum over 100", func(in *ecs.CreateServiceInput) {
			in.DeploymentConfiguration = &types.DeploymentConfiguration{MinimumHealthyPercent: aws.Int32(101)}
		}, "InvalidParameterException", "minimumHealthyPercent"},
		{"maximum under 100", func(in *ecs.CreateServiceInput) {
			in.DeploymentConfiguration = &types.DeploymentConfiguration{MaximumPercent: aws.Int32(50)}
		}, "InvalidParameterException", "maximumPercent"},
		{"container port not in the task definition", func(in *ecs.CreateServiceInput) {
			in.LoadBalancers = []types.LoadBalancer{{TargetGroupArn: aws.String("arn:aws:elasticloadbalancing:" + region + ":000000000000:targetgroup/tg/0123456789abcdef"),
				ContainerName: aws.String("web"), ContainerPort: aws.Int32(8080)}}
		}, "InvalidParameterException", "did not have a container port 8080"},
		{"bad propagateTags", func(in *ecs.CreateServiceInput) { in.PropagateTags = "EVERYTHING" }, "InvalidParameterException", "propagateTags"},
	}
	for _, tc := range cases {
		in := base()
		tc.mutate(in)
		_, err := c.CreateService(ctx, in)
		wantAPIError(t, err, tc.code, tc.msg)
	}
	if got := must[*ecs.ListServicesOutput](t)(c.ListServices(ctx, &ecs.ListServicesInput{Cluster: aws.String("svc")})).ServiceArns; len(got) != 0 {
		t.Fatalf("refused creates made services: %v", got)
	}

	in := base()
	in.Tags = []types.Tag{{Key: aws.String("team"), Value: aws.String("web")}}
	in.ClientToken = aws.String("token-1")
	svc := must[*ecs.CreateServiceOutput](t)(c.CreateService(ctx, in)).Service
	if aws.ToString(svc.Status) != "ACTIVE" || svc.SchedulingStrategy != types.SchedulingStrategyReplica ||
		aws.ToInt32(svc.DeploymentConfiguration.MaximumPercent) != 200 || aws.ToInt32(svc.DeploymentConfiguration.MinimumHealthyPercent) != 100 ||
		svc.DeploymentConfiguration.DeploymentCircuitBreaker == nil || len(svc.Deployments) != 1 ||
		aws.ToString(svc.Deployments[0].Status) != "PRIMARY" || !strings.HasPrefix(aws.ToString(svc.Deployments[0].Id), "ecs-svc/") ||
		!strings.HasSuffix(aws.ToString(svc.ServiceArn), ":service/svc/web") {
		t.Fatalf("created service: %+v", svc)
	}
	// The same request with the same client token is idempotent; without
	// it ECS refuses.
	again := must[*ecs.CreateServiceOutput](t)(c.CreateService(ctx, in)).Service
	if aws.ToString(again.ServiceArn) != aws.ToString(svc.ServiceArn) {
		t.Fatalf("idempotent create gave %s", aws.ToString(again.ServiceArn))
	}
	_, err := c.CreateService(ctx, base())
	wantAPIError(t, err, "InvalidParameterException", "Creation of service was not idempotent")

	desc := must[*ecs.DescribeServicesOutput](t)(c.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String("svc"),
		Services: []string{"web", "ghost"}, Include: []types.ServiceField{types.ServiceFieldTags}}))
	if len(desc.Services) != 1 || len(desc.Services[0].Tags) != 1 || len(desc.Failures) != 1 || aws.ToString(desc.Failures[0].Reason) != "MISSING" {
		t.Fatalf("describe: %+v", desc)
	}
	clusters := must[*ecs.DescribeClustersOutput](t)(c.DescribeClusters(ctx, &ecs.DescribeClustersInput{Clusters: []string{"svc"}}))
	if clusters.Clusters[0].ActiveServicesCount != 1 {
		t.Fatalf("activeServicesCount %d", clusters.Clusters[0].ActiveServicesCount)
	}
	_, err = c.DeleteCluster(ctx, &ecs.DeleteClusterInput{Cluster: aws.String("svc")})
	wantAPIError(t, err, "ClusterContainsServicesException", "")

	// Updates: a bad one changes nothing; a new revision is a new deployment.
	_, err = c.UpdateService(ctx, &ecs.UpdateServiceInput{Cluster: aws.String("svc"), Service: aws.String("ghost"), DesiredCount: aws.Int32(1)})
	wantAPIError(t, err, "ServiceNotFoundException", "Service not found")
	_, err = c.UpdateService(ctx, &ecs.UpdateServiceInput{Cluster: aws.String("svc"), Service: aws.String("web"), TaskDefinition: aws.String("nope")})
	wantAPIError(t, err, "InvalidParameterException", "TaskDefinition not found")
	up := must[*ecs.UpdateServiceOutput](t)(c.UpdateService(ctx, &ecs.UpdateServiceInput{Cluster: aws.String("svc"), Service: aws.String("web"),
		TaskDefinition: aws.String("svcapp:2")})).Service
	if len(up.Deployments) != 2 || aws.ToString(up.Deployments[0].Status) != "PRIMARY" || !strings.HasSuffix(aws.ToString(up.Deployments[0].TaskDefinition), "svcapp:2") ||
		aws.ToString(up.Deployments[1].Status) != "ACTIVE" || !strings.HasSuffix(aws.ToString(up.TaskDefinition), "svcapp:2") {
		t.Fatalf("update: %+v", up.Deployments)
	}
	// Scaling alone keeps the deployments.
	up = must[*ecs.UpdateServiceOutput](t)(c.UpdateService(ctx, &ecs.UpdateServiceInput{Cluster: aws.String("svc"), Service: aws.String("web"), DesiredCount: aws.Int32(2)})).Service
	if up.DesiredCount != 2 || aws.ToString(up.Deployments[0].TaskDefinition) != aws.ToString(up.TaskDefinition) {
		t.Fatalf("scale: %+v", up)
	}

	_, err = c.DeleteService(ctx, &ecs.DeleteServiceInput{Cluster: aws.String("svc"), Service: aws.String("web")})
	wantAPIError(t, err, "InvalidParameterException", "scaled above 0")
	del := must[*ecs.DeleteServiceOutput](t)(c.DeleteService(ctx, &ecs.DeleteServiceInput{Cluster: aws.String("svc"), Service: aws.String("web"), Force: aws.Bool(true)})).Service
	if aws.ToString(del.Status) != "DRAINING" || del.DesiredCount != 0 {
		t.Fatalf("delete: %s %d", aws.ToString(del.Status), del.DesiredCount)
	}
	_, err = c.UpdateService(ctx, &ecs.UpdateServiceInput{Cluster: aws.String("svc"), Service: aws.String("web"), DesiredCount: aws.Int32(1)})
	wantAPIError(t, err, "ServiceNotActiveException", "")
	// With no task to stop the service turns INACTIVE; it leaves the list
	// and the cluster's count.
	waitUntil(t, "service INACTIVE", func() bool {
		d := must[*ecs.DescribeServicesOutput](t)(c.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String("svc"), Services: []string{"web"}}))
		return len(d.Services) == 1 && aws.ToString(d.Services[0].Status) == "INACTIVE"
	})
	if got := must[*ecs.ListServicesOutput](t)(c.ListServices(ctx, &ecs.ListServicesInput{Cluster: aws.String("svc")})).ServiceArns; len(got) != 0 {
		t.Fatalf("list after delete: %v", got)
	}
	must[*ecs.DeleteClusterOutput](t)(c.DeleteCluster(ctx, &ecs.DeleteClusterInput{Cluster: aws.String("svc")}))
}

// waitUntil polls cond for up to 20 seconds.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
