package ecs

import (
	"context"
	"errors"
	"time"

	"github.com/berth-dev/berth/internal/awsapi/shape"
	"github.com/berth-dev/berth/internal/store"
)

// StoppedTaskRetention is how long a STOPPED task stays describable. ECS
// promises at least an hour.
const StoppedTaskRetention = time.Hour

// stoppedSummary decodes only what expiry needs of a task record.
type stoppedSummary struct {
	Task struct {
		LastStatus string      `json:"lastStatus"`
		StoppedAt  *shape.Time `json:"stoppedAt"`
	} `json:"task"`
}

// ExpireStoppedTasks deletes tasks, in every account and region, that were
// STOPPED longer than retention ago, and returns how many it deleted. A
// task changed meanwhile (its revision moved) is left for the next pass.
func (s *Service) ExpireStoppedTasks(ctx context.Context, retention time.Duration) (int, error) {
	cutoff := s.now().Add(-retention)
	var expired []store.Object
	err := store.Typed[stoppedSummary]{S: s.store}.Scan(ctx, "/"+kindTask+"/", "", func(obj store.Object, sum *stoppedSummary) bool {
		if sum.Task.LastStatus == statusStopped && sum.Task.StoppedAt != nil && sum.Task.StoppedAt.Before(cutoff) {
			expired = append(expired, store.Object{Key: obj.Key, Revision: obj.Revision})
		}
		return true
	})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, obj := range expired {
		err := s.store.Delete(ctx, obj.Key, obj.Revision)
		switch {
		case err == nil:
			n++
		case errors.Is(err, store.ErrConflict), errors.Is(err, store.ErrNotFound):
		default:
			return n, err
		}
	}
	return n, nil
}

// eniSummary decodes only a task record's ENI.
type eniSummary struct {
	ENIID string `json:"eniId"`
}

// ENISweepGrace is how old an ENI with no task must be before the sweep
// deletes it: RunTask makes the ENI a moment before the task record.
const ENISweepGrace = 2 * time.Minute

// SweepENIs deletes task ENIs (and so frees their addresses) that no task
// record names and that are older than grace: left by a crash between
// making an ENI and recording its task. It returns how many it deleted.
func (s *Service) SweepENIs(ctx context.Context, grace time.Duration) (int, error) {
	if s.networks == nil {
		return 0, nil
	}
	refs, err := s.networks.TaskENIs(ctx)
	if err != nil || len(refs) == 0 {
		return 0, err
	}
	used := map[string]bool{}
	err = store.Typed[eniSummary]{S: s.store}.Scan(ctx, "/"+kindTask+"/", "", func(_ store.Object, sum *eniSummary) bool {
		if sum.ENIID != "" {
			used[sum.ENIID] = true
		}
		return true
	})
	if err != nil {
		return 0, err
	}
	cutoff := s.now().Add(-grace)
	n := 0
	for _, r := range refs {
		if used[r.ID] || r.AttachedAt.After(cutoff) {
			continue
		}
		if err := s.networks.DeleteTaskENI(ctx, r.Account, r.Region, r.ID); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// Expire expires stopped tasks older than retention and sweeps the ENIs
// no task names: one pass, which the server runs every minute.
func (s *Service) Expire(ctx context.Context, retention time.Duration, logf func(msg string, args ...any)) {
	n, err := s.ExpireStoppedTasks(ctx, retention)
	if err != nil && ctx.Err() == nil {
		logf("expiring stopped tasks", "err", err)
	} else if n > 0 {
		logf("expired stopped tasks", "count", n)
	}
	n, err = s.SweepENIs(ctx, ENISweepGrace)
	if err != nil && ctx.Err() == nil {
		logf("sweeping task ENIs", "err", err)
	} else if n > 0 {
		logf("deleted ENIs of no task", "count", n)
	}
}
