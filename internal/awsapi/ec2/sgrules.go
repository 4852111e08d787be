package ec2

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/berth-dev/berth/internal/awsapi/ec2/ec2types"
	"github.com/berth-dev/berth/internal/store"
)

// Rule error codes and limits.
const (
	codePermissionDuplicate = "InvalidPermission.Duplicate"
	codePermissionNotFound  = "InvalidPermission.NotFound"
	codeRuleIDNotFound      = "InvalidSecurityGroupRuleId.NotFound"
	codeRuleIDMalformed     = "InvalidSecurityGroupRuleId.Malformed"
	codeRulesLimit          = "RulesPerSecurityGroupLimitExceeded"

	// maxRulesPerDirection is AWS's default quota of inbound (and,
	// separately, outbound) rules per security group.
	maxRulesPerDirection = 60
)

func itoa(n int32) string { return strconv.Itoa(int(n)) }

// portProtocol reports whether a protocol has ports (tcp, udp) or
// type/code (icmp, icmpv6) that FromPort and ToPort carry; for every other
// protocol AWS ignores them and stores -1.
func portProtocol(p string) bool { return p == "tcp" || p == "udp" || p == "icmp" || p == "icmpv6" }

// normalizeProtocol maps what a request may say to what AWS stores: names
// in lower case, "all" as "-1", the numbers of named protocols as names.
func normalizeProtocol(p string) (string, error) {
	if p == "" {
		return "", missingParameter("IpProtocol")
	}
	switch lp := strings.ToLower(p); lp {
	case "tcp", "udp", "icmp", "icmpv6", "-1":
		return lp, nil
	case "all":
		return "-1", nil
	}
	n, err := strconv.Atoi(p)
	if err != nil || n < -1 || n > 255 {
		return "", invalidValue("Invalid value '%s' for IP protocol. Unknown protocol.", p)
	}
	switch n {
	case -1:
		return "-1", nil
	case 6:
		return "tcp", nil
	case 17:
		return "udp", nil
	case 1:
		return "icmp", nil
	case 58:
		return "icmpv6", nil
	}
	return strconv.Itoa(n), nil
}

// checkPorts validates FromPort and ToPort for a normalized protocol and
// returns them as stored.
func checkPorts(proto string, from, to int32) (int32, int32, error) {
	switch proto {
	case "tcp", "udp":
		if from < 0 || from > 65535 || to < 0 || to > 65535 {
			return 0, 0, invalidValue("Invalid value '%d-%d' for portRange. Ports must be between 0 and 65535.", from, to)
		}
		if from > to {
			return 0, 0, invalidValue("Invalid value '%d-%d' for portRange. The from port must not be greater than the to port.", from, to)
		}
		return from, to, nil
	case "icmp", "icmpv6":
		if from < -1 || from > 255 {
			return 0, 0, invalidValue("Invalid value '%d' for ICMP type. Must be between -1 and 255.", from)
		}
		if to < -1 || to > 255 {
			return 0, 0, invalidValue("Invalid value '%d' for ICMP code. Must be between -1 and 255.", to)
		}
		if from == -1 && to != -1 {
			return 0, 0, invalidValue("Invalid value '%d' for ICMP code. ICMP code must be -1 when ICMP type is -1.", to)
		}
		return from, to, nil
	}
	return -1, -1, nil
}

// parseCIDR accepts an address block of the given family and masks off
// host bits, as AWS stores 10.0.0.5/24 as 10.0.0.0/24.
func parseCIDR(v string, ipv6 bool) (string, error) {
	p, err := netip.ParsePrefix(v)
	if err != nil || p.Addr().Is4() == ipv6 || p.Addr().Zone() != "" {
		return "", invalidValue("CIDR block %s is malformed", v)
	}
	return p.Masked().String(), nil
}

// ruleTarget is what an IpPermission's peers resolve against: the group
// being changed and a way to check a referenced group.
type ruleTarget struct {
	sc     scope
	group  ec2types.SecurityGroup
	egress bool
	// peerGroup resolves a UserIdGroupPair to a group id in the target's
	// VPC; nil means references are taken as given (revoke).
	peerGroup func(ec2types.UserIdGroupPair) (string, error)
}

// expandPermissions validates IpPermissions and returns one rule per peer,
// without ids. A permission with no peers adds nothing.
func expandPermissions(t ruleTarget, perms []ec2types.IpPermission) ([]ec2types.SecurityGroupRule, error) {
	var out []ec2types.SecurityGroupRule
	for _, p := range perms {
		proto, err := normalizeProtocol(p.IpProtocol)
		if err != nil {
			return nil, err
		}
		from, to, err := checkPorts(proto, p.FromPort, p.ToPort)
		if err != nil {
			return nil, err
		}
		base := ec2types.SecurityGroupRule{
			GroupId: t.group.GroupId, GroupOwnerId: t.sc.account, IsEgress: t.egress,
			IpProtocol: proto, FromPort: from, ToPort: to,
		}
		add := func(r ec2types.SecurityGroupRule, desc string) error {
			if err := validSGText("Description", desc); err != nil {
				return invalidValue("Invalid rule description. Valid descriptions are strings less than 256 characters from the following set:  a-zA-Z0-9. _-:/()#,@[]+=&;{}!$*")
			}
			r.Description = desc
			out = append(out, r)
			return nil
		}
		for _, rg := range p.IpRanges {
			cidr, err := parseCIDR(rg.CidrIp, false)
			if err != nil {
				return nil, err
			}
			r := base
			r.CidrIpv4 = cidr
			if err := add(r, rg.Description); err != nil {
				return nil, err
			}
		}
		for _, rg := range p.Ipv6Ranges {
			cidr, err := parseCIDR(rg.CidrIpv6, true)
			if err != nil {
				return nil, err
			}
			r := base
			r.CidrIpv6 = cidr
			if err := add(r, rg.Description); err != nil {
				return nil, err
			}
		}
		for _, pl := range p.PrefixListIds {
			hex := strings.TrimPrefix(pl.PrefixListId, "pl-")
			if hex == pl.PrefixListId || hex == "" || strings.Trim(hex, "0123456789abcdef") != "" {
				return nil, ec2Error("InvalidPrefixListId.Malformed", "The prefix list ID '%s' is malformed", pl.PrefixListId)
			}
			r := base
			r.PrefixListId = pl.PrefixListId
			if err := add(r, pl.Description); err != nil {
				return nil, err
			}
		}
		for _, pair := range p.UserIdGroupPairs {
			id := pair.GroupId
			if t.peerGroup != nil {
				if id, err = t.peerGroup(pair); err != nil {
					return nil, err
				}
			} else if id == "" {
				return nil, missingParameter("GroupId")
			}
			r := base
			r.ReferencedGroupInfo = &ec2types.ReferencedSecurityGroup{GroupId: id, UserId: t.sc.account}
			if err := add(r, pair.Description); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// rulePeer names a rule's peer: a CIDR, a prefix list or a group id.
func rulePeer(r ec2types.SecurityGroupRule) string {
	switch {
	case r.CidrIpv4 != "":
		return r.CidrIpv4
	case r.CidrIpv6 != "":
		return r.CidrIpv6
	case r.PrefixListId != "":
		return r.PrefixListId
	case r.ReferencedGroupInfo != nil:
		return r.ReferencedGroupInfo.GroupId
	}
	return ""
}

// ruleIdentity is what makes two rules the same rule; descriptions and
// tags do not count.
func ruleIdentity(r ec2types.SecurityGroupRule) string {
	return fmt.Sprintf("%t|%s|%d|%d|%s", r.IsEgress, r.IpProtocol, r.FromPort, r.ToPort, rulePeer(r))
}

// describeRule renders a rule as EC2's duplicate error quotes it.
func describeRule(r ec2types.SecurityGroupRule) string {
	var what string
	switch r.IpProtocol {
	case "-1":
		what = "ALL"
	case "tcp", "udp":
		what = fmt.Sprintf("%s, from port: %d, to port: %d", strings.ToUpper(r.IpProtocol), r.FromPort, r.ToPort)
	case "icmp", "icmpv6":
		what = fmt.Sprintf("%s, type: %d, code: %d", strings.ToUpper(r.IpProtocol), r.FromPort, r.ToPort)
	default:
		what = "protocol: " + r.IpProtocol
	}
	return fmt.Sprintf("peer: %s, %s, ALLOW", rulePeer(r), what)
}

// addRules appends new rules to g, each with a fresh sgr- id, refusing
// duplicates (within the request or of existing rules) and rules beyond
// the per-direction limit. It returns the rules as added.
func addRules(g *sgRecord, rules []ec2types.SecurityGroupRule, tags []ec2types.Tag) ([]ec2types.SecurityGroupRule, error) {
	seen := map[string]bool{}
	for _, r := range rules {
		id := ruleIdentity(r)
		if seen[id] {
			return nil, invalidValue("The same permission must not appear multiple times")
		}
		seen[id] = true
	}
	count := 0
	for _, r := range g.Rules {
		if seen[ruleIdentity(r)] {
			return nil, ec2Error(codePermissionDuplicate, "the specified rule \"%s\" already exists", describeRule(r))
		}
		if len(rules) > 0 && r.IsEgress == rules[0].IsEgress {
			count++
		}
	}
	if count+len(rules) > maxRulesPerDirection {
		return nil, ec2Error(codeRulesLimit, "The maximum number of rules per security group has been reached.")
	}
	added := make([]ec2types.SecurityGroupRule, 0, len(rules))
	for _, r := range rules {
		r.SecurityGroupRuleId = newID("sgr")
		r.Tags = slices.Clone(tags)
		g.Rules = append(g.Rules, r)
		added = append(added, r)
	}
	return added, nil
}

// removeRules takes out of g the rules named by ids or matching rules, in
// the direction egress, all or nothing. It returns the rules removed.
func removeRules(g *sgRecord, egress bool, ids []string, rules []ec2types.SecurityGroupRule) ([]ec2types.SecurityGroupRule, error) {
	drop := map[int]bool{}
	for _, id := range ids {
		i := slices.IndexFunc(g.Rules, func(r ec2types.SecurityGroupRule) bool {
			return r.SecurityGroupRuleId == id && r.IsEgress == egress
		})
		if i < 0 {
			return nil, ec2Error(codeRuleIDNotFound, "The security group rule ID '%s' does not exist", id)
		}
		drop[i] = true
	}
	for _, want := range rules {
		key := ruleIdentity(want)
		i := slices.IndexFunc(g.Rules, func(r ec2types.SecurityGroupRule) bool { return ruleIdentity(r) == key })
		if i < 0 {
			return nil, ec2Error(codePermissionNotFound, "The specified rule does not exist in this security group.")
		}
		drop[i] = true
	}
	var kept, removed []ec2types.SecurityGroupRule
	for i, r := range g.Rules {
		if drop[i] {
			removed = append(removed, r)
		} else {
			kept = append(kept, r)
		}
	}
	g.Rules = kept
	return removed, nil
}

// legacyPermission turns the top-level CidrIp/IpProtocol/ports/source-group
// form into IpPermissions; it is an error to mix the two forms.
func legacyPermission(perms []ec2types.IpPermission, cidr, proto string, from, to int32, sourceGroup string) ([]ec2types.IpPermission, error) {
	legacy := cidr != "" || proto != "" || sourceGroup != ""
	if !legacy {
		return perms, nil
	}
	if len(perms) > 0 {
		return nil, ec2Error("InvalidParameterCombination", "The parameter 'ipPermissions' may not be used in combination with 'cidrIp', 'ipProtocol', 'fromPort', 'toPort' or 'sourceSecurityGroupName'")
	}
	p := ec2types.IpPermission{IpProtocol: proto, FromPort: from, ToPort: to}
	if proto == "" {
		p.IpProtocol = "-1" // a bare source group allows everything from it
	}
	if cidr != "" {
		p.IpRanges = []ec2types.IpRange{{CidrIp: cidr}}
	}
	if sourceGroup != "" {
		p.UserIdGroupPairs = []ec2types.UserIdGroupPair{{GroupName: sourceGroup}}
	}
	return []ec2types.IpPermission{p}, nil
}

// authorize adds the rules of perms to group id in one compare-and-swap.
func (s *Service) authorize(ctx context.Context, sc scope, defaultVPC, id string, egress bool, perms []ec2types.IpPermission, specs []ec2types.TagSpecification) ([]ec2types.SecurityGroupRule, error) {
	g, _, err := s.getGroup(ctx, sc, id)
	if err != nil {
		return nil, err
	}
	tags, err := tagsFor(specs, "security-group-rule")
	if err != nil {
		return nil, err
	}
	t := ruleTarget{sc: sc, group: g.Group, egress: egress, peerGroup: func(pair ec2types.UserIdGroupPair) (string, error) {
		ref := pair.GroupId
		if ref == "" {
			if pair.GroupName == "" || g.Group.VpcId != defaultVPC {
				return "", missingParameter("GroupId")
			}
			return s.groupIDByName(ctx, sc, defaultVPC, pair.GroupName)
		}
		peer, _, err := s.getGroup(ctx, sc, ref)
		if err != nil {
			return "", err
		}
		if peer.Group.VpcId != g.Group.VpcId {
			return "", groupNotFound(ref)
		}
		return ref, nil
	}}
	rules, err := expandPermissions(t, perms)
	if err != nil {
		return nil, err
	}
	if len(rules) == 0 {
		return nil, missingParameter("IpPermissions")
	}
	var added []ec2types.SecurityGroupRule
	_, _, err = s.groups().Mutate(ctx, sc.key(kindSG, id), func(rec *sgRecord) error {
		var aerr error
		added, aerr = addRules(rec, rules, tags)
		return aerr
	})
	if err != nil {
		return nil, notFoundAs(err, id)
	}
	for i := range added {
		added[i].SecurityGroupRuleArn = sc.arn("security-group-rule/" + added[i].SecurityGroupRuleId)
	}
	return added, nil
}

// revoke removes rules from group id, by rule id or by permission.
func (s *Service) revoke(ctx context.Context, sc scope, id string, egress bool, perms []ec2types.IpPermission, ruleIDs []string) ([]ec2types.RevokedSecurityGroupRule, error) {
	g, _, err := s.getGroup(ctx, sc, id)
	if err != nil {
		return nil, err
	}
	for _, rid := range ruleIDs {
		hex := strings.TrimPrefix(rid, "sgr-")
		if hex == rid || hex == "" || strings.Trim(hex, "0123456789abcdef") != "" {
			return nil, ec2Error(codeRuleIDMalformed, "Invalid id: \"%s\" (expecting \"sgr-...\")", rid)
		}
	}
	rules, err := expandPermissions(ruleTarget{sc: sc, group: g.Group, egress: egress}, perms)
	if err != nil {
		return nil, err
	}
	if len(rules) == 0 && len(ruleIDs) == 0 {
		return nil, missingParameter("IpPermissions")
	}
	var removed []ec2types.SecurityGroupRule
	_, _, err = s.groups().Mutate(ctx, sc.key(kindSG, id), func(rec *sgRecord) error {
		var rerr error
		removed, rerr = removeRules(rec, egress, ruleIDs, rules)
		return rerr
	})
	if err != nil {
		return nil, notFoundAs(err, id)
	}
	out := make([]ec2types.RevokedSecurityGroupRule, 0, len(removed))
	for _, r := range removed {
		rv := ec2types.RevokedSecurityGroupRule{
			SecurityGroupRuleId: r.SecurityGroupRuleId, GroupId: r.GroupId, IsEgress: r.IsEgress,
			IpProtocol: r.IpProtocol, FromPort: r.FromPort, ToPort: r.ToPort, CidrIpv4: r.CidrIpv4,
			CidrIpv6: r.CidrIpv6, PrefixListId: r.PrefixListId, Description: r.Description,
		}
		if r.ReferencedGroupInfo != nil {
			rv.ReferencedGroupId = r.ReferencedGroupInfo.GroupId
		}
		out = append(out, rv)
	}
	return out, nil
}

// notFoundAs turns a group deleted under a Mutate into EC2's not-found.
func notFoundAs(err error, id string) error {
	if errors.Is(err, store.ErrNotFound) {
		return groupNotFound(id)
	}
	return err
}

// AuthorizeSecurityGroupIngress adds inbound rules.
func (s *Service) AuthorizeSecurityGroupIngress(ctx context.Context, in *ec2types.AuthorizeSecurityGroupIngressRequest) (*ec2types.AuthorizeSecurityGroupIngressResult, error) {
	sc := scopeOf(ctx)
	d, err := s.ensureDefaults(ctx, sc)
	if err != nil {
		return nil, err
	}
	id, err := s.resolveGroup(ctx, sc, d.VPCID, in.GroupId, in.GroupName)
	if err != nil {
		return nil, err
	}
	perms, err := legacyPermission(in.IpPermissions, in.CidrIp, in.IpProtocol, in.FromPort, in.ToPort, in.SourceSecurityGroupName)
	if err != nil {
		return nil, err
	}
	added, err := s.authorize(ctx, sc, d.VPCID, id, false, perms, in.TagSpecifications)
	if err != nil {
		return nil, err
	}
	return &ec2types.AuthorizeSecurityGroupIngressResult{Return: true, SecurityGroupRules: added}, nil
}

// AuthorizeSecurityGroupEgress adds outbound rules.
func (s *Service) AuthorizeSecurityGroupEgress(ctx context.Context, in *ec2types.AuthorizeSecurityGroupEgressRequest) (*ec2types.AuthorizeSecurityGroupEgressResult, error) {
	sc := scopeOf(ctx)
	d, err := s.ensureDefaults(ctx, sc)
	if err != nil {
		return nil, err
	}
	if in.GroupId == "" {
		return nil, missingParameter("GroupId")
	}
	perms, err := legacyPermission(in.IpPermissions, in.CidrIp, in.IpProtocol, in.FromPort, in.ToPort, in.SourceSecurityGroupName)
	if err != nil {
		return nil, err
	}
	added, err := s.authorize(ctx, sc, d.VPCID, in.GroupId, true, perms, in.TagSpecifications)
	if err != nil {
		return nil, err
	}
	return &ec2types.AuthorizeSecurityGroupEgressResult{Return: true, SecurityGroupRules: added}, nil
}

// RevokeSecurityGroupIngress removes inbound rules.
func (s *Service) RevokeSecurityGroupIngress(ctx context.Context, in *ec2types.RevokeSecurityGroupIngressRequest) (*ec2types.RevokeSecurityGroupIngressResult, error) {
	sc := scopeOf(ctx)
	d, err := s.ensureDefaults(ctx, sc)
	if err != nil {
		return nil, err
	}
	id, err := s.resolveGroup(ctx, sc, d.VPCID, in.GroupId, in.GroupName)
	if err != nil {
		return nil, err
	}
	perms, err := legacyPermission(in.IpPermissions, in.CidrIp, in.IpProtocol, in.FromPort, in.ToPort, in.SourceSecurityGroupName)
	if err != nil {
		return nil, err
	}
	perms, err = s.resolvePairNames(ctx, sc, d.VPCID, perms)
	if err != nil {
		return nil, err
	}
	removed, err := s.revoke(ctx, sc, id, false, perms, in.SecurityGroupRuleIds)
	if err != nil {
		return nil, err
	}
	return &ec2types.RevokeSecurityGroupIngressResult{Return: true, RevokedSecurityGroupRules: removed}, nil
}

// RevokeSecurityGroupEgress removes outbound rules.
func (s *Service) RevokeSecurityGroupEgress(ctx context.Context, in *ec2types.RevokeSecurityGroupEgressRequest) (*ec2types.RevokeSecurityGroupEgressResult, error) {
	sc := scopeOf(ctx)
	d, err := s.ensureDefaults(ctx, sc)
	if err != nil {
		return nil, err
	}
	if in.GroupId == "" {
		return nil, missingParameter("GroupId")
	}
	perms, err := legacyPermission(in.IpPermissions, in.CidrIp, in.IpProtocol, in.FromPort, in.ToPort, in.SourceSecurityGroupName)
	if err != nil {
		return nil, err
	}
	perms, err = s.resolvePairNames(ctx, sc, d.VPCID, perms)
	if err != nil {
		return nil, err
	}
	removed, err := s.revoke(ctx, sc, in.GroupId, true, perms, in.SecurityGroupRuleIds)
	if err != nil {
		return nil, err
	}
	return &ec2types.RevokeSecurityGroupEgressResult{Return: true, RevokedSecurityGroupRules: removed}, nil
}

// resolvePairNames gives group ids to UserIdGroupPairs that name a group
// of the default VPC by name only.
func (s *Service) resolvePairNames(ctx context.Context, sc scope, defaultVPC string, perms []ec2types.IpPermission) ([]ec2types.IpPermission, error) {
	out := slices.Clone(perms)
	for i := range out {
		out[i].UserIdGroupPairs = slices.Clone(out[i].UserIdGroupPairs)
		for j, pair := range out[i].UserIdGroupPairs {
			if pair.GroupId == "" && pair.GroupName != "" {
				id, err := s.groupIDByName(ctx, sc, defaultVPC, pair.GroupName)
				if err != nil {
					return nil, err
				}
				out[i].UserIdGroupPairs[j].GroupId = id
			}
		}
	}
	return out, nil
}

// DescribeSecurityGroupRules lists rules as stored, ordered by rule id.
func (s *Service) DescribeSecurityGroupRules(ctx context.Context, in *ec2types.DescribeSecurityGroupRulesRequest) (*ec2types.DescribeSecurityGroupRulesResult, error) {
	sc := scopeOf(ctx)
	if _, err := s.ensureDefaults(ctx, sc); err != nil {
		return nil, err
	}
	all, err := s.listGroups(ctx, sc)
	if err != nil {
		return nil, err
	}
	var rules []ec2types.SecurityGroupRule
	for _, g := range all {
		for _, r := range g.Rules {
			r.SecurityGroupRuleArn = sc.arn("security-group-rule/" + r.SecurityGroupRuleId)
			if r.Tags == nil {
				r.Tags = []ec2types.Tag{}
			}
			rules = append(rules, r)
		}
	}
	for _, id := range in.SecurityGroupRuleIds {
		if !slices.ContainsFunc(rules, func(r ec2types.SecurityGroupRule) bool { return r.SecurityGroupRuleId == id }) {
			return nil, ec2Error(codeRuleIDNotFound, "The security group rule ID '%s' does not exist", id)
		}
	}
	slices.SortFunc(rules, func(a, b ec2types.SecurityGroupRule) int {
		return strings.Compare(a.SecurityGroupRuleId, b.SecurityGroupRuleId)
	})
	var matched []ec2types.SecurityGroupRule
	for _, r := range rules {
		if len(in.SecurityGroupRuleIds) > 0 && !slices.Contains(in.SecurityGroupRuleIds, r.SecurityGroupRuleId) {
			continue
		}
		ok, err := matchFilters(in.Filters, func(name string) ([]string, bool) {
			switch name {
			case "group-id":
				return []string{r.GroupId}, true
			case "security-group-rule-id":
				return []string{r.SecurityGroupRuleId}, true
			}
			return tagFields(r.Tags, name)
		})
		if err != nil {
			return nil, err
		}
		if ok {
			matched = append(matched, r)
		}
	}
	page, next, err := takePage(matched, func(r ec2types.SecurityGroupRule) string { return r.SecurityGroupRuleId }, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	return &ec2types.DescribeSecurityGroupRulesResult{SecurityGroupRules: page, NextToken: next}, nil
}

// foldGroup shows a group as DescribeSecurityGroups does: its rules folded
// into one IpPermission per direction, protocol and port range, in the
// order the ranges first appear. The wire shape has no way to leave
// FromPort and ToPort out, as AWS does for protocols without ports; they
// read 0 there, which SDKs treat as absent.
func foldGroup(g sgRecord) ec2types.SecurityGroup {
	out := g.Group
	if out.Tags == nil {
		out.Tags = []ec2types.Tag{}
	}
	out.IpPermissions = []ec2types.IpPermission{}
	out.IpPermissionsEgress = []ec2types.IpPermission{}
	type key struct {
		egress   bool
		proto    string
		from, to int32
	}
	index := map[key]int{}
	for _, r := range g.Rules {
		list := &out.IpPermissions
		if r.IsEgress {
			list = &out.IpPermissionsEgress
		}
		k := key{r.IsEgress, r.IpProtocol, r.FromPort, r.ToPort}
		i, ok := index[k]
		if !ok {
			p := ec2types.IpPermission{
				IpProtocol: r.IpProtocol, UserIdGroupPairs: []ec2types.UserIdGroupPair{},
				IpRanges: []ec2types.IpRange{}, Ipv6Ranges: []ec2types.Ipv6Range{}, PrefixListIds: []ec2types.PrefixListId{},
			}
			if portProtocol(r.IpProtocol) {
				p.FromPort, p.ToPort = r.FromPort, r.ToPort
			}
			*list = append(*list, p)
			i = len(*list) - 1
			index[k] = i
		}
		p := &(*list)[i]
		switch {
		case r.CidrIpv4 != "":
			p.IpRanges = append(p.IpRanges, ec2types.IpRange{CidrIp: r.CidrIpv4, Description: r.Description})
		case r.CidrIpv6 != "":
			p.Ipv6Ranges = append(p.Ipv6Ranges, ec2types.Ipv6Range{CidrIpv6: r.CidrIpv6, Description: r.Description})
		case r.PrefixListId != "":
			p.PrefixListIds = append(p.PrefixListIds, ec2types.PrefixListId{PrefixListId: r.PrefixListId, Description: r.Description})
		case r.ReferencedGroupInfo != nil:
			p.UserIdGroupPairs = append(p.UserIdGroupPairs, ec2types.UserIdGroupPair{
				GroupId: r.ReferencedGroupInfo.GroupId, UserId: r.ReferencedGroupInfo.UserId, Description: r.Description,
			})
		}
	}
	return out
}
