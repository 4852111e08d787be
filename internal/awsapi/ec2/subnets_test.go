package ec2

import (
	"testing"

	"github.com/berth-dev/berth/internal/awsapi/ec2/ec2types"
)

func TestCreateSubnetCIDR(t *testing.T) {
	s, ctx := vpcTestService(t)
	v := mustVPC(t, s, ctx, "10.0.0.0/16")
	if _, err := s.CreateSubnet(ctx, &ec2types.CreateSubnetRequest{VpcId: v.VpcId, CidrBlock: "10.0.8.0/22"}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, vpc, cidr, code string
	}{
		{"whole vpc conflicts", v.VpcId, "10.0.0.0/16", "InvalidSubnet.Conflict"},
		{"inside existing", v.VpcId, "10.0.9.0/24", "InvalidSubnet.Conflict"},
		{"around existing", v.VpcId, "10.0.0.0/20", "InvalidSubnet.Conflict"},
		{"next to existing", v.VpcId, "10.0.12.0/24", ""},
		{"smallest", v.VpcId, "10.0.200.16/28", ""},
		{"too small", v.VpcId, "10.0.201.0/29", "InvalidSubnet.Range"},
		{"outside", v.VpcId, "10.1.0.0/24", "InvalidSubnet.Range"},
		{"larger than vpc", v.VpcId, "10.0.0.0/15", "InvalidSubnet.Range"},
		{"host bits", v.VpcId, "10.0.50.1/24", codeInvalidParameterValue},
		{"garbage", v.VpcId, "ten", codeInvalidParameterValue},
		{"no cidr", v.VpcId, "", codeMissingParameter},
		{"no vpc", "", "10.0.60.0/24", codeMissingParameter},
		{"unknown vpc", "vpc-0123", "10.0.60.0/24", "InvalidVpcID.NotFound"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := s.CreateSubnet(ctx, &ec2types.CreateSubnetRequest{VpcId: tc.vpc, CidrBlock: tc.cidr})
			if tc.code != "" {
				wantVPCCode(t, err, tc.code)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if sub := out.Subnet; sub.CidrBlock != tc.cidr || sub.AvailabilityZone != "us-east-1a" || sub.DefaultForAz || sub.Tags != nil {
				t.Fatalf("subnet %+v", sub)
			}
		})
	}
}

func TestCreateSubnetZone(t *testing.T) {
	s, ctx := vpcTestService(t)
	v := mustVPC(t, s, ctx, "10.0.0.0/16")
	for i, tc := range []struct {
		name, zone, zoneID, want string
		fail                     bool
	}{
		{name: "by name", zone: "us-east-1b", want: "us-east-1b"},
		{name: "by id", zoneID: "use1-az3", want: "us-east-1c"},
		{name: "both", zone: "us-east-1a", zoneID: "use1-az1", want: "us-east-1a"},
		{name: "mismatch", zone: "us-east-1a", zoneID: "use1-az2", fail: true},
		{name: "unknown name", zone: "us-east-1z", fail: true},
		{name: "other region", zone: "eu-west-1a", fail: true},
		{name: "unknown id", zoneID: "use1-az9", fail: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := s.CreateSubnet(ctx, &ec2types.CreateSubnetRequest{VpcId: v.VpcId,
				CidrBlock: "10.0." + string(rune('0'+i)) + ".0/24", AvailabilityZone: tc.zone, AvailabilityZoneId: tc.zoneID})
			if tc.fail {
				wantVPCCode(t, err, codeInvalidParameterValue)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if out.Subnet.AvailabilityZone != tc.want {
				t.Fatalf("zone %s, want %s", out.Subnet.AvailabilityZone, tc.want)
			}
		})
	}
}

func TestDescribeSubnetsFilters(t *testing.T) {
	s, ctx := vpcTestService(t)
	v := mustVPC(t, s, ctx, "10.0.0.0/16")
	a, err := s.CreateSubnet(ctx, &ec2types.CreateSubnetRequest{VpcId: v.VpcId, CidrBlock: "10.0.1.0/24", AvailabilityZone: "us-east-1b",
		TagSpecifications: []ec2types.TagSpecification{{ResourceType: "subnet", Tags: []ec2types.Tag{{Key: "tier", Value: "web"}}}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		in      ec2types.DescribeSubnetsRequest
		want    int
		code    string
		firstID string
	}{
		{name: "all", want: 4},
		{name: "ids", in: ec2types.DescribeSubnetsRequest{SubnetIds: []string{a.Subnet.SubnetId}}, want: 1, firstID: a.Subnet.SubnetId},
		{name: "unknown id", in: ec2types.DescribeSubnetsRequest{SubnetIds: []string{"subnet-1"}}, code: "InvalidSubnetID.NotFound"},
		{name: "vpc-id", in: ec2types.DescribeSubnetsRequest{Filters: []ec2types.Filter{{Name: "vpc-id", Values: []string{v.VpcId}}}}, want: 1},
		{name: "zone", in: ec2types.DescribeSubnetsRequest{Filters: []ec2types.Filter{{Name: "availability-zone", Values: []string{"us-east-1b"}}}}, want: 2},
		{name: "zone id", in: ec2types.DescribeSubnetsRequest{Filters: []ec2types.Filter{{Name: "availability-zone-id", Values: []string{"use1-az2"}}}}, want: 2},
		{name: "default-for-az", in: ec2types.DescribeSubnetsRequest{Filters: []ec2types.Filter{{Name: "default-for-az", Values: []string{"true"}}}}, want: 3},
		{name: "defaultForAz", in: ec2types.DescribeSubnetsRequest{Filters: []ec2types.Filter{{Name: "defaultForAz", Values: []string{"false"}}}}, want: 1},
		{name: "cidr-block", in: ec2types.DescribeSubnetsRequest{Filters: []ec2types.Filter{{Name: "cidr-block", Values: []string{"10.0.1.0/24"}}}}, want: 1},
		{name: "public", in: ec2types.DescribeSubnetsRequest{Filters: []ec2types.Filter{{Name: "map-public-ip-on-launch", Values: []string{"false"}}}}, want: 1},
		{name: "tag", in: ec2types.DescribeSubnetsRequest{Filters: []ec2types.Filter{{Name: "tag:tier", Values: []string{"w*"}}}}, want: 1},
		{name: "state and owner", in: ec2types.DescribeSubnetsRequest{Filters: []ec2types.Filter{{Name: "state", Values: []string{"available"}}, {Name: "owner-id", Values: []string{"123456789012"}}}}, want: 4},
		{name: "bad filter", in: ec2types.DescribeSubnetsRequest{Filters: []ec2types.Filter{{Name: "bogus", Values: []string{"1"}}}}, code: codeInvalidParameterValue},
		{name: "max too big", in: ec2types.DescribeSubnetsRequest{MaxResults: 1001}, code: codeInvalidParameterValue},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := s.DescribeSubnets(ctx, &tc.in)
			if tc.code != "" {
				wantVPCCode(t, err, tc.code)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(out.Subnets) != tc.want || tc.firstID != "" && out.Subnets[0].SubnetId != tc.firstID {
				t.Fatalf("got %+v, want %d", out.Subnets, tc.want)
			}
		})
	}
}

func TestDeleteSubnet(t *testing.T) {
	s, ctx := vpcTestService(t)
	_, err := s.DeleteSubnet(ctx, &ec2types.DeleteSubnetRequest{SubnetId: "subnet-0"})
	wantVPCCode(t, err, "InvalidSubnetID.NotFound")
	_, err = s.DeleteSubnet(ctx, &ec2types.DeleteSubnetRequest{})
	wantVPCCode(t, err, codeMissingParameter)
}
