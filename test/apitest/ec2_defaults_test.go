package apitest

import (
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/berth-dev/berth/internal/testutil"
)

// TestDefaultVPCCIDR runs its own server with --default-vpc-cidr (by its
// environment variable): new accounts' default VPC and subnets use it.
func TestDefaultVPCCIDR(t *testing.T) {
	s := testutil.StartServer(t, "BERTH_NO_AGENT=true", "BERTH_DEFAULT_VPC_CIDR=10.77.0.0/16")
	c := ec2.NewFromConfig(s.AWSConfig(""))
	vpcs := must[*ec2.DescribeVpcsOutput](t)(c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{
		Filters: []types.Filter{{Name: aws.String("is-default"), Values: []string{"true"}}}}))
	if len(vpcs.Vpcs) != 1 || aws.ToString(vpcs.Vpcs[0].CidrBlock) != "10.77.0.0/16" {
		t.Fatalf("default VPC: %+v", vpcs.Vpcs)
	}
	subs := must[*ec2.DescribeSubnetsOutput](t)(c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{}))
	var cidrs []string
	for _, sub := range subs.Subnets {
		cidrs = append(cidrs, aws.ToString(sub.CidrBlock))
	}
	slices.Sort(cidrs)
	if !slices.Equal(cidrs, []string{"10.77.0.0/20", "10.77.16.0/20", "10.77.32.0/20"}) {
		t.Fatalf("default subnets %v", cidrs)
	}
}

func TestBadDefaultVPCCIDRRefusesToStart(t *testing.T) {
	s := &testutil.Server{Bin: testutil.Binary(t), DataDir: t.TempDir(), Log: testLogWriter{t},
		Env: []string{"BERTH_NO_AGENT=true", "BERTH_DEFAULT_VPC_CIDR=10.0.0.0/24"}}
	if err := s.Start(); err == nil {
		s.Stop()
		t.Fatal("the server started with a /24 default VPC")
	}
}

type testLogWriter struct{ t *testing.T }

func (w testLogWriter) Write(p []byte) (int, error) { w.t.Logf("%s", p); return len(p), nil }
