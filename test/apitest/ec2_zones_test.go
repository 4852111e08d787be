package apitest

import (
	"context"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/berth-dev/berth/internal/testutil"
)

func TestEC2AvailabilityZonesAndAttributes(t *testing.T) {
	region := testutil.Region(t)
	c := ec2.NewFromConfig(srv.AWSConfig(region))
	zones := must[*ec2.DescribeAvailabilityZonesOutput](t)(c.DescribeAvailabilityZones(ctx, &ec2.DescribeAvailabilityZonesInput{}))
	if len(zones.AvailabilityZones) != 3 || aws.ToString(zones.AvailabilityZones[0].ZoneName) != region+"a" ||
		zones.AvailabilityZones[2].State != types.AvailabilityZoneStateAvailable {
		t.Fatalf("zones %+v", zones.AvailabilityZones)
	}
	one := must[*ec2.DescribeAvailabilityZonesOutput](t)(c.DescribeAvailabilityZones(ctx, &ec2.DescribeAvailabilityZonesInput{
		Filters: []types.Filter{{Name: aws.String("zone-name"), Values: []string{"*b"}}}}))
	if len(one.AvailabilityZones) != 1 || aws.ToString(one.AvailabilityZones[0].ZoneName) != region+"b" {
		t.Fatalf("filtered zones %+v", one.AvailabilityZones)
	}
	_, err := c.DescribeAvailabilityZones(ctx, &ec2.DescribeAvailabilityZonesInput{Filters: []types.Filter{{Name: aws.String("bogus"), Values: []string{"x"}}}})
	wantAPIError(t, err, "InvalidParameterValue", "bogus")
	_, err = c.DescribeAvailabilityZones(ctx, &ec2.DescribeAvailabilityZonesInput{ZoneNames: []string{region + "z"}})
	wantAPIError(t, err, "InvalidParameterValue", fmt.Sprintf("%sz", region))

	attrs := must[*ec2.DescribeAccountAttributesOutput](t)(c.DescribeAccountAttributes(ctx, &ec2.DescribeAccountAttributesInput{
		AttributeNames: []types.AccountAttributeName{types.AccountAttributeNameDefaultVpc}}))
	if len(attrs.AccountAttributes) != 1 || len(attrs.AccountAttributes[0].AttributeValues) != 1 {
		t.Fatalf("attributes %+v", attrs.AccountAttributes)
	}
	vpc := aws.ToString(attrs.AccountAttributes[0].AttributeValues[0].AttributeValue)
	// The same account and region always name the same default VPC.
	again := must[*ec2.DescribeAccountAttributesOutput](t)(c.DescribeAccountAttributes(ctx, &ec2.DescribeAccountAttributesInput{
		AttributeNames: []types.AccountAttributeName{types.AccountAttributeNameDefaultVpc}}))
	if got := aws.ToString(again.AccountAttributes[0].AttributeValues[0].AttributeValue); got != vpc || len(vpc) != len("vpc-")+17 {
		t.Fatalf("default vpc %q then %q", vpc, got)
	}
}

func TestEC2WrongSecret(t *testing.T) {
	cfg := srv.AWSConfig(testutil.Region(t))
	cfg.Credentials = aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{AccessKeyID: srv.KeyID, SecretAccessKey: "wrong"}, nil
	})
	_, err := ec2.NewFromConfig(cfg).DescribeAvailabilityZones(ctx, &ec2.DescribeAvailabilityZonesInput{})
	wantAPIError(t, err, "AuthFailure", "")
}
