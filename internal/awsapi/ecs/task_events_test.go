package ecs

import (
	"context"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/awsapi/ecs/ecstypes"
	"github.com/berth-dev/berth/internal/awsapi/shape"
	"github.com/berth-dev/berth/internal/store/memstore"
)

func TestRunTaskEventsReportsEachNewVersion(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st := memstore.New()
	now := time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
	s := &Service{store: st, now: func() time.Time { return now }}
	sc := scope{account: "123456789012", region: "us-east-1"}
	key := taskKey(sc, "c", "t1")
	// A task that exists before the watch starts is not reported as is.
	old := &taskRecord{Task: ecstypes.Task{TaskArn: sc.taskARN("c", "old"), LastStatus: statusRunning, Version: 3}}
	if _, err := s.tasks().Create(ctx, taskKey(sc, "c", "old"), old); err != nil {
		t.Fatal(err)
	}
	got := make(chan TaskEvent, 10)
	go s.RunTaskEvents(ctx, func(_, region string) bool { return region == sc.region }, func(e TaskEvent) { got <- e })
	time.Sleep(50 * time.Millisecond) // let the watch start
	// Nobody listens in eu-west-1: its tasks make no events.
	other := scope{account: sc.account, region: "eu-west-1"}
	if _, err := s.tasks().Create(ctx, taskKey(other, "c", "t0"), &taskRecord{Task: ecstypes.Task{TaskArn: other.taskARN("c", "t0"), Version: 1}}); err != nil {
		t.Fatal(err)
	}
	created := shape.NewTime(now.Add(-time.Minute))
	rec := &taskRecord{Task: ecstypes.Task{TaskArn: sc.taskARN("c", "t1"), LastStatus: statusProvisioning,
		DesiredStatus: statusRunning, Version: 1, CreatedAt: created, Tags: []ecstypes.Tag{{Key: "k", Value: "v"}}}}
	if _, err := s.tasks().Create(ctx, key, rec); err != nil {
		t.Fatal(err)
	}
	// A rewrite without a new version is no event; a new version is.
	if _, _, err := s.tasks().Mutate(ctx, key, func(r *taskRecord) error { r.NodeID = "n1"; return nil }); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.tasks().Mutate(ctx, key, func(r *taskRecord) error { r.Task.LastStatus = statusRunning; r.Task.Version = 2; return nil }); err != nil {
		t.Fatal(err)
	}
	var events []TaskEvent
	timeout := time.After(5 * time.Second)
	for len(events) < 2 {
		select {
		case e := <-got:
			events = append(events, e)
		case <-timeout:
			t.Fatalf("got %d events, want 2", len(events))
		}
	}
	select {
	case e := <-got:
		t.Fatalf("extra event %+v", e)
	case <-time.After(100 * time.Millisecond):
	}
	first, second := events[0], events[1]
	if first.Account != sc.account || first.Region != sc.region || first.TaskARN != rec.Task.TaskArn {
		t.Errorf("event %+v", first)
	}
	d := first.Detail
	if d["lastStatus"] != statusProvisioning || d["createdAt"] != "2026-11-26T07:59:00.000Z" ||
		d["updatedAt"] != "2026-11-26T08:00:00.000Z" || d["version"] != int64(1) || d["tags"] != nil {
		t.Errorf("first detail %v", d)
	}
	if second.Detail["lastStatus"] != statusRunning || second.Detail["version"] != int64(2) {
		t.Errorf("second detail %v", second.Detail)
	}
}
