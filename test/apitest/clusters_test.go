package apitest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

func TestClusterLifecycle(t *testing.T) {
	c, region := ecsClient(t)
	arn := fmt.Sprintf("arn:aws:ecs:%s:123456789012:cluster/web", region)

	created := must[*ecs.CreateClusterOutput](t)(c.CreateCluster(ctx, &ecs.CreateClusterInput{
		ClusterName: aws.String("web"),
		Tags:        []types.Tag{{Key: aws.String("team"), Value: aws.String("a")}},
	})).Cluster
	if aws.ToString(created.ClusterArn) != arn || aws.ToString(created.Status) != "ACTIVE" {
		t.Fatalf("created %s %s", aws.ToString(created.ClusterArn), aws.ToString(created.Status))
	}
	if len(created.Settings) != 1 || created.Settings[0].Name != "containerInsights" || aws.ToString(created.Settings[0].Value) != "disabled" {
		t.Fatalf("default settings: %+v", created.Settings)
	}

	// CreateCluster is idempotent: the existing cluster comes back unchanged.
	again := must[*ecs.CreateClusterOutput](t)(c.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String("web")})).Cluster
	if len(again.Tags) != 1 {
		t.Fatalf("second create changed the cluster: tags %+v", again.Tags)
	}

	desc := must[*ecs.DescribeClustersOutput](t)(c.DescribeClusters(ctx, &ecs.DescribeClustersInput{
		Clusters: []string{"web", arn, "missing"},
		Include:  []types.ClusterField{types.ClusterFieldTags, types.ClusterFieldSettings, types.ClusterFieldStatistics},
	}))
	if len(desc.Clusters) != 2 || len(desc.Failures) != 1 {
		t.Fatalf("describe: %d clusters, %d failures", len(desc.Clusters), len(desc.Failures))
	}
	if f := desc.Failures[0]; aws.ToString(f.Reason) != "MISSING" || aws.ToString(f.Arn) != fmt.Sprintf("arn:aws:ecs:%s:123456789012:cluster/missing", region) {
		t.Fatalf("failure %+v", f)
	}
	if got := desc.Clusters[0]; len(got.Tags) != 1 || len(got.Settings) != 1 || len(got.Statistics) == 0 {
		t.Fatalf("include ignored: %+v", got)
	}
	plain := must[*ecs.DescribeClustersOutput](t)(c.DescribeClusters(ctx, &ecs.DescribeClustersInput{Clusters: []string{"web"}}))
	if got := plain.Clusters[0]; len(got.Tags) != 0 || got.Settings != nil {
		t.Fatalf("without include, tags and settings are not shown: %+v", got)
	}

	updated := must[*ecs.UpdateClusterSettingsOutput](t)(c.UpdateClusterSettings(ctx, &ecs.UpdateClusterSettingsInput{
		Cluster:  aws.String("web"),
		Settings: []types.ClusterSetting{{Name: types.ClusterSettingNameContainerInsights, Value: aws.String("enabled")}},
	})).Cluster
	if aws.ToString(updated.Settings[0].Value) != "enabled" {
		t.Fatalf("settings not updated: %+v", updated.Settings)
	}

	cp := must[*ecs.PutClusterCapacityProvidersOutput](t)(c.PutClusterCapacityProviders(ctx, &ecs.PutClusterCapacityProvidersInput{
		Cluster:           aws.String("web"),
		CapacityProviders: []string{"FARGATE", "FARGATE_SPOT"},
		DefaultCapacityProviderStrategy: []types.CapacityProviderStrategyItem{
			{CapacityProvider: aws.String("FARGATE"), Weight: 1, Base: 1},
			{CapacityProvider: aws.String("FARGATE_SPOT"), Weight: 3},
		},
	})).Cluster
	if !slices.Equal(cp.CapacityProviders, []string{"FARGATE", "FARGATE_SPOT"}) || len(cp.DefaultCapacityProviderStrategy) != 2 {
		t.Fatalf("capacity providers: %+v", cp)
	}

	deleted := must[*ecs.DeleteClusterOutput](t)(c.DeleteCluster(ctx, &ecs.DeleteClusterInput{Cluster: aws.String("web")})).Cluster
	if aws.ToString(deleted.Status) != "INACTIVE" {
		t.Fatalf("deleted status %s", aws.ToString(deleted.Status))
	}
	list := must[*ecs.ListClustersOutput](t)(c.ListClusters(ctx, &ecs.ListClustersInput{}))
	if len(list.ClusterArns) != 0 {
		t.Fatalf("deleted cluster still listed: %v", list.ClusterArns)
	}
	// An INACTIVE cluster stays describable, and can't be updated.
	desc = must[*ecs.DescribeClustersOutput](t)(c.DescribeClusters(ctx, &ecs.DescribeClustersInput{Clusters: []string{"web"}}))
	if len(desc.Clusters) != 1 || aws.ToString(desc.Clusters[0].Status) != "INACTIVE" {
		t.Fatalf("inactive cluster: %+v", desc)
	}
	_, err := c.UpdateClusterSettings(ctx, &ecs.UpdateClusterSettingsInput{Cluster: aws.String("web"),
		Settings: []types.ClusterSetting{{Name: types.ClusterSettingNameContainerInsights, Value: aws.String("enabled")}}})
	wantAPIError(t, err, "ClusterNotFoundException", "Cluster not found")
	// Re-creating an INACTIVE cluster makes a fresh one.
	re := must[*ecs.CreateClusterOutput](t)(c.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String("web")})).Cluster
	if aws.ToString(re.Status) != "ACTIVE" || len(re.Tags) != 0 {
		t.Fatalf("re-created: %+v", re)
	}
}

func TestDefaultCluster(t *testing.T) {
	c, _ := ecsClient(t)
	got := must[*ecs.CreateClusterOutput](t)(c.CreateCluster(ctx, &ecs.CreateClusterInput{})).Cluster
	if aws.ToString(got.ClusterName) != "default" {
		t.Fatalf("name %s", aws.ToString(got.ClusterName))
	}
	desc := must[*ecs.DescribeClustersOutput](t)(c.DescribeClusters(ctx, &ecs.DescribeClustersInput{}))
	if len(desc.Clusters) != 1 || aws.ToString(desc.Clusters[0].ClusterName) != "default" {
		t.Fatalf("describe without names: %+v", desc)
	}
}

func TestListClustersPagination(t *testing.T) {
	c, _ := ecsClient(t)
	var want []string
	for i := range 5 {
		out := must[*ecs.CreateClusterOutput](t)(c.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String(fmt.Sprintf("c%d", i))}))
		want = append(want, aws.ToString(out.Cluster.ClusterArn))
	}
	var got []string
	pages := 0
	p := ecs.NewListClustersPaginator(c, &ecs.ListClustersInput{MaxResults: aws.Int32(2)})
	for p.HasMorePages() {
		page := must[*ecs.ListClustersOutput](t)(p.NextPage(ctx))
		got = append(got, page.ClusterArns...)
		pages++
	}
	if !slices.Equal(got, want) || pages != 3 {
		t.Fatalf("got %v in %d pages, want %v in 3", got, pages, want)
	}
	_, err := c.ListClusters(ctx, &ecs.ListClustersInput{MaxResults: aws.Int32(101)})
	wantAPIError(t, err, "InvalidParameterException", "maxResults")
	_, err = c.ListClusters(ctx, &ecs.ListClustersInput{NextToken: aws.String("garbage!")})
	wantAPIError(t, err, "InvalidParameterException", "nextToken")
}

func TestClusterValidation(t *testing.T) {
	c, _ := ecsClient(t)
	cases := []struct {
		name string
		in   *ecs.CreateClusterInput
		code string
		msg  string
	}{
		{"bad name", &ecs.CreateClusterInput{ClusterName: aws.String("no spaces")}, "InvalidParameterException", "Cluster name"},
		{"bad setting", &ecs.CreateClusterInput{ClusterName: aws.String("x"),
			Settings: []types.ClusterSetting{{Name: types.ClusterSettingNameContainerInsights, Value: aws.String("maybe")}}}, "InvalidParameterException", "maybe"},
		{"unknown capacity provider", &ecs.CreateClusterInput{ClusterName: aws.String("x"), CapacityProviders: []string{"EC2_ASG"}}, "InvalidParameterException", "EC2_ASG"},
		{"strategy not associated", &ecs.CreateClusterInput{ClusterName: aws.String("x"), CapacityProviders: []string{"FARGATE"},
			DefaultCapacityProviderStrategy: []types.CapacityProviderStrategyItem{{CapacityProvider: aws.String("FARGATE_SPOT"), Weight: 1}}}, "InvalidParameterException", "not associated"},
		{"two bases", &ecs.CreateClusterInput{ClusterName: aws.String("x"), CapacityProviders: []string{"FARGATE", "FARGATE_SPOT"},
			DefaultCapacityProviderStrategy: []types.CapacityProviderStrategyItem{
				{CapacityProvider: aws.String("FARGATE"), Weight: 1, Base: 1}, {CapacityProvider: aws.String("FARGATE_SPOT"), Weight: 1, Base: 2}}}, "InvalidParameterException", "base"},
		{"reserved tag", &ecs.CreateClusterInput{ClusterName: aws.String("x"), Tags: []types.Tag{{Key: aws.String("aws:x"), Value: aws.String("y")}}}, "InvalidParameterException", "aws:"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.CreateCluster(ctx, tc.in)
			wantAPIError(t, err, tc.code, tc.msg)
		})
	}
	list := must[*ecs.ListClustersOutput](t)(c.ListClusters(ctx, &ecs.ListClustersInput{}))
	if len(list.ClusterArns) != 0 {
		t.Fatalf("failed creates left clusters: %v", list.ClusterArns)
	}
	_, err := c.DeleteCluster(ctx, &ecs.DeleteClusterInput{Cluster: aws.String("nope")})
	wantAPIError(t, err, "ClusterNotFoundException", "Cluster not found")
}

func TestDescribeCapacityProviders(t *testing.T) {
	c, region := ecsClient(t)
	out := must[*ecs.DescribeCapacityProvidersOutput](t)(c.DescribeCapacityProviders(ctx, &ecs.DescribeCapacityProvidersInput{}))
	if len(out.CapacityProviders) != 2 || aws.ToString(out.CapacityProviders[0].Name) != "FARGATE" ||
		aws.ToString(out.CapacityProviders[1].CapacityProviderArn) != fmt.Sprintf("arn:aws:ecs:%s:123456789012:capacity-provider/FARGATE_SPOT", region) {
		t.Fatalf("providers: %+v", out.CapacityProviders)
	}
	out = must[*ecs.DescribeCapacityProvidersOutput](t)(c.DescribeCapacityProviders(ctx, &ecs.DescribeCapacityProvidersInput{CapacityProviders: []string{"FARGATE", "nope"}}))
	if len(out.CapacityProviders) != 1 || len(out.Failures) != 1 || aws.ToString(out.Failures[0].Reason) != "MISSING" {
		t.Fatalf("with unknown: %+v", out)
	}
}
