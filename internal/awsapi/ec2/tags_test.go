package ec2

import (
	"fmt"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/awsapi/ec2/ec2types"
)

func TestValidateTag(t *testing.T) {
	for _, tc := range []struct {
		tag ec2types.Tag
		ok  bool
	}{
		{ec2types.Tag{Key: "Name", Value: "x"}, true},
		{ec2types.Tag{Key: "k"}, true},
		{ec2types.Tag{Key: strings.Repeat("k", 128), Value: strings.Repeat("v", 256)}, true},
		{ec2types.Tag{Key: ""}, false},
		{ec2types.Tag{Key: strings.Repeat("k", 129)}, false},
		{ec2types.Tag{Key: "k", Value: strings.Repeat("v", 257)}, false},
		{ec2types.Tag{Key: "aws:cloudformation:stack-name"}, false},
		{ec2types.Tag{Key: "awsome"}, true},
	} {
		t.Run(tc.tag.Key, func(t *testing.T) {
			err := validateTag(tc.tag)
			if tc.ok && err != nil {
				t.Fatal(err)
			}
			if !tc.ok {
				wantVPCCode(t, err, codeInvalidParameterValue)
			}
		})
	}
}

func TestCreateDeleteDescribeTags(t *testing.T) {
	s, ctx := vpcTestService(t)
	d, err := s.ensureDefaults(ctx, scopeOf(ctx))
	if err != nil {
		t.Fatal(err)
	}
	v := mustVPC(t, s, ctx, "10.0.0.0/16")
	res := []string{v.VpcId, d.Subnets[0], d.GroupID}
	if _, err := s.CreateTags(ctx, &ec2types.CreateTagsRequest{Resources: res,
		Tags: []ec2types.Tag{{Key: "env", Value: "prod"}, {Key: "team", Value: "net"}}}); err != nil {
		t.Fatal(err)
	}
	// Overwrite one value.
	if _, err := s.CreateTags(ctx, &ec2types.CreateTagsRequest{Resources: []string{v.VpcId}, Tags: []ec2types.Tag{{Key: "env", Value: "dev"}}}); err != nil {
		t.Fatal(err)
	}
	all, err := s.DescribeTags(ctx, &ec2types.DescribeTagsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all.Tags) != 6 {
		t.Fatalf("tags %+v", all.Tags)
	}
	for i := 1; i < len(all.Tags); i++ {
		a, b := all.Tags[i-1], all.Tags[i]
		if a.ResourceId > b.ResourceId || a.ResourceId == b.ResourceId && a.Key > b.Key {
			t.Fatalf("not sorted: %+v", all.Tags)
		}
	}
	for _, tc := range []struct {
		filters []ec2types.Filter
		want    int
	}{
		{[]ec2types.Filter{{Name: "resource-type", Values: []string{"security-group"}}}, 2},
		{[]ec2types.Filter{{Name: "resource-type", Values: []string{"subnet"}}}, 2},
		{[]ec2types.Filter{{Name: "resource-id", Values: []string{v.VpcId}}, {Name: "key", Values: []string{"env"}}}, 1},
		{[]ec2types.Filter{{Name: "value", Values: []string{"prod"}}}, 2},
	} {
		out, err := s.DescribeTags(ctx, &ec2types.DescribeTagsRequest{Filters: tc.filters})
		if err != nil || len(out.Tags) != tc.want {
			t.Fatalf("filters %+v: %+v, %v", tc.filters, out, err)
		}
	}
	g, _, err := s.groups().Get(ctx, scopeOf(ctx).key(kindSG, d.GroupID))
	if err != nil || len(g.Group.Tags) != 2 {
		t.Fatalf("group tags %+v, %v", g, err)
	}

	// DeleteTags: a wrong value keeps the tag, a key alone removes it.
	if _, err := s.DeleteTags(ctx, &ec2types.DeleteTagsRequest{Resources: []string{v.VpcId}, Tags: []ec2types.Tag{{Key: "env", Value: "prod"}}}); err != nil {
		t.Fatal(err)
	}
	vpcTags := func() []ec2types.Tag {
		out, err := s.DescribeVpcs(ctx, &ec2types.DescribeVpcsRequest{VpcIds: []string{v.VpcId}})
		if err != nil {
			t.Fatal(err)
		}
		return out.Vpcs[0].Tags
	}
	if got := vpcTags(); len(got) != 2 {
		t.Fatalf("tags after mismatched delete: %+v", got)
	}
	if _, err := s.DeleteTags(ctx, &ec2types.DeleteTagsRequest{Resources: []string{v.VpcId}, Tags: []ec2types.Tag{{Key: "env"}}}); err != nil {
		t.Fatal(err)
	}
	if got := vpcTags(); len(got) != 1 || got[0].Key != "team" {
		t.Fatalf("tags after delete: %+v", got)
	}
	if _, err := s.DeleteTags(ctx, &ec2types.DeleteTagsRequest{Resources: []string{v.VpcId}}); err != nil {
		t.Fatal(err)
	}
	if got := vpcTags(); got != nil {
		t.Fatalf("tags after delete all: %+v", got)
	}
}

func TestTagErrors(t *testing.T) {
	s, ctx := vpcTestService(t)
	v := mustVPC(t, s, ctx, "10.0.0.0/16")
	ok := []ec2types.Tag{{Key: "a", Value: "b"}}
	for _, tc := range []struct {
		name string
		in   ec2types.CreateTagsRequest
		code string
	}{
		{"unknown vpc", ec2types.CreateTagsRequest{Resources: []string{v.VpcId, "vpc-404"}, Tags: ok}, "InvalidVpcID.NotFound"},
		{"unknown subnet", ec2types.CreateTagsRequest{Resources: []string{"subnet-404"}, Tags: ok}, "InvalidSubnetID.NotFound"},
		{"unknown group", ec2types.CreateTagsRequest{Resources: []string{"sg-404"}, Tags: ok}, "InvalidGroup.NotFound"},
		{"unknown type", ec2types.CreateTagsRequest{Resources: []string{"i-404"}, Tags: ok}, "InvalidID"},
		{"reserved", ec2types.CreateTagsRequest{Resources: []string{v.VpcId}, Tags: []ec2types.Tag{{Key: "aws:x"}}}, codeInvalidParameterValue},
		{"no resources", ec2types.CreateTagsRequest{Tags: ok}, codeMissingParameter},
		{"no tags", ec2types.CreateTagsRequest{Resources: []string{v.VpcId}}, codeMissingParameter},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.CreateTags(ctx, &tc.in)
			wantVPCCode(t, err, tc.code)
		})
	}
	// Nothing of the failed calls stuck.
	if out, err := s.DescribeTags(ctx, &ec2types.DescribeTagsRequest{}); err != nil || len(out.Tags) != 0 {
		t.Fatalf("tags after failed calls: %+v, %v", out, err)
	}

	var fifty []ec2types.Tag
	for i := range 50 {
		fifty = append(fifty, ec2types.Tag{Key: fmt.Sprintf("k%02d", i)})
	}
	if _, err := s.CreateTags(ctx, &ec2types.CreateTagsRequest{Resources: []string{v.VpcId}, Tags: fifty}); err != nil {
		t.Fatal(err)
	}
	// Overwriting keeps the count; one more is over the limit.
	if _, err := s.CreateTags(ctx, &ec2types.CreateTagsRequest{Resources: []string{v.VpcId}, Tags: fifty[:3]}); err != nil {
		t.Fatal(err)
	}
	_, err := s.CreateTags(ctx, &ec2types.CreateTagsRequest{Resources: []string{v.VpcId}, Tags: []ec2types.Tag{{Key: "one-more"}}})
	wantVPCCode(t, err, "TagLimitExceeded")

	// Paging through 50 tags, 20 at a time.
	var n, pages int
	var token string
	for {
		out, err := s.DescribeTags(ctx, &ec2types.DescribeTagsRequest{MaxResults: 20, NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		n += len(out.Tags)
		pages++
		if token = out.NextToken; token == "" {
			break
		}
	}
	if n != 50 || pages != 3 {
		t.Fatalf("%d tags in %d pages", n, pages)
	}
}
