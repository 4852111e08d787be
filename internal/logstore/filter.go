package logstore

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math"
	"slices"
	"strconv"
	"strings"
)

// FilterQuery selects a page of a group's events (FilterLogEvents).
type FilterQuery struct {
	Streams      []string // only these streams (nil or empty = all)
	StreamPrefix string   // only streams with this prefix ("" = all)
	Start, End   *int64   // ms, Start inclusive, End exclusive
	// Match keeps the events whose message it returns true for; nil keeps
	// all. It is called from one goroutine at a time.
	Match func(message string) bool
	// Limit is the most events to return; 0 means 10,000. A page also
	// stops before its messages (plus 26 bytes each) exceed 1 MiB.
	Limit int
	Token string // NextToken from the previous page
}

// FilterPage is a page of a group's events.
type FilterPage struct {
	Events    []Stored // ordered by timestamp, then stream name, then arrival
	NextToken string   // "" when there is nothing more now
}

// Filter returns a page of the group's events that match q, interleaved
// across its streams in timestamp order: FilterLogEvents. It fails with
// ErrBadToken for a token that is malformed or was issued for another
// group.
func (s *Store) Filter(group string, q FilterQuery) (FilterPage, error) {
	check := crc32.Checksum([]byte(group), castagnoli)
	var after *filterPos
	if q.Token != "" {
		p, err := parseFilterToken(q.Token, check)
		if err != nil {
			return FilterPage{}, err
		}
		after = &p
	}
	g, err := s.group(group, false)
	if err != nil || g == nil {
		return FilterPage{}, err
	}
	g.mu.RLock()
	if g.deleted {
		g.mu.RUnlock()
		return FilterPage{}, nil
	}
	srcs := g.filterSources(q)
	for _, src := range srcs {
		src.lo, src.hi = minKey, maxKey
		if q.Start != nil {
			src.lo = key{*q.Start, 0}
		}
		if q.End != nil {
			src.hi = key{*q.End, 0}
		}
		if after != nil {
			src.lo = maxOf(src.lo, after.lowerBound(src.name))
		}
	}
	sc := newScan(true, srcs, g.cutoff, q.Match, q.Limit)
	segs := g.acquireSegs()
	g.mu.RUnlock()
	defer releaseSegs(segs)

	hits, more, err := sc.run()
	if err != nil {
		return FilterPage{}, fmt.Errorf("filter log group: %w", err)
	}
	page := FilterPage{Events: make([]Stored, len(hits))}
	for i, h := range hits {
		page.Events[i] = Stored{Stream: srcs[h.rank].name, Timestamp: h.ts, IngestionTime: h.ingestion,
			Message: h.msg, ID: strconv.FormatUint(h.seq, 10)}
	}
	if more && len(hits) > 0 {
		last := hits[len(hits)-1]
		page.NextToken = filterToken(filterPos{last.ts, last.seq, srcs[last.rank].name}, check)
	}
	return page, nil
}

// filterSources picks the streams q reads, with events, ranked by name;
// the caller holds mu.
func (g *group) filterSources(q FilterQuery) []*source {
	var picked []*stream
	if len(q.Streams) > 0 {
		for _, name := range q.Streams {
			if st := g.streams[name]; st != nil && strings.HasPrefix(name, q.StreamPrefix) && !slices.Contains(picked, st) {
				picked = append(picked, st)
			}
		}
	} else {
		for name, st := range g.streams {
			if strings.HasPrefix(name, q.StreamPrefix) {
				picked = append(picked, st)
			}
		}
	}
	slices.SortFunc(picked, func(a, b *stream) int { return strings.Compare(a.name, b.name) })
	srcs := make([]*source, 0, len(picked))
	for _, st := range picked {
		if len(st.blocks) > 0 {
			srcs = append(srcs, &source{name: st.name, rank: int32(len(srcs)), blocks: st.blocks, prefMax: st.prefMax})
		}
	}
	return srcs
}

// filterPos is the last event a Filter page returned; the next page starts
// after it in (timestamp, stream name, seq) order.
type filterPos struct {
	ts     int64
	seq    uint64
	stream string
}

// lowerBound is the first key of stream name that comes after p.
func (p filterPos) lowerBound(name string) key {
	switch c := strings.Compare(name, p.stream); {
	case c < 0:
		if p.ts == math.MaxInt64 {
			return maxKey
		}
		return key{p.ts + 1, 0}
	case c == 0:
		return key{p.ts, p.seq + 1}
	default:
		return key{p.ts, 0}
	}
}

// A Filter token is base64url of: version byte 1, the group's CRC-32C,
// varint timestamp, uvarint seq, stream name.
const filterTokenVersion = 1

func filterToken(p filterPos, check uint32) string {
	b := []byte{filterTokenVersion}
	b = binary.LittleEndian.AppendUint32(b, check)
	b = binary.AppendVarint(b, p.ts)
	b = binary.AppendUvarint(b, p.seq)
	b = append(b, p.stream...)
	return base64.RawURLEncoding.EncodeToString(b)
}

func parseFilterToken(tok string, check uint32) (filterPos, error) {
	bad := fmt.Errorf("%w: %q is not a FilterLogEvents token of this log group", ErrBadToken, tok)
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(b) < 5 || b[0] != filterTokenVersion || binary.LittleEndian.Uint32(b[1:]) != check {
		return filterPos{}, bad
	}
	b = b[5:]
	ts, n := binary.Varint(b)
	if n <= 0 {
		return filterPos{}, bad
	}
	b = b[n:]
	seq, n := binary.Uvarint(b)
	if n <= 0 {
		return filterPos{}, bad
	}
	return filterPos{ts: ts, seq: seq, stream: string(b[n:])}, nil
}
