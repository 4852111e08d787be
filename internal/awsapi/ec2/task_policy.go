package ec2

import (
	"context"
	"errors"
	"maps"
	"slices"
	"time"

	"github.com/berth-dev/berth/internal/agentapi"
	"github.com/berth-dev/berth/internal/store"
)

// The node side of security groups (agentapi.NetworkAPI): what a host
// needs to enforce its tasks' groups, and a signal when it changes.

// SecurityPolicy returns the rules of groups and the current addresses of
// the ENIs of every group those rules name. A group that is gone has no
// rules (its tasks then allow nothing new). Each group's members come
// sorted, so that a policy read again without changes compares equal.
// They come from the index RunIndex keeps, or from a listing of the
// scope's ENIs while it is not ready.
func (s *Service) SecurityPolicy(ctx context.Context, account, region string, groups []string) (*agentapi.SecurityPolicy, error) {
	sc := scope{account: account, region: region}
	p := &agentapi.SecurityPolicy{Rules: map[string][]agentapi.SGRule{}, Members: map[string][]string{}}
	named := map[string]bool{}
	for _, id := range groups {
		g, _, err := s.groups().Get(ctx, sc.key(kindSG, id))
		if errors.Is(err, store.ErrNotFound) {
			continue
		} else if err != nil {
			return nil, err
		}
		rules := []agentapi.SGRule{}
		for _, r := range g.Rules {
			sr := agentapi.SGRule{Egress: r.IsEgress, Protocol: r.IpProtocol, FromPort: r.FromPort, ToPort: r.ToPort, CIDR: r.CidrIpv4}
			if r.ReferencedGroupInfo != nil {
				sr.Group = r.ReferencedGroupInfo.GroupId
				named[sr.Group] = true
			}
			rules = append(rules, sr)
		}
		p.Rules[id] = rules
	}
	if len(named) == 0 {
		return p, nil
	}
	// The index may lag the store by a watch delivery, so the ENI of a
	// task being launched may be missing here from its own groups. Not
	// for long: NetworkChanges signals an ENI change only once the index
	// has it (await), and the node's enforcer knows the task before it
	// reads its policy (tasknet Manager.Setup), so the round of
	// enforceAll on that signal rewrites this task's firewall, and the
	// other tasks', with the new member in.
	members, ok := s.members.members(sc, named)
	if !ok {
		var err error
		if members, err = s.listedMembers(ctx, sc, named); err != nil {
			return nil, err
		}
	}
	p.Members = members
	return p, nil
}

// listedMembers is what the index answers, read from a listing of the
// scope's ENIs: the sorted addresses of each of groups that has ENIs.
func (s *Service) listedMembers(ctx context.Context, sc scope, groups map[string]bool) (map[string][]string, error) {
	enis, err := s.listENIs(ctx, sc)
	if err != nil {
		return nil, err
	}
	sets := map[string]map[string]bool{}
	for _, e := range enis {
		for _, g := range e.Groups {
			if !groups[g.GroupId] {
				continue
			}
			if sets[g.GroupId] == nil {
				sets[g.GroupId] = map[string]bool{}
			}
			sets[g.GroupId][e.PrivateIpAddress] = true
		}
	}
	out := make(map[string][]string, len(sets))
	for g, set := range sets {
		out[g] = slices.Sorted(maps.Keys(set))
	}
	return out, nil
}

// NetworkChanges signals every change of a security group or an ENI, in
// any account, coalesced: a receiver busy applying one change sees one
// signal for all that came meanwhile. A watch that breaks (compaction, a
// lost leader) is started again, with a signal, since changes may have
// been missed. An ENI change is signalled once the index of group members
// (RunIndex) has it, when that runs.
func (s *Service) NetworkChanges(ctx context.Context) (<-chan struct{}, error) {
	out := make(chan struct{}, 1)
	signal := func() {
		select {
		case out <- struct{}{}:
		default:
		}
	}
	done := make(chan struct{})
	for _, kind := range []string{kindSG, kindENI} {
		go func() {
			for ctx.Err() == nil {
				for ev := range s.store.Watch(ctx, "/"+kind+"/", 0) {
					if kind == kindENI { // for SecurityPolicy to read it
						s.members.await(ctx, ev.Object.Revision)
					}
					signal()
				}
				signal()
				select { // a store that is closing: don't spin
				case <-ctx.Done():
				case <-time.After(100 * time.Millisecond):
				}
			}
			done <- struct{}{}
		}()
	}
	go func() {
		<-done
		<-done
		close(out)
	}()
	return out, nil
}
