package ec2

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/berth-dev/berth/internal/awsapi/ec2/ec2types"
	"github.com/berth-dev/berth/internal/store"
)

// Security-group error codes.
const (
	codeGroupNotFound     = "InvalidGroup.NotFound"
	codeGroupDuplicate    = "InvalidGroup.Duplicate"
	codeGroupIDMalformed  = "InvalidGroupId.Malformed"
	codeVPCNotFound       = "InvalidVpcID.NotFound"
	codeCannotDelete      = "CannotDelete"
	codeInvalidPagination = "InvalidPaginationToken"
)

// sgAllowedChars is the character set AWS allows in VPC security group
// names and descriptions and in rule descriptions.
const sgAllowedChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ._-:/()#,@[]+=&;{}!$*"

// validSGText checks a group name, group description or rule description:
// at most 255 characters of sgAllowedChars.
func validSGText(param, v string) error {
	if len(v) > 255 {
		return invalidValue("Value (%s) for parameter %s is invalid. Length exceeds maximum of 255 characters.", v, param)
	}
	if strings.Trim(v, sgAllowedChars) != "" {
		return invalidValue("Value (%s) for parameter %s is invalid. Valid characters are a-z, A-Z, 0-9, spaces, and ._-:/()#,@[]+=&;{}!$*", v, param)
	}
	return nil
}

// validGroupID rejects ids that are not shaped like sg-<hex>.
func validGroupID(id string) error {
	hex := strings.TrimPrefix(id, "sg-")
	if hex == id || hex == "" || strings.Trim(hex, "0123456789abcdef") != "" {
		return ec2Error(codeGroupIDMalformed, "Invalid id: \"%s\" (expecting \"sg-...\")", id)
	}
	return nil
}

func groupNotFound(id string) error {
	return ec2Error(codeGroupNotFound, "The security group '%s' does not exist", id)
}

func groupNameNotFound(name, vpcID string) error {
	return ec2Error(codeGroupNotFound, "The security group '%s' does not exist in default VPC '%s'", name, vpcID)
}

// CreateSecurityGroup makes a group in a VPC (the default VPC when none is
// named) with AWS's single egress rule: all traffic to 0.0.0.0/0.
func (s *Service) CreateSecurityGroup(ctx context.Context, in *ec2types.CreateSecurityGroupRequest) (*ec2types.CreateSecurityGroupResult, error) {
	sc := scopeOf(ctx)
	d, err := s.ensureDefaults(ctx, sc)
	if err != nil {
		return nil, err
	}
	switch {
	case in.GroupName == "":
		return nil, missingParameter("GroupName")
	case in.Description == "":
		return nil, missingParameter("GroupDescription")
	case in.GroupName == "default":
		return nil, invalidValue("Cannot use reserved security group name: default")
	case strings.HasPrefix(in.GroupName, "sg-"):
		return nil, invalidValue("Group names may not be in the format sg-*")
	}
	if err := validSGText("GroupName", in.GroupName); err != nil {
		return nil, err
	}
	if err := validSGText("GroupDescription", in.Description); err != nil {
		return nil, err
	}
	tags, err := tagsFor(in.TagSpecifications, "security-group")
	if err != nil {
		return nil, err
	}
	vpcID := in.VpcId
	if vpcID == "" {
		vpcID = d.VPCID
	}
	if _, _, err := s.vpcs().Get(ctx, sc.key(kindVPC, vpcID)); errors.Is(err, store.ErrNotFound) {
		return nil, ec2Error(codeVPCNotFound, "The vpc ID '%s' does not exist", vpcID)
	} else if err != nil {
		return nil, err
	}
	all, err := s.listGroups(ctx, sc)
	if err != nil {
		return nil, err
	}
	// Names are unique per VPC. Two racing creates of one name can both
	// pass this check; the store has no secondary index to close that gap.
	for _, g := range all {
		if g.Group.VpcId == vpcID && g.Group.GroupName == in.GroupName {
			return nil, ec2Error(codeGroupDuplicate, "The security group '%s' already exists for VPC '%s'", in.GroupName, vpcID)
		}
	}
	id := newID("sg")
	rec := sgRecord{
		Group: ec2types.SecurityGroup{
			GroupId: id, VpcId: vpcID, OwnerId: sc.account, GroupName: in.GroupName,
			Description: in.Description, SecurityGroupArn: sc.arn("security-group/" + id), Tags: tags,
		},
		Rules: []ec2types.SecurityGroupRule{{
			SecurityGroupRuleId: newID("sgr"), GroupId: id, GroupOwnerId: sc.account, IsEgress: true,
			IpProtocol: "-1", FromPort: -1, ToPort: -1, CidrIpv4: "0.0.0.0/0",
		}},
	}
	if _, err := s.groups().Create(ctx, sc.key(kindSG, id), &rec); err != nil {
		return nil, err
	}
	out := &ec2types.CreateSecurityGroupResult{GroupId: id, SecurityGroupArn: rec.Group.SecurityGroupArn}
	if len(tags) > 0 {
		out.Tags = tags
	}
	return out, nil
}

// listGroups returns every group of the scope, ordered by id.
func (s *Service) listGroups(ctx context.Context, sc scope) ([]sgRecord, error) {
	items, _, err := s.groups().ListAll(ctx, sc.prefix(kindSG))
	if err != nil {
		return nil, err
	}
	out := make([]sgRecord, 0, len(items))
	for _, it := range items {
		out = append(out, it.Value)
	}
	return out, nil
}

// getGroup reads one group by id.
func (s *Service) getGroup(ctx context.Context, sc scope, id string) (*sgRecord, int64, error) {
	if err := validGroupID(id); err != nil {
		return nil, 0, err
	}
	g, rev, err := s.groups().Get(ctx, sc.key(kindSG, id))
	if errors.Is(err, store.ErrNotFound) {
		return nil, 0, groupNotFound(id)
	}
	return g, rev, err
}

// groupIDByName finds a group by name in the default VPC, the only place
// EC2 looks groups up by name.
func (s *Service) groupIDByName(ctx context.Context, sc scope, defaultVPC, name string) (string, error) {
	id, err := s.groupIDInVPC(ctx, sc, defaultVPC, name)
	if err == nil && id == "" {
		return "", groupNameNotFound(name, defaultVPC)
	}
	return id, err
}

// groupIDInVPC finds a group by name in a VPC; "" if there is none.
func (s *Service) groupIDInVPC(ctx context.Context, sc scope, vpcID, name string) (string, error) {
	all, err := s.listGroups(ctx, sc)
	if err != nil {
		return "", err
	}
	for _, g := range all {
		if g.Group.VpcId == vpcID && g.Group.GroupName == name {
			return g.Group.GroupId, nil
		}
	}
	return "", nil
}

// resolveGroup names the group of a request that gives a GroupId or, in
// the default VPC, a GroupName.
func (s *Service) resolveGroup(ctx context.Context, sc scope, defaultVPC, id, name string) (string, error) {
	switch {
	case id != "":
		return id, nil
	case name != "":
		return s.groupIDByName(ctx, sc, defaultVPC, name)
	}
	return "", ec2Error(codeMissingParameter, "The request must contain the parameter groupName or groupId")
}

// DescribeSecurityGroups lists groups with their rules folded into
// IpPermissions, by id, by name (default VPC only) and by filter.
func (s *Service) DescribeSecurityGroups(ctx context.Context, in *ec2types.DescribeSecurityGroupsRequest) (*ec2types.DescribeSecurityGroupsResult, error) {
	sc := scopeOf(ctx)
	d, err := s.ensureDefaults(ctx, sc)
	if err != nil {
		return nil, err
	}
	for _, id := range in.GroupIds {
		if err := validGroupID(id); err != nil {
			return nil, err
		}
	}
	all, err := s.listGroups(ctx, sc)
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	byID := map[string]bool{}
	for _, g := range all {
		names[g.Group.GroupId] = g.Group.GroupName
		byID[g.Group.GroupId] = true
	}
	for _, id := range in.GroupIds {
		if !byID[id] {
			return nil, groupNotFound(id)
		}
	}
	for _, name := range in.GroupNames {
		if !slices.ContainsFunc(all, func(g sgRecord) bool { return g.Group.VpcId == d.VPCID && g.Group.GroupName == name }) {
			return nil, groupNameNotFound(name, d.VPCID)
		}
	}
	var matched []ec2types.SecurityGroup
	for _, g := range all {
		if len(in.GroupIds) > 0 && !slices.Contains(in.GroupIds, g.Group.GroupId) {
			continue
		}
		if len(in.GroupNames) > 0 && (g.Group.VpcId != d.VPCID || !slices.Contains(in.GroupNames, g.Group.GroupName)) {
			continue
		}
		ok, err := matchFilters(in.Filters, func(name string) ([]string, bool) { return groupFields(g, names, name) })
		if err != nil {
			return nil, err
		}
		if ok {
			matched = append(matched, foldGroup(g))
		}
	}
	page, next, err := takePage(matched, func(g ec2types.SecurityGroup) string { return g.GroupId }, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	return &ec2types.DescribeSecurityGroupsResult{SecurityGroups: page, NextToken: next}, nil
}

// groupFields answers DescribeSecurityGroups' filters for g; names maps
// group ids to names for the ip-permission.group-name filters.
func groupFields(g sgRecord, names map[string]string, name string) ([]string, bool) {
	switch name {
	case "group-id":
		return []string{g.Group.GroupId}, true
	case "group-name":
		return []string{g.Group.GroupName}, true
	case "vpc-id":
		return []string{g.Group.VpcId}, true
	case "description":
		return []string{g.Group.Description}, true
	case "owner-id":
		return []string{g.Group.OwnerId}, true
	}
	egress := strings.HasPrefix(name, "egress.")
	if field, ok := strings.CutPrefix(strings.TrimPrefix(name, "egress."), "ip-permission."); ok {
		var vals []string
		for _, r := range g.Rules {
			if r.IsEgress != egress {
				continue
			}
			v, known := ruleFilterValue(r, names, field)
			if !known {
				return nil, false
			}
			if v != "" {
				vals = append(vals, v)
			}
		}
		return vals, true
	}
	return tagFields(g.Group.Tags, name)
}

// ruleFilterValue is one rule's value for an ip-permission.<field> filter.
func ruleFilterValue(r ec2types.SecurityGroupRule, names map[string]string, field string) (string, bool) {
	switch field {
	case "protocol":
		return r.IpProtocol, true
	case "from-port":
		return itoa(r.FromPort), true
	case "to-port":
		return itoa(r.ToPort), true
	case "cidr":
		return r.CidrIpv4, true
	case "ipv6-cidr":
		return r.CidrIpv6, true
	case "prefix-list-id":
		return r.PrefixListId, true
	}
	if r.ReferencedGroupInfo == nil {
		return "", field == "group-id" || field == "group-name" || field == "user-id"
	}
	switch field {
	case "group-id":
		return r.ReferencedGroupInfo.GroupId, true
	case "group-name":
		return names[r.ReferencedGroupInfo.GroupId], true
	case "user-id":
		return r.ReferencedGroupInfo.UserId, true
	}
	return "", false
}

// DeleteSecurityGroup removes a group that is neither its VPC's default
// group, nor referenced by another group's rules, nor in use by a network
// interface.
func (s *Service) DeleteSecurityGroup(ctx context.Context, in *ec2types.DeleteSecurityGroupRequest) (*ec2types.DeleteSecurityGroupResult, error) {
	sc := scopeOf(ctx)
	d, err := s.ensureDefaults(ctx, sc)
	if err != nil {
		return nil, err
	}
	id, err := s.resolveGroup(ctx, sc, d.VPCID, in.GroupId, in.GroupName)
	if err != nil {
		return nil, err
	}
	g, rev, err := s.getGroup(ctx, sc, id)
	if err != nil {
		return nil, err
	}
	if g.Group.GroupName == "default" {
		return nil, ec2Error(codeCannotDelete, "the specified group: \"%s\" name: \"default\" cannot be deleted by a user", id)
	}
	all, err := s.listGroups(ctx, sc)
	if err != nil {
		return nil, err
	}
	for _, other := range all {
		if other.Group.GroupId != id && referencesGroup(other, id) {
			return nil, ec2Error(codeDependencyViolation, "resource %s has a dependent object", id)
		}
	}
	if inUse, err := s.groupInUse(ctx, sc, id); err != nil {
		return nil, err
	} else if inUse {
		return nil, ec2Error(codeDependencyViolation, "resource %s has a dependent object", id)
	}
	// At the revision read: a rule authorized meanwhile makes this a
	// conflict rather than a silent loss.
	if err := s.groups().Delete(ctx, sc.key(kindSG, id), rev); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, groupNotFound(id)
		}
		return nil, err
	}
	return &ec2types.DeleteSecurityGroupResult{Return: true, GroupId: id}, nil
}

// referencesGroup reports whether any rule of g names group id as its peer.
func referencesGroup(g sgRecord, id string) bool {
	return slices.ContainsFunc(g.Rules, func(r ec2types.SecurityGroupRule) bool {
		return r.ReferencedGroupInfo != nil && r.ReferencedGroupInfo.GroupId == id
	})
}
