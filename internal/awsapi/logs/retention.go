package logs

import (
	"context"
	"time"

	"github.com/berth-dev/berth/internal/store"
)

// Retain deletes the events of each log group that are older than its
// retention (CloudWatch does it within days; berth within the server's
// hourly pass), and the events of groups that no longer exist: a state
// reset deletes the records of an account's groups, not their events.
func (s *Service) Retain(ctx context.Context, logf func(msg string, args ...any)) {
	if err := s.expireAll(ctx); err != nil && ctx.Err() == nil {
		logf("log retention pass failed", "err", err)
	}
	if n, err := s.sweepOrphans(ctx); err != nil && ctx.Err() == nil {
		logf("deleting events of deleted log groups failed", "err", err)
	} else if n > 0 {
		logf("deleted the events of log groups that no longer exist", "groups", n)
	}
}

func (s *Service) expireAll(ctx context.Context) error {
	var firstErr error
	err := groups(s.store).Scan(ctx, "/"+kindGroup+"/", "", func(_ store.Object, g *group) bool {
		if err := s.expire(g); err != nil && firstErr == nil {
			firstErr = err
		}
		return ctx.Err() == nil
	})
	if err != nil {
		return err
	}
	return firstErr
}

// expire applies a group's retention now.
func (s *Service) expire(g *group) error {
	if g.RetentionInDays <= 0 {
		return nil
	}
	cutoff := s.now().Add(-time.Duration(g.RetentionInDays) * 24 * time.Hour)
	return s.events.Expire(g.ID, millis(cutoff))
}

// sweepOrphans deletes the stored events of groups no record names. The
// store's groups are read first: a group's record is written before its
// first event, so every group found with events that still exists is in
// the records read after.
func (s *Service) sweepOrphans(ctx context.Context) (int, error) {
	stored := s.events.Groups()
	if len(stored) == 0 {
		return 0, nil
	}
	live := map[string]bool{}
	err := groups(s.store).Scan(ctx, "/"+kindGroup+"/", "", func(_ store.Object, g *group) bool {
		live[g.ID] = true
		return true
	})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range stored {
		if live[id] {
			continue
		}
		if err := s.events.DeleteGroup(id); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
