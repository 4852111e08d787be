package apitest

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// fargateTaskDef is a valid Fargate task definition of the kind users
// register: a web container with a sidecar, logs, a volume and ordering.
func fargateTaskDef(family string) *ecs.RegisterTaskDefinitionInput {
	return &ecs.RegisterTaskDefinitionInput{
		Family:                  aws.String(family),
		NetworkMode:             types.NetworkModeAwsvpc,
		RequiresCompatibilities: []types.Compatibility{types.CompatibilityFargate},
		Cpu:                     aws.String("512"),
		Memory:                  aws.String("1024"),
		ExecutionRoleArn:        aws.String("arn:aws:iam::123456789012:role/ecsTaskExecutionRole"),
		Volumes:                 []types.Volume{{Name: aws.String("shared")}},
		ContainerDefinitions: []types.ContainerDefinition{
			{
				Name:         aws.String("web"),
				Image:        aws.String("nginx:1.27"),
				PortMappings: []types.PortMapping{{ContainerPort: aws.Int32(80)}},
				MountPoints:  []types.MountPoint{{SourceVolume: aws.String("shared"), ContainerPath: aws.String("/usr/share/nginx/html")}},
				DependsOn:    []types.ContainerDependency{{ContainerName: aws.String("init"), Condition: types.ContainerConditionSuccess}},
				LogConfiguration: &types.LogConfiguration{LogDriver: types.LogDriverAwslogs, Options: map[string]string{
					"awslogs-group": "/ecs/" + family, "awslogs-region": "us-east-1", "awslogs-stream-prefix": "ecs"}},
			},
			{
				Name:        aws.String("init"),
				Image:       aws.String("busybox:1.36"),
				Essential:   aws.Bool(false),
				Command:     []string{"sh", "-c", "echo hello > /data/index.html"},
				MountPoints: []types.MountPoint{{SourceVolume: aws.String("shared"), ContainerPath: aws.String("/data")}},
			},
		},
	}
}

func TestTaskDefinitionLifecycle(t *testing.T) {
	c, region := ecsClient(t)
	arn := func(rev int) string {
		return fmt.Sprintf("arn:aws:ecs:%s:123456789012:task-definition/web:%d", region, rev)
	}
	in := fargateTaskDef("web")
	in.Tags = []types.Tag{{Key: aws.String("app"), Value: aws.String("web")}}
	reg := must[*ecs.RegisterTaskDefinitionOutput](t)(c.RegisterTaskDefinition(ctx, in))
	td := reg.TaskDefinition
	if aws.ToString(td.TaskDefinitionArn) != arn(1) || td.Revision != 1 || td.Status != types.TaskDefinitionStatusActive {
		t.Fatalf("registered %s rev %d %s", aws.ToString(td.TaskDefinitionArn), td.Revision, td.Status)
	}
	if aws.ToString(td.RegisteredBy) != "arn:aws:iam::123456789012:root" || td.RegisteredAt == nil {
		t.Fatalf("registeredBy %q at %v", aws.ToString(td.RegisteredBy), td.RegisteredAt)
	}
	if !slices.Contains(td.Compatibilities, types.CompatibilityFargate) {
		t.Fatalf("compatibilities %v", td.Compatibilities)
	}
	if web := td.ContainerDefinitions[0]; !aws.ToBool(web.Essential) || aws.ToInt32(web.PortMappings[0].HostPort) != 80 || web.PortMappings[0].Protocol != types.TransportProtocolTcp {
		t.Fatalf("container defaults not applied: %+v", web)
	}
	if len(reg.Tags) != 1 {
		t.Fatalf("tags %+v", reg.Tags)
	}

	for range 2 {
		must[*ecs.RegisterTaskDefinitionOutput](t)(c.RegisterTaskDefinition(ctx, fargateTaskDef("web")))
	}
	latest := must[*ecs.DescribeTaskDefinitionOutput](t)(c.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String("web")}))
	if latest.TaskDefinition.Revision != 3 || latest.Tags != nil {
		t.Fatalf("latest revision %d, tags %v", latest.TaskDefinition.Revision, latest.Tags)
	}
	byARN := must[*ecs.DescribeTaskDefinitionOutput](t)(c.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{
		TaskDefinition: aws.String(arn(1)), Include: []types.TaskDefinitionField{types.TaskDefinitionFieldTags}}))
	if byARN.TaskDefinition.Revision != 1 || len(byARN.Tags) != 1 {
		t.Fatalf("by ARN: rev %d tags %v", byARN.TaskDefinition.Revision, byARN.Tags)
	}

	// Deregister the latest: a bare family now means revision 2.
	dereg := must[*ecs.DeregisterTaskDefinitionOutput](t)(c.DeregisterTaskDefinition(ctx, &ecs.DeregisterTaskDefinitionInput{TaskDefinition: aws.String("web:3")}))
	if dereg.TaskDefinition.Status != types.TaskDefinitionStatusInactive || dereg.TaskDefinition.DeregisteredAt == nil {
		t.Fatalf("deregistered: %+v", dereg.TaskDefinition)
	}
	latest = must[*ecs.DescribeTaskDefinitionOutput](t)(c.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String("web")}))
	if latest.TaskDefinition.Revision != 2 {
		t.Fatalf("latest active revision %d, want 2", latest.TaskDefinition.Revision)
	}
	inactive := must[*ecs.ListTaskDefinitionsOutput](t)(c.ListTaskDefinitions(ctx, &ecs.ListTaskDefinitionsInput{Status: types.TaskDefinitionStatusInactive}))
	if !slices.Equal(inactive.TaskDefinitionArns, []string{arn(3)}) {
		t.Fatalf("inactive: %v", inactive.TaskDefinitionArns)
	}

	// Only INACTIVE revisions can be deleted.
	del := must[*ecs.DeleteTaskDefinitionsOutput](t)(c.DeleteTaskDefinitions(ctx, &ecs.DeleteTaskDefinitionsInput{TaskDefinitions: []string{"web:3", "web:2"}}))
	if len(del.TaskDefinitions) != 1 || del.TaskDefinitions[0].Status != types.TaskDefinitionStatusDeleteInProgress || len(del.Failures) != 1 {
		t.Fatalf("delete: %+v", del)
	}
	if !strings.Contains(aws.ToString(del.Failures[0].Reason), "ACTIVE") {
		t.Fatalf("failure reason %q", aws.ToString(del.Failures[0].Reason))
	}
	_, err := c.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String("web:3")})
	wantAPIError(t, err, "ClientException", "Unable to describe task definition")

	// Revision numbers are never reused.
	next := must[*ecs.RegisterTaskDefinitionOutput](t)(c.RegisterTaskDefinition(ctx, fargateTaskDef("web")))
	if next.TaskDefinition.Revision != 4 {
		t.Fatalf("revision after delete: %d, want 4", next.TaskDefinition.Revision)
	}
}

func TestListTaskDefinitions(t *testing.T) {
	c, region := ecsClient(t)
	for _, fam := range []string{"web", "web-2", "api", "web"} {
		must[*ecs.RegisterTaskDefinitionOutput](t)(c.RegisterTaskDefinition(ctx, fargateTaskDef(fam)))
	}
	arn := func(s string) string { return fmt.Sprintf("arn:aws:ecs:%s:123456789012:task-definition/%s", region, s) }

	var got []string
	p := ecs.NewListTaskDefinitionsPaginator(c, &ecs.ListTaskDefinitionsInput{MaxResults: aws.Int32(3)})
	for p.HasMorePages() {
		got = append(got, must[*ecs.ListTaskDefinitionsOutput](t)(p.NextPage(ctx)).TaskDefinitionArns...)
	}
	want := []string{arn("api:1"), arn("web:1"), arn("web:2"), arn("web-2:1")}
	if !slices.Equal(got, want) {
		t.Fatalf("ASC:\n got %v\nwant %v", got, want)
	}
	desc := must[*ecs.ListTaskDefinitionsOutput](t)(c.ListTaskDefinitions(ctx, &ecs.ListTaskDefinitionsInput{Sort: types.SortOrderDesc, FamilyPrefix: aws.String("web")}))
	if !slices.Equal(desc.TaskDefinitionArns, []string{arn("web-2:1"), arn("web:2"), arn("web:1")}) {
		t.Fatalf("DESC web*: %v", desc.TaskDefinitionArns)
	}

	fams := must[*ecs.ListTaskDefinitionFamiliesOutput](t)(c.ListTaskDefinitionFamilies(ctx, &ecs.ListTaskDefinitionFamiliesInput{}))
	if !slices.Equal(fams.Families, []string{"api", "web", "web-2"}) {
		t.Fatalf("families %v", fams.Families)
	}
	must[*ecs.DeregisterTaskDefinitionOutput](t)(c.DeregisterTaskDefinition(ctx, &ecs.DeregisterTaskDefinitionInput{TaskDefinition: aws.String("api:1")}))
	active := must[*ecs.ListTaskDefinitionFamiliesOutput](t)(c.ListTaskDefinitionFamilies(ctx, &ecs.ListTaskDefinitionFamiliesInput{Status: types.TaskDefinitionFamilyStatusActive}))
	inactive := must[*ecs.ListTaskDefinitionFamiliesOutput](t)(c.ListTaskDefinitionFamilies(ctx, &ecs.ListTaskDefinitionFamiliesInput{Status: types.TaskDefinitionFamilyStatusInactive}))
	if !slices.Equal(active.Families, []string{"web", "web-2"}) || !slices.Equal(inactive.Families, []string{"api"}) {
		t.Fatalf("active %v inactive %v", active.Families, inactive.Families)
	}
	page := must[*ecs.ListTaskDefinitionFamiliesOutput](t)(c.ListTaskDefinitionFamilies(ctx, &ecs.ListTaskDefinitionFamiliesInput{MaxResults: aws.Int32(1)}))
	if len(page.Families) != 1 || page.NextToken == nil {
		t.Fatalf("families page: %+v", page)
	}
}

func TestRegisterTaskDefinitionValidation(t *testing.T) {
	c, _ := ecsClient(t)
	cases := []struct {
		name   string
		mutate func(*ecs.RegisterTaskDefinitionInput)
		msg    string
	}{
		{"invalid cpu/memory", func(in *ecs.RegisterTaskDefinitionInput) { in.Cpu, in.Memory = aws.String("256"), aws.String("4096") },
			"No Fargate configuration exists for given values: 256 CPU, 4096 memory"},
		{"bridge network", func(in *ecs.RegisterTaskDefinitionInput) { in.NetworkMode = types.NetworkModeBridge }, "awsvpc"},
		{"no task cpu", func(in *ecs.RegisterTaskDefinitionInput) { in.Cpu = nil }, "cpu"},
		{"hostPort differs", func(in *ecs.RegisterTaskDefinitionInput) {
			in.ContainerDefinitions[0].PortMappings[0].HostPort = aws.Int32(8080)
		}, "host ports and container ports"},
		{"duplicate container names", func(in *ecs.RegisterTaskDefinitionInput) { in.ContainerDefinitions[1].Name = aws.String("web") }, "web"},
		{"no essential container", func(in *ecs.RegisterTaskDefinitionInput) { in.ContainerDefinitions[0].Essential = aws.Bool(false) }, "essential"},
		{"unknown dependency", func(in *ecs.RegisterTaskDefinitionInput) {
			in.ContainerDefinitions[0].DependsOn[0].ContainerName = aws.String("ghost")
		}, "ghost"},
		{"unknown volume", func(in *ecs.RegisterTaskDefinitionInput) {
			in.ContainerDefinitions[0].MountPoints[0].SourceVolume = aws.String("nope")
		}, "nope"},
		{"host volume on Fargate", func(in *ecs.RegisterTaskDefinitionInput) {
			in.Volumes[0].Host = &types.HostVolumeProperties{SourcePath: aws.String("/etc")}
		}, "sourcePath"},
		{"ephemeral storage too small", func(in *ecs.RegisterTaskDefinitionInput) {
			in.EphemeralStorage = &types.EphemeralStorage{SizeInGiB: 20}
		}, "21"},
		{"awslogs without execution role", func(in *ecs.RegisterTaskDefinitionInput) { in.ExecutionRoleArn = nil }, "execution role"},
		{"container memory above task", func(in *ecs.RegisterTaskDefinitionInput) { in.ContainerDefinitions[0].Memory = aws.Int32(2048) }, "memory"},
		{"eleven containers", func(in *ecs.RegisterTaskDefinitionInput) {
			for i := range 9 {
				in.ContainerDefinitions = append(in.ContainerDefinitions, types.ContainerDefinition{
					Name: aws.String(fmt.Sprintf("extra%d", i)), Image: aws.String("busybox"), Essential: aws.Bool(false)})
			}
		}, "10"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := fargateTaskDef("bad")
			tc.mutate(in)
			_, err := c.RegisterTaskDefinition(ctx, in)
			wantAPIError(t, err, "ClientException", tc.msg)
		})
	}
	fams := must[*ecs.ListTaskDefinitionFamiliesOutput](t)(c.ListTaskDefinitionFamilies(ctx, &ecs.ListTaskDefinitionFamiliesInput{}))
	if len(fams.Families) != 0 {
		t.Fatalf("rejected registrations left families: %v", fams.Families)
	}
	// A valid one after all those rejections is still revision 1.
	ok := must[*ecs.RegisterTaskDefinitionOutput](t)(c.RegisterTaskDefinition(ctx, fargateTaskDef("bad")))
	if ok.TaskDefinition.Revision != 1 {
		t.Fatalf("revision %d after rejected registrations, want 1", ok.TaskDefinition.Revision)
	}
}

func TestFargateCPUMemoryUnits(t *testing.T) {
	c, _ := ecsClient(t)
	in := fargateTaskDef("units")
	in.Cpu, in.Memory = aws.String("1 vCPU"), aws.String("2 GB")
	td := must[*ecs.RegisterTaskDefinitionOutput](t)(c.RegisterTaskDefinition(ctx, in)).TaskDefinition
	if aws.ToString(td.Cpu) != "1024" || aws.ToString(td.Memory) != "2048" {
		t.Fatalf("cpu %s memory %s, want 1024 2048", aws.ToString(td.Cpu), aws.ToString(td.Memory))
	}
}

func TestTaskDefinitionReferences(t *testing.T) {
	c, _ := ecsClient(t)
	for _, ref := range []string{"nope", "nope:1", "web:x", "arn:aws:ecs:us-east-1:999999999999:task-definition/web:1"} {
		_, err := c.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String(ref)})
		wantAPIError(t, err, "ClientException", "")
	}
	_, err := c.DeregisterTaskDefinition(ctx, &ecs.DeregisterTaskDefinitionInput{TaskDefinition: aws.String("web")})
	wantAPIError(t, err, "ClientException", "evision")
}
