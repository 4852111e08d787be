package logstore

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestGetForwardPaging(t *testing.T) {
	s := openStore(t, "", Options{})
	mustAppend(t, s, testGroup, "s", evs("m", 25, 100, 1), 1)

	q := GetQuery{StartFromHead: true, Limit: 10}
	var sizes []int
	var all []Stored
	for range 10 {
		p := mustGet(t, s, testGroup, "s", q)
		if !strings.HasPrefix(p.Forward, "f/") || !strings.HasPrefix(p.Backward, "b/") {
			t.Fatalf("tokens %q %q: want f/… and b/…", p.Forward, p.Backward)
		}
		sizes = append(sizes, len(p.Events))
		all = append(all, p.Events...)
		if p.Forward == q.Token {
			break
		}
		q.Token = p.Forward
	}
	if !slices.Equal(sizes, []int{10, 10, 5, 0}) {
		t.Fatalf("page sizes = %v, want [10 10 5 0] (the last one repeating the token)", sizes)
	}
	if got, want := messages(all), messages(toStored(evs("m", 25, 100, 1))); !slices.Equal(got, want) {
		t.Fatalf("events = %q, want %q", got, want)
	}

	// The end token stays valid: it returns what was appended since, then
	// repeats again.
	end := q.Token
	mustAppend(t, s, testGroup, "s", evs("late", 3, 200, 1), 2)
	p := mustGet(t, s, testGroup, "s", GetQuery{StartFromHead: true, Token: end, Limit: 10})
	if got := messages(p.Events); !slices.Equal(got, []string{"late0", "late1", "late2"}) {
		t.Fatalf("after the end token: %q, want late0..2", got)
	}
	p2 := mustGet(t, s, testGroup, "s", GetQuery{StartFromHead: true, Token: p.Forward})
	if len(p2.Events) != 0 || p2.Forward != p.Forward {
		t.Errorf("next page = %d events, token %q; want none and the same token %q", len(p2.Events), p2.Forward, p.Forward)
	}
	// The empty page's backward token goes back over what was read.
	p3 := mustGet(t, s, testGroup, "s", GetQuery{Token: p2.Backward, Limit: 2})
	if got := messages(p3.Events); !slices.Equal(got, []string{"late1", "late2"}) {
		t.Errorf("backward from the end: %q, want [late1 late2]", got)
	}
}

func toStored(events []Event) []Stored {
	out := make([]Stored, len(events))
	for i, e := range events {
		out[i] = Stored{Timestamp: e.Timestamp, Message: e.Message}
	}
	return out
}

func TestGetBackwardPaging(t *testing.T) {
	s := openStore(t, "", Options{})
	mustAppend(t, s, testGroup, "s", evs("m", 25, 100, 1), 1)

	// Without a token and StartFromHead false: the newest page.
	p := mustGet(t, s, testGroup, "s", GetQuery{Limit: 10})
	if got := messages(p.Events); got[0] != "m15" || got[9] != "m24" {
		t.Fatalf("newest page = %q, want m15..m24", got)
	}
	var pages [][]string
	q := GetQuery{Limit: 10, Token: p.Backward}
	for range 10 {
		p := mustGet(t, s, testGroup, "s", q)
		pages = append(pages, messages(p.Events))
		if p.Backward == q.Token {
			break
		}
		q.Token = p.Backward
	}
	want := [][]string{
		messages(toStored(evs("m", 25, 100, 1)[5:15])),
		messages(toStored(evs("m", 25, 100, 1)[:5])),
		{},
	}
	if fmt.Sprint(pages) != fmt.Sprint(want) {
		t.Fatalf("backward pages = %q, want %q", pages, want)
	}
	// From the start, going forward again gives the first page.
	p = mustGet(t, s, testGroup, "s", GetQuery{Limit: 3, Token: q.Token})
	p = mustGet(t, s, testGroup, "s", GetQuery{Limit: 3, Token: p.Forward})
	if got := messages(p.Events); !slices.Equal(got, []string{"m0", "m1", "m2"}) {
		t.Errorf("forward from the start = %q, want m0..m2", got)
	}
	// A page's forward token continues right after it.
	p = mustGet(t, s, testGroup, "s", GetQuery{Limit: 3, Token: p.Forward})
	if got := messages(p.Events); !slices.Equal(got, []string{"m3", "m4", "m5"}) {
		t.Errorf("next forward page = %q, want m3..m5", got)
	}
}

func TestGetEmptyStreamTokenPicksUpNewEvents(t *testing.T) {
	for _, head := range []bool{true, false} {
		t.Run(fmt.Sprint(head), func(t *testing.T) {
			s := openStore(t, "", Options{})
			p := mustGet(t, s, testGroup, "s", GetQuery{StartFromHead: head})
			if len(p.Events) != 0 {
				t.Fatal("events in an empty stream")
			}
			mustAppend(t, s, testGroup, "s", evs("m", 2, 5, 1), 1)
			p = mustGet(t, s, testGroup, "s", GetQuery{StartFromHead: true, Token: p.Forward})
			if got := messages(p.Events); !slices.Equal(got, []string{"m0", "m1"}) {
				t.Errorf("events after the empty page's token = %q", got)
			}
		})
	}
}

func TestGetTimeBounds(t *testing.T) {
	s := openStore(t, "", Options{})
	mustAppend(t, s, testGroup, "s", evs("m", 10, 0, 10), 1) // ts 0, 10, …, 90
	tests := []struct {
		name       string
		start, end *int64
		head       bool
		want       []string
	}{
		{"start inclusive", ptr(30), nil, true, []string{"m3", "m4", "m5", "m6", "m7", "m8", "m9"}},
		{"end exclusive", nil, ptr(30), true, []string{"m0", "m1", "m2"}},
		{"both", ptr(25), ptr(55), true, []string{"m3", "m4", "m5"}},
		{"both backward", ptr(25), ptr(55), false, []string{"m3", "m4", "m5"}},
		{"empty range", ptr(31), ptr(39), true, nil},
		{"inverted", ptr(50), ptr(10), false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustGet(t, s, testGroup, "s", GetQuery{Start: tt.start, End: tt.end, StartFromHead: tt.head})
			if got := messages(p.Events); !slices.Equal(got, tt.want) && len(got)+len(tt.want) > 0 {
				t.Errorf("events = %q, want %q", got, tt.want)
			}
			all := getAll(t, s, testGroup, "s", GetQuery{Start: tt.start, End: tt.end, Limit: 2})
			if got := messages(all); !slices.Equal(got, tt.want) && len(got)+len(tt.want) > 0 {
				t.Errorf("paged 2 at a time = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestGetOutOfOrderBatches(t *testing.T) {
	s := openStore(t, "", Options{})
	// Batches arrive out of order relative to each other (AWS allows it).
	mustAppend(t, s, testGroup, "s", []Event{{100, "a"}, {200, "b"}, {300, "c"}}, 1)
	mustAppend(t, s, testGroup, "s", []Event{{50, "d"}, {150, "e"}, {200, "f"}}, 2)
	mustAppend(t, s, testGroup, "s", []Event{{10, "g"}, {400, "h"}}, 3)
	mustAppend(t, s, testGroup, "s", []Event{{200, "i"}}, 4)
	want := []string{"g", "d", "a", "e", "b", "f", "i", "c", "h"}

	for _, limit := range []int{1, 2, 3, 100} {
		got := messages(getAll(t, s, testGroup, "s", GetQuery{Limit: limit}))
		if !slices.Equal(got, want) {
			t.Errorf("forward, limit %d: %q, want %q", limit, got, want)
		}
		// Backward from the newest page.
		var back []string
		q := GetQuery{Limit: limit}
		for range 100 {
			p := mustGet(t, s, testGroup, "s", q)
			back = append(messages(p.Events), back...)
			if p.Backward == q.Token {
				break
			}
			q.Token = p.Backward
		}
		if !slices.Equal(back, want) {
			t.Errorf("backward, limit %d: %q, want %q", limit, back, want)
		}
	}
	if info, _ := s.StreamInfo(testGroup, "s"); info.FirstEventTimestamp != 10 || info.LastEventTimestamp != 400 || info.LastIngestionTime != 4 {
		t.Errorf("StreamInfo = %+v", info)
	}
}

func TestGetPageBytes(t *testing.T) {
	s := openStore(t, "", Options{})
	big := strings.Repeat("x", 200_000)
	batch := make([]Event, 12)
	for i := range batch {
		batch[i] = Event{Timestamp: int64(i), Message: big}
	}
	mustAppend(t, s, testGroup, "s", batch, 1)
	p := mustGet(t, s, testGroup, "s", GetQuery{StartFromHead: true})
	if len(p.Events) != 5 { // 5 × (200,000 + 26) ≤ 1 MiB < 6 × …
		t.Errorf("page has %d events of 200 kB, want 5 (1 MiB)", len(p.Events))
	}
	if n := len(getAll(t, s, testGroup, "s", GetQuery{})); n != 12 {
		t.Errorf("paging gave %d events, want 12", n)
	}
}

func TestGetBadTokens(t *testing.T) {
	s := openStore(t, "", Options{})
	mustAppend(t, s, testGroup, "s", evs("m", 3, 0, 1), 1)
	mustAppend(t, s, testGroup, "other", evs("m", 3, 0, 1), 1)
	good := mustGet(t, s, testGroup, "s", GetQuery{Limit: 1}).Forward
	other := mustGet(t, s, testGroup, "other", GetQuery{Limit: 1}).Forward
	otherGroup := mustGet(t, s, "1/us-east-1/x", "s", GetQuery{Limit: 1}).Forward
	for _, tok := range []string{"x", "f/", "f/123", "g/" + good[2:], good + "0", other, otherGroup,
		strings.Replace(good, "f/", "f/-", 1)[:len(good)], filterToken(filterPos{1, 1, "s"}, 0)} {
		if _, err := s.Get(testGroup, "s", GetQuery{Token: tok}); !errors.Is(err, ErrBadToken) {
			t.Errorf("Get with token %q: err = %v, want ErrBadToken", tok, err)
		}
	}
	if _, err := s.Get(testGroup, "s", GetQuery{Token: good}); err != nil {
		t.Errorf("Get with a good token: %v", err)
	}
}

func TestGetTokenSurvivesRestart(t *testing.T) {
	s := openStore(t, "", Options{})
	mustAppend(t, s, testGroup, "s", evs("m", 6, 0, 1), 1)
	p := mustGet(t, s, testGroup, "s", GetQuery{StartFromHead: true, Limit: 4})
	s = reopen(t, s)
	p = mustGet(t, s, testGroup, "s", GetQuery{Token: p.Forward})
	if got := messages(p.Events); !slices.Equal(got, []string{"m4", "m5"}) {
		t.Errorf("page after restart = %q, want [m4 m5]", got)
	}
}
