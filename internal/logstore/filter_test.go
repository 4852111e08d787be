package logstore

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestFilterOrderAcrossStreams(t *testing.T) {
	s := openStore(t, "", Options{})
	mustAppend(t, s, testGroup, "b", []Event{{10, "b1"}, {20, "b2"}, {20, "b3"}}, 1)
	mustAppend(t, s, testGroup, "a", []Event{{20, "a1"}, {30, "a2"}}, 1)
	mustAppend(t, s, testGroup, "c", []Event{{5, "c1"}, {20, "c2"}}, 1)
	mustAppend(t, s, testGroup, "a", []Event{{20, "a3"}}, 1) // same ts, arrived later
	want := []string{"c1", "b1", "a1", "a3", "b2", "b3", "c2", "a2"}
	for _, limit := range []int{1, 2, 3, 0} {
		got := filterAll(t, s, testGroup, FilterQuery{Limit: limit})
		if !slices.Equal(messages(got), want) {
			t.Errorf("limit %d: %q, want %q", limit, messages(got), want)
		}
		for _, e := range got {
			if e.Stream != e.Message[:1] {
				t.Errorf("event %q has Stream %q", e.Message, e.Stream)
			}
		}
	}
	// IDs are unique within the group.
	seen := map[string]bool{}
	for _, e := range filterAll(t, s, testGroup, FilterQuery{}) {
		if seen[e.ID] {
			t.Errorf("ID %s repeats", e.ID)
		}
		seen[e.ID] = true
	}
}

func TestFilterSelection(t *testing.T) {
	s := openStore(t, "", Options{})
	for _, st := range []string{"app/1", "app/2", "apple", "db/1"} {
		mustAppend(t, s, testGroup, st, evs(st+"#", 10, 0, 10), 1) // ts 0..90
	}
	mustAppend(t, s, testGroup, "app/1", []Event{{45, "app/1#ERROR disk"}}, 1)
	mustAppend(t, s, "1/us-east-1/other", "app/1", evs("other", 3, 0, 1), 1)

	count := func(q FilterQuery) (n int, streams []string) {
		for _, e := range filterAll(t, s, testGroup, q) {
			n++
			if !slices.Contains(streams, e.Stream) {
				streams = append(streams, e.Stream)
			}
		}
		slices.Sort(streams)
		return n, streams
	}
	tests := []struct {
		name    string
		q       FilterQuery
		n       int
		streams string
	}{
		{"all", FilterQuery{}, 41, "[app/1 app/2 apple db/1]"},
		{"prefix", FilterQuery{StreamPrefix: "app/"}, 21, "[app/1 app/2]"},
		{"prefix matching none", FilterQuery{StreamPrefix: "zzz"}, 0, "[]"},
		{"stream list", FilterQuery{Streams: []string{"db/1", "apple", "missing", "db/1"}}, 20, "[apple db/1]"},
		{"time bounds", FilterQuery{Start: ptr(20), End: ptr(50)}, 13, "[app/1 app/2 apple db/1]"},
		{"start only", FilterQuery{Start: ptr(90)}, 4, "[app/1 app/2 apple db/1]"},
		{"match", FilterQuery{Match: func(m string) bool { return strings.Contains(m, "ERROR") }}, 1, "[app/1]"},
		{"match and bounds", FilterQuery{Start: ptr(46), Match: func(m string) bool { return strings.Contains(m, "ERROR") }}, 0, "[]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, limit := range []int{0, 3} {
				tt.q.Limit = limit
				n, streams := count(tt.q)
				if n != tt.n || fmt.Sprint(streams) != tt.streams {
					t.Errorf("limit %d: %d events from %v, want %d from %s", limit, n, streams, tt.n, tt.streams)
				}
			}
		})
	}
}

func TestFilterPaging(t *testing.T) {
	s := openStore(t, "", Options{})
	for i := range 5 {
		mustAppend(t, s, testGroup, fmt.Sprintf("s%d", i), evs("m", 100, int64(i), 5), 1)
	}
	all := mustFilter(t, s, testGroup, FilterQuery{})
	if len(all.Events) != 500 || all.NextToken != "" {
		t.Fatalf("one page: %d events, token %q; want 500 and none", len(all.Events), all.NextToken)
	}
	var pages int
	q := FilterQuery{Limit: 7}
	var got []Stored
	for {
		p := mustFilter(t, s, testGroup, q)
		pages++
		if len(p.Events) > 7 {
			t.Fatalf("page of %d events over limit 7", len(p.Events))
		}
		got = append(got, p.Events...)
		if p.NextToken == "" {
			break
		}
		q.Token = p.NextToken
	}
	if !slices.Equal(messages(got), messages(all.Events)) || pages < 500/7 {
		t.Errorf("paged %d pages, %d events: not the same as one page", pages, len(got))
	}
	// An event appended after the token's position shows up on the next
	// page; nothing is returned twice.
	first := mustFilter(t, s, testGroup, FilterQuery{Limit: 499})
	mustAppend(t, s, testGroup, "s0", evs("late", 1, 10_000, 1), 2)
	rest := mustFilter(t, s, testGroup, FilterQuery{Token: first.NextToken})
	if got := messages(rest.Events); len(got) != 2 || got[0] != all.Events[499].Message || got[1] != "late0" || rest.NextToken != "" {
		t.Errorf("page after the token = %q (token %q), want [%s late0] and no token", got, rest.NextToken, all.Events[499].Message)
	}
}

func TestFilterPageBytes(t *testing.T) {
	s := openStore(t, "", Options{})
	big := strings.Repeat("y", 300_000)
	for _, st := range []string{"a", "b"} {
		mustAppend(t, s, testGroup, st, []Event{{1, big}, {2, big}, {3, big}}, 1)
	}
	p := mustFilter(t, s, testGroup, FilterQuery{})
	if len(p.Events) != 3 || p.NextToken == "" {
		t.Errorf("page = %d events, token %q; want 3 (1 MiB) and a token", len(p.Events), p.NextToken)
	}
	if n := len(filterAll(t, s, testGroup, FilterQuery{})); n != 6 {
		t.Errorf("paging gave %d events, want 6", n)
	}
}

func TestFilterBadToken(t *testing.T) {
	s := openStore(t, "", Options{})
	mustAppend(t, s, testGroup, "s", evs("m", 3, 0, 1), 1)
	mustAppend(t, s, "1/us-east-1/other", "s", evs("m", 3, 0, 1), 1)
	otherGroup := mustFilter(t, s, "1/us-east-1/other", FilterQuery{Limit: 1}).NextToken
	getTok := mustGet(t, s, testGroup, "s", GetQuery{}).Forward
	for _, tok := range []string{"!!", "AQ", otherGroup, getTok} {
		if _, err := s.Filter(testGroup, FilterQuery{Token: tok}); !errors.Is(err, ErrBadToken) {
			t.Errorf("Filter with token %q: err = %v, want ErrBadToken", tok, err)
		}
	}
}

func TestFilterTokenAfterStreamDeleted(t *testing.T) {
	s := openStore(t, "", Options{})
	mustAppend(t, s, testGroup, "a", []Event{{1, "a1"}, {3, "a3"}}, 1)
	mustAppend(t, s, testGroup, "b", []Event{{2, "b2"}, {4, "b4"}}, 1)
	p := mustFilter(t, s, testGroup, FilterQuery{Limit: 1})
	if err := s.DeleteStream(testGroup, "a"); err != nil {
		t.Fatal(err)
	}
	p = mustFilter(t, s, testGroup, FilterQuery{Token: p.NextToken})
	if got := messages(p.Events); !slices.Equal(got, []string{"b2", "b4"}) {
		t.Errorf("after deleting the token's stream: %q, want [b2 b4]", got)
	}
}
