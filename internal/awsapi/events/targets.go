package events

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	"github.com/berth-dev/berth/internal/awsapi/events/eventstypes"
	"github.com/berth-dev/berth/internal/store"
)

// maxTargets is how many targets a rule may have.
const maxTargets = 5

// PutTargets adds targets to a rule or replaces those with the same ids.
// Every target is checked first; one bad target fails the request and
// changes nothing.
func (s *Service) PutTargets(ctx context.Context, in *eventstypes.PutTargetsRequest) (*eventstypes.PutTargetsResponse, error) {
	sc := scopeOf(ctx)
	if in.Rule == "" {
		return nil, required("rule")
	}
	if len(in.Targets) == 0 {
		return nil, constraint("[]", "targets", "have length greater than or equal to 1")
	}
	if len(in.Targets) > 10 {
		return nil, constraint(len(in.Targets), "targets", "have length less than or equal to 10")
	}
	seen := map[string]bool{}
	for i := range in.Targets {
		t := &in.Targets[i]
		if err := s.checkTarget(ctx, sc, t, i+1); err != nil {
			return nil, err
		}
		if seen[t.Id] {
			return nil, validation("The request contains duplicate target ids: %s.", t.Id)
		}
		seen[t.Id] = true
	}
	_, err := s.mutateRule(ctx, sc, in.Rule, in.EventBusName, func(r *rule) error {
		targets := slices.DeleteFunc(slices.Clone(r.Targets), func(t eventstypes.Target) bool { return seen[t.Id] })
		targets = append(targets, in.Targets...)
		if len(targets) > maxTargets {
			return limitExceeded("The requested resource exceeds the maximum number allowed.")
		}
		slices.SortFunc(targets, func(a, b eventstypes.Target) int { return strings.Compare(a.Id, b.Id) })
		r.Targets = targets
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &eventstypes.PutTargetsResponse{FailedEntries: []eventstypes.PutTargetsResultEntry{}}, nil
}

// checkTarget checks one target of a PutTargets call; n is its 1-based
// place, for the error's member path.
func (s *Service) checkTarget(ctx context.Context, sc scope, t *eventstypes.Target, n int) error {
	field := "targets." + strconv.Itoa(n) + ".member."
	if err := validName(t.Id, field+"id"); err != nil {
		return err
	}
	if err := lengthBetween(t.Arn, field+"arn", 1, 1600); err != nil {
		return err
	}
	if err := lengthBetween(t.RoleArn, field+"roleArn", 0, 1600); err != nil {
		return err
	}
	given := 0
	for _, set := range []bool{t.Input != "", t.InputPath != "", t.InputTransformer != nil} {
		if set {
			given++
		}
	}
	if given > 1 {
		return validation("Only one of Input, InputPath, or InputTransformer must be provided for target %s.", t.Id)
	}
	if err := checkInput(t); err != nil {
		return err
	}
	if p := t.RetryPolicy; p != nil {
		if a := p.MaximumRetryAttempts; a != nil && (*a < 0 || *a > 185) {
			return constraint(*a, field+"retryPolicy.maximumRetryAttempts", "have value between 0 and 185")
		}
		if a := p.MaximumEventAgeInSeconds; a != nil && (*a < 60 || *a > 86400) {
			return constraint(*a, field+"retryPolicy.maximumEventAgeInSeconds", "have value between 60 and 86400")
		}
	}
	if t.DeadLetterConfig != nil && t.DeadLetterConfig.Arn != "" {
		return validation("Target %s: dead-letter queues are Amazon SQS queues, which berth does not have; leave DeadLetterConfig out.", t.Id)
	}
	switch kind, _ := targetKind(sc, t.Arn); kind {
	case targetLogGroup:
		return nil
	case targetECS:
		return checkECSTarget(t)
	case targetAPIDestination:
		return s.checkAPIDestinationTarget(ctx, sc, t)
	default:
		return validation("Target %s: berth delivers to CloudWatch Logs log groups, ECS clusters and API destinations of this account and region; %s is none of them.", t.Id, t.Arn)
	}
}

// checkInput checks a target's Input, InputPath and InputTransformer.
func checkInput(t *eventstypes.Target) error {
	if t.Input != "" {
		if err := lengthBetween(t.Input, "input", 0, 8192); err != nil {
			return err
		}
		if !json.Valid([]byte(t.Input)) {
			return validation("Target %s: Input is not valid JSON text.", t.Id)
		}
	}
	if t.InputPath != "" {
		if err := lengthBetween(t.InputPath, "inputPath", 0, 256); err != nil {
			return err
		}
		if _, err := parsePath(t.InputPath); err != nil {
			return validation("Target %s: InputPath is not a valid JsonPath: %v.", t.Id, err)
		}
	}
	if tr := t.InputTransformer; tr != nil {
		if tr.InputTemplate == "" {
			return validation("Target %s: InputTemplate is required in an InputTransformer.", t.Id)
		}
		if err := lengthBetween(tr.InputTemplate, "inputTemplate", 1, 8192); err != nil {
			return err
		}
		if len(tr.InputPathsMap) > 100 {
			return validation("Target %s: InputPathsMap can have at most 100 entries.", t.Id)
		}
		for name, path := range tr.InputPathsMap {
			if !validVariable(name) {
				return validation("Target %s: InputPathsMap key %q is not valid: use letters, digits, '_' and '-', not starting with 'aws.'.", t.Id, name)
			}
			if _, err := parsePath(path); err != nil {
				return validation("Target %s: InputPathsMap value %q is not a valid JsonPath: %v.", t.Id, path, err)
			}
		}
	}
	return nil
}

// checkECSTarget checks what an ECS target needs: a role to run tasks as
// and the task definition.
func checkECSTarget(t *eventstypes.Target) error {
	p := t.EcsParameters
	if p == nil {
		return validation("Parameter(s) EcsParameters must be specified for target: %s.", t.Id)
	}
	if t.RoleArn == "" {
		return validation("RoleArn is required for target: %s.", t.Id)
	}
	if p.TaskDefinitionArn == "" {
		return validation("Parameter TaskDefinitionArn must be specified for target: %s.", t.Id)
	}
	if c := p.TaskCount; c != nil && (*c < 1 || *c > 10) {
		return validation("Parameter TaskCount for target %s must be between 1 and 10.", t.Id)
	}
	return nil
}

type targetType int

const (
	targetUnknown targetType = iota
	targetLogGroup
	targetECS
	targetAPIDestination
)

// targetKind tells what a target ARN names, and the name: the log group
// or the cluster. Only resources of the caller's account and region count.
func targetKind(sc scope, arn string) (targetType, string) {
	if name, ok := strings.CutPrefix(arn, "arn:aws:logs:"+sc.region+":"+sc.account+":log-group:"); ok && name != "" {
		return targetLogGroup, strings.TrimSuffix(name, ":*")
	}
	if name, ok := strings.CutPrefix(arn, "arn:aws:ecs:"+sc.region+":"+sc.account+":cluster/"); ok && name != "" {
		return targetECS, name
	}
	if rest, ok := strings.CutPrefix(arn, sc.arn("api-destination/")); ok && rest != "" {
		return targetAPIDestination, rest
	}
	return targetUnknown, ""
}

// RemoveTargets removes targets from a rule; ids it does not have are
// ignored.
func (s *Service) RemoveTargets(ctx context.Context, in *eventstypes.RemoveTargetsRequest) (*eventstypes.RemoveTargetsResponse, error) {
	sc := scopeOf(ctx)
	if in.Rule == "" {
		return nil, required("rule")
	}
	if len(in.Ids) == 0 {
		return nil, constraint("[]", "ids", "have length greater than or equal to 1")
	}
	if len(in.Ids) > 100 {
		return nil, constraint(len(in.Ids), "ids", "have length less than or equal to 100")
	}
	for i, id := range in.Ids {
		if err := validName(id, "ids."+strconv.Itoa(i+1)+".member"); err != nil {
			return nil, err
		}
	}
	_, err := s.mutateRule(ctx, sc, in.Rule, in.EventBusName, func(r *rule) error {
		r.Targets = slices.DeleteFunc(r.Targets, func(t eventstypes.Target) bool { return slices.Contains(in.Ids, t.Id) })
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &eventstypes.RemoveTargetsResponse{FailedEntries: []eventstypes.RemoveTargetsResultEntry{}}, nil
}

// ListTargetsByRule lists a rule's targets in id order.
func (s *Service) ListTargetsByRule(ctx context.Context, in *eventstypes.ListTargetsByRuleRequest) (*eventstypes.ListTargetsByRuleResponse, error) {
	sc := scopeOf(ctx)
	limit, err := limitOf(in.Limit)
	if err != nil {
		return nil, err
	}
	r, err := s.getRule(ctx, sc, in.Rule, in.EventBusName)
	if err != nil {
		return nil, err
	}
	after, err := decodeToken(in.NextToken, "")
	if err != nil {
		return nil, err
	}
	out := &eventstypes.ListTargetsByRuleResponse{Targets: []eventstypes.Target{}}
	for _, t := range r.Targets {
		if t.Id <= after {
			continue
		}
		if len(out.Targets) == limit {
			out.NextToken = encodeToken(out.Targets[limit-1].Id)
			break
		}
		out.Targets = append(out.Targets, t)
	}
	return out, nil
}

// ListRuleNamesByTarget lists the rules that have a target with an ARN.
func (s *Service) ListRuleNamesByTarget(ctx context.Context, in *eventstypes.ListRuleNamesByTargetRequest) (*eventstypes.ListRuleNamesByTargetResponse, error) {
	sc := scopeOf(ctx)
	if err := lengthBetween(in.TargetArn, "targetArn", 1, 1600); err != nil {
		return nil, err
	}
	if err := sc.resolveBus(in.EventBusName); err != nil {
		return nil, err
	}
	limit, err := limitOf(in.Limit)
	if err != nil {
		return nil, err
	}
	after, err := decodeToken(in.NextToken, sc.rulePrefix())
	if err != nil {
		return nil, err
	}
	out := &eventstypes.ListRuleNamesByTargetResponse{RuleNames: []string{}}
	last := ""
	err = rules(s.store).Scan(ctx, sc.rulePrefix(), after, func(obj store.Object, r *rule) bool {
		if !slices.ContainsFunc(r.Targets, func(t eventstypes.Target) bool { return t.Arn == in.TargetArn }) {
			return true
		}
		if len(out.RuleNames) == limit {
			out.NextToken = encodeToken(last)
			return false
		}
		out.RuleNames = append(out.RuleNames, r.Name)
		last = obj.Key
		return true
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
