package apitest

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/berth-dev/berth/internal/testutil"
)

func vpcEC2Client(t *testing.T) (*ec2.Client, string) {
	t.Helper()
	region := testutil.Region(t)
	return ec2.NewFromConfig(srv.AWSConfig(region)), region
}

func vpcFilter(name string, values ...string) types.Filter {
	return types.Filter{Name: aws.String(name), Values: values}
}

func TestEC2DefaultVPC(t *testing.T) {
	c, region := vpcEC2Client(t)
	vpcs := must[*ec2.DescribeVpcsOutput](t)(c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: []types.Filter{vpcFilter("is-default", "true")}}))
	if len(vpcs.Vpcs) != 1 || aws.ToString(vpcs.Vpcs[0].CidrBlock) != "172.31.0.0/16" || vpcs.Vpcs[0].State != types.VpcStateAvailable ||
		!aws.ToBool(vpcs.Vpcs[0].IsDefault) || vpcs.Vpcs[0].Tags != nil {
		t.Fatalf("default vpcs %+v", vpcs.Vpcs)
	}
	vpcID := aws.ToString(vpcs.Vpcs[0].VpcId)
	subnets := must[*ec2.DescribeSubnetsOutput](t)(c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []types.Filter{vpcFilter("vpc-id", vpcID), vpcFilter("default-for-az", "true")}}))
	if len(subnets.Subnets) != 3 {
		t.Fatalf("default subnets %+v", subnets.Subnets)
	}
	zones := map[string]bool{}
	for _, s := range subnets.Subnets {
		zones[aws.ToString(s.AvailabilityZone)] = true
		if !aws.ToBool(s.MapPublicIpOnLaunch) || aws.ToInt32(s.AvailableIpAddressCount) != 4091 {
			t.Fatalf("default subnet %+v", s)
		}
	}
	if !zones[region+"a"] || !zones[region+"b"] || !zones[region+"c"] {
		t.Fatalf("default subnets in zones %v", zones)
	}
	tags := must[*ec2.DescribeTagsOutput](t)(c.DescribeTags(ctx, &ec2.DescribeTagsInput{}))
	if len(tags.Tags) != 0 {
		t.Fatalf("tags in a new region: %+v", tags.Tags)
	}
}

func TestEC2VPCLifecycle(t *testing.T) {
	c, region := vpcEC2Client(t)
	vpc := must[*ec2.CreateVpcOutput](t)(c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.20.0.0/16"),
		TagSpecifications: []types.TagSpecification{{ResourceType: types.ResourceTypeVpc, Tags: []types.Tag{{Key: aws.String("Name"), Value: aws.String("app")}}}}})).Vpc
	vpcID := aws.ToString(vpc.VpcId)
	if vpc.State != types.VpcStateAvailable || aws.ToBool(vpc.IsDefault) || len(vpc.Tags) != 1 || aws.ToString(vpc.CidrBlock) != "10.20.0.0/16" {
		t.Fatalf("created vpc %+v", vpc)
	}
	a := must[*ec2.CreateSubnetOutput](t)(c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc.VpcId, CidrBlock: aws.String("10.20.1.0/24"),
		AvailabilityZone: aws.String(region + "a")})).Subnet
	b := must[*ec2.CreateSubnetOutput](t)(c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc.VpcId, CidrBlock: aws.String("10.20.2.0/24"),
		AvailabilityZone:  aws.String(region + "b"),
		TagSpecifications: []types.TagSpecification{{ResourceType: types.ResourceTypeSubnet, Tags: []types.Tag{{Key: aws.String("tier"), Value: aws.String("private")}}}}})).Subnet
	if aws.ToInt32(a.AvailableIpAddressCount) != 251 || aws.ToBool(a.DefaultForAz) || a.Tags != nil || aws.ToString(b.AvailabilityZone) != region+"b" {
		t.Fatalf("subnets %+v %+v", a, b)
	}

	in := must[*ec2.DescribeSubnetsOutput](t)(c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []types.Filter{vpcFilter("vpc-id", vpcID)}}))
	if len(in.Subnets) != 2 {
		t.Fatalf("subnets of %s: %+v", vpcID, in.Subnets)
	}
	tagged := must[*ec2.DescribeSubnetsOutput](t)(c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []types.Filter{vpcFilter("tag:tier", "private")}}))
	if len(tagged.Subnets) != 1 || aws.ToString(tagged.Subnets[0].SubnetId) != aws.ToString(b.SubnetId) {
		t.Fatalf("tagged subnets %+v", tagged.Subnets)
	}
	byName := must[*ec2.DescribeVpcsOutput](t)(c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: []types.Filter{vpcFilter("tag:Name", "app")}}))
	if len(byName.Vpcs) != 1 || aws.ToString(byName.Vpcs[0].VpcId) != vpcID {
		t.Fatalf("vpcs by name %+v", byName.Vpcs)
	}

	// Tags on VPC, subnet and the VPC's default group.
	must[*ec2.CreateTagsOutput](t)(c.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{vpcID, aws.ToString(a.SubnetId)},
		Tags: []types.Tag{{Key: aws.String("env"), Value: aws.String("test")}}}))
	tags := must[*ec2.DescribeTagsOutput](t)(c.DescribeTags(ctx, &ec2.DescribeTagsInput{Filters: []types.Filter{vpcFilter("key", "env")}}))
	if len(tags.Tags) != 2 || tags.Tags[0].ResourceType != types.ResourceTypeSubnet && tags.Tags[0].ResourceType != types.ResourceTypeVpc {
		t.Fatalf("env tags %+v", tags.Tags)
	}
	must[*ec2.DeleteTagsOutput](t)(c.DeleteTags(ctx, &ec2.DeleteTagsInput{Resources: []string{aws.ToString(a.SubnetId)}, Tags: []types.Tag{{Key: aws.String("env")}}}))
	tags = must[*ec2.DescribeTagsOutput](t)(c.DescribeTags(ctx, &ec2.DescribeTagsInput{Filters: []types.Filter{vpcFilter("resource-id", aws.ToString(a.SubnetId))}}))
	if len(tags.Tags) != 0 {
		t.Fatalf("subnet tags after DeleteTags %+v", tags.Tags)
	}

	// Delete order: the VPC waits for its subnets.
	_, err := c.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: vpc.VpcId})
	wantAPIError(t, err, "DependencyViolation", "has dependencies and cannot be deleted")
	for _, s := range []*types.Subnet{a, b} {
		must[*ec2.DeleteSubnetOutput](t)(c.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: s.SubnetId}))
	}
	must[*ec2.DeleteVpcOutput](t)(c.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: vpc.VpcId}))
	_, err = c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{VpcIds: []string{vpcID}})
	wantAPIError(t, err, "InvalidVpcID.NotFound", vpcID)
	_, err = c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: []string{aws.ToString(a.SubnetId)}})
	wantAPIError(t, err, "InvalidSubnetID.NotFound", aws.ToString(a.SubnetId))
	tags = must[*ec2.DescribeTagsOutput](t)(c.DescribeTags(ctx, &ec2.DescribeTagsInput{}))
	if len(tags.Tags) != 0 {
		t.Fatalf("tags left after deletes %+v", tags.Tags)
	}
}

func TestEC2VPCPaging(t *testing.T) {
	c, _ := vpcEC2Client(t)
	for range 6 {
		must[*ec2.CreateVpcOutput](t)(c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/24")}))
	}
	seen := map[string]bool{}
	pages := 0
	p := ec2.NewDescribeVpcsPaginator(c, &ec2.DescribeVpcsInput{MaxResults: aws.Int32(5)})
	for p.HasMorePages() {
		out := must[*ec2.DescribeVpcsOutput](t)(p.NextPage(ctx))
		pages++
		for _, v := range out.Vpcs {
			seen[aws.ToString(v.VpcId)] = true
		}
	}
	if len(seen) != 7 || pages != 2 {
		t.Fatalf("%d vpcs in %d pages", len(seen), pages)
	}
}

func TestEC2VPCErrors(t *testing.T) {
	c, region := vpcEC2Client(t)
	vpc := must[*ec2.CreateVpcOutput](t)(c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.30.0.0/16")})).Vpc
	must[*ec2.CreateSubnetOutput](t)(c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc.VpcId, CidrBlock: aws.String("10.30.0.0/20")}))
	count := func() (int, int, int) {
		v := must[*ec2.DescribeVpcsOutput](t)(c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{}))
		s := must[*ec2.DescribeSubnetsOutput](t)(c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{}))
		g := must[*ec2.DescribeTagsOutput](t)(c.DescribeTags(ctx, &ec2.DescribeTagsInput{}))
		return len(v.Vpcs), len(s.Subnets), len(g.Tags)
	}
	v0, s0, t0 := count()

	for _, tc := range []struct {
		name, code, msg string
		call            func() error
	}{
		{"vpc cidr", "InvalidParameterValue", "This is not a valid CIDR block", func() error {
			_, err := c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.1/16")})
			return err
		}},
		{"vpc range", "InvalidVpc.Range", "The CIDR '10.0.0.0/8' is invalid", func() error {
			_, err := c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/8")})
			return err
		}},
		{"vpc tag type", "InvalidParameterValue", "not a valid taggable resource type", func() error {
			_, err := c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16"),
				TagSpecifications: []types.TagSpecification{{ResourceType: types.ResourceTypeSubnet, Tags: []types.Tag{{Key: aws.String("a"), Value: aws.String("b")}}}}})
			return err
		}},
		{"vpc reserved tag", "InvalidParameterValue", "aws:", func() error {
			_, err := c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16"),
				TagSpecifications: []types.TagSpecification{{ResourceType: types.ResourceTypeVpc, Tags: []types.Tag{{Key: aws.String("aws:x"), Value: aws.String("b")}}}}})
			return err
		}},
		{"delete unknown vpc", "InvalidVpcID.NotFound", "The vpc ID 'vpc-0123456789abcdef0' does not exist", func() error {
			_, err := c.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: aws.String("vpc-0123456789abcdef0")})
			return err
		}},
		{"delete vpc with subnet", "DependencyViolation", "has dependencies", func() error {
			_, err := c.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: vpc.VpcId})
			return err
		}},
		{"subnet conflict", "InvalidSubnet.Conflict", "The CIDR '10.30.8.0/24' conflicts with another subnet", func() error {
			_, err := c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc.VpcId, CidrBlock: aws.String("10.30.8.0/24")})
			return err
		}},
		{"subnet outside", "InvalidSubnet.Range", "The CIDR '10.31.0.0/24' is invalid", func() error {
			_, err := c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc.VpcId, CidrBlock: aws.String("10.31.0.0/24")})
			return err
		}},
		{"subnet too small", "InvalidSubnet.Range", "is invalid", func() error {
			_, err := c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc.VpcId, CidrBlock: aws.String("10.30.100.0/29")})
			return err
		}},
		{"subnet bad cidr", "InvalidParameterValue", "This is not a valid CIDR block", func() error {
			_, err := c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc.VpcId, CidrBlock: aws.String("10.30.100.0")})
			return err
		}},
		{"subnet zone", "InvalidParameterValue", region + "a, " + region + "b, " + region + "c", func() error {
			_, err := c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc.VpcId, CidrBlock: aws.String("10.30.100.0/24"), AvailabilityZone: aws.String(region + "q")})
			return err
		}},
		{"subnet unknown vpc", "InvalidVpcID.NotFound", "vpc-0123456789abcdef0", func() error {
			_, err := c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: aws.String("vpc-0123456789abcdef0"), CidrBlock: aws.String("10.30.100.0/24")})
			return err
		}},
		{"delete unknown subnet", "InvalidSubnetID.NotFound", "The subnet ID 'subnet-0123456789abcdef0' does not exist", func() error {
			_, err := c.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: aws.String("subnet-0123456789abcdef0")})
			return err
		}},
		{"describe bad filter", "InvalidParameterValue", "bogus", func() error {
			_, err := c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []types.Filter{vpcFilter("bogus", "1")}})
			return err
		}},
		{"describe max results", "InvalidParameterValue", "maxResults", func() error {
			_, err := c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{MaxResults: aws.Int32(2)})
			return err
		}},
		{"tag unknown resource", "InvalidVpcID.NotFound", "vpc-0123456789abcdef0", func() error {
			_, err := c.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{aws.ToString(vpc.VpcId), "vpc-0123456789abcdef0"},
				Tags: []types.Tag{{Key: aws.String("a"), Value: aws.String("b")}}})
			return err
		}},
		{"tag unknown group", "InvalidGroup.NotFound", "sg-0123456789abcdef0", func() error {
			_, err := c.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{"sg-0123456789abcdef0"}, Tags: []types.Tag{{Key: aws.String("a"), Value: aws.String("b")}}})
			return err
		}},
		{"tag invalid id", "InvalidID", "The ID 'i-0123' is not valid", func() error {
			_, err := c.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{"i-0123"}, Tags: []types.Tag{{Key: aws.String("a"), Value: aws.String("b")}}})
			return err
		}},
		{"tag reserved", "InvalidParameterValue", "reserved", func() error {
			_, err := c.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{aws.ToString(vpc.VpcId)}, Tags: []types.Tag{{Key: aws.String("aws:a"), Value: aws.String("b")}}})
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) { wantAPIError(t, tc.call(), tc.code, tc.msg) })
	}
	if v, s, g := count(); v != v0 || s != s0 || g != t0 {
		t.Fatalf("failed calls changed state: vpcs %d→%d, subnets %d→%d, tags %d→%d", v0, v, s0, s, t0, g)
	}

	// The tag limit: 50 per resource.
	var tags []types.Tag
	for i := range 50 {
		tags = append(tags, types.Tag{Key: aws.String(string(rune('A'+i%26)) + string(rune('a'+i/26))), Value: aws.String("v")})
	}
	must[*ec2.CreateTagsOutput](t)(c.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{aws.ToString(vpc.VpcId)}, Tags: tags}))
	_, err := c.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{aws.ToString(vpc.VpcId)}, Tags: []types.Tag{{Key: aws.String("one-more"), Value: aws.String("v")}}})
	wantAPIError(t, err, "TagLimitExceeded", "50")
}
