package logs

import (
	"context"
	"time"

	"github.com/berth-dev/berth/internal/store"
)

// RunRetention deletes, every interval until ctx ends, the events of each
// log group that are older than its retention. (CloudWatch does it within
// days; berth within an interval.)
func (s *Service) RunRetention(ctx context.Context, interval time.Duration, logf func(msg string, args ...any)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if err := s.expireAll(ctx); err != nil && ctx.Err() == nil {
			logf("log retention pass failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
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
