package logstore

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// The published targets (DESIGN.md): ingest ≥ 100,000 events/s, batches of
// 1,000–10,000 ~100-byte messages; FilterLogEvents over 1,000,000 events
// (100 streams, a Match keeping ~1%) ≤ 1 s; Open of 1M events in a second
// or two; a few tens of bytes of RAM per event at most.

// benchMessage is a ~100-byte log line; 1% carry a rare word, spread over
// all streams of the 1M data set.
func benchMessage(i int) string {
	word := "ok"
	if (i/100+i)%100 == 0 {
		word = "RAREWORD"
	}
	return fmt.Sprintf("2026-11-26T06:%02d:%02d.%03dZ INFO req=%08d GET /api/v1/items/%d status=200 %s latency=%dms",
		i/60000%60, i/1000%60, i%1000, i, i%977, word, i%89)
}

func BenchmarkAppend(b *testing.B) {
	for _, batch := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			benchAppend(b, batch, false)
		})
	}
	// Every batch older than the stream's newest: each one is inserted
	// into the middle of the stream's index (copy on write).
	b.Run("batch=1000-out-of-order", func(b *testing.B) {
		benchAppend(b, 1000, true)
	})
}

// benchAppend appends batches of ~100-byte messages round-robin to 10
// streams, timestamps advancing (or, with backwards, going back) batch by
// batch.
func benchAppend(b *testing.B, batch int, backwards bool) {
	s := openStore(b, "", Options{})
	msgs := make([]string, batch)
	var bytes int64
	for j := range msgs {
		msgs[j] = benchMessage(j)
		bytes += int64(len(msgs[j]))
	}
	b.SetBytes(bytes)
	events := make([]Event, batch)
	n := 0
	start := time.Now()
	for b.Loop() {
		base := int64(n/10) * int64(batch)
		if backwards {
			base = -base
		}
		for j := range events {
			events[j] = Event{Timestamp: base + int64(j), Message: msgs[j]}
		}
		if err := s.Append(testGroup, fmt.Sprintf("stream-%d", n%10), events, 1); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(n*batch)/time.Since(start).Seconds(), "events/s")
}

// BenchmarkAppendParallel appends batches of 1,000 from several
// goroutines, each to its own stream of one group.
func BenchmarkAppendParallel(b *testing.B) {
	s := openStore(b, "", Options{})
	msgs := make([]string, 1000)
	for j := range msgs {
		msgs[j] = benchMessage(j)
	}
	var mu sync.Mutex
	next := 0
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		mu.Lock()
		st := fmt.Sprintf("stream-%d", next)
		next++
		mu.Unlock()
		batch := make([]Event, 1000)
		for n := 0; pb.Next(); n++ {
			for j := range batch {
				batch[j] = Event{Timestamp: int64(n*1000 + j), Message: msgs[j]}
			}
			if err := s.Append(testGroup, st, batch, 1); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N*1000)/time.Since(start).Seconds(), "events/s")
}

const (
	million        = 1_000_000
	benchStreams   = 100
	benchBatch     = 1000
	benchTsPerStep = 10 // ms between consecutive events of the data set
)

var bench1M struct {
	once sync.Once
	dir  string
	err  error
}

// store1M returns the directory of a closed store holding 1M events in 100
// streams (built once per test binary run, removed by TestMain).
func store1M(b *testing.B) string {
	bench1M.once.Do(func() {
		bench1M.dir, bench1M.err = os.MkdirTemp("", "logstore-bench-")
		if bench1M.err != nil {
			return
		}
		s, err := Open(bench1M.dir, Options{})
		if err != nil {
			bench1M.err = err
			return
		}
		batch := make([]Event, benchBatch)
		for i := 0; i < million; i += benchBatch * benchStreams {
			for st := range benchStreams {
				for j := range batch {
					n := i + j*benchStreams + st // interleaved in time across streams
					batch[j] = Event{Timestamp: int64(n) * benchTsPerStep, Message: benchMessage(n)}
				}
				if err := s.Append(testGroup, fmt.Sprintf("app/task-%03d", st), batch, 1); err != nil {
					bench1M.err = err
					return
				}
			}
		}
		bench1M.err = s.Close()
	})
	if bench1M.err != nil {
		b.Fatal(bench1M.err)
	}
	return bench1M.dir
}

func TestMain(m *testing.M) {
	code := m.Run()
	if bench1M.dir != "" {
		os.RemoveAll(bench1M.dir)
	}
	os.Exit(code)
}

func BenchmarkFilter1M(b *testing.B) {
	s := openStore(b, store1M(b), Options{})
	rare := func(m string) bool { return strings.Contains(m, "RAREWORD") }
	mid := int64(million/2) * benchTsPerStep
	// want is the page's length, or -1 for a page cut at 1 MiB.
	tests := []struct {
		name string
		q    FilterQuery
		want int
	}{
		{"match1pct", FilterQuery{Match: rare, Limit: 10000}, -1},
		{"match1pct-limit1000", FilterQuery{Match: rare, Limit: 1000}, 1000},
		{"match1pct-10streams", FilterQuery{Match: rare, StreamPrefix: "app/task-00"}, 1000},
		{"all", FilterQuery{}, -1},
		{"nomatch-fullscan", FilterQuery{Match: func(m string) bool { return strings.Contains(m, "NOWHERE") }}, 0},
		{"1min-window", FilterQuery{Match: rare, Start: ptr(mid), End: ptr(mid + 60_000)}, 60},
	}
	for _, tt := range tests {
		b.Run(tt.name, func(b *testing.B) {
			start := time.Now()
			for b.Loop() {
				p, err := s.Filter(testGroup, tt.q)
				if err != nil {
					b.Fatal(err)
				}
				if tt.want >= 0 && len(p.Events) != tt.want || tt.want < 0 && !pageFull(p.Events) {
					b.Fatalf("%d events, want %d", len(p.Events), tt.want)
				}
			}
			b.ReportMetric(float64(time.Since(start).Microseconds())/1000/float64(b.N), "ms/op")
		})
	}
}

// pageFull reports whether one more ~100-byte event would take events past
// the 1 MiB page size.
func pageFull(events []Stored) bool {
	n := 0
	for _, e := range events {
		n += len(e.Message) + eventOverhead
	}
	return n <= pageBytes && n+130 > pageBytes
}

func BenchmarkGet1M(b *testing.B) {
	s := openStore(b, store1M(b), Options{})
	for _, head := range []bool{true, false} {
		b.Run(fmt.Sprintf("fromHead=%v", head), func(b *testing.B) {
			start := time.Now()
			for b.Loop() {
				p, err := s.Get(testGroup, "app/task-042", GetQuery{StartFromHead: head})
				if err != nil {
					b.Fatal(err)
				}
				if !pageFull(p.Events) {
					b.Fatalf("%d events, want a 1 MiB page", len(p.Events))
				}
			}
			b.ReportMetric(float64(time.Since(start).Microseconds())/1000/float64(b.N), "ms/op")
		})
	}
}

// BenchmarkOpen1M reopens a store of 1M events; heapB/event is the heap
// the open store holds per event.
func BenchmarkOpen1M(b *testing.B) {
	dir := store1M(b)
	var ms runtime.MemStats
	start := time.Now()
	for b.Loop() {
		runtime.GC()
		runtime.ReadMemStats(&ms)
		before := ms.HeapAlloc
		s, err := Open(dir, Options{})
		if err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		runtime.ReadMemStats(&ms)
		b.ReportMetric(float64(int64(ms.HeapAlloc)-int64(before))/million, "heapB/event")
		if info, _ := s.StreamInfo(testGroup, "app/task-000"); info.Events != million/benchStreams {
			b.Fatalf("%d events in a stream after Open", info.Events)
		}
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(time.Since(start).Milliseconds())/float64(b.N), "ms/op")
}
