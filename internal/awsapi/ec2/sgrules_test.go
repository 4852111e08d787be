package ec2

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/awsapi/ec2/ec2types"
	"github.com/berth-dev/berth/internal/awsapi/protocol"
	"github.com/berth-dev/berth/internal/store/memstore"
)

func testService(t *testing.T) (*Service, context.Context) {
	t.Helper()
	ctx := protocol.WithRequest(context.Background(), &protocol.RequestInfo{Region: "us-east-1", Principal: protocol.Principal{
		AccountID: "123456789012", Root: true, ARN: "arn:aws:iam::123456789012:root"}})
	return New(memstore.New()), ctx
}

// wantCode asserts err is an EC2 error with code and msg in its message.
func wantCode(t *testing.T, err error, code, msg string) {
	t.Helper()
	var pe *protocol.Error
	if !errors.As(err, &pe) {
		t.Fatalf("want %s, got %v", code, err)
	}
	if pe.Code != code || !strings.Contains(pe.Message, msg) {
		t.Fatalf("want %s %q, got %s %q", code, msg, pe.Code, pe.Message)
	}
}

func TestExpandPermissionsValidation(t *testing.T) {
	sc := scope{account: "123456789012", region: "us-east-1"}
	target := ruleTarget{sc: sc, group: ec2types.SecurityGroup{GroupId: "sg-1"}}
	cidr := []ec2types.IpRange{{CidrIp: "0.0.0.0/0"}}
	tests := []struct {
		name string
		perm ec2types.IpPermission
		code string // "" for valid
		msg  string
		want ec2types.SecurityGroupRule
	}{
		{"tcp", ec2types.IpPermission{IpProtocol: "tcp", FromPort: 80, ToPort: 80, IpRanges: cidr}, "", "",
			ec2types.SecurityGroupRule{IpProtocol: "tcp", FromPort: 80, ToPort: 80, CidrIpv4: "0.0.0.0/0"}},
		{"number as name", ec2types.IpPermission{IpProtocol: "17", FromPort: 53, ToPort: 53, IpRanges: cidr}, "", "",
			ec2types.SecurityGroupRule{IpProtocol: "udp", FromPort: 53, ToPort: 53, CidrIpv4: "0.0.0.0/0"}},
		{"all ignores ports", ec2types.IpPermission{IpProtocol: "all", FromPort: 5, ToPort: 9, IpRanges: cidr}, "", "",
			ec2types.SecurityGroupRule{IpProtocol: "-1", FromPort: -1, ToPort: -1, CidrIpv4: "0.0.0.0/0"}},
		{"other protocol", ec2types.IpPermission{IpProtocol: "50", IpRanges: cidr}, "", "",
			ec2types.SecurityGroupRule{IpProtocol: "50", FromPort: -1, ToPort: -1, CidrIpv4: "0.0.0.0/0"}},
		{"icmp any", ec2types.IpPermission{IpProtocol: "icmp", FromPort: -1, ToPort: -1, IpRanges: cidr}, "", "",
			ec2types.SecurityGroupRule{IpProtocol: "icmp", FromPort: -1, ToPort: -1, CidrIpv4: "0.0.0.0/0"}},
		{"host bits masked", ec2types.IpPermission{IpProtocol: "tcp", FromPort: 1, ToPort: 2, IpRanges: []ec2types.IpRange{{CidrIp: "10.0.0.5/24"}}}, "", "",
			ec2types.SecurityGroupRule{IpProtocol: "tcp", FromPort: 1, ToPort: 2, CidrIpv4: "10.0.0.0/24"}},
		{"ipv6", ec2types.IpPermission{IpProtocol: "tcp", FromPort: 1, ToPort: 2, Ipv6Ranges: []ec2types.Ipv6Range{{CidrIpv6: "::/0"}}}, "", "",
			ec2types.SecurityGroupRule{IpProtocol: "tcp", FromPort: 1, ToPort: 2, CidrIpv6: "::/0"}},
		{"unknown protocol", ec2types.IpPermission{IpProtocol: "foo", IpRanges: cidr}, codeInvalidParameterValue, "Unknown protocol", ec2types.SecurityGroupRule{}},
		{"protocol 256", ec2types.IpPermission{IpProtocol: "256", IpRanges: cidr}, codeInvalidParameterValue, "Unknown protocol", ec2types.SecurityGroupRule{}},
		{"missing protocol", ec2types.IpPermission{IpRanges: cidr}, codeMissingParameter, "IpProtocol", ec2types.SecurityGroupRule{}},
		{"port above range", ec2types.IpPermission{IpProtocol: "tcp", FromPort: 1, ToPort: 70000, IpRanges: cidr}, codeInvalidParameterValue, "portRange", ec2types.SecurityGroupRule{}},
		{"from after to", ec2types.IpPermission{IpProtocol: "udp", FromPort: 90, ToPort: 80, IpRanges: cidr}, codeInvalidParameterValue, "'90-80' for portRange", ec2types.SecurityGroupRule{}},
		{"negative tcp port", ec2types.IpPermission{IpProtocol: "tcp", FromPort: -1, ToPort: -1, IpRanges: cidr}, codeInvalidParameterValue, "portRange", ec2types.SecurityGroupRule{}},
		{"icmp code without type", ec2types.IpPermission{IpProtocol: "icmp", FromPort: -1, ToPort: 3, IpRanges: cidr}, codeInvalidParameterValue, "ICMP code", ec2types.SecurityGroupRule{}},
		{"icmp type too big", ec2types.IpPermission{IpProtocol: "icmp", FromPort: 300, ToPort: -1, IpRanges: cidr}, codeInvalidParameterValue, "ICMP type", ec2types.SecurityGroupRule{}},
		{"bad cidr", ec2types.IpPermission{IpProtocol: "-1", IpRanges: []ec2types.IpRange{{CidrIp: "10.0.0.0"}}}, codeInvalidParameterValue, "CIDR block 10.0.0.0 is malformed", ec2types.SecurityGroupRule{}},
		{"v6 in IpRanges", ec2types.IpPermission{IpProtocol: "-1", IpRanges: []ec2types.IpRange{{CidrIp: "::/0"}}}, codeInvalidParameterValue, "malformed", ec2types.SecurityGroupRule{}},
		{"bad description", ec2types.IpPermission{IpProtocol: "-1", IpRanges: []ec2types.IpRange{{CidrIp: "1.2.3.4/32", Description: "é"}}}, codeInvalidParameterValue, "Invalid rule description", ec2types.SecurityGroupRule{}},
		{"bad prefix list", ec2types.IpPermission{IpProtocol: "-1", PrefixListIds: []ec2types.PrefixListId{{PrefixListId: "x"}}}, "InvalidPrefixListId.Malformed", "x", ec2types.SecurityGroupRule{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rules, err := expandPermissions(target, []ec2types.IpPermission{tt.perm})
			if tt.code != "" {
				wantCode(t, err, tt.code, tt.msg)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.want.GroupId, tt.want.GroupOwnerId = "sg-1", sc.account
			if len(rules) != 1 || ruleIdentity(rules[0]) != ruleIdentity(tt.want) || rules[0].GroupOwnerId != sc.account {
				t.Fatalf("rules %+v, want %+v", rules, tt.want)
			}
		})
	}
}

func TestFoldGroup(t *testing.T) {
	rule := func(egress bool, proto string, from, to int32, peer string) ec2types.SecurityGroupRule {
		r := ec2types.SecurityGroupRule{IsEgress: egress, IpProtocol: proto, FromPort: from, ToPort: to}
		switch {
		case strings.HasPrefix(peer, "sg-"):
			r.ReferencedGroupInfo = &ec2types.ReferencedSecurityGroup{GroupId: peer, UserId: "123456789012"}
		case strings.HasPrefix(peer, "pl-"):
			r.PrefixListId = peer
		case strings.Contains(peer, ":"):
			r.CidrIpv6 = peer
		default:
			r.CidrIpv4 = peer
		}
		return r
	}
	g := foldGroup(sgRecord{Rules: []ec2types.SecurityGroupRule{
		rule(false, "tcp", 80, 80, "10.0.0.0/8"),
		rule(false, "tcp", 443, 443, "0.0.0.0/0"),
		rule(false, "tcp", 80, 80, "sg-1"),
		rule(false, "tcp", 80, 80, "::/0"),
		rule(false, "tcp", 80, 80, "pl-1"),
		rule(false, "-1", -1, -1, "sg-2"),
		rule(true, "-1", -1, -1, "0.0.0.0/0"),
	}})
	if len(g.IpPermissions) != 3 || len(g.IpPermissionsEgress) != 1 {
		t.Fatalf("permissions %+v / %+v", g.IpPermissions, g.IpPermissionsEgress)
	}
	p80 := g.IpPermissions[0]
	if p80.FromPort != 80 || len(p80.IpRanges) != 1 || len(p80.UserIdGroupPairs) != 1 || len(p80.Ipv6Ranges) != 1 ||
		len(p80.PrefixListIds) != 1 || p80.UserIdGroupPairs[0].GroupId != "sg-1" || p80.UserIdGroupPairs[0].UserId != "123456789012" {
		t.Fatalf("port 80 %+v", p80)
	}
	if p := g.IpPermissions[1]; p.FromPort != 443 || p.IpRanges[0].CidrIp != "0.0.0.0/0" {
		t.Fatalf("port 443 %+v", p)
	}
	if p := g.IpPermissions[2]; p.IpProtocol != "-1" || p.FromPort != 0 || p.ToPort != 0 || p.UserIdGroupPairs[0].GroupId != "sg-2" {
		t.Fatalf("all %+v", p)
	}
	if e := g.IpPermissionsEgress[0]; e.IpProtocol != "-1" || e.IpRanges[0].CidrIp != "0.0.0.0/0" || e.UserIdGroupPairs == nil {
		t.Fatalf("egress %+v", e)
	}
}

func TestAuthorizeDuplicatesAndRevoke(t *testing.T) {
	s, ctx := testService(t)
	g, err := s.CreateSecurityGroup(ctx, &ec2types.CreateSecurityGroupRequest{GroupName: "web", Description: "web"})
	if err != nil {
		t.Fatal(err)
	}
	http := []ec2types.IpPermission{{IpProtocol: "tcp", FromPort: 80, ToPort: 80, IpRanges: []ec2types.IpRange{{CidrIp: "0.0.0.0/0"}}}}
	added, err := s.AuthorizeSecurityGroupIngress(ctx, &ec2types.AuthorizeSecurityGroupIngressRequest{GroupId: g.GroupId, IpPermissions: http})
	if err != nil || !added.Return || len(added.SecurityGroupRules) != 1 || !strings.HasPrefix(added.SecurityGroupRules[0].SecurityGroupRuleId, "sgr-") {
		t.Fatalf("authorize %+v, %v", added, err)
	}
	_, err = s.AuthorizeSecurityGroupIngress(ctx, &ec2types.AuthorizeSecurityGroupIngressRequest{GroupId: g.GroupId, IpPermissions: http})
	wantCode(t, err, codePermissionDuplicate, `the specified rule "peer: 0.0.0.0/0, TCP, from port: 80, to port: 80, ALLOW" already exists`)
	twice := append(http[:1:1], ec2types.IpPermission{IpProtocol: "tcp", FromPort: 80, ToPort: 80, IpRanges: []ec2types.IpRange{{CidrIp: "0.0.0.0/0", Description: "again"}}})
	_, err = s.AuthorizeSecurityGroupEgress(ctx, &ec2types.AuthorizeSecurityGroupEgressRequest{GroupId: g.GroupId, IpPermissions: twice})
	wantCode(t, err, codeInvalidParameterValue, "must not appear multiple times")
	// The same rule outbound is a different rule.
	if _, err := s.AuthorizeSecurityGroupEgress(ctx, &ec2types.AuthorizeSecurityGroupEgressRequest{GroupId: g.GroupId, IpPermissions: http}); err != nil {
		t.Fatal(err)
	}

	_, err = s.RevokeSecurityGroupIngress(ctx, &ec2types.RevokeSecurityGroupIngressRequest{GroupId: g.GroupId,
		IpPermissions: []ec2types.IpPermission{{IpProtocol: "tcp", FromPort: 81, ToPort: 81, IpRanges: []ec2types.IpRange{{CidrIp: "0.0.0.0/0"}}}}})
	wantCode(t, err, codePermissionNotFound, "The specified rule does not exist in this security group.")
	_, err = s.RevokeSecurityGroupEgress(ctx, &ec2types.RevokeSecurityGroupEgressRequest{GroupId: g.GroupId,
		SecurityGroupRuleIds: []string{added.SecurityGroupRules[0].SecurityGroupRuleId}})
	wantCode(t, err, codeRuleIDNotFound, added.SecurityGroupRules[0].SecurityGroupRuleId)
	rv, err := s.RevokeSecurityGroupIngress(ctx, &ec2types.RevokeSecurityGroupIngressRequest{GroupId: g.GroupId, IpPermissions: http})
	if err != nil || !rv.Return || len(rv.RevokedSecurityGroupRules) != 1 || rv.RevokedSecurityGroupRules[0].SecurityGroupRuleId != added.SecurityGroupRules[0].SecurityGroupRuleId {
		t.Fatalf("revoke %+v, %v", rv, err)
	}
	rec, _, err := s.getGroup(ctx, scopeOf(ctx), g.GroupId)
	if err != nil || len(rec.Rules) != 2 {
		t.Fatalf("rules left %+v, %v", rec, err)
	}
}

func TestRulesLimit(t *testing.T) {
	s, ctx := testService(t)
	g, err := s.CreateSecurityGroup(ctx, &ec2types.CreateSecurityGroupRequest{GroupName: "many", Description: "many"})
	if err != nil {
		t.Fatal(err)
	}
	var perm ec2types.IpPermission
	perm.IpProtocol, perm.FromPort, perm.ToPort = "tcp", 1, 1
	for i := range maxRulesPerDirection {
		perm.IpRanges = append(perm.IpRanges, ec2types.IpRange{CidrIp: "10.0." + itoa(int32(i)) + ".0/24"})
	}
	if _, err := s.AuthorizeSecurityGroupIngress(ctx, &ec2types.AuthorizeSecurityGroupIngressRequest{GroupId: g.GroupId, IpPermissions: []ec2types.IpPermission{perm}}); err != nil {
		t.Fatal(err)
	}
	_, err = s.AuthorizeSecurityGroupIngress(ctx, &ec2types.AuthorizeSecurityGroupIngressRequest{GroupId: g.GroupId, CidrIp: "1.1.1.1/32", IpProtocol: "tcp", FromPort: 1, ToPort: 1})
	wantCode(t, err, codeRulesLimit, "maximum number of rules")
	// Egress has its own 60, one of them the default rule.
	perm.IpRanges = perm.IpRanges[:maxRulesPerDirection-1]
	if _, err := s.AuthorizeSecurityGroupEgress(ctx, &ec2types.AuthorizeSecurityGroupEgressRequest{GroupId: g.GroupId, IpPermissions: []ec2types.IpPermission{perm}}); err != nil {
		t.Fatal(err)
	}
}

func TestDeleteDependencies(t *testing.T) {
	s, ctx := testService(t)
	sc := scopeOf(ctx)
	a, err := s.CreateSecurityGroup(ctx, &ec2types.CreateSecurityGroupRequest{GroupName: "a", Description: "a"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.CreateSecurityGroup(ctx, &ec2types.CreateSecurityGroupRequest{GroupName: "b", Description: "b"})
	if err != nil {
		t.Fatal(err)
	}
	from := func(id string) []ec2types.IpPermission {
		return []ec2types.IpPermission{{IpProtocol: "-1", UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: id}}}}
	}
	// A self-reference does not block deletion; a reference from b does.
	for _, src := range []string{a.GroupId, b.GroupId} {
		if _, err := s.AuthorizeSecurityGroupIngress(ctx, &ec2types.AuthorizeSecurityGroupIngressRequest{GroupId: src, IpPermissions: from(a.GroupId)}); err != nil {
			t.Fatal(err)
		}
	}
	_, err = s.DeleteSecurityGroup(ctx, &ec2types.DeleteSecurityGroupRequest{GroupId: a.GroupId})
	wantCode(t, err, codeDependencyViolation, "resource "+a.GroupId+" has a dependent object")
	if _, err := s.DeleteSecurityGroup(ctx, &ec2types.DeleteSecurityGroupRequest{GroupName: "b"}); err != nil {
		t.Fatal(err)
	}
	if out, err := s.DeleteSecurityGroup(ctx, &ec2types.DeleteSecurityGroupRequest{GroupId: a.GroupId}); err != nil || out.GroupId != a.GroupId {
		t.Fatalf("delete %+v, %v", out, err)
	}
	_, err = s.DeleteSecurityGroup(ctx, &ec2types.DeleteSecurityGroupRequest{GroupId: a.GroupId})
	wantCode(t, err, codeGroupNotFound, "The security group '"+a.GroupId+"' does not exist")
	d, err := s.ensureDefaults(ctx, sc)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.DeleteSecurityGroup(ctx, &ec2types.DeleteSecurityGroupRequest{GroupId: d.GroupID})
	wantCode(t, err, codeCannotDelete, `the specified group: "`+d.GroupID+`" name: "default" cannot be deleted by a user`)
}

func TestCreateSecurityGroupValidation(t *testing.T) {
	s, ctx := testService(t)
	if _, err := s.CreateSecurityGroup(ctx, &ec2types.CreateSecurityGroupRequest{GroupName: "dup", Description: "d"}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		in        ec2types.CreateSecurityGroupRequest
		code, msg string
	}{
		{"no name", ec2types.CreateSecurityGroupRequest{Description: "d"}, codeMissingParameter, "GroupName"},
		{"no description", ec2types.CreateSecurityGroupRequest{GroupName: "n"}, codeMissingParameter, "GroupDescription"},
		{"default", ec2types.CreateSecurityGroupRequest{GroupName: "default", Description: "d"}, codeInvalidParameterValue, "Cannot use reserved security group name: default"},
		{"sg- prefix", ec2types.CreateSecurityGroupRequest{GroupName: "sg-1", Description: "d"}, codeInvalidParameterValue, "sg-*"},
		{"too long", ec2types.CreateSecurityGroupRequest{GroupName: strings.Repeat("x", 256), Description: "d"}, codeInvalidParameterValue, "255"},
		{"bad chars", ec2types.CreateSecurityGroupRequest{GroupName: "n", Description: "tab\there"}, codeInvalidParameterValue, "GroupDescription"},
		{"unknown vpc", ec2types.CreateSecurityGroupRequest{GroupName: "n", Description: "d", VpcId: "vpc-0"}, codeVPCNotFound, "The vpc ID 'vpc-0' does not exist"},
		{"duplicate", ec2types.CreateSecurityGroupRequest{GroupName: "dup", Description: "d"}, codeGroupDuplicate, "The security group 'dup' already exists for VPC 'vpc-"},
		{"tag type", ec2types.CreateSecurityGroupRequest{GroupName: "n", Description: "d", TagSpecifications: []ec2types.TagSpecification{{ResourceType: "vpc"}}}, codeInvalidParameterValue, "'vpc' is not a valid taggable resource type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.CreateSecurityGroup(ctx, &tt.in)
			wantCode(t, err, tt.code, tt.msg)
		})
	}
}
