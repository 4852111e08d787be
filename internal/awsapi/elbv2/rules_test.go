package elbv2

import (
	"slices"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/awsapi/elbv2/elbv2types"
)

// ruleSetup is a load balancer with one listener forwarding to tg.
func ruleSetup(t *testing.T) (*env, elbv2types.Listener, elbv2types.TargetGroup) {
	e := newEnv(t)
	lb := e.mustLB(t, "web")
	tg := e.mustTG(t, "tg")
	return e, e.mustListener(t, lb.LoadBalancerArn, 80, forwardTo(tg.TargetGroupArn)), tg
}

func (e *env) priorities(t *testing.T, listenerARN string) []string {
	t.Helper()
	out, err := e.DescribeRules(e.ctx, &elbv2types.DescribeRulesInput{ListenerArn: listenerARN})
	if err != nil {
		t.Fatal(err)
	}
	var ps []string
	for _, r := range out.Rules {
		ps = append(ps, r.Priority)
	}
	return ps
}

func TestRulePriorities(t *testing.T) {
	e, l, tg := ruleSetup(t)
	r10 := e.mustRule(t, l.ListenerArn, 10, tg.TargetGroupArn, "/a/*")
	r2 := e.mustRule(t, l.ListenerArn, 2, tg.TargetGroupArn, "/b/*")
	r300 := e.mustRule(t, l.ListenerArn, 300, tg.TargetGroupArn, "/c/*")
	if !strings.Contains(r10.RuleArn, ":listener-rule/app/web/") || r10.Priority != "10" || r10.IsDefault {
		t.Errorf("rule %+v", r10)
	}
	if got := e.priorities(t, l.ListenerArn); !slices.Equal(got, []string{"2", "10", "300", "default"}) {
		t.Errorf("priorities %v", got)
	}
	_, err := e.CreateRule(e.ctx, &elbv2types.CreateRuleInput{ListenerArn: l.ListenerArn, Priority: 10, Conditions: pathRule("/d"), Actions: forwardTo(tg.TargetGroupArn)})
	wantCode(t, err, "PriorityInUse", "Priority '10' is currently in use")

	// Swapping two priorities is one write; a clash with a rule not
	// named is refused, and changes nothing.
	out, err := e.SetRulePriorities(e.ctx, &elbv2types.SetRulePrioritiesInput{RulePriorities: []elbv2types.RulePriorityPair{
		{RuleArn: r10.RuleArn, Priority: ptr[int32](2)}, {RuleArn: r2.RuleArn, Priority: ptr[int32](10)}}})
	if err != nil || len(out.Rules) != 2 || out.Rules[0].RuleArn != r10.RuleArn || out.Rules[0].Priority != "2" {
		t.Fatalf("swap: %+v %v", out, err)
	}
	before := e.storeDump(t)
	_, err = e.SetRulePriorities(e.ctx, &elbv2types.SetRulePrioritiesInput{RulePriorities: []elbv2types.RulePriorityPair{{RuleArn: r10.RuleArn, Priority: ptr[int32](300)}}})
	wantCode(t, err, "PriorityInUse", "Priority '300' is currently in use")
	_, err = e.SetRulePriorities(e.ctx, &elbv2types.SetRulePrioritiesInput{RulePriorities: []elbv2types.RulePriorityPair{
		{RuleArn: r10.RuleArn, Priority: ptr[int32](5)}, {RuleArn: r300.RuleArn, Priority: ptr[int32](5)}}})
	wantCode(t, err, "ValidationError", "Priority '5' was provided multiple times")
	rules, _ := e.DescribeRules(e.ctx, &elbv2types.DescribeRulesInput{ListenerArn: l.ListenerArn})
	defaultARN := rules.Rules[len(rules.Rules)-1].RuleArn
	_, err = e.SetRulePriorities(e.ctx, &elbv2types.SetRulePrioritiesInput{RulePriorities: []elbv2types.RulePriorityPair{{RuleArn: defaultARN, Priority: ptr[int32](7)}}})
	wantCode(t, err, "OperationNotPermitted", "default rule")
	if !mapsEqual(before, e.storeDump(t)) {
		t.Fatal("a refused SetRulePriorities changed the store")
	}
	if got := e.priorities(t, l.ListenerArn); !slices.Equal(got, []string{"2", "10", "300", "default"}) {
		t.Errorf("priorities after swap %v", got)
	}

	// The default rule: last, IsDefault, the listener's actions; it cannot
	// be deleted or modified.
	def := rules.Rules[len(rules.Rules)-1]
	if !def.IsDefault || def.Priority != "default" || def.Conditions == nil || len(def.Conditions) != 0 || def.Actions[0].TargetGroupArn != tg.TargetGroupArn {
		t.Errorf("default rule %+v", def)
	}
	_, err = e.DeleteRule(e.ctx, &elbv2types.DeleteRuleInput{RuleArn: def.RuleArn})
	wantCode(t, err, "OperationNotPermitted", "cannot be deleted")
	_, err = e.ModifyRule(e.ctx, &elbv2types.ModifyRuleInput{RuleArn: def.RuleArn, Conditions: pathRule("/x")})
	wantCode(t, err, "OperationNotPermitted", "ModifyListener")
	byARN, err := e.DescribeRules(e.ctx, &elbv2types.DescribeRulesInput{RuleArns: []string{def.RuleArn, r300.RuleArn}})
	if err != nil || len(byARN.Rules) != 2 || byARN.Rules[0].Priority != "300" || byARN.Rules[1].Priority != "default" {
		t.Errorf("by ARN: %+v %v", byARN, err)
	}

	page, err := e.DescribeRules(e.ctx, &elbv2types.DescribeRulesInput{ListenerArn: l.ListenerArn, PageSize: ptr[int32](3)})
	if err != nil || len(page.Rules) != 3 || page.NextMarker == "" {
		t.Fatalf("page: %+v %v", page, err)
	}
	page, err = e.DescribeRules(e.ctx, &elbv2types.DescribeRulesInput{ListenerArn: l.ListenerArn, PageSize: ptr[int32](3), Marker: page.NextMarker})
	if err != nil || len(page.Rules) != 1 || !page.Rules[0].IsDefault {
		t.Fatalf("page 2: %+v %v", page, err)
	}

	mod, err := e.ModifyRule(e.ctx, &elbv2types.ModifyRuleInput{RuleArn: r300.RuleArn, Conditions: []elbv2types.RuleCondition{{Field: "host-header", Values: []string{"*.example.com"}}}})
	if err != nil || mod.Rules[0].Conditions[0].Field != "host-header" || mod.Rules[0].Priority != "300" {
		t.Fatalf("ModifyRule: %+v %v", mod, err)
	}
	if _, err := e.DeleteRule(e.ctx, &elbv2types.DeleteRuleInput{RuleArn: r300.RuleArn}); err != nil {
		t.Fatal(err)
	}
	_, err = e.DeleteRule(e.ctx, &elbv2types.DeleteRuleInput{RuleArn: r300.RuleArn})
	wantCode(t, err, "RuleNotFound", "One or more rules not found")
	if got := e.priorities(t, l.ListenerArn); !slices.Equal(got, []string{"2", "10", "default"}) {
		t.Errorf("priorities after delete %v", got)
	}
	// Deleting the listener deletes its rules.
	if _, err := e.DeleteListener(e.ctx, &elbv2types.DeleteListenerInput{ListenerArn: l.ListenerArn}); err != nil {
		t.Fatal(err)
	}
	_, err = e.DescribeRules(e.ctx, &elbv2types.DescribeRulesInput{RuleArns: []string{r2.RuleArn}})
	wantCode(t, err, "RuleNotFound", "")
}

func TestRuleConditions(t *testing.T) {
	e, l, tg := ruleSetup(t)
	cfgPath := func(vals ...string) elbv2types.RuleCondition {
		return elbv2types.RuleCondition{Field: "path-pattern", PathPatternConfig: &elbv2types.PathPatternConditionConfig{Values: vals}}
	}
	ok := [][]elbv2types.RuleCondition{
		pathRule("/api/*"),
		{cfgPath("/a", "/b?"), {Field: "host-header", HostHeaderConfig: &elbv2types.HostHeaderConditionConfig{Values: []string{"api.example.com"}}}},
		{{Field: "http-request-method", HttpRequestMethodConfig: &elbv2types.HttpRequestMethodConditionConfig{Values: []string{"GET", "HEAD"}}}},
		{{Field: "source-ip", SourceIpConfig: &elbv2types.SourceIpConditionConfig{Values: []string{"10.0.0.0/8", "2001:db8::/32"}}}},
	}
	for i, conds := range ok {
		_, err := e.CreateRule(e.ctx, &elbv2types.CreateRuleInput{ListenerArn: l.ListenerArn, Priority: int32(i + 1), Conditions: conds, Actions: forwardTo(tg.TargetGroupArn)})
		if err != nil {
			t.Errorf("conditions %s: %v", jsonOf(t, conds), err)
		}
	}
	out, _ := e.DescribeRules(e.ctx, &elbv2types.DescribeRulesInput{ListenerArn: l.ListenerArn})
	if c := out.Rules[0].Conditions[0]; !slices.Equal(c.Values, []string{"/api/*"}) || c.PathPatternConfig == nil || !slices.Equal(c.PathPatternConfig.Values, []string{"/api/*"}) {
		t.Errorf("path condition echoed as %s", jsonOf(t, c))
	}
	for _, tc := range []struct {
		name  string
		conds []elbv2types.RuleCondition
		want  string
	}{
		{"none", []elbv2types.RuleCondition{}, "at least one condition"},
		{"null", nil, "Value null at 'conditions'"},
		{"unknown field", []elbv2types.RuleCondition{{Field: "cookie", Values: []string{"x"}}}, "Condition field 'cookie' must be one of"},
		{"http-header", []elbv2types.RuleCondition{{Field: "http-header", HttpHeaderConfig: &elbv2types.HttpHeaderConditionConfig{HttpHeaderName: "X", Values: []string{"y"}}}}, "does not support 'http-header'"},
		{"twice", append(pathRule("/a"), pathRule("/b")...), "only one 'path-pattern' condition"},
		{"both forms", []elbv2types.RuleCondition{{Field: "path-pattern", Values: []string{"/a"}, PathPatternConfig: &elbv2types.PathPatternConditionConfig{Values: []string{"/b"}}}}, "not both"},
		{"wrong config", []elbv2types.RuleCondition{{Field: "path-pattern", HostHeaderConfig: &elbv2types.HostHeaderConditionConfig{Values: []string{"a"}}}}, "settings of a 'host-header' condition"},
		{"method values", []elbv2types.RuleCondition{{Field: "http-request-method", Values: []string{"GET"}}}, "only for host-header and path-pattern"},
		{"no values", pathRule(), "at least one value"},
		{"six values", pathRule("/1", "/2", "/3", "/4", "/5", "/6"), "at most 5 condition values"},
		{"wildcards", pathRule("/***", "/***"), "at most 5 wildcards"},
		{"path chars", pathRule("/a b"), "The path pattern '/a b' is not valid"},
		{"long path", pathRule("/" + strings.Repeat("a", 128)), "is not valid"},
		{"host chars", []elbv2types.RuleCondition{{Field: "host-header", Values: []string{"a_b.com"}}}, "The host header 'a_b.com' is not valid"},
		{"method chars", []elbv2types.RuleCondition{{Field: "http-request-method", HttpRequestMethodConfig: &elbv2types.HttpRequestMethodConditionConfig{Values: []string{"get"}}}}, "HTTP request method 'get'"},
		{"source ip", []elbv2types.RuleCondition{{Field: "source-ip", SourceIpConfig: &elbv2types.SourceIpConditionConfig{Values: []string{"10.0.0.1"}}}}, "The source IP '10.0.0.1' is not valid"},
		{"regex", []elbv2types.RuleCondition{{Field: "path-pattern", RegexValues: []string{"^/a$"}}}, "regular expression"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := e.storeDump(t)
			_, err := e.CreateRule(e.ctx, &elbv2types.CreateRuleInput{ListenerArn: l.ListenerArn, Priority: 100, Conditions: tc.conds, Actions: forwardTo(tg.TargetGroupArn)})
			wantCode(t, err, "ValidationError", tc.want)
			if !mapsEqual(before, e.storeDump(t)) {
				t.Fatal("a refused CreateRule changed the store")
			}
		})
	}
	_, err := e.CreateRule(e.ctx, &elbv2types.CreateRuleInput{ListenerArn: l.ListenerArn, Priority: 0, Conditions: pathRule("/"), Actions: forwardTo(tg.TargetGroupArn)})
	wantCode(t, err, "ValidationError", "Value '0' at 'priority' failed to satisfy constraint: Member must have value greater than or equal to 1")
	_, err = e.CreateRule(e.ctx, &elbv2types.CreateRuleInput{ListenerArn: strings.Replace(l.ListenerArn, "/web/", "/gone/", 1), Priority: 5, Conditions: pathRule("/"), Actions: forwardTo(tg.TargetGroupArn)})
	wantCode(t, err, "ListenerNotFound", "")
}

// A rule's target group counts as used by the load balancer, and cannot
// be used by another load balancer.
func TestRuleTargetGroupUsage(t *testing.T) {
	e, l, _ := ruleSetup(t)
	tg := e.mustTG(t, "rule-only")
	e.mustRule(t, l.ListenerArn, 1, tg.TargetGroupArn, "/r")
	out, err := e.DescribeTargetGroups(e.ctx, &elbv2types.DescribeTargetGroupsInput{TargetGroupArns: []string{tg.TargetGroupArn}})
	if err != nil || len(out.TargetGroups[0].LoadBalancerArns) != 1 {
		t.Fatalf("rule's group: %+v %v", out, err)
	}
	other := e.mustLB(t, "other")
	_, err = e.CreateListener(e.ctx, &elbv2types.CreateListenerInput{LoadBalancerArn: other.LoadBalancerArn, Protocol: "HTTP", Port: ptr[int32](80), DefaultActions: forwardTo(tg.TargetGroupArn)})
	wantCode(t, err, "TargetGroupAssociationLimit", "")
	_, err = e.DeleteTargetGroup(e.ctx, &elbv2types.DeleteTargetGroupInput{TargetGroupArn: tg.TargetGroupArn})
	wantCode(t, err, "ResourceInUse", "")
}

// Racing CreateRule calls for one priority: exactly one wins, as the
// priority check and the write are one CAS on the load balancer record.
func TestCreateRuleRace(t *testing.T) {
	e, l, tg := ruleSetup(t)
	const n = 8
	errs := make(chan error, n)
	for i := range n {
		go func() {
			_, err := e.CreateRule(e.ctx, &elbv2types.CreateRuleInput{ListenerArn: l.ListenerArn, Priority: 7,
				Conditions: pathRule("/" + strings.Repeat("x", i+1)), Actions: forwardTo(tg.TargetGroupArn)})
			errs <- err
		}()
	}
	won := 0
	for range n {
		if err := <-errs; err == nil {
			won++
		} else {
			wantCode(t, err, "PriorityInUse", "")
		}
	}
	if got := e.priorities(t, l.ListenerArn); won != 1 || !slices.Equal(got, []string{"7", "default"}) {
		t.Fatalf("%d won; priorities %v", won, got)
	}
}
