package apitest

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"

	"github.com/berth-dev/berth/internal/testutil"
)

func logsClient(t *testing.T) (*cloudwatchlogs.Client, string) {
	t.Helper()
	region := testutil.Region(t)
	return cloudwatchlogs.NewFromConfig(srv.AWSConfig(region)), region
}

func TestLogGroups(t *testing.T) {
	c, region := logsClient(t)
	for _, name := range []string{"/ecs/web", "/ecs/worker", "app#1"} {
		must[*cloudwatchlogs.CreateLogGroupOutput](t)(c.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{
			LogGroupName: aws.String(name), Tags: map[string]string{"team": "core"}}))
	}
	_, err := c.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("/ecs/web")})
	wantAPIError(t, err, "ResourceAlreadyExistsException", "already exists")
	_, err = c.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("bad name")})
	wantAPIError(t, err, "InvalidParameterException", "regular expression pattern")

	out := must[*cloudwatchlogs.DescribeLogGroupsOutput](t)(c.DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String("/ecs/")}))
	if len(out.LogGroups) != 2 || aws.ToString(out.LogGroups[0].LogGroupName) != "/ecs/web" {
		t.Fatalf("groups %+v", out.LogGroups)
	}
	g := out.LogGroups[0]
	wantARN := fmt.Sprintf("arn:aws:logs:%s:%s:log-group:/ecs/web", region, testutil.TestAccountID)
	if aws.ToString(g.LogGroupArn) != wantARN || aws.ToString(g.Arn) != wantARN+":*" || g.RetentionInDays != nil || g.LogGroupClass != types.LogGroupClassStandard {
		t.Fatalf("group %+v", g)
	}

	// Pages of one, in name order.
	var names []string
	p := cloudwatchlogs.NewDescribeLogGroupsPaginator(c, &cloudwatchlogs.DescribeLogGroupsInput{Limit: aws.Int32(1)})
	for p.HasMorePages() {
		page := must[*cloudwatchlogs.DescribeLogGroupsOutput](t)(p.NextPage(ctx))
		for _, g := range page.LogGroups {
			names = append(names, aws.ToString(g.LogGroupName))
		}
	}
	if !slices.Equal(names, []string{"/ecs/web", "/ecs/worker", "app#1"}) {
		t.Fatalf("paged names %v", names)
	}

	// Retention: only the allowed values.
	_, err = c.PutRetentionPolicy(ctx, &cloudwatchlogs.PutRetentionPolicyInput{LogGroupName: aws.String("/ecs/web"), RetentionInDays: aws.Int32(2)})
	wantAPIError(t, err, "InvalidParameterException", "enum value set")
	must[*cloudwatchlogs.PutRetentionPolicyOutput](t)(c.PutRetentionPolicy(ctx, &cloudwatchlogs.PutRetentionPolicyInput{LogGroupName: aws.String("/ecs/web"), RetentionInDays: aws.Int32(7)}))
	out = must[*cloudwatchlogs.DescribeLogGroupsOutput](t)(c.DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String("/ecs/web")}))
	if aws.ToInt32(out.LogGroups[0].RetentionInDays) != 7 {
		t.Fatalf("retention %v", out.LogGroups[0].RetentionInDays)
	}

	// Tags by ARN and by name.
	must[*cloudwatchlogs.TagResourceOutput](t)(c.TagResource(ctx, &cloudwatchlogs.TagResourceInput{ResourceArn: aws.String(wantARN), Tags: map[string]string{"env": "dev"}}))
	tags := must[*cloudwatchlogs.ListTagsForResourceOutput](t)(c.ListTagsForResource(ctx, &cloudwatchlogs.ListTagsForResourceInput{ResourceArn: aws.String(wantARN + ":*")}))
	if len(tags.Tags) != 2 || tags.Tags["env"] != "dev" || tags.Tags["team"] != "core" {
		t.Fatalf("tags %v", tags.Tags)
	}
	_, err = c.TagResource(ctx, &cloudwatchlogs.TagResourceInput{ResourceArn: aws.String(wantARN), Tags: map[string]string{"aws:x": "y"}})
	wantAPIError(t, err, "InvalidParameterException", "reserved")

	must[*cloudwatchlogs.DeleteLogGroupOutput](t)(c.DeleteLogGroup(ctx, &cloudwatchlogs.DeleteLogGroupInput{LogGroupName: aws.String("/ecs/worker")}))
	_, err = c.DeleteLogGroup(ctx, &cloudwatchlogs.DeleteLogGroupInput{LogGroupName: aws.String("/ecs/worker")})
	wantAPIError(t, err, "ResourceNotFoundException", "The specified log group does not exist.")
}

func TestLogEvents(t *testing.T) {
	c, _ := logsClient(t)
	group := aws.String("/app")
	must[*cloudwatchlogs.CreateLogGroupOutput](t)(c.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: group}))
	for _, s := range []string{"web/1", "web/2", "db/1"} {
		must[*cloudwatchlogs.CreateLogStreamOutput](t)(c.CreateLogStream(ctx, &cloudwatchlogs.CreateLogStreamInput{LogGroupName: group, LogStreamName: aws.String(s)}))
	}
	_, err := c.CreateLogStream(ctx, &cloudwatchlogs.CreateLogStreamInput{LogGroupName: group, LogStreamName: aws.String("a:b")})
	wantAPIError(t, err, "InvalidParameterException", "[^:*]*")
	_, err = c.CreateLogStream(ctx, &cloudwatchlogs.CreateLogStreamInput{LogGroupName: aws.String("/nope"), LogStreamName: aws.String("x")})
	wantAPIError(t, err, "ResourceNotFoundException", "log group does not exist")

	now := time.Now().UnixMilli()
	put := func(stream string, base int64, msgs ...string) *cloudwatchlogs.PutLogEventsOutput {
		t.Helper()
		var ev []types.InputLogEvent
		for i, m := range msgs {
			ev = append(ev, types.InputLogEvent{Timestamp: aws.Int64(base + int64(i)), Message: aws.String(m)})
		}
		return must[*cloudwatchlogs.PutLogEventsOutput](t)(c.PutLogEvents(ctx, &cloudwatchlogs.PutLogEventsInput{LogGroupName: group, LogStreamName: aws.String(stream), LogEvents: ev}))
	}
	put("web/1", now-1000, "GET /index 200", "GET /missing 404", `{"level":"error","code":500}`)
	put("web/2", now-900, "GET /other 200")
	put("db/1", now-800, "slow query 1200ms")

	// Batch rules: order, emptiness; nothing of a refused batch is kept.
	_, err = c.PutLogEvents(ctx, &cloudwatchlogs.PutLogEventsInput{LogGroupName: group, LogStreamName: aws.String("web/1"), LogEvents: []types.InputLogEvent{
		{Timestamp: aws.Int64(now), Message: aws.String("b")}, {Timestamp: aws.Int64(now - 1), Message: aws.String("a")}}})
	wantAPIError(t, err, "InvalidParameterException", "chronological order")
	_, err = c.PutLogEvents(ctx, &cloudwatchlogs.PutLogEventsInput{LogGroupName: group, LogStreamName: aws.String("nope"), LogEvents: []types.InputLogEvent{{Timestamp: aws.Int64(now), Message: aws.String("x")}}})
	wantAPIError(t, err, "ResourceNotFoundException", "log stream does not exist")
	// Too old and too new events are skipped and reported.
	res, err := c.PutLogEvents(ctx, &cloudwatchlogs.PutLogEventsInput{LogGroupName: group, LogStreamName: aws.String("db/1"), LogEvents: []types.InputLogEvent{
		{Timestamp: aws.Int64(now - 15*24*3600*1000), Message: aws.String("ancient")},
		{Timestamp: aws.Int64(now - 700), Message: aws.String("kept")},
		{Timestamp: aws.Int64(now + 3*3600*1000), Message: aws.String("future")}}})
	if err != nil || res.RejectedLogEventsInfo == nil || aws.ToInt32(res.RejectedLogEventsInfo.TooOldLogEventEndIndex) != 0 || aws.ToInt32(res.RejectedLogEventsInfo.TooNewLogEventStartIndex) != 2 {
		t.Fatalf("rejected info %+v, %v", res, err)
	}

	get := must[*cloudwatchlogs.GetLogEventsOutput](t)(c.GetLogEvents(ctx, &cloudwatchlogs.GetLogEventsInput{LogGroupName: group, LogStreamName: aws.String("web/1"), StartFromHead: aws.Bool(true)}))
	if len(get.Events) != 3 || aws.ToString(get.Events[1].Message) != "GET /missing 404" || aws.ToInt64(get.Events[0].IngestionTime) < now {
		t.Fatalf("get %+v", get.Events)
	}
	again := must[*cloudwatchlogs.GetLogEventsOutput](t)(c.GetLogEvents(ctx, &cloudwatchlogs.GetLogEventsInput{LogGroupName: group, LogStreamName: aws.String("web/1"), NextToken: get.NextForwardToken}))
	if len(again.Events) != 0 || aws.ToString(again.NextForwardToken) != aws.ToString(get.NextForwardToken) {
		t.Fatalf("at the end the forward token repeats: %+v", again)
	}

	filter := func(in *cloudwatchlogs.FilterLogEventsInput) []string {
		t.Helper()
		in.LogGroupName = group
		var got []string
		p := cloudwatchlogs.NewFilterLogEventsPaginator(c, in)
		for p.HasMorePages() {
			for _, e := range must[*cloudwatchlogs.FilterLogEventsOutput](t)(p.NextPage(ctx)).Events {
				got = append(got, aws.ToString(e.LogStreamName)+" "+aws.ToString(e.Message))
			}
		}
		return got
	}
	for _, tc := range []struct {
		in   cloudwatchlogs.FilterLogEventsInput
		want []string
	}{
		{cloudwatchlogs.FilterLogEventsInput{}, []string{"web/1 GET /index 200", "web/1 GET /missing 404", `web/1 {"level":"error","code":500}`, "web/2 GET /other 200", "db/1 slow query 1200ms", "db/1 kept"}},
		{cloudwatchlogs.FilterLogEventsInput{FilterPattern: aws.String("GET -404")}, []string{"web/1 GET /index 200", "web/2 GET /other 200"}},
		{cloudwatchlogs.FilterLogEventsInput{FilterPattern: aws.String(`"slow query"`)}, []string{"db/1 slow query 1200ms"}},
		{cloudwatchlogs.FilterLogEventsInput{FilterPattern: aws.String("{ $.code >= 500 }")}, []string{`web/1 {"level":"error","code":500}`}},
		{cloudwatchlogs.FilterLogEventsInput{FilterPattern: aws.String("[method, path, status=4*]")}, []string{"web/1 GET /missing 404"}},
		{cloudwatchlogs.FilterLogEventsInput{LogStreamNamePrefix: aws.String("web/"), FilterPattern: aws.String("?200 ?404")}, []string{"web/1 GET /index 200", "web/1 GET /missing 404", "web/2 GET /other 200"}},
		{cloudwatchlogs.FilterLogEventsInput{LogStreamNames: []string{"db/1"}, StartTime: aws.Int64(now - 750)}, []string{"db/1 kept"}},
		{cloudwatchlogs.FilterLogEventsInput{Limit: aws.Int32(1)}, []string{"web/1 GET /index 200", "web/1 GET /missing 404", `web/1 {"level":"error","code":500}`, "web/2 GET /other 200", "db/1 slow query 1200ms", "db/1 kept"}},
	} {
		if got := filter(&tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("filter pattern %q prefix %q: got %q, want %q", aws.ToString(tc.in.FilterPattern), aws.ToString(tc.in.LogStreamNamePrefix), got, tc.want)
		}
	}
	_, err = c.FilterLogEvents(ctx, &cloudwatchlogs.FilterLogEventsInput{LogGroupName: group, FilterPattern: aws.String(`{ $.x = `)})
	wantAPIError(t, err, "InvalidParameterException", "filter pattern")

	// Streams by last event time, newest first.
	streams := must[*cloudwatchlogs.DescribeLogStreamsOutput](t)(c.DescribeLogStreams(ctx, &cloudwatchlogs.DescribeLogStreamsInput{
		LogGroupName: group, OrderBy: types.OrderByLastEventTime, Descending: aws.Bool(true)}))
	var order []string
	for _, s := range streams.LogStreams {
		order = append(order, aws.ToString(s.LogStreamName))
	}
	if !slices.Equal(order, []string{"db/1", "web/2", "web/1"}) {
		t.Fatalf("streams by last event time: %v", order)
	}
	if s := streams.LogStreams[2]; aws.ToInt64(s.FirstEventTimestamp) != now-1000 || aws.ToInt64(s.LastEventTimestamp) != now-998 || !strings.HasSuffix(aws.ToString(s.Arn), ":log-stream:web/1") {
		t.Fatalf("stream %+v", s)
	}
	_, err = c.DescribeLogStreams(ctx, &cloudwatchlogs.DescribeLogStreamsInput{LogGroupName: group, OrderBy: types.OrderByLastEventTime, LogStreamNamePrefix: aws.String("web")})
	wantAPIError(t, err, "InvalidParameterException", "Cannot order by LastEventTime with a logStreamNamePrefix")

	// A group deleted and made again is empty.
	must[*cloudwatchlogs.DeleteLogStreamOutput](t)(c.DeleteLogStream(ctx, &cloudwatchlogs.DeleteLogStreamInput{LogGroupName: group, LogStreamName: aws.String("web/2")}))
	must[*cloudwatchlogs.DeleteLogGroupOutput](t)(c.DeleteLogGroup(ctx, &cloudwatchlogs.DeleteLogGroupInput{LogGroupName: group}))
	must[*cloudwatchlogs.CreateLogGroupOutput](t)(c.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: group}))
	if got := filter(&cloudwatchlogs.FilterLogEventsInput{}); len(got) != 0 {
		t.Fatalf("a new group sees old events: %q", got)
	}
}

func TestLogRetention(t *testing.T) {
	c, _ := logsClient(t)
	group := aws.String("/retained")
	must[*cloudwatchlogs.CreateLogGroupOutput](t)(c.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: group}))
	must[*cloudwatchlogs.CreateLogStreamOutput](t)(c.CreateLogStream(ctx, &cloudwatchlogs.CreateLogStreamInput{LogGroupName: group, LogStreamName: aws.String("s")}))
	now := time.Now()
	must[*cloudwatchlogs.PutLogEventsOutput](t)(c.PutLogEvents(ctx, &cloudwatchlogs.PutLogEventsInput{LogGroupName: group, LogStreamName: aws.String("s"), LogEvents: []types.InputLogEvent{
		{Timestamp: aws.Int64(now.Add(-72 * time.Hour).UnixMilli()), Message: aws.String("three days old")},
		{Timestamp: aws.Int64(now.Add(-71 * time.Hour).UnixMilli()), Message: aws.String("almost three days old")},
	}}))
	must[*cloudwatchlogs.PutLogEventsOutput](t)(c.PutLogEvents(ctx, &cloudwatchlogs.PutLogEventsInput{LogGroupName: group, LogStreamName: aws.String("s"), LogEvents: []types.InputLogEvent{
		{Timestamp: aws.Int64(now.UnixMilli()), Message: aws.String("fresh")}}}))
	must[*cloudwatchlogs.PutRetentionPolicyOutput](t)(c.PutRetentionPolicy(ctx, &cloudwatchlogs.PutRetentionPolicyInput{LogGroupName: group, RetentionInDays: aws.Int32(1)}))
	got := must[*cloudwatchlogs.FilterLogEventsOutput](t)(c.FilterLogEvents(ctx, &cloudwatchlogs.FilterLogEventsInput{LogGroupName: group}))
	if len(got.Events) != 1 || aws.ToString(got.Events[0].Message) != "fresh" {
		t.Fatalf("after a 1-day retention: %+v", got.Events)
	}
	// Events older than the retention are refused from now on.
	res := must[*cloudwatchlogs.PutLogEventsOutput](t)(c.PutLogEvents(ctx, &cloudwatchlogs.PutLogEventsInput{LogGroupName: group, LogStreamName: aws.String("s"), LogEvents: []types.InputLogEvent{
		{Timestamp: aws.Int64(now.Add(-48 * time.Hour).UnixMilli()), Message: aws.String("expired")}}}))
	if res.RejectedLogEventsInfo == nil || aws.ToInt32(res.RejectedLogEventsInfo.ExpiredLogEventEndIndex) != 0 {
		t.Fatalf("expired event not reported: %+v", res.RejectedLogEventsInfo)
	}
}
