package events

import (
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/awsapi/events/eventstypes"
)

func TestPutRuleRefusesBadInput(t *testing.T) {
	s := newTestService(t, &fakeTargets{})
	ctx := testCtx()
	long := `{"source":["` + strings.Repeat("a", maxPatternLength) + `"]}`
	for name, tc := range map[string]struct {
		in   eventstypes.PutRuleRequest
		code string
		msg  string
	}{
		"no name":          {eventstypes.PutRuleRequest{EventPattern: `{"source":["a"]}`}, "ValidationException", "length greater than or equal to 1"},
		"bad name":         {eventstypes.PutRuleRequest{Name: "a b", EventPattern: `{"source":["a"]}`}, "ValidationException", "regular expression pattern"},
		"long name":        {eventstypes.PutRuleRequest{Name: strings.Repeat("a", 65), EventPattern: `{"source":["a"]}`}, "ValidationException", "less than or equal to 64"},
		"neither":          {eventstypes.PutRuleRequest{Name: "r"}, "ValidationException", "EventPattern or ScheduleExpression must be specified"},
		"bad pattern":      {eventstypes.PutRuleRequest{Name: "r", EventPattern: `{"source":[]}`}, eventstypes.ErrInvalidEventPatternException, "Empty arrays are not allowed"},
		"not json":         {eventstypes.PutRuleRequest{Name: "r", EventPattern: `nope`}, eventstypes.ErrInvalidEventPatternException, "Event pattern is not valid"},
		"too long pattern": {eventstypes.PutRuleRequest{Name: "r", EventPattern: long}, "ValidationException", "too long"},
		"bad schedule":     {eventstypes.PutRuleRequest{Name: "r", ScheduleExpression: "rate(1 minutes)"}, "ValidationException", "Parameter ScheduleExpression is not valid."},
		"bad state":        {eventstypes.PutRuleRequest{Name: "r", EventPattern: `{"source":["a"]}`, State: "ON"}, "ValidationException", "enum value set"},
		"other bus":        {eventstypes.PutRuleRequest{Name: "r", EventPattern: `{"source":["a"]}`, EventBusName: "mine"}, eventstypes.ErrResourceNotFoundException, "Event bus mine does not exist."},
		"reserved tag":     {eventstypes.PutRuleRequest{Name: "r", EventPattern: `{"source":["a"]}`, Tags: []eventstypes.Tag{{Key: "aws:x", Value: "v"}}}, "ValidationException", "reserved"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := s.PutRule(ctx, &tc.in)
			if pe := wantCode(t, err, tc.code); !strings.Contains(pe.Message, tc.msg) {
				t.Errorf("message %q, want it to contain %q", pe.Message, tc.msg)
			}
		})
	}
	out, err := s.ListRules(ctx, &eventstypes.ListRulesRequest{})
	if err != nil || len(out.Rules) != 0 {
		t.Fatalf("refused rules were created: %+v, %v", out, err)
	}
}

func TestRuleLifecycle(t *testing.T) {
	s := newTestService(t, &fakeTargets{})
	ctx := testCtx()
	out, err := s.PutRule(ctx, &eventstypes.PutRuleRequest{Name: "stopped", EventPattern: `{"source":["aws.ecs"]}`,
		Description: "d", Tags: []eventstypes.Tag{{Key: "team", Value: "a"}}})
	if err != nil {
		t.Fatal(err)
	}
	if want := "arn:aws:events:us-east-1:123456789012:rule/stopped"; out.RuleArn != want {
		t.Errorf("arn %s, want %s", out.RuleArn, want)
	}
	// PutRule again updates in place; tags stay.
	if _, err := s.PutRule(ctx, &eventstypes.PutRuleRequest{Name: "stopped", ScheduleExpression: "rate(5 minutes)", State: "DISABLED"}); err != nil {
		t.Fatal(err)
	}
	d, err := s.DescribeRule(ctx, &eventstypes.DescribeRuleRequest{Name: "stopped"})
	if err != nil {
		t.Fatal(err)
	}
	if d.State != "DISABLED" || d.ScheduleExpression != "rate(5 minutes)" || d.EventPattern != "" || d.Description != "" ||
		d.EventBusName != "default" || d.CreatedBy != testAccount {
		t.Errorf("described %+v", d)
	}
	tags, err := s.ListTagsForResource(ctx, &eventstypes.ListTagsForResourceRequest{ResourceARN: out.RuleArn})
	if err != nil || len(tags.Tags) != 1 || tags.Tags[0].Key != "team" {
		t.Errorf("tags %+v, %v", tags, err)
	}
	if _, err := s.EnableRule(ctx, &eventstypes.EnableRuleRequest{Name: "stopped"}); err != nil {
		t.Fatal(err)
	}
	if d, _ := s.DescribeRule(ctx, &eventstypes.DescribeRuleRequest{Name: "stopped"}); d.State != "ENABLED" {
		t.Errorf("state after EnableRule: %s", d.State)
	}
	_, err = s.DisableRule(ctx, &eventstypes.DisableRuleRequest{Name: "nope"})
	if pe := wantCode(t, err, eventstypes.ErrResourceNotFoundException); pe.Message != "Rule nope does not exist on EventBus default." {
		t.Errorf("message %q", pe.Message)
	}
	// A rule with targets can't be deleted.
	if _, err := s.PutTargets(ctx, &eventstypes.PutTargetsRequest{Rule: "stopped", Targets: []eventstypes.Target{
		{Id: "log", Arn: "arn:aws:logs:us-east-1:123456789012:log-group:/aws/events/x"}}}); err != nil {
		t.Fatal(err)
	}
	_, err = s.DeleteRule(ctx, &eventstypes.DeleteRuleRequest{Name: "stopped"})
	wantCode(t, err, "ValidationException")
	if _, err := s.RemoveTargets(ctx, &eventstypes.RemoveTargetsRequest{Rule: "stopped", Ids: []string{"log", "other"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DeleteRule(ctx, &eventstypes.DeleteRuleRequest{Name: "stopped"}); err != nil {
		t.Fatal(err)
	}
	// Deleting again succeeds, as in EventBridge.
	if _, err := s.DeleteRule(ctx, &eventstypes.DeleteRuleRequest{Name: "stopped"}); err != nil {
		t.Fatal(err)
	}
	_, err = s.DescribeRule(ctx, &eventstypes.DescribeRuleRequest{Name: "stopped"})
	wantCode(t, err, eventstypes.ErrResourceNotFoundException)
}

func TestListRulesPages(t *testing.T) {
	s := newTestService(t, &fakeTargets{})
	ctx := testCtx()
	for _, n := range []string{"a1", "a2", "a3", "b1"} {
		if _, err := s.PutRule(ctx, &eventstypes.PutRuleRequest{Name: n, EventPattern: `{"source":["x"]}`}); err != nil {
			t.Fatal(err)
		}
	}
	two := int32(2)
	var names []string
	tok := ""
	for {
		out, err := s.ListRules(ctx, &eventstypes.ListRulesRequest{NamePrefix: "a", Limit: &two, NextToken: tok})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range out.Rules {
			names = append(names, r.Name)
		}
		if tok = out.NextToken; tok == "" {
			break
		}
	}
	if strings.Join(names, ",") != "a1,a2,a3" {
		t.Errorf("listed %v", names)
	}
	_, err := s.ListRules(ctx, &eventstypes.ListRulesRequest{NextToken: encodeToken("/events-rule/999999999999/us-east-1/default/x")})
	wantCode(t, err, "ValidationException")
	zero := int32(0)
	_, err = s.ListRules(ctx, &eventstypes.ListRulesRequest{Limit: &zero})
	wantCode(t, err, "ValidationException")
}

func TestTestEventPattern(t *testing.T) {
	s := newTestService(t, &fakeTargets{})
	ctx := testCtx()
	event := `{"id":"1","account":"123456789012","source":"aws.ecs","time":"2026-01-01T00:00:00Z","region":"us-east-1",
		"resources":[],"detail-type":"ECS Task State Change","detail":{"lastStatus":"STOPPED"}}`
	for name, tc := range map[string]struct {
		pattern, event string
		want           bool
		code           string
	}{
		"match":          {`{"detail":{"lastStatus":["STOPPED"]}}`, event, true, ""},
		"no match":       {`{"detail":{"lastStatus":["RUNNING"]}}`, event, false, ""},
		"prefix":         {`{"detail-type":[{"prefix":"ECS Task"}]}`, event, true, ""},
		"bad pattern":    {`{"detail":[]}`, event, false, eventstypes.ErrInvalidEventPatternException},
		"empty pattern":  {`{}`, event, false, eventstypes.ErrInvalidEventPatternException},
		"no envelope":    {`{"source":["a"]}`, `{"source":"a"}`, false, "ValidationException"},
		"event not json": {`{"source":["a"]}`, `source`, false, "ValidationException"},
	} {
		t.Run(name, func(t *testing.T) {
			out, err := s.TestEventPattern(ctx, &eventstypes.TestEventPatternRequest{EventPattern: tc.pattern, Event: tc.event})
			if tc.code != "" {
				wantCode(t, err, tc.code)
				return
			}
			if err != nil || out.Result != tc.want {
				t.Fatalf("got %+v, %v; want %v", out, err, tc.want)
			}
		})
	}
}
