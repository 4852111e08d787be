package logstore

import (
	"cmp"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"unsafe"
)

// Page bounds shared by Get and Filter.
const (
	defaultLimit = 10_000
	pageBytes    = 1 << 20 // of messages, each counted with eventOverhead as AWS does

	// Blocks are read in chunks, small at first so that a small page reads
	// little, growing so that a long scan makes few passes.
	chunkStart = 256 << 10
	chunkMax   = 4 << 20
	// Blocks of a chunk in one segment closer than readGap are read with
	// one pread (the bytes between are read and dropped), up to readMax.
	readGap = 64 << 10
	readMax = 8 << 20
)

// key orders the events of one stream: by timestamp, then arrival.
type key struct {
	ts  int64
	seq uint64
}

var (
	minKey = key{math.MinInt64, 0}
	maxKey = key{math.MaxInt64, math.MaxUint64}
)

func (a key) cmp(b key) int {
	if c := cmp.Compare(a.ts, b.ts); c != 0 {
		return c
	}
	return cmp.Compare(a.seq, b.seq)
}

func maxOf(a, b key) key {
	if a.cmp(b) >= 0 {
		return a
	}
	return b
}

func minOf(a, b key) key {
	if a.cmp(b) <= 0 {
		return a
	}
	return b
}

// source is one stream as a read sees it: a snapshot of its index and the
// events wanted from it, lo <= key < hi.
type source struct {
	name    string
	rank    int32 // position of name among the read's streams
	blocks  []block
	prefMax []int64
	lo, hi  key
	floor   int64 // max(lo.ts, cutoff): blocks entirely older hold nothing wanted
	pos     int
}

// hit is an event a read keeps.
type hit struct {
	ts        int64
	seq       uint64
	ingestion int64
	rank      int32
	own       bool // msg is a copy, not an alias of a read buffer
	msg       string
}

func (h *hit) size() int { return len(h.msg) + eventOverhead }

// scan reads events from its sources in order — forward: ascending
// (timestamp, rank, seq); backward (one source only): descending — and
// returns the first page of them.
//
// Blocks are taken in order of their earliest (forward) or latest
// (backward) possible timestamp, a chunk at a time; after each chunk the
// next block's bound (the frontier) says which of the events kept so far
// no later block can precede, and the scan stops as soon as those fill a
// page. Blocks wholly outside the wanted range are never read.
type scan struct {
	forward bool
	srcs    []*source
	heap    []*source // forward: sources with blocks left, by next block's minTs
	match   func(string) bool
	limit   int

	// Once limit events are pending, bound is the last of them: events
	// ordered after it cannot make the page and are dropped before they
	// are matched or copied.
	bound    hit
	hasBound bool
	dropped  bool // events past the page were seen and dropped

	pending []hit // sorted, at most limit
	fresh   []hit // added since the last flush, unsorted
}

func newScan(forward bool, srcs []*source, cutoff int64, match func(string) bool, limit int) *scan {
	if limit <= 0 {
		limit = defaultLimit
	}
	sc := &scan{forward: forward, srcs: srcs, match: match, limit: limit}
	for _, src := range srcs {
		src.floor = max(src.lo.ts, cutoff)
		if forward {
			src.pos = firstFrom(src.prefMax, src.floor)
			if src.skipForward() {
				sc.heap = append(sc.heap, src)
			}
		} else {
			src.pos = lastUpTo(src.blocks, src.hi.ts)
		}
	}
	if forward {
		for i := len(sc.heap)/2 - 1; i >= 0; i-- {
			sc.down(i)
		}
	}
	return sc
}

// skipForward moves pos past blocks that hold nothing wanted and reports
// whether a block that may is left.
func (src *source) skipForward() bool {
	for src.pos < len(src.blocks) && src.blocks[src.pos].maxTs < src.floor {
		src.pos++
	}
	return src.pos < len(src.blocks) && src.blocks[src.pos].minTs <= src.hi.ts
}

func (sc *scan) down(i int) {
	h := sc.heap
	for {
		l := 2*i + 1
		if l >= len(h) {
			return
		}
		m := l
		if r := l + 1; r < len(h) && h[r].blocks[h[r].pos].minTs < h[l].blocks[h[l].pos].minTs {
			m = r
		}
		if h[i].blocks[h[i].pos].minTs <= h[m].blocks[h[m].pos].minTs {
			return
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}

// next returns the next block to read.
func (sc *scan) next() (block, *source, bool) {
	if sc.forward {
		if len(sc.heap) == 0 {
			return block{}, nil, false
		}
		src := sc.heap[0]
		b := src.blocks[src.pos]
		src.pos++
		if !src.skipForward() {
			last := len(sc.heap) - 1
			sc.heap[0] = sc.heap[last]
			sc.heap = sc.heap[:last]
		}
		sc.down(0)
		return b, src, true
	}
	src := sc.srcs[0]
	for src.pos >= 0 && src.prefMax[src.pos] >= src.floor {
		b := src.blocks[src.pos]
		src.pos--
		if b.maxTs >= src.floor {
			return b, src, true
		}
	}
	src.pos = -1
	return block{}, nil, false
}

// frontier bounds the timestamps of blocks not read yet: forward, none is
// earlier; backward, none is later. ok is false when every block was read.
func (sc *scan) frontier() (ts int64, ok bool) {
	if sc.forward {
		if len(sc.heap) == 0 {
			return 0, false
		}
		src := sc.heap[0]
		return src.blocks[src.pos].minTs, true
	}
	src := sc.srcs[0]
	if src.pos >= 0 && src.prefMax[src.pos] >= src.floor {
		return src.prefMax[src.pos], true
	}
	return 0, false
}

func (sc *scan) order(a, b hit) int {
	c := cmp.Compare(a.ts, b.ts)
	if c == 0 {
		c = cmp.Compare(a.rank, b.rank)
	}
	if c == 0 {
		c = cmp.Compare(a.seq, b.seq)
	}
	if !sc.forward {
		c = -c
	}
	return c
}

// run performs the scan. It returns the page's events in scan order and
// whether events beyond the page were seen or may exist.
func (sc *scan) run() ([]hit, bool, error) {
	var chunk []chunkBlock
	// Guess ~128 bytes a record per event wanted; a chunk is at least one
	// block anyway.
	budget := min(sc.limit*128, chunkStart)
	for {
		chunk = chunk[:0]
		for size := 0; size < budget; {
			b, src, ok := sc.next()
			if !ok {
				break
			}
			chunk = append(chunk, chunkBlock{b, src})
			size += int(b.size)
		}
		budget = min(2*budget, chunkMax)
		if err := sc.read(chunk); err != nil {
			return nil, false, err
		}
		sc.flush()
		pending := sc.pending
		front, more := sc.frontier()
		final := len(pending)
		if more {
			final = 0
			for final < len(pending) && (sc.forward && pending[final].ts < front || !sc.forward && pending[final].ts > front) {
				final++
			}
		}
		take, full := fill(pending[:final], sc.limit)
		if full || !more {
			return pending[:take], more || sc.dropped || take < len(pending), nil
		}
	}
}

// add keeps a wanted event; its message may alias a read buffer.
func (sc *scan) add(h hit) {
	sc.fresh = append(sc.fresh, h)
	if len(sc.fresh) >= 2*sc.limit+64 {
		sc.flush()
	}
}

// flush sorts the events added since the last flush into pending, keeps
// the first limit of them (nothing past those can make the page) and gives
// the kept ones their own copy of their message, so that pending does not
// pin read buffers.
func (sc *scan) flush() {
	if len(sc.fresh) == 0 {
		return
	}
	slices.SortFunc(sc.fresh, sc.order)
	sc.pending = mergeHits(sc.pending, sc.fresh, sc.order)
	sc.fresh = sc.fresh[:0]
	if len(sc.pending) > sc.limit {
		sc.pending, sc.dropped = sc.pending[:sc.limit], true
	}
	if len(sc.pending) == sc.limit {
		sc.bound, sc.hasBound = sc.pending[len(sc.pending)-1], true
	}
	for i := range sc.pending {
		if !sc.pending[i].own {
			sc.pending[i].msg = strings.Clone(sc.pending[i].msg)
			sc.pending[i].own = true
		}
	}
}

// fill counts how many of hits fit a page of limit events and pageBytes,
// and whether the page is full.
func fill(hits []hit, limit int) (int, bool) {
	bytes := 0
	for i := range hits {
		if i == limit {
			return i, true
		}
		bytes += hits[i].size()
		if i > 0 && bytes > pageBytes {
			return i, true
		}
	}
	return len(hits), len(hits) >= limit
}

// mergeHits merges two sorted runs.
func mergeHits(a, b []hit, order func(a, b hit) int) []hit {
	if len(a) == 0 {
		return append([]hit(nil), b...)
	}
	out := make([]hit, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		if order(b[j], a[i]) < 0 {
			out = append(out, b[j])
			j++
		} else {
			out = append(out, a[i])
			i++
		}
	}
	out = append(out, a[i:]...)
	return append(out, b[j:]...)
}

type chunkBlock struct {
	b   block
	src *source
}

// read reads the chunk's blocks, coalescing nearby ones in a segment into
// one pread, and adds the wanted events.
func (sc *scan) read(chunk []chunkBlock) error {
	slices.SortFunc(chunk, func(x, y chunkBlock) int {
		if c := cmp.Compare(x.b.seg.num, y.b.seg.num); c != 0 {
			return c
		}
		return cmp.Compare(x.b.off, y.b.off)
	})
	for i := 0; i < len(chunk); {
		seg, start, end := chunk[i].b.seg, chunk[i].b.off, chunk[i].b.end()
		j := i + 1
		for j < len(chunk) && chunk[j].b.seg == seg && chunk[j].b.off-end <= readGap && chunk[j].b.end()-start <= readMax {
			end = max(end, chunk[j].b.end())
			j++
		}
		// A fresh buffer per read, never written again once filled: Match
		// and hits get messages as strings aliasing it, which thus stay
		// valid however long they are kept.
		buf := make([]byte, end-start)
		if n, err := seg.f.ReadAt(buf, start); n < len(buf) {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return fmt.Errorf("read segment %s at %d: %w", seg.path, start, err)
		}
		for _, cb := range chunk[i:j] {
			if err := sc.scanBlock(buf[cb.b.off-start:cb.b.end()-start], cb.src); err != nil {
				return fmt.Errorf("segment %s at %d: %w", seg.path, cb.b.off, err)
			}
		}
		i = j
	}
	return nil
}

// scanBlock adds the wanted events of the framed block record.
func (sc *scan) scanBlock(frame []byte, src *source) error {
	payload, err := checkFrame(frame)
	if err != nil {
		return err
	}
	h, err := decodeBlockHead(payload)
	if err != nil {
		return err
	}
	it := newEventIter(payload, h)
	for {
		ts, seq, msg, ok := it.next()
		if !ok {
			break
		}
		if ts < src.floor {
			continue
		}
		k := key{ts, seq}
		if k.cmp(src.lo) < 0 || k.cmp(src.hi) >= 0 {
			continue
		}
		if sc.hasBound && sc.order(hit{ts: ts, seq: seq, rank: src.rank}, sc.bound) > 0 {
			sc.dropped = true
			continue
		}
		m := unsafe.String(unsafe.SliceData(msg), len(msg))
		if sc.match != nil && !sc.match(m) {
			continue
		}
		sc.add(hit{ts: ts, seq: seq, ingestion: h.ingestion, rank: src.rank, msg: m})
	}
	return it.err
}
