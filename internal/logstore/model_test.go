package logstore

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// modelEvent is an event as the brute-force model keeps it.
type modelEvent struct {
	stream  string
	ts      int64
	arrival int
	msg     string
}

// TestAgainstModel appends random, partly out-of-order batches (some large
// enough to split into several blocks) to a few streams, and checks every
// kind of read, paged with various limits and bounds, against sorting all
// events — before and after expiry and a restart, with tiny segments.
func TestAgainstModel(t *testing.T) {
	for seed := range uint64(4) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 99))
			opts := testOptions(t)
			opts.SegmentBytes = 16 << 10
			s := openStore(t, "", opts)
			var model []modelEvent
			streams := []string{"web/1", "web/2", "worker", "w"}
			for b := range 40 {
				st := streams[rng.IntN(len(streams))]
				n := 1 + rng.IntN(30)
				if b == 20 || rng.IntN(20) == 0 { // a batch of several blocks
					n = 2*blockMaxEvents + rng.IntN(300)
				}
				ts := rng.Int64N(1000)
				batch := make([]Event, n)
				for i := range batch {
					ts += rng.Int64N(3)
					batch[i] = Event{Timestamp: ts, Message: fmt.Sprintf("%s#%d", st, len(model))}
					model = append(model, modelEvent{st, ts, len(model), batch[i].Message})
				}
				mustAppend(t, s, testGroup, st, batch, 1)
			}
			checkModel(t, s, rng, streams, model, minKey.ts)
			cutoff := int64(400)
			if err := s.Expire(testGroup, cutoff); err != nil {
				t.Fatal(err)
			}
			checkModel(t, s, rng, streams, model, cutoff)
			s = reopen(t, s)
			checkModel(t, s, rng, streams, model, cutoff)
		})
	}
}

func checkModel(t *testing.T, s *Store, rng *rand.Rand, streams []string, model []modelEvent, cutoff int64) {
	t.Helper()
	for range 10 {
		var start, end *int64
		lo, hi := int64(-1<<62), int64(1<<62)
		if rng.IntN(2) == 0 {
			lo = rng.Int64N(1200)
			start = ptr(lo)
		}
		if rng.IntN(2) == 0 {
			hi = rng.Int64N(1200)
			end = ptr(hi)
		}
		limit := []int{1, 6, 50, 0}[rng.IntN(4)]
		if limit == 1 && (start == nil || end == nil) {
			limit = 9 // one event a page only over short ranges, to keep the test quick
		}
		in := func(e modelEvent) bool { return e.ts >= lo && e.ts < hi && e.ts >= cutoff }

		// Get, forward and backward, for one stream.
		st := streams[rng.IntN(len(streams))]
		var want []string
		for _, e := range sortedModel(model, false) {
			if e.stream == st && in(e) {
				want = append(want, e.msg)
			}
		}
		got := messages(getAll(t, s, testGroup, st, GetQuery{Start: start, End: end, Limit: limit}))
		if !slices.Equal(got, want) {
			t.Fatalf("Get %s [%v,%v) limit %d forward: %d events, want %d\n got %q\nwant %q", st, start, end, limit, len(got), len(want), head(got), head(want))
		}
		got = nil
		q := GetQuery{Start: start, End: end, Limit: limit}
		for i := 0; ; i++ {
			p := mustGet(t, s, testGroup, st, q)
			got = append(messages(p.Events), got...)
			if p.Backward == q.Token || i > 10000 {
				break
			}
			q.Token = p.Backward
		}
		if !slices.Equal(got, want) {
			t.Fatalf("Get %s [%v,%v) limit %d backward: %d events, want %d", st, start, end, limit, len(got), len(want))
		}

		// Filter over a prefix, with a Match.
		prefix := []string{"", "web/", "w", "zz"}[rng.IntN(4)]
		digit := fmt.Sprint(rng.IntN(10))
		match := func(m string) bool { return strings.HasSuffix(m, digit) }
		want = nil
		for _, e := range sortedModel(model, true) {
			if strings.HasPrefix(e.stream, prefix) && in(e) && match(e.msg) {
				want = append(want, e.msg)
			}
		}
		got = messages(filterAll(t, s, testGroup, FilterQuery{StreamPrefix: prefix, Start: start, End: end, Limit: limit, Match: match}))
		if !slices.Equal(got, want) {
			t.Fatalf("Filter %q [%v,%v) limit %d: %d events, want %d\n got %q\nwant %q", prefix, start, end, limit, len(got), len(want), head(got), head(want))
		}
	}
}

func sortedModel(model []modelEvent, byStream bool) []modelEvent {
	out := slices.Clone(model)
	slices.SortFunc(out, func(a, b modelEvent) int {
		if c := cmp.Compare(a.ts, b.ts); c != 0 {
			return c
		}
		if byStream {
			if c := strings.Compare(a.stream, b.stream); c != 0 {
				return c
			}
		}
		return cmp.Compare(a.arrival, b.arrival)
	})
	return out
}

func head(s []string) []string {
	return s[:min(len(s), 12)]
}
