package apitest

import (
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/berth-dev/berth/internal/testutil"
)

func ec2Client(t *testing.T) *ec2.Client {
	t.Helper()
	return ec2.NewFromConfig(srv.AWSConfig(testutil.Region(t)))
}

func describeGroup(t *testing.T, c *ec2.Client, id string) types.SecurityGroup {
	t.Helper()
	out := must[*ec2.DescribeSecurityGroupsOutput](t)(c.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{id}}))
	if len(out.SecurityGroups) != 1 {
		t.Fatalf("groups %+v", out.SecurityGroups)
	}
	return out.SecurityGroups[0]
}

func tcp(from, to int32, cidrs ...string) types.IpPermission {
	p := types.IpPermission{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(from), ToPort: aws.Int32(to)}
	for _, c := range cidrs {
		p.IpRanges = append(p.IpRanges, types.IpRange{CidrIp: aws.String(c)})
	}
	return p
}

func TestEC2SGDefaultGroup(t *testing.T) {
	c := ec2Client(t)
	out := must[*ec2.DescribeSecurityGroupsOutput](t)(c.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupNames: []string{"default"}}))
	if len(out.SecurityGroups) != 1 {
		t.Fatalf("default groups %+v", out.SecurityGroups)
	}
	g := out.SecurityGroups[0]
	id := aws.ToString(g.GroupId)
	if aws.ToString(g.GroupName) != "default" || aws.ToString(g.Description) != "default VPC security group" || aws.ToString(g.OwnerId) != "123456789012" && aws.ToString(g.OwnerId) == "" {
		t.Fatalf("default group %+v", g)
	}
	if len(g.IpPermissions) != 1 || aws.ToString(g.IpPermissions[0].IpProtocol) != "-1" || len(g.IpPermissions[0].UserIdGroupPairs) != 1 ||
		aws.ToString(g.IpPermissions[0].UserIdGroupPairs[0].GroupId) != id {
		t.Fatalf("default ingress %+v", g.IpPermissions)
	}
	if len(g.IpPermissionsEgress) != 1 || aws.ToString(g.IpPermissionsEgress[0].IpProtocol) != "-1" ||
		len(g.IpPermissionsEgress[0].IpRanges) != 1 || aws.ToString(g.IpPermissionsEgress[0].IpRanges[0].CidrIp) != "0.0.0.0/0" {
		t.Fatalf("default egress %+v", g.IpPermissionsEgress)
	}
	rules := must[*ec2.DescribeSecurityGroupRulesOutput](t)(c.DescribeSecurityGroupRules(ctx, &ec2.DescribeSecurityGroupRulesInput{
		Filters: []types.Filter{{Name: aws.String("group-id"), Values: []string{id}}}}))
	if len(rules.SecurityGroupRules) != 2 {
		t.Fatalf("default rules %+v", rules.SecurityGroupRules)
	}
	_, err := c.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: aws.String(id)})
	wantAPIError(t, err, "CannotDelete", `name: "default" cannot be deleted by a user`)
	byFilter := must[*ec2.DescribeSecurityGroupsOutput](t)(c.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{
		Filters: []types.Filter{{Name: aws.String("vpc-id"), Values: []string{aws.ToString(g.VpcId)}}, {Name: aws.String("group-name"), Values: []string{"def*"}}}}))
	if len(byFilter.SecurityGroups) != 1 {
		t.Fatalf("filtered %+v", byFilter.SecurityGroups)
	}
}

func TestEC2SGCreateAuthorizeRevoke(t *testing.T) {
	c := ec2Client(t)
	web := must[*ec2.CreateSecurityGroupOutput](t)(c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{
		GroupName: aws.String("web"), Description: aws.String("web tier"),
		TagSpecifications: []types.TagSpecification{{ResourceType: types.ResourceTypeSecurityGroup, Tags: []types.Tag{{Key: aws.String("app"), Value: aws.String("shop")}}}}}))
	webID := aws.ToString(web.GroupId)
	if len(web.Tags) != 1 || aws.ToString(web.SecurityGroupArn) == "" {
		t.Fatalf("create %+v", web)
	}
	lb := must[*ec2.CreateSecurityGroupOutput](t)(c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("lb"), Description: aws.String("lb")}))
	lbID := aws.ToString(lb.GroupId)

	g := describeGroup(t, c, webID)
	if len(g.IpPermissions) != 0 || len(g.IpPermissionsEgress) != 1 || aws.ToString(g.IpPermissionsEgress[0].IpRanges[0].CidrIp) != "0.0.0.0/0" || len(g.Tags) != 1 {
		t.Fatalf("new group %+v", g)
	}

	fromLB := tcp(8000, 8100)
	fromLB.UserIdGroupPairs = []types.UserIdGroupPair{{GroupId: aws.String(lbID), Description: aws.String("from lb")}}
	added := must[*ec2.AuthorizeSecurityGroupIngressOutput](t)(c.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{
		GroupId: aws.String(webID), IpPermissions: []types.IpPermission{tcp(80, 80, "10.0.0.0/8", "192.168.1.7/24"), fromLB}}))
	if !aws.ToBool(added.Return) || len(added.SecurityGroupRules) != 3 {
		t.Fatalf("authorize %+v", added)
	}
	for _, r := range added.SecurityGroupRules {
		if len(aws.ToString(r.SecurityGroupRuleId)) != len("sgr-")+17 || aws.ToBool(r.IsEgress) {
			t.Fatalf("rule %+v", r)
		}
	}
	// Legacy form in the default VPC.
	must[*ec2.AuthorizeSecurityGroupIngressOutput](t)(c.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{
		GroupName: aws.String("web"), IpProtocol: aws.String("udp"), FromPort: aws.Int32(53), ToPort: aws.Int32(53), CidrIp: aws.String("0.0.0.0/0")}))

	g = describeGroup(t, c, webID)
	if len(g.IpPermissions) != 3 {
		t.Fatalf("folded %+v", g.IpPermissions)
	}
	p80 := g.IpPermissions[0]
	if aws.ToInt32(p80.FromPort) != 80 || len(p80.IpRanges) != 2 || aws.ToString(p80.IpRanges[1].CidrIp) != "192.168.1.0/24" {
		t.Fatalf("port 80 %+v", p80)
	}
	if p := g.IpPermissions[1]; aws.ToInt32(p.ToPort) != 8100 || len(p.UserIdGroupPairs) != 1 || aws.ToString(p.UserIdGroupPairs[0].GroupId) != lbID ||
		aws.ToString(p.UserIdGroupPairs[0].Description) != "from lb" || aws.ToString(p.UserIdGroupPairs[0].UserId) == "" {
		t.Fatalf("from lb %+v", p)
	}
	if p := g.IpPermissions[2]; aws.ToString(p.IpProtocol) != "udp" {
		t.Fatalf("udp %+v", p)
	}

	byPerm := must[*ec2.DescribeSecurityGroupsOutput](t)(c.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{
		Filters: []types.Filter{{Name: aws.String("ip-permission.group-id"), Values: []string{lbID}}}}))
	if len(byPerm.SecurityGroups) != 1 || aws.ToString(byPerm.SecurityGroups[0].GroupId) != webID {
		t.Fatalf("ip-permission.group-id %+v", byPerm.SecurityGroups)
	}

	rules := must[*ec2.DescribeSecurityGroupRulesOutput](t)(c.DescribeSecurityGroupRules(ctx, &ec2.DescribeSecurityGroupRulesInput{
		Filters: []types.Filter{{Name: aws.String("group-id"), Values: []string{webID}}}}))
	if len(rules.SecurityGroupRules) != 5 {
		t.Fatalf("rules %+v", rules.SecurityGroupRules)
	}
	one := must[*ec2.DescribeSecurityGroupRulesOutput](t)(c.DescribeSecurityGroupRules(ctx, &ec2.DescribeSecurityGroupRulesInput{
		SecurityGroupRuleIds: []string{aws.ToString(added.SecurityGroupRules[2].SecurityGroupRuleId)}}))
	if r := one.SecurityGroupRules; len(r) != 1 || r[0].ReferencedGroupInfo == nil || aws.ToString(r[0].ReferencedGroupInfo.GroupId) != lbID ||
		aws.ToString(r[0].SecurityGroupRuleArn) == "" || aws.ToInt32(r[0].FromPort) != 8000 {
		t.Fatalf("rule by id %+v", r)
	}

	// Duplicates, then revoke by permission and by rule id.
	_, err := c.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(webID), IpPermissions: []types.IpPermission{tcp(80, 80, "10.0.0.0/8")}})
	wantAPIError(t, err, "InvalidPermission.Duplicate", `the specified rule "peer: 10.0.0.0/8, TCP, from port: 80, to port: 80, ALLOW" already exists`)
	rv := must[*ec2.RevokeSecurityGroupIngressOutput](t)(c.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{
		GroupId: aws.String(webID), IpPermissions: []types.IpPermission{tcp(80, 80, "10.0.0.0/8")}}))
	if !aws.ToBool(rv.Return) || len(rv.RevokedSecurityGroupRules) != 1 {
		t.Fatalf("revoke %+v", rv)
	}
	_, err = c.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: aws.String(webID), IpPermissions: []types.IpPermission{tcp(80, 80, "10.0.0.0/8")}})
	wantAPIError(t, err, "InvalidPermission.NotFound", "The specified rule does not exist in this security group.")
	must[*ec2.RevokeSecurityGroupIngressOutput](t)(c.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{
		GroupId: aws.String(webID), SecurityGroupRuleIds: []string{aws.ToString(added.SecurityGroupRules[1].SecurityGroupRuleId)}}))

	// Egress: add one, revoke the default by rule id.
	must[*ec2.AuthorizeSecurityGroupEgressOutput](t)(c.AuthorizeSecurityGroupEgress(ctx, &ec2.AuthorizeSecurityGroupEgressInput{
		GroupId: aws.String(webID), IpPermissions: []types.IpPermission{tcp(443, 443, "0.0.0.0/0")}}))
	g = describeGroup(t, c, webID)
	if len(g.IpPermissions) != 2 || len(g.IpPermissionsEgress) != 2 {
		t.Fatalf("after changes %+v / %+v", g.IpPermissions, g.IpPermissionsEgress)
	}
	must[*ec2.RevokeSecurityGroupEgressOutput](t)(c.RevokeSecurityGroupEgress(ctx, &ec2.RevokeSecurityGroupEgressInput{
		GroupId: aws.String(webID), IpPermissions: []types.IpPermission{{IpProtocol: aws.String("-1"), IpRanges: []types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}}}}))
	if g = describeGroup(t, c, webID); len(g.IpPermissionsEgress) != 1 || aws.ToInt32(g.IpPermissionsEgress[0].FromPort) != 443 {
		t.Fatalf("egress %+v", g.IpPermissionsEgress)
	}

	// lb is referenced by web: it cannot go until the rule does.
	_, err = c.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: aws.String(lbID)})
	wantAPIError(t, err, "DependencyViolation", "resource "+lbID+" has a dependent object")
	must[*ec2.DeleteSecurityGroupOutput](t)(c.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: aws.String(webID)}))
	must[*ec2.DeleteSecurityGroupOutput](t)(c.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupName: aws.String("lb")}))
	_, err = c.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{webID}})
	wantAPIError(t, err, "InvalidGroup.NotFound", "The security group '"+webID+"' does not exist")
}

func TestEC2SGLimitsAndPaging(t *testing.T) {
	c := ec2Client(t)
	id := aws.ToString(must[*ec2.CreateSecurityGroupOutput](t)(c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{
		GroupName: aws.String("many"), Description: aws.String("many")})).GroupId)
	var cidrs []string
	for i := range 60 {
		cidrs = append(cidrs, fmt.Sprintf("10.%d.0.0/16", i))
	}
	must[*ec2.AuthorizeSecurityGroupIngressOutput](t)(c.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{
		GroupId: aws.String(id), IpPermissions: []types.IpPermission{tcp(22, 22, cidrs...)}}))
	_, err := c.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{
		GroupId: aws.String(id), IpPermissions: []types.IpPermission{tcp(23, 23, "10.0.0.0/16")}})
	wantAPIError(t, err, "RulesPerSecurityGroupLimitExceeded", "maximum number of rules")

	var seen int
	p := ec2.NewDescribeSecurityGroupRulesPaginator(c, &ec2.DescribeSecurityGroupRulesInput{MaxResults: aws.Int32(25),
		Filters: []types.Filter{{Name: aws.String("group-id"), Values: []string{id}}}})
	for p.HasMorePages() {
		page := must[*ec2.DescribeSecurityGroupRulesOutput](t)(p.NextPage(ctx))
		seen += len(page.SecurityGroupRules)
	}
	if seen != 61 {
		t.Fatalf("paged %d rules", seen)
	}
	for range 6 {
		must[*ec2.CreateSecurityGroupOutput](t)(c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{
			GroupName: aws.String(fmt.Sprintf("g%d", seen)), Description: aws.String("x")}))
		seen++
	}
	var groups int
	gp := ec2.NewDescribeSecurityGroupsPaginator(c, &ec2.DescribeSecurityGroupsInput{MaxResults: aws.Int32(5)})
	for gp.HasMorePages() {
		groups += len(must[*ec2.DescribeSecurityGroupsOutput](t)(gp.NextPage(ctx)).SecurityGroups)
	}
	if groups != 8 {
		t.Fatalf("paged %d groups", groups)
	}
	_, err = c.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{MaxResults: aws.Int32(2)})
	wantAPIError(t, err, "InvalidParameterValue", "maxResults")
}

func TestEC2SGValidation(t *testing.T) {
	c := ec2Client(t)
	id := aws.ToString(must[*ec2.CreateSecurityGroupOutput](t)(c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{
		GroupName: aws.String("v"), Description: aws.String("v")})).GroupId)
	other := must[*ec2.CreateVpcOutput](t)(c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.9.0.0/16")}))
	elsewhere := aws.ToString(must[*ec2.CreateSecurityGroupOutput](t)(c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{
		GroupName: aws.String("v"), Description: aws.String("same name, other VPC"), VpcId: other.Vpc.VpcId})).GroupId)

	creates := []struct {
		name      string
		in        ec2.CreateSecurityGroupInput
		code, msg string
	}{
		{"reserved", ec2.CreateSecurityGroupInput{GroupName: aws.String("default"), Description: aws.String("d")}, "InvalidParameterValue", "Cannot use reserved security group name: default"},
		{"sg- name", ec2.CreateSecurityGroupInput{GroupName: aws.String("sg-x"), Description: aws.String("d")}, "InvalidParameterValue", "sg-"},
		{"duplicate", ec2.CreateSecurityGroupInput{GroupName: aws.String("v"), Description: aws.String("d")}, "InvalidGroup.Duplicate", "The security group 'v' already exists for VPC 'vpc-"},
		{"unknown vpc", ec2.CreateSecurityGroupInput{GroupName: aws.String("n"), Description: aws.String("d"), VpcId: aws.String("vpc-00000000000000000")}, "InvalidVpcID.NotFound", "vpc-00000000000000000"},
		{"no description", ec2.CreateSecurityGroupInput{GroupName: aws.String("n"), Description: aws.String("")}, "MissingParameter", "GroupDescription"},
	}
	for _, tt := range creates {
		t.Run("create "+tt.name, func(t *testing.T) {
			_, err := c.CreateSecurityGroup(ctx, &tt.in)
			wantAPIError(t, err, tt.code, tt.msg)
		})
	}

	refElsewhere := tcp(1, 1)
	refElsewhere.UserIdGroupPairs = []types.UserIdGroupPair{{GroupId: aws.String(elsewhere)}}
	refMissing := tcp(1, 1)
	refMissing.UserIdGroupPairs = []types.UserIdGroupPair{{GroupId: aws.String("sg-00000000000000000")}}
	perms := []struct {
		name      string
		perm      types.IpPermission
		code, msg string
	}{
		{"bad protocol", types.IpPermission{IpProtocol: aws.String("foo"), IpRanges: []types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}}, "InvalidParameterValue", "Unknown protocol"},
		{"port range", tcp(90, 80, "0.0.0.0/0"), "InvalidParameterValue", "portRange"},
		{"port too big", tcp(1, 65536, "0.0.0.0/0"), "InvalidParameterValue", "portRange"},
		{"bad cidr", tcp(1, 1, "10.0.0.300/8"), "InvalidParameterValue", "CIDR block 10.0.0.300/8 is malformed"},
		{"icmp code", types.IpPermission{IpProtocol: aws.String("icmp"), FromPort: aws.Int32(-1), ToPort: aws.Int32(4), IpRanges: []types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}}, "InvalidParameterValue", "ICMP code"},
		{"group in other vpc", refElsewhere, "InvalidGroup.NotFound", elsewhere},
		{"missing group", refMissing, "InvalidGroup.NotFound", "sg-00000000000000000"},
	}
	for _, tt := range perms {
		t.Run("authorize "+tt.name, func(t *testing.T) {
			_, err := c.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(id), IpPermissions: []types.IpPermission{tt.perm}})
			wantAPIError(t, err, tt.code, tt.msg)
		})
	}
	_, err := c.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String("sg-00000000000000000"), IpPermissions: []types.IpPermission{tcp(1, 1, "0.0.0.0/0")}})
	wantAPIError(t, err, "InvalidGroup.NotFound", "The security group 'sg-00000000000000000' does not exist")
	_, err = c.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupNames: []string{"nope"}})
	wantAPIError(t, err, "InvalidGroup.NotFound", "'nope' does not exist in default VPC")
	_, err = c.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: []types.Filter{{Name: aws.String("bogus"), Values: []string{"x"}}}})
	wantAPIError(t, err, "InvalidParameterValue", "bogus")
	_, err = c.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: aws.String(id), SecurityGroupRuleIds: []string{"sgr-00000000000000000"}})
	wantAPIError(t, err, "InvalidSecurityGroupRuleId.NotFound", "sgr-00000000000000000")

	// Nothing changed: still only the default egress rule.
	if g := describeGroup(t, c, id); len(g.IpPermissions) != 0 || len(g.IpPermissionsEgress) != 1 {
		t.Fatalf("after failures %+v", g)
	}
}

func TestEC2SGNetworkInterfaces(t *testing.T) {
	c := ec2Client(t)
	out := must[*ec2.DescribeNetworkInterfacesOutput](t)(c.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{
		Filters: []types.Filter{{Name: aws.String("vpc-id"), Values: []string{"vpc-1"}}, {Name: aws.String("tag:x"), Values: []string{"y"}}}}))
	if len(out.NetworkInterfaces) != 0 {
		t.Fatalf("interfaces %+v", out.NetworkInterfaces)
	}
	_, err := c.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{NetworkInterfaceIds: []string{"eni-00000000000000000"}})
	wantAPIError(t, err, "InvalidNetworkInterfaceID.NotFound", "The networkInterface ID 'eni-00000000000000000' does not exist")
	_, err = c.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{Filters: []types.Filter{{Name: aws.String("bogus"), Values: []string{"x"}}}})
	wantAPIError(t, err, "InvalidParameterValue", "bogus")
	_, err = c.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{MaxResults: aws.Int32(2)})
	wantAPIError(t, err, "InvalidParameterValue", "maxResults")
}
