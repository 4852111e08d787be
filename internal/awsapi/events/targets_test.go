package events

import (
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/awsapi/events/eventstypes"
)

const (
	logARN     = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/events/stopped"
	clusterARN = "arn:aws:ecs:us-east-1:123456789012:cluster/default"
	roleARN    = "arn:aws:iam::123456789012:role/events-ecs"
)

func TestPutTargetsRefusesBadTargets(t *testing.T) {
	s := newTestService(t, &fakeTargets{})
	ctx := testCtx()
	if _, err := s.PutRule(ctx, &eventstypes.PutRuleRequest{Name: "r", EventPattern: `{"source":["a"]}`}); err != nil {
		t.Fatal(err)
	}
	zero, hundred, eleven := int32(0), int32(200), int32(11)
	ecs := func(p *eventstypes.EcsParameters, role string) eventstypes.Target {
		return eventstypes.Target{Id: "t", Arn: clusterARN, RoleArn: role, EcsParameters: p}
	}
	for name, tc := range map[string]struct {
		targets []eventstypes.Target
		code    string
		msg     string
	}{
		"none":           {nil, "ValidationException", "targets"},
		"bad id":         {[]eventstypes.Target{{Id: "a b", Arn: logARN}}, "ValidationException", "targets.1.member.id"},
		"no arn":         {[]eventstypes.Target{{Id: "t"}}, "ValidationException", "targets.1.member.arn"},
		"duplicate ids":  {[]eventstypes.Target{{Id: "t", Arn: logARN}, {Id: "t", Arn: logARN}}, "ValidationException", "duplicate"},
		"two inputs":     {[]eventstypes.Target{{Id: "t", Arn: logARN, Input: `{}`, InputPath: "$.detail"}}, "ValidationException", "Only one of"},
		"input not json": {[]eventstypes.Target{{Id: "t", Arn: logARN, Input: `{`}}, "ValidationException", "not valid JSON"},
		"bad input path": {[]eventstypes.Target{{Id: "t", Arn: logARN, InputPath: "detail"}}, "ValidationException", "JsonPath"},
		"bad variable":   {[]eventstypes.Target{{Id: "t", Arn: logARN, InputTransformer: &eventstypes.InputTransformer{InputPathsMap: map[string]string{"aws.x": "$.a"}, InputTemplate: "x"}}}, "ValidationException", "InputPathsMap key"},
		"no template":    {[]eventstypes.Target{{Id: "t", Arn: logARN, InputTransformer: &eventstypes.InputTransformer{}}}, "ValidationException", "InputTemplate"},
		"retry attempts": {[]eventstypes.Target{{Id: "t", Arn: logARN, RetryPolicy: &eventstypes.RetryPolicy{MaximumRetryAttempts: &hundred}}}, "ValidationException", "between 0 and 185"},
		"retry age":      {[]eventstypes.Target{{Id: "t", Arn: logARN, RetryPolicy: &eventstypes.RetryPolicy{MaximumEventAgeInSeconds: &zero}}}, "ValidationException", "between 60 and 86400"},
		"dead letters":   {[]eventstypes.Target{{Id: "t", Arn: logARN, DeadLetterConfig: &eventstypes.DeadLetterConfig{Arn: "arn:aws:sqs:us-east-1:123456789012:dlq"}}}, "ValidationException", "SQS"},
		"sqs target":     {[]eventstypes.Target{{Id: "t", Arn: "arn:aws:sqs:us-east-1:123456789012:q"}}, "ValidationException", "is none of them"},
		"other account":  {[]eventstypes.Target{{Id: "t", Arn: "arn:aws:logs:us-east-1:999999999999:log-group:x"}}, "ValidationException", "is none of them"},
		"ecs no params":  {[]eventstypes.Target{ecs(nil, roleARN)}, "ValidationException", "EcsParameters must be specified"},
		"ecs no role":    {[]eventstypes.Target{ecs(&eventstypes.EcsParameters{TaskDefinitionArn: "app"}, "")}, "ValidationException", "RoleArn is required"},
		"ecs no taskdef": {[]eventstypes.Target{ecs(&eventstypes.EcsParameters{}, roleARN)}, "ValidationException", "TaskDefinitionArn"},
		"ecs task count": {[]eventstypes.Target{ecs(&eventstypes.EcsParameters{TaskDefinitionArn: "app", TaskCount: &eleven}, roleARN)}, "ValidationException", "TaskCount"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := s.PutTargets(ctx, &eventstypes.PutTargetsRequest{Rule: "r", Targets: tc.targets})
			if pe := wantCode(t, err, tc.code); !strings.Contains(pe.Message, tc.msg) {
				t.Errorf("message %q, want it to contain %q", pe.Message, tc.msg)
			}
		})
	}
	out, err := s.ListTargetsByRule(ctx, &eventstypes.ListTargetsByRuleRequest{Rule: "r"})
	if err != nil || len(out.Targets) != 0 {
		t.Fatalf("refused targets were added: %+v, %v", out, err)
	}
	_, err = s.PutTargets(ctx, &eventstypes.PutTargetsRequest{Rule: "nope", Targets: []eventstypes.Target{{Id: "t", Arn: logARN}}})
	wantCode(t, err, eventstypes.ErrResourceNotFoundException)
}

func TestTargetsReplaceListAndLimit(t *testing.T) {
	s := newTestService(t, &fakeTargets{})
	ctx := testCtx()
	for _, r := range []string{"r1", "r2"} {
		if _, err := s.PutRule(ctx, &eventstypes.PutRuleRequest{Name: r, EventPattern: `{"source":["a"]}`}); err != nil {
			t.Fatal(err)
		}
	}
	put := func(rule string, ids ...string) error {
		var ts []eventstypes.Target
		for _, id := range ids {
			ts = append(ts, eventstypes.Target{Id: id, Arn: logARN, Input: `"` + id + `"`})
		}
		_, err := s.PutTargets(ctx, &eventstypes.PutTargetsRequest{Rule: rule, Targets: ts})
		return err
	}
	if err := put("r1", "c", "a", "b"); err != nil {
		t.Fatal(err)
	}
	if err := put("r1", "a"); err != nil { // replaces a
		t.Fatal(err)
	}
	if err := put("r1", "d", "e", "f"); err == nil {
		t.Fatal("a sixth target was accepted")
	} else {
		wantCode(t, err, eventstypes.ErrLimitExceededException)
	}
	two := int32(2)
	first, err := s.ListTargetsByRule(ctx, &eventstypes.ListTargetsByRuleRequest{Rule: "r1", Limit: &two})
	if err != nil || len(first.Targets) != 2 || first.Targets[0].Id != "a" || first.NextToken == "" {
		t.Fatalf("first page %+v, %v", first, err)
	}
	second, err := s.ListTargetsByRule(ctx, &eventstypes.ListTargetsByRuleRequest{Rule: "r1", Limit: &two, NextToken: first.NextToken})
	if err != nil || len(second.Targets) != 1 || second.Targets[0].Id != "c" || second.NextToken != "" {
		t.Fatalf("second page %+v, %v", second, err)
	}
	if err := put("r2", "x"); err != nil {
		t.Fatal(err)
	}
	names, err := s.ListRuleNamesByTarget(ctx, &eventstypes.ListRuleNamesByTargetRequest{TargetArn: logARN})
	if err != nil || strings.Join(names.RuleNames, ",") != "r1,r2" {
		t.Fatalf("rules by target %+v, %v", names, err)
	}
	one := int32(1)
	page, err := s.ListRuleNamesByTarget(ctx, &eventstypes.ListRuleNamesByTargetRequest{TargetArn: logARN, Limit: &one})
	if err != nil || len(page.RuleNames) != 1 || page.NextToken == "" {
		t.Fatalf("first page of rules by target %+v, %v", page, err)
	}
	page, err = s.ListRuleNamesByTarget(ctx, &eventstypes.ListRuleNamesByTargetRequest{TargetArn: logARN, Limit: &one, NextToken: page.NextToken})
	if err != nil || len(page.RuleNames) != 1 || page.RuleNames[0] != "r2" {
		t.Fatalf("second page of rules by target %+v, %v", page, err)
	}
}
