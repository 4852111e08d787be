package logstore

import (
	"math"
	"sort"
)

// block is the in-memory index entry of one events record: where it is and
// what it holds. Entries are immutable once in a stream's slice; count,
// bytes and minTs describe only the events not yet expired when the record
// straddles the group's cutoff (reads filter by the cutoff anyway).
type block struct {
	seg          *segment
	off          int64  // of the frame in seg
	size         uint32 // frame bytes
	count        uint32 // live events
	bytes        uint32 // live message bytes
	firstSeq     uint64 // of the record's first event, live or not
	ingestion    int64
	minTs, maxTs int64
}

func (b *block) end() int64 { return b.off + int64(b.size) }

// stream is one stream's index and statistics. blocks is sorted by minTs and
// prefMax[i] is the largest maxTs of blocks[:i+1], so readers find the first
// block that can hold an event at or after a time with a binary search even
// when blocks overlap (events that arrived out of order).
//
// Readers take the slice headers under the group's read lock and use them
// after releasing it: the writer only appends past their length or replaces
// the slices with new ones (copy on write), never changing an element a
// reader can see.
type stream struct {
	id      uint32
	name    string
	blocks  []block
	prefMax []int64

	events, bytes    int64
	first, last      int64
	lastIngestion    int64
	lastIngestionSet bool
}

func newStream(id uint32, name string) *stream {
	return &stream{id: id, name: name, first: math.MaxInt64, last: math.MinInt64}
}

// add indexes b.
func (st *stream) add(b block) {
	n := len(st.blocks)
	if n == 0 || b.minTs >= st.blocks[n-1].minTs {
		pm := b.maxTs
		if n > 0 {
			pm = max(pm, st.prefMax[n-1])
		}
		st.blocks = append(st.blocks, b)
		st.prefMax = append(st.prefMax, pm)
	} else {
		i := sort.Search(n, func(i int) bool { return st.blocks[i].minTs > b.minTs })
		nb := make([]block, n+1, n+1+n/4)
		copy(nb, st.blocks[:i])
		nb[i] = b
		copy(nb[i+1:], st.blocks[i:])
		st.setBlocks(nb)
		return
	}
	st.count(&b)
}

// setBlocks replaces the index with blocks (sorted by minTs, not shared with
// readers) and recomputes prefMax and the statistics.
func (st *stream) setBlocks(blocks []block) {
	pm := make([]int64, len(blocks), cap(blocks))
	run := int64(math.MinInt64)
	for i := range blocks {
		run = max(run, blocks[i].maxTs)
		pm[i] = run
	}
	st.blocks, st.prefMax = blocks, pm
	st.events, st.bytes = 0, 0
	st.first, st.last = math.MaxInt64, math.MinInt64
	st.lastIngestion, st.lastIngestionSet = 0, false
	for i := range blocks {
		st.count(&blocks[i])
	}
}

func (st *stream) count(b *block) {
	st.events += int64(b.count)
	st.bytes += int64(b.bytes)
	st.first = min(st.first, b.minTs)
	st.last = max(st.last, b.maxTs)
	if !st.lastIngestionSet || b.ingestion > st.lastIngestion {
		st.lastIngestion, st.lastIngestionSet = b.ingestion, true
	}
}

// info is the stream's StreamInfo.
func (st *stream) info() (StreamInfo, bool) {
	if st.events == 0 {
		return StreamInfo{}, false
	}
	return StreamInfo{
		FirstEventTimestamp: st.first,
		LastEventTimestamp:  st.last,
		LastIngestionTime:   st.lastIngestion,
		StoredBytes:         st.bytes + eventOverhead*st.events,
		Events:              st.events,
	}, true
}

// firstFrom returns the index of the first block that may hold an event
// with a timestamp at or after ts.
func firstFrom(prefMax []int64, ts int64) int {
	return sort.Search(len(prefMax), func(i int) bool { return prefMax[i] >= ts })
}

// lastUpTo returns the index of the last block whose minTs is at most ts,
// or -1.
func lastUpTo(blocks []block, ts int64) int {
	return sort.Search(len(blocks), func(i int) bool { return blocks[i].minTs > ts }) - 1
}
