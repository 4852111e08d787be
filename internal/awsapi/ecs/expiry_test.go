package ecs

import (
	"context"
	"testing"
	"time"

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
