package ecs

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/berth-dev/berth/internal/awsapi/ecs/ecstypes"
	"github.com/berth-dev/berth/internal/store"
)

// TaskEvent is one "ECS Task State Change" event: a task after a change
// of its state, as EventBridge receives it from ECS.
type TaskEvent struct {
	Account, Region string
	TaskARN         string
	// Detail is the task as DescribeTasks shows it (without tags), with
	// timestamps as ISO 8601 text, "updatedAt" and "version" — the detail
	// of ECS's event.
	Detail map[string]any
	At     time.Time
}

// RunTaskEvents reports every new version of every task, from a watch on
// the task records, until ctx ends. A task's version rises with each
// change of its state (ECS's own rule), so every code path that changes a
// task — RunTask, StopTask, the agents' reports, services — produces an
// event, and a record rewritten without a new version produces none.
//
// Tasks are read when RunTaskEvents starts and their current versions are
// not reported; changes made while no server watched are lost. When the
// watch breaks, the tasks are listed again and versions newer than those
// reported are reported then.
//
// listening says whether anyone routes the events of an account and
// region; tasks of others are followed but their events not built.
func (s *Service) RunTaskEvents(ctx context.Context, listening func(account, region string) bool, emit func(TaskEvent)) {
	prefix := "/" + kindTask + "/"
	seen := map[string]int64{}
	first := true
	for ctx.Err() == nil {
		items, rev, err := s.tasks().ListAll(ctx, prefix)
		if err != nil {
			if !sleepCtx(ctx, time.Second) {
				return
			}
			continue
		}
		live := make(map[string]int64, len(items))
		for _, it := range items {
			v := it.Value.Task.Version
			live[it.Key] = v
			if !first && v > seen[it.Key] {
				if acct, region, ok := keyScope(it.Key); ok && listening(acct, region) {
					emit(s.taskEvent(acct, region, &it.Value.Task))
				}
			}
		}
		seen, first = live, false
		for ev := range s.store.Watch(ctx, prefix, rev+1) {
			if ev.Type == store.EventDelete {
				delete(seen, ev.Object.Key)
				continue
			}
			var head struct {
				Task struct {
					Version int64 `json:"version"`
				} `json:"task"`
			}
			if err := json.Unmarshal(ev.Object.Value, &head); err != nil || head.Task.Version <= seen[ev.Object.Key] {
				continue
			}
			seen[ev.Object.Key] = head.Task.Version
			acct, region, ok := keyScope(ev.Object.Key)
			if !ok || !listening(acct, region) {
				continue
			}
			if rec, err := s.tasks().Decode(ev.Object); err == nil {
				emit(s.taskEvent(acct, region, &rec.Task))
			}
		}
	}
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// keyScope reads the account and region of a task record's key,
// /ecs-task/<account>/<region>/<cluster>/<id>.
func keyScope(key string) (account, region string, ok bool) {
	parts := strings.SplitN(strings.TrimPrefix(key, "/"), "/", 4)
	if len(parts) != 4 {
		return "", "", false
	}
	return parts[1], parts[2], true
}

// taskEvent builds the event of a task.
func (s *Service) taskEvent(account, region string, t *ecstypes.Task) TaskEvent {
	ev := TaskEvent{Account: account, Region: region, TaskARN: t.TaskArn, At: s.now().UTC()}
	ev.Detail = taskDetail(t, ev.At)
	return ev
}

// taskDetail is the detail of a task's state-change event.
func taskDetail(t *ecstypes.Task, updated time.Time) map[string]any {
	c := *t
	c.Tags = nil
	b, err := json.Marshal(&c)
	var m map[string]any
	if err == nil {
		dec := json.NewDecoder(strings.NewReader(string(b)))
		dec.UseNumber()
		err = dec.Decode(&m)
	}
	if err != nil || m == nil {
		m = map[string]any{"taskArn": t.TaskArn, "lastStatus": t.LastStatus, "desiredStatus": t.DesiredStatus}
	}
	isoTimes(m)
	m["updatedAt"] = isoTime(updated)
	m["version"] = t.Version
	return m
}

// isoTimes rewrites the timestamps of a decoded task (members named
// …At holding epoch seconds) as ISO 8601 text, as ECS's events write them.
func isoTimes(v any) {
	switch c := v.(type) {
	case map[string]any:
		for k, x := range c {
			if n, ok := x.(json.Number); ok && strings.HasSuffix(k, "At") {
				if f, err := n.Float64(); err == nil {
					c[k] = isoTime(time.UnixMilli(int64(f*1000 + 0.5)))
				}
				continue
			}
			isoTimes(x)
		}
	case []any:
		for _, x := range c {
			isoTimes(x)
		}
	}
}

func isoTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }
