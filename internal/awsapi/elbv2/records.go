package elbv2

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/berth-dev/berth/internal/awsapi/elbv2/elbv2types"
	"github.com/berth-dev/berth/internal/awsapi/protocol"
	"github.com/berth-dev/berth/internal/store"
)

// lbRecord is a load balancer as stored, with its listeners and their
// rules: one record, so a listener's port and a rule's priority are
// checked and written in one CAS, and deleting the load balancer deletes
// them all.
type lbRecord struct {
	ID string `json:"id"`
	// LoadBalancer is the API shape; its State is not stored but derived
	// from CreatedTime when shown.
	LoadBalancer elbv2types.LoadBalancer `json:"loadBalancer"`
	ENIs         []ENI                   `json:"enis,omitempty"`
	// Attributes holds the attributes set by ModifyLoadBalancerAttributes;
	// the others have their defaults (lbattributes.go).
	Attributes map[string]string `json:"attributes,omitempty"`
	Tags       []elbv2types.Tag  `json:"tags,omitempty"`
	Listeners  []listenerRecord  `json:"listeners,omitempty"` // by port
}

// listenerRecord is a listener with its rules. The default rule is not a
// record of its own: its actions are the listener's default actions.
type listenerRecord struct {
	ID              string              `json:"id"`
	ARN             string              `json:"arn"`
	Port            int32               `json:"port"`
	Protocol        string              `json:"protocol"`
	DefaultActions  []elbv2types.Action `json:"defaultActions"`
	Tags            []elbv2types.Tag    `json:"tags,omitempty"`
	DefaultRuleID   string              `json:"defaultRuleId"`
	DefaultRuleARN  string              `json:"defaultRuleArn"`
	DefaultRuleTags []elbv2types.Tag    `json:"defaultRuleTags,omitempty"`
	Rules           []ruleRecord        `json:"rules,omitempty"` // by priority
}

// ruleRecord is one non-default rule of a listener.
type ruleRecord struct {
	ID         string                     `json:"id"`
	ARN        string                     `json:"arn"`
	Priority   int32                      `json:"priority"`
	Conditions []elbv2types.RuleCondition `json:"conditions"`
	Actions    []elbv2types.Action        `json:"actions"`
	Tags       []elbv2types.Tag           `json:"tags,omitempty"`
}

// tgRecord is a target group as stored, with its registered targets.
type tgRecord struct {
	ID string `json:"id"`
	// TargetGroup is the API shape; LoadBalancerArns is not stored but
	// derived from the listeners and rules that forward to the group.
	TargetGroup elbv2types.TargetGroup `json:"targetGroup"`
	// Attributes holds the attributes set by ModifyTargetGroupAttributes;
	// the others have their defaults (tgattributes.go).
	Attributes map[string]string `json:"attributes,omitempty"`
	Tags       []elbv2types.Tag  `json:"tags,omitempty"`
	Targets    []targetRecord    `json:"targets,omitempty"` // by IP, then port
}

// targetRecord is one registered target: an IP address and port.
type targetRecord struct {
	IP               string    `json:"ip"`
	Port             int32     `json:"port"`
	AvailabilityZone string    `json:"availabilityZone,omitempty"`
	RegisteredAt     time.Time `json:"registeredAt"`
	// DrainUntil is set by deregistration: the target takes no new
	// requests and is removed once the deregistration delay has passed.
	DrainUntil *time.Time `json:"drainUntil,omitempty"`
}

// draining reports whether the target is deregistering at now; gone
// reports whether its deregistration delay has passed, so that it no
// longer exists even before Expire removes it.
func (t *targetRecord) draining(now time.Time) bool {
	return t.DrainUntil != nil && now.Before(*t.DrainUntil)
}
func (t *targetRecord) gone(now time.Time) bool {
	return t.DrainUntil != nil && !now.Before(*t.DrainUntil)
}

func (r *lbRecord) listener(id string) *listenerRecord {
	for i := range r.Listeners {
		if r.Listeners[i].ID == id {
			return &r.Listeners[i]
		}
	}
	return nil
}

func (l *listenerRecord) rule(id string) *ruleRecord {
	for i := range l.Rules {
		if l.Rules[i].ID == id {
			return &l.Rules[i]
		}
	}
	return nil
}

func (l *listenerRecord) sortRules() {
	slices.SortFunc(l.Rules, func(a, b ruleRecord) int { return int(a.Priority) - int(b.Priority) })
}

func (r *lbRecord) sortListeners() {
	slices.SortFunc(r.Listeners, func(a, b listenerRecord) int { return int(a.Port) - int(b.Port) })
}

// getLB reads the load balancer ref names, answering LoadBalancerNotFound
// when there is none with that name and id.
func (s *Service) getLB(ctx context.Context, sc scope, ref lbRef) (*lbRecord, int64, error) {
	return lbKind.get(ctx, s.store, sc, ref.name, ref.id)
}

// mutateLB changes the load balancer ref names with fn (see
// recordKind.mutate); a missing one is notFound's error, so that a call
// on a listener or rule answers ListenerNotFound or RuleNotFound.
func (s *Service) mutateLB(ctx context.Context, sc scope, ref lbRef, notFound func() *protocol.Error, fn func(*lbRecord) error) (*lbRecord, error) {
	return lbKind.mutate(ctx, s.store, sc, ref.name, ref.id, notFound, fn)
}

// getTG reads the target group ref names, answering TargetGroupNotFound
// when there is none with that name and id.
func (s *Service) getTG(ctx context.Context, sc scope, ref tgRef) (*tgRecord, int64, error) {
	return tgKind.get(ctx, s.store, sc, ref.name, ref.id)
}

// mutateTG changes the target group ref names with fn.
func (s *Service) mutateTG(ctx context.Context, sc scope, ref tgRef, fn func(*tgRecord) error) (*tgRecord, error) {
	return tgKind.mutate(ctx, s.store, sc, ref.name, ref.id, tgNotFound, fn)
}

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }
