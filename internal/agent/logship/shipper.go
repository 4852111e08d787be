package logship

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/berth-dev/berth/internal/agentapi"
)

// Batch limits of PutLogEvents.
const (
	maxBatchEvents = 10_000
	maxBatchBytes  = 1_048_576
	eventOverhead  = 26
)

var (
	// pollEvery is how often a shipper looks for new output.
	pollEvery = 200 * time.Millisecond
	// multilineWait is how long an open multi-line event waits for more
	// lines before it is sent.
	multilineWait = time.Second
)

// shipper ships one container's stdout and stderr to one log stream.
type shipper struct {
	api     agentapi.LogsAPI
	account string
	opts    options
	srcs    [2]*source // stdout, stderr
	state   string     // file of the shipped offsets
	log     *slog.Logger
	now     func() time.Time

	finish chan time.Time // the container is done: drain, until the deadline sent
	done   chan struct{}
}

// offsets are the shipped positions of stdout and stderr, saved after
// every delivery so that a restarted agent goes on where it stopped.
type offsets struct {
	Stdout int64 `json:"stdout"`
	Stderr int64 `json:"stderr"`
}

func (s *shipper) loadOffsets() {
	b, err := os.ReadFile(s.state)
	if err != nil {
		return
	}
	var o offsets
	if json.Unmarshal(b, &o) == nil {
		s.srcs[0].read, s.srcs[1].read = o.Stdout, o.Stderr
	}
}

func (s *shipper) saveOffsets(o offsets) error {
	b, _ := json.Marshal(o)
	tmp := s.state + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, s.state)
}

// run polls the files and ships their events until told to finish, then
// drains them.
func (s *shipper) run(ctx context.Context) {
	defer close(s.done)
	shipped := offsets{Stdout: s.srcs[0].read, Stderr: s.srcs[1].read}
	var queue []entry
	lastInput := s.now()
	t := time.NewTicker(pollEvery)
	defer t.Stop()
	for {
		var deadline time.Time
		select {
		case <-ctx.Done():
			return // the agent is going away; the next one resumes from the offsets
		case deadline = <-s.finish:
		case <-t.C:
		}
		draining := !deadline.IsZero()
		// Read until the files stop growing: the shim may still be copying
		// the last of a container's output when its exit is seen.
		for {
			n := len(queue)
			queue = s.collect(queue, draining)
			if !draining || len(queue) == n {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if len(queue) > 0 {
			lastInput = s.now()
		} else if s.now().Sub(lastInput) >= multilineWait {
			queue = s.collectIdle(queue)
		}
		queue = s.ship(ctx, queue, &shipped, deadline)
		if draining {
			if len(queue) > 0 {
				s.log.Warn("container output not shipped to CloudWatch Logs before the task ended", "events", len(queue), "group", s.opts.group, "stream", s.opts.stream)
			}
			return
		}
	}
}

// entry is an event queued for delivery, from stdout (0) or stderr (1).
type entry struct {
	item
	src int
	ts  int64
}

// collect queues what the files gained (with flush, their unfinished
// lines too).
func (s *shipper) collect(queue []entry, flush bool) []entry {
	return s.enqueue(queue, func(src *source) ([]item, error) { return src.poll(flush) })
}

// collectIdle queues the multi-line events that waited long enough.
func (s *shipper) collectIdle(queue []entry) []entry {
	return s.enqueue(queue, func(src *source) ([]item, error) { return src.idle(), nil })
}

// enqueue appends each source's items, stamped with the time now.
func (s *shipper) enqueue(queue []entry, take func(*source) ([]item, error)) []entry {
	ts := s.now().UnixMilli()
	for i, src := range s.srcs {
		items, err := take(src)
		if err != nil {
			s.log.Warn("reading container output", "file", src.path, "err", err)
		}
		for _, it := range items {
			queue = append(queue, entry{it, i, ts})
		}
	}
	return queue
}

// ship sends the queue in batches, retrying a failed batch with backoff
// (until deadline when draining; while running, the rest waits for the
// next poll). It returns what is left.
func (s *shipper) ship(ctx context.Context, queue []entry, shipped *offsets, deadline time.Time) []entry {
	for attempt := 0; len(queue) > 0; {
		n, size := 0, 0
		for n < len(queue) && n < maxBatchEvents && size+len(queue[n].message)+eventOverhead <= maxBatchBytes {
			size += len(queue[n].message) + eventOverhead
			n++
		}
		batch := make([]agentapi.LogEvent, n)
		for i, e := range queue[:n] {
			batch[i] = agentapi.LogEvent{Timestamp: e.ts, Message: e.message}
		}
		dropped, err := s.api.PutLogEvents(ctx, s.account, s.opts.region, s.opts.group, s.opts.stream, batch)
		if err != nil {
			if ctx.Err() != nil {
				return queue
			}
			attempt++
			s.log.Warn("shipping container output to CloudWatch Logs", "group", s.opts.group, "stream", s.opts.stream, "attempt", attempt, "err", err)
			// A stream or group deleted under a running task is made again
			// when the options allow (the stream always).
			_ = s.api.PrepareLogStream(ctx, s.account, s.opts.region, s.opts.group, s.opts.stream, s.opts.createGroup)
			wait := min(time.Duration(1<<min(attempt, 6))*100*time.Millisecond, 5*time.Second)
			if deadline.IsZero() && attempt >= 3 || !deadline.IsZero() && s.now().Add(wait).After(deadline) {
				return queue
			}
			time.Sleep(wait)
			continue
		}
		if dropped > 0 {
			s.log.Warn("CloudWatch Logs rejected container output events", "dropped", dropped, "stream", s.opts.stream)
		}
		for _, e := range queue[:n] {
			if e.src == 0 {
				shipped.Stdout = e.end
			} else {
				shipped.Stderr = e.end
			}
		}
		if err := s.saveOffsets(*shipped); err != nil && !errors.Is(err, os.ErrNotExist) {
			s.log.Warn("saving log shipping offsets", "file", s.state, "err", err)
		}
		queue, attempt = queue[n:], 0
	}
	return queue
}

func statePath(dir, taskID, container string) string {
	return filepath.Join(dir, taskID, container+".awslogs")
}
