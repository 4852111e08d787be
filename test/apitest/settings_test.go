package apitest

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

func TestAccountSettings(t *testing.T) {
	c, _ := ecsClient(t)
	eff := must[*ecs.ListAccountSettingsOutput](t)(c.ListAccountSettings(ctx, &ecs.ListAccountSettingsInput{
		EffectiveSettings: true, Name: types.SettingNameContainerInsights}))
	if len(eff.Settings) != 1 || aws.ToString(eff.Settings[0].Value) != "disabled" {
		t.Fatalf("default containerInsights: %+v", eff.Settings)
	}
	own := must[*ecs.ListAccountSettingsOutput](t)(c.ListAccountSettings(ctx, &ecs.ListAccountSettingsInput{}))
	if len(own.Settings) != 0 {
		t.Fatalf("nothing set yet, got %+v", own.Settings)
	}

	set := must[*ecs.PutAccountSettingDefaultOutput](t)(c.PutAccountSettingDefault(ctx, &ecs.PutAccountSettingDefaultInput{
		Name: types.SettingNameContainerInsights, Value: aws.String("enabled")})).Setting
	if aws.ToString(set.PrincipalArn) != "arn:aws:iam::123456789012:root" {
		t.Fatalf("principal %s", aws.ToString(set.PrincipalArn))
	}
	// New clusters pick up the account's containerInsights default.
	cl := must[*ecs.CreateClusterOutput](t)(c.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String("insights")})).Cluster
	if aws.ToString(cl.Settings[0].Value) != "enabled" {
		t.Fatalf("cluster settings %+v", cl.Settings)
	}

	must[*ecs.PutAccountSettingOutput](t)(c.PutAccountSetting(ctx, &ecs.PutAccountSettingInput{
		Name: types.SettingNameAwsvpcTrunking, Value: aws.String("enabled")}))
	own = must[*ecs.ListAccountSettingsOutput](t)(c.ListAccountSettings(ctx, &ecs.ListAccountSettingsInput{}))
	if len(own.Settings) != 2 {
		t.Fatalf("own settings: %+v", own.Settings)
	}
	all := 0
	p := ecs.NewListAccountSettingsPaginator(c, &ecs.ListAccountSettingsInput{EffectiveSettings: true, MaxResults: 4})
	for p.HasMorePages() {
		all += len(must[*ecs.ListAccountSettingsOutput](t)(p.NextPage(ctx)).Settings)
	}
	if all != len(types.SettingName("").Values()) {
		t.Fatalf("effective settings: %d, want one per setting name (%d)", all, len(types.SettingName("").Values()))
	}

	del := must[*ecs.DeleteAccountSettingOutput](t)(c.DeleteAccountSetting(ctx, &ecs.DeleteAccountSettingInput{Name: types.SettingNameAwsvpcTrunking}))
	if aws.ToString(del.Setting.Value) != "enabled" {
		t.Fatalf("deleted %+v", del.Setting)
	}

	_, err := c.PutAccountSetting(ctx, &ecs.PutAccountSettingInput{Name: types.SettingNameContainerInsights, Value: aws.String("sometimes")})
	wantAPIError(t, err, "InvalidParameterException", "sometimes")
	_, err = c.PutAccountSetting(ctx, &ecs.PutAccountSettingInput{Name: "noSuchSetting", Value: aws.String("on")})
	wantAPIError(t, err, "InvalidParameterException", "noSuchSetting")
	_, err = c.PutAccountSetting(ctx, &ecs.PutAccountSettingInput{Name: types.SettingNameAwsvpcTrunking, Value: aws.String("enabled"),
		PrincipalArn: aws.String("arn:aws:iam::999999999999:user/else")})
	wantAPIError(t, err, "InvalidParameterException", "principalArn")
}

func TestTags(t *testing.T) {
	c, region := ecsClient(t)
	cl := must[*ecs.CreateClusterOutput](t)(c.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String("tagged")})).Cluster
	td := must[*ecs.RegisterTaskDefinitionOutput](t)(c.RegisterTaskDefinition(ctx, fargateTaskDef("tagged"))).TaskDefinition

	for _, arn := range []string{aws.ToString(cl.ClusterArn), aws.ToString(td.TaskDefinitionArn)} {
		must[*ecs.TagResourceOutput](t)(c.TagResource(ctx, &ecs.TagResourceInput{ResourceArn: aws.String(arn),
			Tags: []types.Tag{{Key: aws.String("a"), Value: aws.String("1")}, {Key: aws.String("b"), Value: aws.String("2")}}}))
		must[*ecs.TagResourceOutput](t)(c.TagResource(ctx, &ecs.TagResourceInput{ResourceArn: aws.String(arn),
			Tags: []types.Tag{{Key: aws.String("a"), Value: aws.String("3")}}}))
		must[*ecs.UntagResourceOutput](t)(c.UntagResource(ctx, &ecs.UntagResourceInput{ResourceArn: aws.String(arn), TagKeys: []string{"b", "absent"}}))
		tags := must[*ecs.ListTagsForResourceOutput](t)(c.ListTagsForResource(ctx, &ecs.ListTagsForResourceInput{ResourceArn: aws.String(arn)})).Tags
		if len(tags) != 1 || aws.ToString(tags[0].Key) != "a" || aws.ToString(tags[0].Value) != "3" {
			t.Fatalf("%s tags: %+v", arn, tags)
		}
	}

	_, err := c.TagResource(ctx, &ecs.TagResourceInput{ResourceArn: aws.String("arn:aws:ecs:" + region + ":123456789012:cluster/ghost"),
		Tags: []types.Tag{{Key: aws.String("a"), Value: aws.String("1")}}})
	wantAPIError(t, err, "ClusterNotFoundException", "")
	_, err = c.TagResource(ctx, &ecs.TagResourceInput{ResourceArn: aws.String("not-an-arn"), Tags: []types.Tag{{Key: aws.String("a"), Value: aws.String("1")}}})
	wantAPIError(t, err, "InvalidParameterException", "")
	_, err = c.TagResource(ctx, &ecs.TagResourceInput{ResourceArn: cl.ClusterArn, Tags: []types.Tag{{Key: aws.String("aws:reserved"), Value: aws.String("1")}}})
	wantAPIError(t, err, "InvalidParameterException", "aws:")
	many := make([]types.Tag, 51)
	for i := range many {
		many[i] = types.Tag{Key: aws.String(string(rune('A'+i%26)) + string(rune('a'+i/26))), Value: aws.String("v")}
	}
	_, err = c.TagResource(ctx, &ecs.TagResourceInput{ResourceArn: cl.ClusterArn, Tags: many})
	wantAPIError(t, err, "InvalidParameterException", "50")
}
