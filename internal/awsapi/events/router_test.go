package events

import (
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/awsapi/events/eventstypes"
	"github.com/berth-dev/berth/internal/awsapi/shape"
)

// putRule makes a rule with one log target.
func putRule(t *testing.T, s *Service, name, pattern string, target eventstypes.Target) {
	t.Helper()
	ctx := testCtx()
	if _, err := s.PutRule(ctx, &eventstypes.PutRuleRequest{Name: name, EventPattern: pattern}); err != nil {
		t.Fatal(err)
	}
	if target.Id == "" {
		target.Id = "log"
	}
	if target.Arn == "" {
		target.Arn = logARN
	}
	if _, err := s.PutTargets(ctx, &eventstypes.PutTargetsRequest{Rule: name, Targets: []eventstypes.Target{target}}); err != nil {
		t.Fatal(err)
	}
}

func TestPutEventsRoutesMatchingEvents(t *testing.T) {
	f := &fakeTargets{}
	s := newTestService(t, f)
	ctx := testCtx()
	putRule(t, s, "orders", `{"source":["shop"],"detail":{"total":[{"numeric":[">",100]}]}}`, eventstypes.Target{})
	putRule(t, s, "off", `{"source":["shop"]}`, eventstypes.Target{})
	if _, err := s.DisableRule(ctx, &eventstypes.DisableRuleRequest{Name: "off"}); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
	out, err := s.PutEvents(ctx, &eventstypes.PutEventsRequest{Entries: []eventstypes.PutEventsRequestEntry{
		{Source: "shop", DetailType: "Order", Detail: `{"total": 150}`, Time: shape.NewTime(at), Resources: []string{"r1"}},
		{Source: "shop", DetailType: "Order", Detail: `{"total": 50}`},
		{Source: "other", DetailType: "Order", Detail: `{"total": 500}`},
	}})
	if err != nil || out.FailedEntryCount != 0 || len(out.Entries) != 3 || out.Entries[0].EventId == "" {
		t.Fatalf("PutEvents: %+v, %v", out, err)
	}
	eventually(t, "the matching event in the log group", func() bool { logs, _ := f.snapshot(); return len(logs) >= 1 })
	time.Sleep(50 * time.Millisecond)
	logs, _ := f.snapshot()
	if len(logs) != 1 {
		t.Fatalf("delivered %d events, want the one that matches", len(logs))
	}
	got := logs[0]
	if got.group != "/aws/events/stopped" || got.stream != out.Entries[0].EventId || !got.at.Equal(at) {
		t.Errorf("delivered to %s/%s at %v", got.group, got.stream, got.at)
	}
	var ev map[string]any
	if err := json.Unmarshal([]byte(got.message), &ev); err != nil {
		t.Fatal(err)
	}
	if ev["version"] != "0" || ev["id"] != out.Entries[0].EventId || ev["detail-type"] != "Order" || ev["source"] != "shop" ||
		ev["account"] != testAccount || ev["region"] != testRegion || ev["time"] != "2026-11-26T08:00:00Z" {
		t.Errorf("envelope %v", ev)
	}
	if d, _ := ev["detail"].(map[string]any); d["total"] != 150.0 {
		t.Errorf("detail %v", ev["detail"])
	}
	st := s.Deliveries()
	if len(st) != 1 || st[0].Rule != "orders" || st[0].Invocations != 1 || st[0].FailedInvocations != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestPutEventsEntryErrors(t *testing.T) {
	s := newTestService(t, &fakeTargets{})
	ctx := testCtx()
	out, err := s.PutEvents(ctx, &eventstypes.PutEventsRequest{Entries: []eventstypes.PutEventsRequestEntry{
		{DetailType: "x", Detail: `{}`},
		{Source: "a", Detail: `{}`},
		{Source: "a", DetailType: "x"},
		{Source: "a", DetailType: "x", Detail: `[1]`},
		{Source: "aws.ecs", DetailType: "x", Detail: `{}`},
		{Source: "a", DetailType: "x", Detail: `{}`, EventBusName: "nope"},
		{Source: "a", DetailType: "x", Detail: `{"ok":true}`},
	}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"InvalidArgument", "InvalidArgument", "InvalidArgument", "MalformedDetail", "NotAuthorizedForSourceException", "InvalidArgument", ""}
	if out.FailedEntryCount != 6 {
		t.Errorf("FailedEntryCount %d", out.FailedEntryCount)
	}
	for i, w := range want {
		if e := out.Entries[i]; e.ErrorCode != w || (w == "") != (e.EventId != "") {
			t.Errorf("entry %d: %+v, want code %q", i, e, w)
		}
	}
	if m := out.Entries[0].ErrorMessage; m != "Parameter Source is not valid. Reason: Source is a required argument." {
		t.Errorf("message %q", m)
	}
	_, err = s.PutEvents(ctx, &eventstypes.PutEventsRequest{})
	wantCode(t, err, "ValidationException")
	big := `{"x":"` + strings.Repeat("a", maxEntriesSize) + `"}`
	_, err = s.PutEvents(ctx, &eventstypes.PutEventsRequest{Entries: []eventstypes.PutEventsRequestEntry{{Source: "a", DetailType: "x", Detail: big}}})
	wantCode(t, err, "ValidationException")
}

func TestInputTransformerAndInputPath(t *testing.T) {
	f := &fakeTargets{}
	s := newTestService(t, f)
	putRule(t, s, "transform", `{"source":["app"]}`, eventstypes.Target{Id: "t", InputTransformer: &eventstypes.InputTransformer{
		InputPathsMap: map[string]string{"status": "$.detail.status", "n": "$.detail.n", "missing": "$.detail.nope"},
		InputTemplate: `{"text":"task is <status> (<n>) <missing>","raw":<status>,"count":<n>,"gone":<missing>,"rule":"<aws.events.rule-name>"}`,
	}})
	putRule(t, s, "path", `{"source":["app"]}`, eventstypes.Target{Id: "p", InputPath: "$.detail.items[1]"})
	if _, err := s.PutEvents(testCtx(), &eventstypes.PutEventsRequest{Entries: []eventstypes.PutEventsRequestEntry{
		{Source: "app", DetailType: "x", Detail: `{"status":"STOP\"PED","n":3,"items":["a",{"b":"<c>"}]}`},
	}}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "two deliveries", func() bool { logs, _ := f.snapshot(); return len(logs) == 2 })
	logs, _ := f.snapshot()
	got := map[string]bool{}
	for _, l := range logs {
		got[l.message] = true
	}
	for _, want := range []string{
		`{"text":"task is STOP\"PED (3) ","raw":"STOP\"PED","count":3,"gone":null,"rule":"transform"}`,
		`{"b":"<c>"}`,
	} {
		if !got[want] {
			t.Errorf("no delivery %s among %v", want, got)
		}
	}
}

func TestDeliveryRetriesAndGivesUp(t *testing.T) {
	t.Run("retried", func(t *testing.T) {
		f := &fakeTargets{failN: 1}
		s := newTestService(t, f)
		putRule(t, s, "r", `{"source":["app"]}`, eventstypes.Target{})
		s.Emit(testAccount, testRegion, "app", "x", nil, map[string]int{"n": 1}, time.Now())
		eventually(t, "the retried delivery", func() bool { logs, _ := f.snapshot(); return len(logs) == 1 })
		st := s.Deliveries()
		if len(st) != 1 || st[0].Invocations != 1 || st[0].RetryAttempts != 1 || st[0].LastError != "target unavailable" {
			t.Errorf("stats %+v", st)
		}
	})
	t.Run("permanent", func(t *testing.T) {
		f := &fakeTargets{failN: 1, perm: true}
		s := newTestService(t, f)
		putRule(t, s, "r", `{"source":["app"]}`, eventstypes.Target{})
		s.Emit(testAccount, testRegion, "app", "x", nil, map[string]int{"n": 1}, time.Now())
		eventually(t, "the failure", func() bool { st := s.Deliveries(); return len(st) == 1 && st[0].FailedInvocations == 1 })
		if st := s.Deliveries(); st[0].RetryAttempts != 0 || st[0].Invocations != 0 {
			t.Errorf("stats %+v", st)
		}
		eventually(t, "nothing pending", func() bool { return s.router.pendingCount() == 0 })
	})
	t.Run("no retries", func(t *testing.T) {
		f := &fakeTargets{failN: 1}
		s := newTestService(t, f)
		zero := int32(0)
		putRule(t, s, "r", `{"source":["app"]}`, eventstypes.Target{RetryPolicy: &eventstypes.RetryPolicy{MaximumRetryAttempts: &zero}})
		s.Emit(testAccount, testRegion, "app", "x", nil, map[string]int{"n": 1}, time.Now())
		eventually(t, "the failure", func() bool { st := s.Deliveries(); return len(st) == 1 && st[0].FailedInvocations == 1 })
	})
}

func TestECSTargetGetsOverridesOnlyFromInput(t *testing.T) {
	f := &fakeTargets{}
	s := newTestService(t, f)
	count := int32(2)
	params := &eventstypes.EcsParameters{TaskDefinitionArn: "app:1", TaskCount: &count}
	putRule(t, s, "plain", `{"source":["app"]}`, eventstypes.Target{Id: "a", Arn: clusterARN, RoleArn: roleARN, EcsParameters: params})
	putRule(t, s, "my.rule", `{"source":["app"]}`, eventstypes.Target{Id: "b", Arn: clusterARN, RoleArn: roleARN, EcsParameters: params,
		Input: `{"containerOverrides":[{"name":"app","command":["echo","hi"]}]}`})
	s.Emit(testAccount, testRegion, "app", "x", nil, map[string]int{}, time.Now())
	eventually(t, "two RunTask calls", func() bool { _, runs := f.snapshot(); return len(runs) == 2 })
	_, runs := f.snapshot()
	for _, r := range runs {
		if r.ClusterARN != clusterARN || r.RoleARN != roleARN || *r.Parameters.TaskCount != 2 {
			t.Errorf("run %+v", r)
		}
		switch r.StartedBy {
		case "events-rule/plain":
			if r.Overrides != nil {
				t.Errorf("overrides without input: %s", r.Overrides)
			}
		case "events-rule/my-rule":
			if !strings.Contains(string(r.Overrides), "containerOverrides") {
				t.Errorf("overrides %s", r.Overrides)
			}
		default:
			t.Errorf("startedBy %q", r.StartedBy)
		}
	}
}

func TestSchedulesFire(t *testing.T) {
	f := &fakeTargets{}
	created := time.Date(2026, 11, 26, 8, 0, 30, 0, time.UTC)
	var clock sync.Mutex
	now := created
	setNow := func(t time.Time) { clock.Lock(); now = t; clock.Unlock() }
	s := newTestService(t, f, WithClock(func() time.Time { clock.Lock(); defer clock.Unlock(); return now }))
	ctx := testCtx()
	for name, expr := range map[string]string{"every2": "rate(2 minutes)", "cron": "cron(0 9 * * ? *)", "off": "rate(1 minute)"} {
		if _, err := s.PutRule(ctx, &eventstypes.PutRuleRequest{Name: name, ScheduleExpression: expr}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.PutTargets(ctx, &eventstypes.PutTargetsRequest{Rule: name, Targets: []eventstypes.Target{{Id: "log", Arn: logARN}}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.DisableRule(ctx, &eventstypes.DisableRuleRequest{Name: "off"}); err != nil {
		t.Fatal(err)
	}
	// The scheduler reads the rule index, which follows the store.
	eventually(t, "the index to hold the schedules", func() bool {
		enabled := 0
		for _, r := range s.router.index.scheduled() {
			if r.enabled {
				enabled++
			}
		}
		return enabled == 2
	})
	sch := &scheduler{s: s, rules: map[string]*scheduleState{}}
	fired := func() []string {
		time.Sleep(100 * time.Millisecond)
		logs, _ := f.snapshot()
		var out []string
		for _, l := range logs {
			var ev map[string]any
			_ = json.Unmarshal([]byte(l.message), &ev)
			out = append(out, ev["resources"].([]any)[0].(string)[len("arn:aws:events:us-east-1:123456789012:rule/"):]+"@"+ev["time"].(string))
		}
		return out
	}
	for _, step := range []time.Time{created, created.Add(time.Minute), created.Add(90 * time.Second), created.Add(100 * time.Second)} {
		setNow(step)
		sch.pass(step)
	}
	// rate(2 minutes) from 08:00 (the creation minute) fires at 08:02:00, once.
	if got := strings.Join(fired(), ","); got != "every2@2026-11-26T08:02:00Z" {
		t.Errorf("fired %s", got)
	}
	later := time.Date(2026, 11, 26, 9, 0, 5, 0, time.UTC)
	setNow(later)
	sch.pass(later)
	got := fired()
	if len(got) != 3 || !strings.Contains(strings.Join(got, ","), "cron@2026-11-26T09:00:00Z") {
		t.Errorf("fired %v, want the cron rule at 09:00 and rate once more", got)
	}
	var ev map[string]any
	logs, _ := f.snapshot()
	_ = json.Unmarshal([]byte(logs[0].message), &ev)
	if ev["source"] != "aws.events" || ev["detail-type"] != "Scheduled Event" {
		t.Errorf("scheduled event %v", ev)
	}
}
