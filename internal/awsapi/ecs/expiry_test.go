package ecs

import (
	"context"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/agentapi"
	"github.com/berth-dev/berth/internal/awsapi/ec2"
	"github.com/berth-dev/berth/internal/awsapi/ecs/ecstypes"
	"github.com/berth-dev/berth/internal/awsapi/shape"
	"github.com/berth-dev/berth/internal/store"
	"github.com/berth-dev/berth/internal/store/memstore"
)

func TestExpireStoppedTasks(t *testing.T) {
	ctx := context.Background()
	st := memstore.New()
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	s := &Service{store: st, now: func() time.Time { return now }}
	sc := scope{account: "123456789012", region: "us-east-1"}
	put := func(id, status string, stoppedAgo time.Duration) {
		rec := &taskRecord{Task: ecstypes.Task{TaskArn: sc.taskARN("c", id), LastStatus: status}}
		if stoppedAgo > 0 {
			rec.Task.StoppedAt = shape.NewTime(now.Add(-stoppedAgo))
		}
		if _, err := s.tasks().Create(ctx, taskKey(sc, "c", id), rec); err != nil {
			t.Fatal(err)
		}
	}
	put("old", statusStopped, 2*time.Hour)
	put("recent", statusStopped, 30*time.Minute)
	put("running", statusRunning, 0)
	put("stopping-long", statusStopping, 0)
	n, err := s.ExpireStoppedTasks(ctx, time.Hour)
	if err != nil || n != 1 {
		t.Fatalf("expired %d, %v; want 1", n, err)
	}
	items, _, err := store.Typed[taskRecord]{S: st}.ListAll(ctx, "/"+kindTask+"/")
	if err != nil || len(items) != 3 {
		t.Fatalf("left %d tasks, %v; want 3", len(items), err)
	}
	for _, it := range items {
		if it.Value.Task.TaskArn == sc.taskARN("c", "old") {
			t.Fatal("the old stopped task is still there")
		}
	}
}

// fakeNetworks is a Networks with fixed task ENIs, recording deletions.
type fakeNetworks struct {
	refs    []ec2.TaskENIRef
	deleted []string
}

func (f *fakeNetworks) CheckTaskNetwork(context.Context, ec2.TaskENIRequest) error { return nil }
func (f *fakeNetworks) CreateTaskENI(context.Context, ec2.TaskENIRequest) (*agentapi.ENI, error) {
	return nil, nil
}
func (f *fakeNetworks) DeleteTaskENI(_ context.Context, _, _, id string) error {
	f.deleted = append(f.deleted, id)
	return nil
}
func (f *fakeNetworks) TaskENIs(context.Context) ([]ec2.TaskENIRef, error) { return f.refs, nil }

// TestSweepENIs: only an ENI that no task names and that is past the
// grace period is deleted.
func TestSweepENIs(t *testing.T) {
	ctx := context.Background()
	st := memstore.New()
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	nets := &fakeNetworks{refs: []ec2.TaskENIRef{
		{Account: "123456789012", Region: "us-east-1", ID: "eni-used", AttachedAt: now.Add(-time.Hour)},
		{Account: "123456789012", Region: "us-east-1", ID: "eni-orphan", AttachedAt: now.Add(-time.Hour)},
		{Account: "123456789012", Region: "us-east-1", ID: "eni-new", AttachedAt: now.Add(-time.Second)},
	}}
	s := &Service{store: st, networks: nets, now: func() time.Time { return now }}
	sc := scope{account: "123456789012", region: "us-east-1"}
	rec := &taskRecord{Task: ecstypes.Task{TaskArn: sc.taskARN("c", "t1"), LastStatus: statusRunning}, ENIID: "eni-used"}
	if _, err := s.tasks().Create(ctx, taskKey(sc, "c", "t1"), rec); err != nil {
		t.Fatal(err)
	}
	n, err := s.SweepENIs(ctx, ENISweepGrace)
	if err != nil || n != 1 || len(nets.deleted) != 1 || nets.deleted[0] != "eni-orphan" {
		t.Fatalf("swept %d (%v), deleted %v; want only eni-orphan", n, err, nets.deleted)
	}
}
