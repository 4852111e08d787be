package ec2

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/berth-dev/berth/internal/agentapi"
	"github.com/berth-dev/berth/internal/store"
)

// The node side of security groups (agentapi.NetworkAPI): what a host
// needs to enforce its tasks' groups, and a signal when it changes.

// SecurityPolicy returns the rules of groups and the current addresses of
// the ENIs of every group those rules name. A group that is gone has no
// rules (its tasks then allow nothing new).
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
	enis, err := s.listENIs(ctx, sc)
	if err != nil {
		return nil, err
	}
	for _, e := range enis {
		for _, g := range e.Groups {
			if named[g.GroupId] && !slices.Contains(p.Members[g.GroupId], e.PrivateIpAddress) {
				p.Members[g.GroupId] = append(p.Members[g.GroupId], e.PrivateIpAddress)
			}
		}
	}
	return p, nil
}

// NetworkChanges signals every change of a security group or an ENI, in
// any account, coalesced: a receiver busy applying one change sees one
// signal for all that came meanwhile. A watch that breaks (compaction, a
// lost leader) is started again, with a signal, since changes may have
// been missed.
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
				for range s.store.Watch(ctx, "/"+kind+"/", 0) {
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
