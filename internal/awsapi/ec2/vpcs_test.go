package ec2

import (
	"context"
	"errors"
	"testing"

	"github.com/berth-dev/berth/internal/awsapi/ec2/ec2types"
	"github.com/berth-dev/berth/internal/awsapi/protocol"
	"github.com/berth-dev/berth/internal/store/memstore"
)

// vpcTestService returns a service over a fresh memory store and a context
// acting in account 123456789012, us-east-1.
func vpcTestService(t *testing.T) (*Service, context.Context) {
	t.Helper()
	ctx := protocol.WithRequest(context.Background(), &protocol.RequestInfo{
		Region: "us-east-1", Principal: protocol.Principal{AccountID: "123456789012", Root: true},
	})
	return New(memstore.New()), ctx
}

// wantCode asserts err is an EC2 error with code.
func wantVPCCode(t *testing.T, err error, code string) {
	t.Helper()
	var pe *protocol.Error
	if !errors.As(err, &pe) || pe.Code != code {
		t.Fatalf("want %s, got %v", code, err)
	}
}

func mustVPC(t *testing.T, s *Service, ctx context.Context, cidr string, tags ...ec2types.Tag) ec2types.Vpc {
	t.Helper()
	in := &ec2types.CreateVpcRequest{CidrBlock: cidr}
	if len(tags) > 0 {
		in.TagSpecifications = []ec2types.TagSpecification{{ResourceType: "vpc", Tags: tags}}
	}
	out, err := s.CreateVpc(ctx, in)
	if err != nil {
		t.Fatalf("CreateVpc %s: %v", cidr, err)
	}
	return *out.Vpc
}

func TestCreateVpcCIDR(t *testing.T) {
	for _, tc := range []struct {
		cidr, code string
	}{
		{"10.0.0.0/16", ""},
		{"10.1.2.0/24", ""},
		{"10.1.2.16/28", ""},
		{"", codeMissingParameter},
		{"10.0.0.0/8", "InvalidVpc.Range"},
		{"10.0.0.0/15", "InvalidVpc.Range"},
		{"10.0.0.0/29", "InvalidVpc.Range"},
		{"10.0.0.1/16", codeInvalidParameterValue},
		{"10.0.0.0", codeInvalidParameterValue},
		{"300.0.0.0/16", codeInvalidParameterValue},
		{"fd00::/56", codeInvalidParameterValue},
	} {
		t.Run(tc.cidr, func(t *testing.T) {
			s, ctx := vpcTestService(t)
			out, err := s.CreateVpc(ctx, &ec2types.CreateVpcRequest{CidrBlock: tc.cidr})
			if tc.code != "" {
				wantVPCCode(t, err, tc.code)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if v := out.Vpc; v.CidrBlock != tc.cidr || v.State != "available" || v.IsDefault || v.Tags != nil {
				t.Fatalf("vpc %+v", v)
			}
		})
	}
}

func TestCreateVpcDefaultGroupAndTags(t *testing.T) {
	s, ctx := vpcTestService(t)
	v := mustVPC(t, s, ctx, "10.0.0.0/16", ec2types.Tag{Key: "Name", Value: "one"})
	if len(v.Tags) != 1 || v.Tags[0].Value != "one" {
		t.Fatalf("tags %+v", v.Tags)
	}
	groups, _, err := s.groups().ListAll(ctx, scopeOf(ctx).prefix(kindSG))
	if err != nil {
		t.Fatal(err)
	}
	var found int
	for _, g := range groups {
		if g.Value.Group.VpcId == v.VpcId && g.Value.Group.GroupName == "default" {
			found++
			for _, r := range g.Value.Rules {
				if len(r.SecurityGroupRuleId) != len("sgr-")+17 {
					t.Fatalf("rule id %q", r.SecurityGroupRuleId)
				}
			}
		}
	}
	if found != 1 {
		t.Fatalf("%d default groups for the new VPC", found)
	}
	_, err = s.CreateVpc(ctx, &ec2types.CreateVpcRequest{CidrBlock: "10.0.0.0/16",
		TagSpecifications: []ec2types.TagSpecification{{ResourceType: "subnet", Tags: []ec2types.Tag{{Key: "a"}}}}})
	wantVPCCode(t, err, codeInvalidParameterValue)
}

func TestDescribeVpcsFilters(t *testing.T) {
	s, ctx := vpcTestService(t)
	a := mustVPC(t, s, ctx, "10.0.0.0/16", ec2types.Tag{Key: "env", Value: "prod"})
	b := mustVPC(t, s, ctx, "10.1.0.0/16", ec2types.Tag{Key: "env", Value: "dev"})
	for _, tc := range []struct {
		name    string
		in      ec2types.DescribeVpcsRequest
		want    int
		code    string
		wantIDs []string
	}{
		{name: "all", want: 3},
		{name: "ids", in: ec2types.DescribeVpcsRequest{VpcIds: []string{a.VpcId}}, wantIDs: []string{a.VpcId}, want: 1},
		{name: "unknown id", in: ec2types.DescribeVpcsRequest{VpcIds: []string{"vpc-0000"}}, code: "InvalidVpcID.NotFound"},
		{name: "is-default", in: ec2types.DescribeVpcsRequest{Filters: []ec2types.Filter{{Name: "is-default", Values: []string{"true"}}}}, want: 1},
		{name: "cidr", in: ec2types.DescribeVpcsRequest{Filters: []ec2types.Filter{{Name: "cidr", Values: []string{"10.1.0.0/16"}}}}, wantIDs: []string{b.VpcId}, want: 1},
		{name: "assoc", in: ec2types.DescribeVpcsRequest{Filters: []ec2types.Filter{{Name: "cidr-block-association.cidr-block", Values: []string{"10.0.0.0/16", "10.1.0.0/16"}}}}, want: 2},
		{name: "tag", in: ec2types.DescribeVpcsRequest{Filters: []ec2types.Filter{{Name: "tag:env", Values: []string{"prod"}}}}, wantIDs: []string{a.VpcId}, want: 1},
		{name: "tag-key", in: ec2types.DescribeVpcsRequest{Filters: []ec2types.Filter{{Name: "tag-key", Values: []string{"env"}}}}, want: 2},
		{name: "tag-value", in: ec2types.DescribeVpcsRequest{Filters: []ec2types.Filter{{Name: "tag-value", Values: []string{"dev"}}}}, wantIDs: []string{b.VpcId}, want: 1},
		{name: "and", in: ec2types.DescribeVpcsRequest{Filters: []ec2types.Filter{
			{Name: "state", Values: []string{"available"}}, {Name: "owner-id", Values: []string{"123456789012"}}, {Name: "vpc-id", Values: []string{b.VpcId, "vpc-x"}}}}, want: 1},
		{name: "bad filter", in: ec2types.DescribeVpcsRequest{Filters: []ec2types.Filter{{Name: "nope", Values: []string{"x"}}}}, code: codeInvalidParameterValue},
		{name: "max too small", in: ec2types.DescribeVpcsRequest{MaxResults: 4}, code: codeInvalidParameterValue},
		{name: "bad token", in: ec2types.DescribeVpcsRequest{NextToken: "!!"}, code: "InvalidPaginationToken"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := s.DescribeVpcs(ctx, &tc.in)
			if tc.code != "" {
				wantVPCCode(t, err, tc.code)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(out.Vpcs) != tc.want {
				t.Fatalf("got %d vpcs, want %d", len(out.Vpcs), tc.want)
			}
			for i, id := range tc.wantIDs {
				if out.Vpcs[i].VpcId != id {
					t.Fatalf("vpc %d is %s, want %s", i, out.Vpcs[i].VpcId, id)
				}
			}
		})
	}
}

func TestDescribeVpcsPaging(t *testing.T) {
	s, ctx := vpcTestService(t)
	for i := range 11 {
		mustVPC(t, s, ctx, "10."+string(rune('0'+i%10))+".0.0/16")
	}
	seen := map[string]bool{}
	var token string
	pages := 0
	for {
		out, err := s.DescribeVpcs(ctx, &ec2types.DescribeVpcsRequest{MaxResults: 5, NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, v := range out.Vpcs {
			if seen[v.VpcId] {
				t.Fatalf("%s seen twice", v.VpcId)
			}
			seen[v.VpcId] = true
		}
		if token = out.NextToken; token == "" {
			break
		}
	}
	if len(seen) != 12 || pages != 3 {
		t.Fatalf("%d vpcs in %d pages", len(seen), pages)
	}
}

func TestDeleteVpcDependencies(t *testing.T) {
	s, ctx := vpcTestService(t)
	v := mustVPC(t, s, ctx, "10.0.0.0/16")
	sub, err := s.CreateSubnet(ctx, &ec2types.CreateSubnetRequest{VpcId: v.VpcId, CidrBlock: "10.0.1.0/24"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.DeleteVpc(ctx, &ec2types.DeleteVpcRequest{VpcId: v.VpcId})
	wantVPCCode(t, err, codeDependencyViolation)
	if _, err := s.DeleteSubnet(ctx, &ec2types.DeleteSubnetRequest{SubnetId: sub.Subnet.SubnetId}); err != nil {
		t.Fatal(err)
	}
	// A non-default group blocks deletion too.
	sc := scopeOf(ctx)
	extra := newDefaultGroup(sc, newID("sg"), v.VpcId)
	extra.Group.GroupName = "web"
	if _, err := s.groups().Create(ctx, sc.key(kindSG, extra.Group.GroupId), &extra); err != nil {
		t.Fatal(err)
	}
	_, err = s.DeleteVpc(ctx, &ec2types.DeleteVpcRequest{VpcId: v.VpcId})
	wantVPCCode(t, err, codeDependencyViolation)
	if err := s.groups().Delete(ctx, sc.key(kindSG, extra.Group.GroupId), 0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DeleteVpc(ctx, &ec2types.DeleteVpcRequest{VpcId: v.VpcId}); err != nil {
		t.Fatal(err)
	}
	groups, _, err := s.groups().ListAll(ctx, sc.prefix(kindSG))
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range groups {
		if g.Value.Group.VpcId == v.VpcId {
			t.Fatalf("group %s of the deleted VPC is left", g.Value.Group.GroupId)
		}
	}
	_, err = s.DeleteVpc(ctx, &ec2types.DeleteVpcRequest{VpcId: v.VpcId})
	wantVPCCode(t, err, "InvalidVpcID.NotFound")
	_, err = s.DeleteVpc(ctx, &ec2types.DeleteVpcRequest{})
	wantVPCCode(t, err, codeMissingParameter)
}

func TestDeleteDefaultVpc(t *testing.T) {
	s, ctx := vpcTestService(t)
	d, err := s.ensureDefaults(ctx, scopeOf(ctx))
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.DeleteVpc(ctx, &ec2types.DeleteVpcRequest{VpcId: d.VPCID})
	wantVPCCode(t, err, codeDependencyViolation)
	for _, id := range d.Subnets {
		if _, err := s.DeleteSubnet(ctx, &ec2types.DeleteSubnetRequest{SubnetId: id}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.DeleteVpc(ctx, &ec2types.DeleteVpcRequest{VpcId: d.VPCID}); err != nil {
		t.Fatal(err)
	}
	out, err := s.DescribeVpcs(ctx, &ec2types.DescribeVpcsRequest{})
	if err != nil || len(out.Vpcs) != 0 {
		t.Fatalf("after deleting the default VPC: %+v, %v", out, err)
	}
}
