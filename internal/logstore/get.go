package logstore

import (
	"fmt"
	"hash/crc32"
	"slices"
	"strconv"
	"strings"
)

// Stored is an event as it was kept.
type Stored struct {
	Stream        string // stream name
	Timestamp     int64
	IngestionTime int64
	Message       string
	ID            string // unique within the group, stable across restarts; decimal digits only
}

// GetQuery selects a page of one stream's events (GetLogEvents).
type GetQuery struct {
	Start, End *int64 // ms; Start inclusive, End exclusive; nil = unbounded
	// Limit is the most events to return; 0 means 10,000. A page also
	// stops before its messages (plus 26 bytes each) exceed 1 MiB.
	Limit int
	// StartFromHead, without a token: true = from the oldest event, false
	// = the newest page.
	StartFromHead bool
	// Token is a Forward or Backward token from an earlier page of the same
	// stream and query; it decides the direction.
	Token string
}

// GetPage is a page of a stream's events, oldest first.
type GetPage struct {
	Events []Stored
	// Forward ("f/<digits>") gets the next page going forward. When there
	// is nothing more it is the token the caller passed (AWS's end marker)
	// and stays valid: a later call with it returns the events appended
	// since.
	Forward string
	// Backward ("b/<digits>") gets the page before this one; at the start
	// of the stream it is the token the caller passed.
	Backward string
}

// Get returns a page of one stream's events ordered by (timestamp,
// arrival), oldest first: GetLogEvents. A stream without events gives an
// empty page with valid tokens. It fails with ErrBadToken for a token that
// is malformed or was issued for another stream.
func (s *Store) Get(group, stream string, q GetQuery) (GetPage, error) {
	check := tokenCheck(group, stream)
	lo, hi := minKey, maxKey
	if q.Start != nil {
		lo = key{*q.Start, 0}
	}
	if q.End != nil {
		hi = key{*q.End, 0}
	}
	forward := q.StartFromHead
	var tok key
	if q.Token != "" {
		var err error
		if forward, tok, err = parseGetToken(q.Token, check); err != nil {
			return GetPage{}, err
		}
		if forward {
			lo = maxOf(lo, tok)
		} else {
			hi = minOf(hi, tok)
		}
	}
	hits, err := s.get(group, stream, forward, lo, hi, q.Limit)
	if err != nil {
		return GetPage{}, err
	}
	if !forward {
		slices.Reverse(hits)
	}
	page := GetPage{Events: make([]Stored, len(hits))}
	for i, h := range hits {
		page.Events[i] = Stored{Stream: stream, Timestamp: h.ts, IngestionTime: h.ingestion,
			Message: h.msg, ID: strconv.FormatUint(h.seq, 10)}
	}
	switch {
	case len(hits) > 0:
		first, last := hits[0], hits[len(hits)-1]
		page.Forward = getToken(true, key{last.ts, last.seq + 1}, check)
		page.Backward = getToken(false, key{first.ts, first.seq}, check)
	case q.Token != "" && forward:
		page.Forward, page.Backward = q.Token, getToken(false, tok, check)
	case q.Token != "":
		page.Forward, page.Backward = getToken(true, tok, check), q.Token
	default:
		// Nothing in range: both point at the range's start, so going
		// forward picks up whatever is appended later.
		page.Forward, page.Backward = getToken(true, lo, check), getToken(false, lo, check)
	}
	return page, nil
}

func (s *Store) get(group, stream string, forward bool, lo, hi key, limit int) ([]hit, error) {
	if lo.cmp(hi) >= 0 {
		return nil, nil
	}
	g, err := s.group(group, false)
	if err != nil || g == nil {
		return nil, err
	}
	g.mu.RLock()
	st := g.streams[stream]
	if st == nil || g.deleted {
		g.mu.RUnlock()
		return nil, nil
	}
	src := &source{name: stream, blocks: st.blocks, prefMax: st.prefMax, lo: lo, hi: hi}
	sc := newScan(forward, []*source{src}, g.cutoff, nil, limit)
	segs := g.acquireSegs()
	g.mu.RUnlock()
	defer releaseSegs(segs)
	hits, _, err := sc.run()
	if err != nil {
		return nil, fmt.Errorf("read log stream %q: %w", stream, err)
	}
	return hits, nil
}

// A Get token is "f/" or "b/" and 50 digits: the boundary key's timestamp
// (offset to be unsigned) and sequence number, 20 digits each, and a
// 10-digit check of the group and stream it belongs to. A forward token
// means "events at or after the key", a backward one "events before it".
// Being positions, tokens survive appends and restarts.
const getTokenDigits = 50

func tokenCheck(group, stream string) uint32 {
	c := crc32.Checksum([]byte(group), castagnoli)
	c = crc32.Update(c, castagnoli, []byte{0})
	return crc32.Update(c, castagnoli, []byte(stream))
}

func getToken(forward bool, k key, check uint32) string {
	dir := "b/"
	if forward {
		dir = "f/"
	}
	return fmt.Sprintf("%s%020d%020d%010d", dir, uint64(k.ts)^(1<<63), k.seq, check)
}

func parseGetToken(tok string, check uint32) (forward bool, k key, err error) {
	bad := fmt.Errorf("%w: %q is not a GetLogEvents token of this log stream", ErrBadToken, tok)
	switch {
	case strings.HasPrefix(tok, "f/"):
		forward = true
	case strings.HasPrefix(tok, "b/"):
	default:
		return false, key{}, bad
	}
	d := tok[2:]
	if len(d) != getTokenDigits {
		return false, key{}, bad
	}
	ts, err1 := strconv.ParseUint(d[:20], 10, 64)
	seq, err2 := strconv.ParseUint(d[20:40], 10, 64)
	c, err3 := strconv.ParseUint(d[40:], 10, 32)
	if err1 != nil || err2 != nil || err3 != nil || uint32(c) != check {
		return false, key{}, bad
	}
	return forward, key{int64(ts ^ (1 << 63)), seq}, nil
}
