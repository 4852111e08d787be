package elbv2

import (
	"context"
	"slices"
	"strconv"

	"github.com/berth-dev/berth/internal/awsapi/elbv2/elbv2types"
)

// maxRules is AWS's quota of rules per load balancer, default rules not
// counted.
const maxRules = 100

// defaultPriority is how the default rule's priority reads.
const defaultPriority = "default"

// CreateRule adds a rule to a listener at a priority no other of its
// rules has.
func (s *Service) CreateRule(ctx context.Context, in *elbv2types.CreateRuleInput) (*elbv2types.CreateRuleOutput, error) {
	sc := scopeOf(ctx)
	var v violations
	v.required(in.ListenerArn != "", "listenerArn")
	v.between(&in.Priority, "priority", 1, 50000)
	if err := v.err(); err != nil {
		return nil, err
	}
	if in.Transforms != nil {
		return nil, validation("berth does not support rule transforms yet")
	}
	ref, err := sc.parseListenerARN(in.ListenerArn)
	if err != nil {
		return nil, err
	}
	conds, err := checkConditions(in.Conditions, "conditions")
	if err != nil {
		return nil, err
	}
	if err := checkTags(in.Tags, "tags"); err != nil {
		return nil, err
	}
	env, err := s.actionEnv(ctx, sc, ref.lb, listenerNotFound)
	if err != nil {
		return nil, err
	}
	if env.lb.listener(ref.id) == nil {
		return nil, listenerNotFound()
	}
	actions, err := env.check(ctx, in.Actions, "actions")
	if err != nil {
		return nil, err
	}
	rref := ruleRef{listener: ref, id: newID()}
	rule := ruleRecord{ID: rref.id, ARN: sc.ruleARN(rref), Priority: in.Priority, Conditions: conds, Actions: actions, Tags: slices.Clone(in.Tags)}
	_, err = s.mutateLB(ctx, sc, ref.lb, listenerNotFound, func(r *lbRecord) error {
		l := r.listener(ref.id)
		if l == nil {
			return listenerNotFound()
		}
		if slices.ContainsFunc(l.Rules, func(o ruleRecord) bool { return o.Priority == in.Priority }) {
			return priorityInUse(in.Priority)
		}
		n := 0
		for _, o := range r.Listeners {
			n += len(o.Rules)
		}
		if n >= maxRules {
			return elbError(elbv2types.ErrTooManyRulesException, "A load balancer can have at most %d rules, default rules not counted", maxRules)
		}
		l.Rules = append(l.Rules, rule)
		l.sortRules()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &elbv2types.CreateRuleOutput{Rules: []elbv2types.Rule{rule.view()}}, nil
}

func priorityInUse(p int32) error {
	return elbError(elbv2types.ErrPriorityInUseException, "Priority '%d' is currently in use", p)
}

// view returns a non-default rule as the API shows it.
func (r *ruleRecord) view() elbv2types.Rule {
	return elbv2types.Rule{RuleArn: r.ARN, Priority: strconv.Itoa(int(r.Priority)),
		Conditions: slices.Clone(r.Conditions), Actions: slices.Clone(r.Actions)}
}

// defaultRule returns a listener's default rule as the API shows it: no
// conditions, the listener's default actions, priority "default".
func (l *listenerRecord) defaultRule() elbv2types.Rule {
	return elbv2types.Rule{RuleArn: l.DefaultRuleARN, Priority: defaultPriority, IsDefault: true,
		Conditions: []elbv2types.RuleCondition{}, Actions: slices.Clone(l.DefaultActions)}
}

// findRule reads the rule an ARN names: its load balancer, its listener,
// and the rule itself, nil for the listener's default rule.
func (s *Service) findRule(ctx context.Context, sc scope, arn string) (*lbRecord, *listenerRecord, *ruleRecord, error) {
	ref, err := sc.parseRuleARN(arn)
	if err != nil {
		return nil, nil, nil, err
	}
	lb, _, err := s.getLB(ctx, sc, ref.listener.lb)
	if hasCode(err, elbv2types.ErrLoadBalancerNotFoundException) {
		return nil, nil, nil, ruleNotFound()
	} else if err != nil {
		return nil, nil, nil, err
	}
	l := lb.listener(ref.listener.id)
	if l == nil {
		return nil, nil, nil, ruleNotFound()
	}
	if l.DefaultRuleID == ref.id {
		return lb, l, nil, nil
	}
	rule := l.rule(ref.id)
	if rule == nil {
		return nil, nil, nil, ruleNotFound()
	}
	return lb, l, rule, nil
}

// DescribeRules describes a listener's rules, in priority order with the
// default rule last, or the rules named by ARN.
func (s *Service) DescribeRules(ctx context.Context, in *elbv2types.DescribeRulesInput) (*elbv2types.DescribeRulesOutput, error) {
	sc := scopeOf(ctx)
	var v violations
	v.pageSize(in.PageSize)
	if err := v.err(); err != nil {
		return nil, err
	}
	type item struct {
		key  string
		rule elbv2types.Rule
	}
	sortKey := func(l *listenerRecord, r *ruleRecord) string {
		if r == nil {
			return l.ARN + "/" + defaultPriority
		}
		return l.ARN + "/" + padded(r.Priority)
	}
	var items []item
	switch {
	case in.ListenerArn != "" && in.RuleArns != nil:
		return nil, validation("Listener ARN and rule ARNs cannot be specified at the same time")
	case in.ListenerArn != "":
		_, l, err := s.findListener(ctx, sc, in.ListenerArn)
		if err != nil {
			return nil, err
		}
		for i := range l.Rules {
			items = append(items, item{sortKey(l, &l.Rules[i]), l.Rules[i].view()})
		}
		items = append(items, item{sortKey(l, nil), l.defaultRule()})
	case in.RuleArns != nil:
		for _, arn := range dedupe(in.RuleArns) {
			_, l, r, err := s.findRule(ctx, sc, arn)
			if err != nil {
				return nil, err
			}
			if r == nil {
				items = append(items, item{sortKey(l, nil), l.defaultRule()})
			} else {
				items = append(items, item{sortKey(l, r), r.view()})
			}
		}
	default:
		return nil, validation("You must specify either a listener ARN or rule ARNs")
	}
	slices.SortFunc(items, func(a, b item) int {
		if a.key < b.key {
			return -1
		}
		return 1
	})
	page, next, err := takePage(items, func(it item) string { return it.key }, in.Marker, in.PageSize)
	if err != nil {
		return nil, err
	}
	out := &elbv2types.DescribeRulesOutput{Rules: make([]elbv2types.Rule, 0, len(page)), NextMarker: next}
	for _, it := range page {
		out.Rules = append(out.Rules, it.rule)
	}
	return out, nil
}

// ModifyRule replaces a rule's conditions or actions. The default rule
// is changed through ModifyListener.
func (s *Service) ModifyRule(ctx context.Context, in *elbv2types.ModifyRuleInput) (*elbv2types.ModifyRuleOutput, error) {
	sc := scopeOf(ctx)
	var v violations
	v.required(in.RuleArn != "", "ruleArn")
	if err := v.err(); err != nil {
		return nil, err
	}
	if in.Transforms != nil {
		return nil, validation("berth does not support rule transforms yet")
	}
	ref, err := sc.parseRuleARN(in.RuleArn)
	if err != nil {
		return nil, err
	}
	var conds []elbv2types.RuleCondition
	if in.Conditions != nil {
		if conds, err = checkConditions(in.Conditions, "conditions"); err != nil {
			return nil, err
		}
	}
	_, l, rule, err := s.findRule(ctx, sc, in.RuleArn)
	if err != nil {
		return nil, err
	}
	if rule == nil && l != nil {
		return nil, elbError(elbv2types.ErrOperationNotPermittedException,
			"The default rule cannot be modified; change a listener's default actions with ModifyListener")
	}
	var actions []elbv2types.Action
	if in.Actions != nil {
		env, err := s.actionEnv(ctx, sc, ref.listener.lb, ruleNotFound)
		if err != nil {
			return nil, err
		}
		if actions, err = env.check(ctx, in.Actions, "actions"); err != nil {
			return nil, err
		}
	}
	var changed ruleRecord
	_, err = s.mutateLB(ctx, sc, ref.listener.lb, ruleNotFound, func(r *lbRecord) error {
		l := r.listener(ref.listener.id)
		if l == nil || l.rule(ref.id) == nil {
			return ruleNotFound()
		}
		rule := l.rule(ref.id)
		if conds != nil {
			rule.Conditions = conds
		}
		if actions != nil {
			rule.Actions = actions
		}
		changed = *rule
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &elbv2types.ModifyRuleOutput{Rules: []elbv2types.Rule{changed.view()}}, nil
}

// DeleteRule deletes a rule; a listener's default rule cannot be.
func (s *Service) DeleteRule(ctx context.Context, in *elbv2types.DeleteRuleInput) (*elbv2types.DeleteRuleOutput, error) {
	sc := scopeOf(ctx)
	var v violations
	v.required(in.RuleArn != "", "ruleArn")
	if err := v.err(); err != nil {
		return nil, err
	}
	ref, err := sc.parseRuleARN(in.RuleArn)
	if err != nil {
		return nil, err
	}
	_, err = s.mutateLB(ctx, sc, ref.listener.lb, ruleNotFound, func(r *lbRecord) error {
		l := r.listener(ref.listener.id)
		switch {
		case l == nil:
			return ruleNotFound()
		case l.DefaultRuleID == ref.id:
			return elbError(elbv2types.ErrOperationNotPermittedException, "The default rule of a listener cannot be deleted")
		case l.rule(ref.id) == nil:
			return ruleNotFound()
		}
		l.Rules = slices.DeleteFunc(l.Rules, func(o ruleRecord) bool { return o.ID == ref.id })
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &elbv2types.DeleteRuleOutput{}, nil
}

// SetRulePriorities changes the priorities of rules of one listener in
// one write, so rules can swap priorities; the result must leave no two
// rules of the listener at one priority.
func (s *Service) SetRulePriorities(ctx context.Context, in *elbv2types.SetRulePrioritiesInput) (*elbv2types.SetRulePrioritiesOutput, error) {
	sc := scopeOf(ctx)
	var v violations
	if v.required(in.RulePriorities != nil, "rulePriorities") && len(in.RulePriorities) == 0 {
		v.add("[]", "rulePriorities", "have length greater than or equal to 1")
	}
	for i, p := range in.RulePriorities {
		at := "rulePriorities." + strconv.Itoa(i+1) + ".member."
		v.required(p.RuleArn != "", at+"ruleArn")
		if v.required(p.Priority != nil, at+"priority") {
			v.between(p.Priority, at+"priority", 1, 50000)
		}
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	var refs []ruleRef
	want := map[string]int32{}
	var prios []int32
	for _, p := range in.RulePriorities {
		ref, err := sc.parseRuleARN(p.RuleArn)
		if err != nil {
			return nil, err
		}
		switch {
		case slices.ContainsFunc(refs, func(r ruleRef) bool { return r.id == ref.id }):
			return nil, validation("Rule '%s' was provided multiple times", p.RuleArn)
		case slices.Contains(prios, *p.Priority):
			return nil, validation("Priority '%d' was provided multiple times", *p.Priority)
		case len(refs) > 0 && refs[0].listener != ref.listener:
			return nil, validation("The rules must all belong to the same listener")
		}
		refs, prios = append(refs, ref), append(prios, *p.Priority)
		want[ref.id] = *p.Priority
	}
	lref := refs[0].listener
	var changed []ruleRecord
	_, err := s.mutateLB(ctx, sc, lref.lb, ruleNotFound, func(r *lbRecord) error {
		changed = nil
		l := r.listener(lref.id)
		if l == nil {
			return ruleNotFound()
		}
		for _, ref := range refs {
			if ref.id == l.DefaultRuleID {
				return elbError(elbv2types.ErrOperationNotPermittedException, "The priority of a listener's default rule cannot be changed")
			}
			rule := l.rule(ref.id)
			if rule == nil {
				return ruleNotFound()
			}
			rule.Priority = want[ref.id]
		}
		for i, a := range l.Rules {
			if slices.ContainsFunc(l.Rules[i+1:], func(b ruleRecord) bool { return b.Priority == a.Priority }) {
				return priorityInUse(a.Priority)
			}
		}
		l.sortRules()
		for _, rule := range l.Rules {
			if _, ok := want[rule.ID]; ok {
				changed = append(changed, rule)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := &elbv2types.SetRulePrioritiesOutput{Rules: make([]elbv2types.Rule, 0, len(changed))}
	for i := range changed {
		out.Rules = append(out.Rules, changed[i].view())
	}
	return out, nil
}
