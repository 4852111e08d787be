package events

import (
	"context"
	"errors"
	"strings"

	"github.com/berth-dev/berth/internal/awsapi/events/eventpattern"
	"github.com/berth-dev/berth/internal/awsapi/events/eventstypes"
	"github.com/berth-dev/berth/internal/awsapi/events/schedule"
	"github.com/berth-dev/berth/internal/store"
)

// maxPatternLength is EventBridge's limit on an event pattern's length.
const maxPatternLength = 4096

// resolveBus accepts the default bus by name or ARN (or nothing, which
// means it); any other bus does not exist in berth.
func (sc scope) resolveBus(name string) error {
	if name == "" || name == defaultBus || name == sc.busARN() {
		return nil
	}
	if err := lengthBetween(name, "eventBusName", 1, 1600); err != nil {
		return err
	}
	return notFound("Event bus %s does not exist.", name)
}

// PutRule creates a rule, or updates an existing one in place (its
// targets and tags stay).
func (s *Service) PutRule(ctx context.Context, in *eventstypes.PutRuleRequest) (*eventstypes.PutRuleResponse, error) {
	sc := scopeOf(ctx)
	if err := validName(in.Name, "name"); err != nil {
		return nil, err
	}
	if err := sc.resolveBus(in.EventBusName); err != nil {
		return nil, err
	}
	if err := validRuleSettings(in); err != nil {
		return nil, err
	}
	tags, err := tagMap(in.Tags)
	if err != nil {
		return nil, err
	}
	state := in.State
	if state == "" {
		state = eventstypes.RuleStateEnabled
	}
	update := func(r *rule) error {
		r.EventPattern, r.ScheduleExpression = in.EventPattern, in.ScheduleExpression
		r.State, r.Description, r.RoleArn = state, in.Description, in.RoleArn
		return nil
	}
	key := sc.ruleKey(in.Name)
	s.router.index.mark(sc)
	_, _, err = rules(s.store).Mutate(ctx, key, update)
	if errors.Is(err, store.ErrNotFound) {
		r := &rule{Name: in.Name, CreatedBy: sc.account, CreatedAt: s.now().UTC(), Tags: tags}
		_ = update(r)
		if _, err = rules(s.store).Create(ctx, key, r); errors.Is(err, store.ErrAlreadyExists) {
			return nil, concurrentModification()
		}
	}
	if err != nil {
		return nil, err
	}
	return &eventstypes.PutRuleResponse{RuleArn: sc.ruleARN(in.Name)}, nil
}

// validRuleSettings checks a PutRule's pattern, schedule, state and
// lengths.
func validRuleSettings(in *eventstypes.PutRuleRequest) error {
	if in.EventPattern == "" && in.ScheduleExpression == "" {
		return validation("Parameter(s) EventPattern or ScheduleExpression must be specified.")
	}
	if err := lengthBetween(in.ScheduleExpression, "scheduleExpression", 0, 256); err != nil {
		return err
	}
	if err := lengthBetween(in.Description, "description", 0, 512); err != nil {
		return err
	}
	if err := lengthBetween(in.RoleArn, "roleArn", 0, 1600); err != nil {
		return err
	}
	if len(in.EventPattern) > maxPatternLength {
		return validation("Event pattern is too long. Maximum length is %d characters.", maxPatternLength)
	}
	if in.EventPattern != "" {
		if _, err := eventpattern.Compile(in.EventPattern); err != nil {
			return invalidPattern(err)
		}
	}
	if in.ScheduleExpression != "" {
		if _, err := schedule.Parse(in.ScheduleExpression); err != nil {
			return validation("%s", err.Error())
		}
	}
	switch in.State {
	case "", eventstypes.RuleStateEnabled, eventstypes.RuleStateDisabled, eventstypes.RuleStateEnabledWithAllCloudtrailManagementEvents:
	default:
		return constraint(in.State, "state", "satisfy enum value set: ["+strings.Join(eventstypes.RuleStateValues, ", ")+"]")
	}
	return nil
}

// DescribeRule returns a rule's settings.
func (s *Service) DescribeRule(ctx context.Context, in *eventstypes.DescribeRuleRequest) (*eventstypes.DescribeRuleResponse, error) {
	sc := scopeOf(ctx)
	r, err := s.getRule(ctx, sc, in.Name, in.EventBusName)
	if err != nil {
		return nil, err
	}
	out := sc.ruleOut(r)
	return &eventstypes.DescribeRuleResponse{Name: out.Name, Arn: out.Arn, EventPattern: out.EventPattern,
		ScheduleExpression: out.ScheduleExpression, State: out.State, Description: out.Description,
		RoleArn: out.RoleArn, EventBusName: out.EventBusName, CreatedBy: r.CreatedBy}, nil
}

// ListRules lists the bus's rules in name order, optionally by prefix.
func (s *Service) ListRules(ctx context.Context, in *eventstypes.ListRulesRequest) (*eventstypes.ListRulesResponse, error) {
	sc := scopeOf(ctx)
	if err := sc.resolveBus(in.EventBusName); err != nil {
		return nil, err
	}
	if in.NamePrefix != "" {
		if err := validName(in.NamePrefix, "namePrefix"); err != nil {
			return nil, err
		}
	}
	limit, err := limitOf(in.Limit)
	if err != nil {
		return nil, err
	}
	after, err := decodeToken(in.NextToken, sc.rulePrefix())
	if err != nil {
		return nil, err
	}
	page, err := rules(s.store).List(ctx, sc.rulePrefix()+in.NamePrefix, store.ListOptions{After: after, Limit: limit})
	if err != nil {
		return nil, err
	}
	out := &eventstypes.ListRulesResponse{Rules: []eventstypes.Rule{}}
	for _, it := range page.Items {
		out.Rules = append(out.Rules, sc.ruleOut(&it.Value))
	}
	if page.More {
		out.NextToken = encodeToken(page.Items[len(page.Items)-1].Key)
	}
	return out, nil
}

// DeleteRule deletes a rule that has no targets. Deleting a rule that
// does not exist succeeds, as in EventBridge.
func (s *Service) DeleteRule(ctx context.Context, in *eventstypes.DeleteRuleRequest) (*struct{}, error) {
	sc := scopeOf(ctx)
	if err := validName(in.Name, "name"); err != nil {
		return nil, err
	}
	if err := sc.resolveBus(in.EventBusName); err != nil {
		return nil, err
	}
	r, rev, err := rules(s.store).Get(ctx, sc.ruleKey(in.Name))
	if errors.Is(err, store.ErrNotFound) {
		return &struct{}{}, nil
	}
	if err != nil {
		return nil, err
	}
	if len(r.Targets) > 0 {
		return nil, validation("Rule can't be deleted since it has targets.")
	}
	if err := s.store.Delete(ctx, sc.ruleKey(in.Name), rev); errors.Is(err, store.ErrConflict) {
		return nil, concurrentModification()
	} else if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	return &struct{}{}, nil
}

// EnableRule turns a rule on.
func (s *Service) EnableRule(ctx context.Context, in *eventstypes.EnableRuleRequest) (*struct{}, error) {
	return s.setState(ctx, in.Name, in.EventBusName, eventstypes.RuleStateEnabled)
}

// DisableRule turns a rule off: it matches nothing and its schedule does
// not fire.
func (s *Service) DisableRule(ctx context.Context, in *eventstypes.DisableRuleRequest) (*struct{}, error) {
	return s.setState(ctx, in.Name, in.EventBusName, eventstypes.RuleStateDisabled)
}

func (s *Service) setState(ctx context.Context, name, bus, state string) (*struct{}, error) {
	sc := scopeOf(ctx)
	if _, err := s.mutateRule(ctx, sc, name, bus, func(r *rule) error {
		r.State = state
		return nil
	}); err != nil {
		return nil, err
	}
	return &struct{}{}, nil
}

// TestEventPattern reports whether an event matches a pattern. The event
// must carry the envelope EventBridge gives every event.
func (s *Service) TestEventPattern(ctx context.Context, in *eventstypes.TestEventPatternRequest) (*eventstypes.TestEventPatternResponse, error) {
	if in.EventPattern == "" {
		return nil, required("eventPattern")
	}
	if in.Event == "" {
		return nil, required("event")
	}
	if len(in.EventPattern) > maxPatternLength {
		return nil, validation("Event pattern is too long. Maximum length is %d characters.", maxPatternLength)
	}
	p, err := eventpattern.Compile(in.EventPattern)
	if err != nil {
		return nil, invalidPattern(err)
	}
	ev, err := decodeObject([]byte(in.Event))
	if err != nil {
		return nil, validation("Parameter Event is not valid.")
	}
	for _, field := range []string{"id", "account", "source", "time", "region", "detail-type"} {
		if _, ok := ev[field].(string); !ok {
			return nil, validation("Parameter Event is not valid.")
		}
	}
	if _, ok := ev["resources"].([]any); ev["resources"] != nil && !ok {
		return nil, validation("Parameter Event is not valid.")
	}
	return &eventstypes.TestEventPatternResponse{Result: p.MatchValue(ev)}, nil
}

// getRule reads a rule, or answers ResourceNotFoundException.
func (s *Service) getRule(ctx context.Context, sc scope, name, bus string) (*rule, error) {
	if err := validName(name, "name"); err != nil {
		return nil, err
	}
	if err := sc.resolveBus(bus); err != nil {
		return nil, err
	}
	r, _, err := rules(s.store).Get(ctx, sc.ruleKey(name))
	if errors.Is(err, store.ErrNotFound) {
		return nil, ruleNotFound(name)
	}
	return r, err
}

// mutateRule changes a rule, or answers ResourceNotFoundException.
func (s *Service) mutateRule(ctx context.Context, sc scope, name, bus string, fn func(*rule) error) (*rule, error) {
	if err := validName(name, "name"); err != nil {
		return nil, err
	}
	if err := sc.resolveBus(bus); err != nil {
		return nil, err
	}
	r, _, err := rules(s.store).Mutate(ctx, sc.ruleKey(name), fn)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, ruleNotFound(name)
	case errors.Is(err, store.ErrConflict):
		return nil, concurrentModification()
	}
	return r, err
}

func (sc scope) ruleOut(r *rule) eventstypes.Rule {
	return eventstypes.Rule{Name: r.Name, Arn: sc.ruleARN(r.Name), EventPattern: r.EventPattern,
		State: r.State, Description: r.Description, ScheduleExpression: r.ScheduleExpression,
		RoleArn: r.RoleArn, EventBusName: defaultBus}
}
