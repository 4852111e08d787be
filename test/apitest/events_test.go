package apitest

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"github.com/berth-dev/berth/internal/testutil"
)

func TestEventRules(t *testing.T) {
	region := testutil.Region(t)
	c := eventbridge.NewFromConfig(srv.AWSConfig(region))
	put := must[*eventbridge.PutRuleOutput](t)(c.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("stopped"),
		EventPattern: aws.String(`{"source":["aws.ecs"],"detail-type":["ECS Task State Change"],"detail":{"lastStatus":["STOPPED"]}}`),
		Description:  aws.String("stopped tasks"), Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("core")}}}))
	wantARN := fmt.Sprintf("arn:aws:events:%s:%s:rule/stopped", region, testutil.TestAccountID)
	if aws.ToString(put.RuleArn) != wantARN {
		t.Fatalf("rule ARN %s, want %s", aws.ToString(put.RuleArn), wantARN)
	}
	d := must[*eventbridge.DescribeRuleOutput](t)(c.DescribeRule(ctx, &eventbridge.DescribeRuleInput{Name: aws.String("stopped")}))
	if d.State != types.RuleStateEnabled || aws.ToString(d.EventBusName) != "default" || aws.ToString(d.Arn) != wantARN {
		t.Errorf("described %+v", d)
	}
	_, err := c.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("bad"), EventPattern: aws.String(`{"source":[]}`)})
	wantAPIError(t, err, "InvalidEventPatternException", "Empty arrays are not allowed")
	_, err = c.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("bad"), ScheduleExpression: aws.String("rate(5 minute)")})
	wantAPIError(t, err, "ValidationException", "Parameter ScheduleExpression is not valid.")
	_, err = c.DescribeRule(ctx, &eventbridge.DescribeRuleInput{Name: aws.String("bad")})
	wantAPIError(t, err, "ResourceNotFoundException", "Rule bad does not exist on EventBus default.")

	must[*eventbridge.PutTargetsOutput](t)(c.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("stopped"), Targets: []types.Target{
		{Id: aws.String("log"), Arn: aws.String(fmt.Sprintf("arn:aws:logs:%s:%s:log-group:/aws/events/stopped", region, testutil.TestAccountID))}}}))
	_, err = c.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("stopped"), Targets: []types.Target{
		{Id: aws.String("q"), Arn: aws.String(fmt.Sprintf("arn:aws:sqs:%s:%s:queue", region, testutil.TestAccountID))}}})
	wantAPIError(t, err, "ValidationException", "is none of them")
	targets := must[*eventbridge.ListTargetsByRuleOutput](t)(c.ListTargetsByRule(ctx, &eventbridge.ListTargetsByRuleInput{Rule: aws.String("stopped")}))
	if len(targets.Targets) != 1 || aws.ToString(targets.Targets[0].Id) != "log" {
		t.Errorf("targets %+v", targets.Targets)
	}
	_, err = c.DeleteRule(ctx, &eventbridge.DeleteRuleInput{Name: aws.String("stopped")})
	wantAPIError(t, err, "ValidationException", "Rule can't be deleted since it has targets.")
	tags := must[*eventbridge.ListTagsForResourceOutput](t)(c.ListTagsForResource(ctx, &eventbridge.ListTagsForResourceInput{ResourceARN: put.RuleArn}))
	if len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].Value) != "core" {
		t.Errorf("tags %+v", tags.Tags)
	}
	rules := must[*eventbridge.ListRulesOutput](t)(c.ListRules(ctx, &eventbridge.ListRulesInput{}))
	if len(rules.Rules) != 1 || aws.ToString(rules.Rules[0].Name) != "stopped" {
		t.Errorf("rules %+v", rules.Rules)
	}
	test := must[*eventbridge.TestEventPatternOutput](t)(c.TestEventPattern(ctx, &eventbridge.TestEventPatternInput{
		EventPattern: aws.String(`{"detail":{"lastStatus":["STOPPED"]}}`),
		Event: aws.String(`{"id":"e1","account":"` + testutil.TestAccountID + `","source":"aws.ecs","time":"2026-11-26T08:00:00Z",` +
			`"region":"` + region + `","resources":[],"detail-type":"ECS Task State Change","detail":{"lastStatus":"STOPPED"}}`)}))
	if !test.Result {
		t.Error("TestEventPattern: no match")
	}
	must[*eventbridge.RemoveTargetsOutput](t)(c.RemoveTargets(ctx, &eventbridge.RemoveTargetsInput{Rule: aws.String("stopped"), Ids: []string{"log"}}))
	must[*eventbridge.DeleteRuleOutput](t)(c.DeleteRule(ctx, &eventbridge.DeleteRuleInput{Name: aws.String("stopped")}))
}

// TestPutEventsToLogGroup sends custom events through a rule into a real
// log group.
func TestPutEventsToLogGroup(t *testing.T) {
	region := testutil.Region(t)
	c := eventbridge.NewFromConfig(srv.AWSConfig(region))
	logs := cloudwatchlogs.NewFromConfig(srv.AWSConfig(region))
	must[*cloudwatchlogs.CreateLogGroupOutput](t)(logs.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("/aws/events/orders")}))
	must[*eventbridge.PutRuleOutput](t)(c.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("big-orders"),
		EventPattern: aws.String(`{"source":["shop"],"detail":{"total":[{"numeric":[">=",100]}]}}`)}))
	must[*eventbridge.PutTargetsOutput](t)(c.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("big-orders"), Targets: []types.Target{
		{Id: aws.String("log"), Arn: aws.String(fmt.Sprintf("arn:aws:logs:%s:%s:log-group:/aws/events/orders:*", region, testutil.TestAccountID))}}}))
	out := must[*eventbridge.PutEventsOutput](t)(c.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: []types.PutEventsRequestEntry{
		{Source: aws.String("shop"), DetailType: aws.String("Order"), Detail: aws.String(`{"total":150}`)},
		{Source: aws.String("shop"), DetailType: aws.String("Order"), Detail: aws.String(`{"total":5}`)},
		{Source: aws.String("aws.ecs"), DetailType: aws.String("Order"), Detail: aws.String(`{"total":500}`)},
	}}))
	if out.FailedEntryCount != 1 || aws.ToString(out.Entries[2].ErrorCode) != "NotAuthorizedForSourceException" {
		t.Fatalf("PutEvents %+v", out.Entries)
	}
	id := aws.ToString(out.Entries[0].EventId)
	var messages []string
	deadline := time.Now().Add(10 * time.Second)
	for len(messages) == 0 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
		res, err := logs.FilterLogEvents(ctx, &cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String("/aws/events/orders")})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range res.Events {
			if aws.ToString(e.LogStreamName) != id {
				t.Errorf("event in stream %s, want the event id %s", aws.ToString(e.LogStreamName), id)
			}
			messages = append(messages, aws.ToString(e.Message))
		}
	}
	if len(messages) != 1 {
		t.Fatalf("log group holds %d events, want the one big order", len(messages))
	}
	var ev map[string]any
	if err := json.Unmarshal([]byte(messages[0]), &ev); err != nil || ev["id"] != id || !strings.Contains(messages[0], `"total":150`) {
		t.Errorf("logged %s (%v)", messages[0], err)
	}
}
