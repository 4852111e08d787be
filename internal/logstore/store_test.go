package logstore

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestAppendGet(t *testing.T) {
	s := openStore(t, "", Options{})
	mustAppend(t, s, testGroup, "web/1", evs("m", 5, 1000, 10), 5000)
	p := mustGet(t, s, testGroup, "web/1", GetQuery{StartFromHead: true})
	if got, want := messages(p.Events), []string{"m0", "m1", "m2", "m3", "m4"}; !slices.Equal(got, want) {
		t.Fatalf("messages = %q, want %q", got, want)
	}
	for i, e := range p.Events {
		if e.Timestamp != 1000+int64(i)*10 || e.IngestionTime != 5000 || e.Stream != "web/1" {
			t.Errorf("event %d = %+v", i, e)
		}
		if _, err := strconv.ParseUint(e.ID, 10, 64); err != nil {
			t.Errorf("event %d ID %q is not decimal digits", i, e.ID)
		}
		if i > 0 && e.ID == p.Events[i-1].ID {
			t.Errorf("event %d repeats ID %s", i, e.ID)
		}
	}
}

func TestAppendEmptyAndUnknown(t *testing.T) {
	s := openStore(t, "", Options{})
	if err := s.Append(testGroup, "s", nil, 1); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.StreamInfo(testGroup, "s"); ok {
		t.Error("StreamInfo ok for a stream without events")
	}
	p := mustGet(t, s, "no/such/group", "s", GetQuery{})
	if len(p.Events) != 0 || p.Forward == "" || p.Backward == "" {
		t.Errorf("Get of an unknown group = %+v, want no events and both tokens", p)
	}
	if f := mustFilter(t, s, "no/such/group", FilterQuery{}); len(f.Events) != 0 || f.NextToken != "" {
		t.Errorf("Filter of an unknown group = %+v", f)
	}
	for _, err := range []error{s.Expire("no/such", 5), s.DeleteStream("no/such", "x"), s.DeleteGroup("no/such")} {
		if err != nil {
			t.Errorf("removal from an unknown group: %v", err)
		}
	}
}

func TestIngestionDefaultsToNow(t *testing.T) {
	now := time.UnixMilli(1_700_000_000_123)
	s := openStore(t, "", Options{Now: func() time.Time { return now }})
	mustAppend(t, s, testGroup, "s", evs("m", 1, 1, 1), 0)
	if got := mustGet(t, s, testGroup, "s", GetQuery{}).Events[0].IngestionTime; got != now.UnixMilli() {
		t.Errorf("IngestionTime = %d, want %d", got, now.UnixMilli())
	}
}

func TestRestartKeepsEverything(t *testing.T) {
	for _, segBytes := range []int64{0, 4 << 10} {
		t.Run(strconv.FormatInt(segBytes, 10), func(t *testing.T) {
			opts := testOptions(t)
			opts.SegmentBytes = segBytes
			s := openStore(t, "", opts)
			groups := []string{testGroup, "1/eu-west-1/other"}
			for i := range 20 {
				for _, g := range groups {
					mustAppend(t, s, g, "a", evs("a", 30, int64(i*100), 1), int64(i))
					mustAppend(t, s, g, "b:"+strconv.Itoa(i%3), evs("b", 7, int64(i*50), 3), int64(i))
				}
			}
			before := map[string][]Stored{}
			infos := map[string]StreamInfo{}
			for _, g := range groups {
				before[g] = filterAll(t, s, g, FilterQuery{Limit: 77})
				infos[g], _ = s.StreamInfo(g, "a")
			}
			s = reopen(t, s)
			for _, g := range groups {
				if diff := cmp.Diff(before[g], filterAll(t, s, g, FilterQuery{Limit: 77})); diff != "" {
					t.Errorf("group %s after restart (-before +after):\n%s", g, diff)
				}
				if info, _ := s.StreamInfo(g, "a"); info != infos[g] {
					t.Errorf("StreamInfo after restart = %+v, want %+v", info, infos[g])
				}
			}
			// New events get IDs after every old one.
			mustAppend(t, s, testGroup, "a", evs("new", 1, -5, 1), 99)
			var maxOld uint64
			for _, e := range before[testGroup] {
				maxOld = max(maxOld, mustParse(t, e.ID))
			}
			got := mustGet(t, s, testGroup, "a", GetQuery{StartFromHead: true, Limit: 1}).Events[0]
			if got.Message != "new0" || mustParse(t, got.ID) <= maxOld {
				t.Errorf("first event after restart = %+v, want new0 with an ID above %d", got, maxOld)
			}
		})
	}
}

func mustParse(t testing.TB, id string) uint64 {
	t.Helper()
	n, err := strconv.ParseUint(id, 10, 64)
	if err != nil {
		t.Fatalf("ID %q: %v", id, err)
	}
	return n
}

func TestTornTailRecovery(t *testing.T) {
	tests := []struct {
		name string
		tear func(t *testing.T, path string, size int64)
	}{
		{"mid record", func(t *testing.T, path string, size int64) { truncate(t, path, size-7) }},
		{"mid frame header", func(t *testing.T, path string, size int64) { truncate(t, path, size-int64(lastBatchBytes)+3) }},
		{"garbage after", func(t *testing.T, path string, size int64) { appendBytes(t, path, []byte("\x10\x00\x00\x00garbage")) }},
		{"zeros after", func(t *testing.T, path string, size int64) { appendBytes(t, path, make([]byte, 4096)) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openStore(t, "", Options{})
			mustAppend(t, s, testGroup, "s", evs("first", 10, 0, 1), 1)
			mustAppend(t, s, testGroup, "s", evs("second", 10, 10, 1), 1)
			mustAppend(t, s, testGroup, "s", evs("third", lastBatchEvents, 20, 1), 1)
			segs := segFiles(t, s, testGroup)
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			path := segs[len(segs)-1]
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			tt.tear(t, path, fi.Size())

			s = openStore(t, s.root, Options{})
			got := getAll(t, s, testGroup, "s", GetQuery{})
			want := append(evs("first", 10, 0, 1), evs("second", 10, 10, 1)...)
			if tt.name == "garbage after" || tt.name == "zeros after" {
				want = append(want, evs("third", lastBatchEvents, 20, 1)...)
			}
			if len(got) != len(want) {
				t.Fatalf("got %d events after recovery, want %d", len(got), len(want))
			}
			for i := range want {
				if got[i].Message != want[i].Message || got[i].Timestamp != want[i].Timestamp {
					t.Fatalf("event %d = %+v, want %+v", i, got[i], want[i])
				}
			}
			// The store appends after the truncation point and keeps it.
			mustAppend(t, s, testGroup, "s", evs("fourth", 2, 100, 1), 1)
			s = reopen(t, s)
			if n := len(getAll(t, s, testGroup, "s", GetQuery{})); n != len(want)+2 {
				t.Errorf("after append and restart: %d events, want %d", n, len(want)+2)
			}
		})
	}
}

// The last batch of TestTornTailRecovery: one block record of this many
// bytes.
const lastBatchEvents = 3

var lastBatchBytes = func() int {
	buf, _ := encodeBatch(evs("third", lastBatchEvents, 20, 1), 1)
	return len(buf)
}()

func truncate(t *testing.T, path string, size int64) {
	t.Helper()
	if err := os.Truncate(path, size); err != nil {
		t.Fatal(err)
	}
}

func appendBytes(t *testing.T, path string, b []byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(b); err != nil {
		t.Fatal(err)
	}
}

func TestTornMetaTail(t *testing.T) {
	s := openStore(t, "", Options{})
	mustAppend(t, s, testGroup, "keep", evs("k", 3, 0, 1), 1)
	mustAppend(t, s, testGroup, "lost", evs("l", 3, 0, 1), 1)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// Cut the record that names "lost": its events have no stream left.
	meta := groupDir(s, testGroup) + "/" + metaName
	fi, err := os.Stat(meta)
	if err != nil {
		t.Fatal(err)
	}
	truncate(t, meta, fi.Size()-2)
	s = openStore(t, s.root, Options{})
	if n := len(getAll(t, s, testGroup, "keep", GetQuery{})); n != 3 {
		t.Errorf("keep has %d events, want 3", n)
	}
	if _, ok := s.StreamInfo(testGroup, "lost"); ok {
		t.Error("stream whose meta record was torn still has events")
	}
	// A new stream must not get the torn stream's id and so its events.
	mustAppend(t, s, testGroup, "fresh", evs("f", 1, 0, 1), 1)
	if got := messages(getAll(t, s, testGroup, "fresh", GetQuery{})); !slices.Equal(got, []string{"f0"}) {
		t.Errorf("fresh = %q, want [f0]", got)
	}
}

func TestCloseTwiceAndAfterClose(t *testing.T) {
	s := openStore(t, "", Options{})
	mustAppend(t, s, testGroup, "s", evs("m", 1, 0, 1), 1)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := s.Append(testGroup, "s", evs("m", 1, 0, 1), 1); !errors.Is(err, ErrClosed) {
		t.Errorf("Append after Close = %v, want ErrClosed", err)
	}
	if _, err := s.Get(testGroup, "s", GetQuery{}); !errors.Is(err, ErrClosed) {
		t.Errorf("Get after Close = %v, want ErrClosed", err)
	}
	if _, err := s.Filter(testGroup, FilterQuery{}); !errors.Is(err, ErrClosed) {
		t.Errorf("Filter after Close = %v, want ErrClosed", err)
	}
}

func TestOpenTwiceFails(t *testing.T) {
	s := openStore(t, "", Options{})
	if s2, err := Open(s.root, Options{}); err == nil {
		s2.Close()
		t.Fatal("second Open of the same directory succeeded")
	}
	s = reopen(t, s) // the lock goes with Close
	_ = s
}

func TestGroupDirName(t *testing.T) {
	names := []string{"a/b/c", "a_b_c", "a#b.c", "../../etc", "", string(make([]byte, 600))}
	seen := map[string]bool{}
	for _, n := range names {
		d := groupDirName(n)
		if seen[d] || len(d) > 100 || d == "." || d == ".." || slices.Contains([]byte(d), '/') {
			t.Errorf("groupDirName(%q) = %q: not a unique, safe file name", n, d)
		}
		seen[d] = true
	}
}

func TestCorruptSealedSegment(t *testing.T) {
	opts := testOptions(t)
	opts.SegmentBytes = 300 // two batches a segment
	s := openStore(t, "", opts)
	for i := range 12 {
		mustAppend(t, s, testGroup, "s", evs(fmt.Sprintf("b%d-", i), 10, int64(i*10), 1), 1)
	}
	segs := segFiles(t, s, testGroup)
	if len(segs) < 3 {
		t.Fatalf("%d segments, want several", len(segs))
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// Flip a byte in the last record of the first segment.
	b, err := os.ReadFile(segs[0])
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)-3] ^= 0xff
	if err := os.WriteFile(segs[0], b, 0o600); err != nil {
		t.Fatal(err)
	}
	s = openStore(t, s.root, opts)
	got := getAll(t, s, testGroup, "s", GetQuery{})
	if len(got) != 110 || got[0].Message != "b0-0" {
		t.Fatalf("after corrupting one record: %d events from %q, want 110 from b0-0", len(got), got[0].Message)
	}
	mustAppend(t, s, testGroup, "s", evs("after", 1, 1000, 1), 1)
	s = reopen(t, s)
	if n := len(getAll(t, s, testGroup, "s", GetQuery{})); n != 111 {
		t.Errorf("after append and restart: %d events, want 111", n)
	}
}

func TestMetaLogCompactedAtOpen(t *testing.T) {
	s := openStore(t, "", Options{})
	for i := range 100 {
		st := fmt.Sprintf("s%d", i)
		mustAppend(t, s, testGroup, st, evs(st+"-", 1, int64(i), 1), 1)
		if i%10 != 0 {
			if err := s.DeleteStream(testGroup, st); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := s.Expire(testGroup, 5); err != nil {
		t.Fatal(err)
	}
	meta := groupDir(s, testGroup) + "/" + metaName
	before, _ := os.Stat(meta)
	s = reopen(t, s)
	after, _ := os.Stat(meta)
	if after.Size() >= before.Size()/2 {
		t.Errorf("meta log %d bytes after Open, was %d: not compacted", after.Size(), before.Size())
	}
	s = reopen(t, s)
	want := []string{"s10-0", "s20-0", "s30-0", "s40-0", "s50-0", "s60-0", "s70-0", "s80-0", "s90-0"}
	if got := messages(filterAll(t, s, testGroup, FilterQuery{})); !slices.Equal(got, want) {
		t.Errorf("after compacting the meta log: %q, want %q", got, want)
	}
	// New streams get fresh ids: no deleted stream's events come back.
	for i := range 100 {
		mustAppend(t, s, testGroup, fmt.Sprintf("n%d", i), evs("n", 1, 1000, 1), 1)
	}
	if n := len(filterAll(t, s, testGroup, FilterQuery{})); n != 109 {
		t.Errorf("%d events, want 109", n)
	}
}

func TestCloseStopsGoroutines(t *testing.T) {
	s := openStore(t, "", Options{})
	mustAppend(t, s, testGroup, "s", evs("m", 1, 0, 1), 1)
	if err := s.DeleteStream(testGroup, "s"); err != nil { // wakes the compactor
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 1<<20)
	stacks := string(buf[:runtime.Stack(buf, true)])
	for _, fn := range []string{"syncLoop", "compactLoop"} {
		if strings.Contains(stacks, "logstore.(*Store)."+fn) {
			t.Errorf("%s still running after Close", fn)
		}
	}
}
