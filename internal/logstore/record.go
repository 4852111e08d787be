package logstore

import (
	"encoding/binary"
	"errors"
	"hash/crc32"
	"math"
)

// Every record, in segments and in the meta log, is framed as
//
//	u32 payload length | u32 CRC-32C of the payload | payload
//
// little-endian, so that a scan can tell a complete record from a torn one.
const (
	frameHeader = 8
	// maxPayload bounds a frame's length field: anything larger is
	// corruption, not a record (blocks are at most blockMaxBytes of
	// messages, or one event of at most ~1 MiB).
	maxPayload = 8 << 20
)

// An events record (one block) carries a fixed header and its events:
//
//	u8 kind (kindEvents) | u32 stream id | u64 first seq | i64 ingestion ms |
//	i64 min ts | i64 max ts | u32 count | u32 message bytes |
//	count × (varint ts − previous ts | uvarint length | message)
//
// The first event's delta is from min ts. Event i of the block has sequence
// number first seq + i. sid and first seq are patched in under the group's
// lock (patchBlock), the rest is encoded outside it.
const (
	kindEvents  = 1
	blockHeader = 45

	// A batch is cut into blocks of at most this many events or message
	// bytes, so that the per-block index stays fine-grained enough for
	// time-bounded reads and small pages to skip data they do not need.
	blockMaxEvents = 256
	blockMaxBytes  = 32 << 10
)

// eventOverhead is what AWS adds to every message when it counts stored
// bytes and page sizes.
const eventOverhead = 26

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

var errCorrupt = errors.New("corrupt record")

// blockHead is the decoded fixed header of an events record.
type blockHead struct {
	sid          uint32
	firstSeq     uint64
	ingestion    int64
	minTs, maxTs int64
	count        uint32
	bytes        uint32 // sum of message lengths
}

// encodedBlock describes one record inside an encoded batch.
type encodedBlock struct {
	off  int // of the frame within the batch buffer
	head blockHead
}

// encodeBatch frames events as consecutive block records with stream id and
// sequence numbers still zero. Events are expected in chronological order
// but any order encodes correctly.
func encodeBatch(events []Event, ingestion int64) ([]byte, []encodedBlock) {
	size := 0
	for i := range events {
		size += len(events[i].Message) + 2*binary.MaxVarintLen64
	}
	nblocks := len(events)/blockMaxEvents + size/blockMaxBytes + 1
	buf := make([]byte, 0, size+nblocks*(frameHeader+blockHeader))
	var blocks []encodedBlock
	for start := 0; start < len(events); {
		end, bytes := start, 0
		for end < len(events) && end-start < blockMaxEvents &&
			(end == start || bytes+len(events[end].Message) <= blockMaxBytes) {
			bytes += len(events[end].Message)
			end++
		}
		var b encodedBlock
		buf, b = appendBlock(buf, events[start:end], ingestion)
		blocks = append(blocks, b)
		start = end
	}
	return buf, blocks
}

// appendBlock appends one framed block record holding events to buf.
func appendBlock(buf []byte, events []Event, ingestion int64) ([]byte, encodedBlock) {
	h := blockHead{ingestion: ingestion, minTs: math.MaxInt64, maxTs: math.MinInt64, count: uint32(len(events))}
	for i := range events {
		h.minTs = min(h.minTs, events[i].Timestamp)
		h.maxTs = max(h.maxTs, events[i].Timestamp)
		h.bytes += uint32(len(events[i].Message))
	}
	off := len(buf)
	buf = append(buf, make([]byte, frameHeader+blockHeader)...)
	prev := h.minTs
	for i := range events {
		buf = binary.AppendVarint(buf, events[i].Timestamp-prev)
		prev = events[i].Timestamp
		buf = binary.AppendUvarint(buf, uint64(len(events[i].Message)))
		buf = append(buf, events[i].Message...)
	}
	binary.LittleEndian.PutUint32(buf[off:], uint32(len(buf)-off-frameHeader))
	putBlockHead(buf[off+frameHeader:], h)
	return buf, encodedBlock{off: off, head: h}
}

func putBlockHead(p []byte, h blockHead) {
	p[0] = kindEvents
	binary.LittleEndian.PutUint32(p[1:], h.sid)
	binary.LittleEndian.PutUint64(p[5:], h.firstSeq)
	binary.LittleEndian.PutUint64(p[13:], uint64(h.ingestion))
	binary.LittleEndian.PutUint64(p[21:], uint64(h.minTs))
	binary.LittleEndian.PutUint64(p[29:], uint64(h.maxTs))
	binary.LittleEndian.PutUint32(p[37:], h.count)
	binary.LittleEndian.PutUint32(p[41:], h.bytes)
}

// patchBlock sets the stream id and first sequence number of the framed
// record at frame and seals it with its CRC.
func patchBlock(frame []byte, sid uint32, firstSeq uint64) {
	p := frame[frameHeader:]
	binary.LittleEndian.PutUint32(p[1:], sid)
	binary.LittleEndian.PutUint64(p[5:], firstSeq)
	binary.LittleEndian.PutUint32(frame[4:], crc32.Checksum(p, castagnoli))
}

// decodeBlockHead reads the fixed header of an events payload.
func decodeBlockHead(p []byte) (blockHead, error) {
	if len(p) < blockHeader || p[0] != kindEvents {
		return blockHead{}, errCorrupt
	}
	return blockHead{
		sid:       binary.LittleEndian.Uint32(p[1:]),
		firstSeq:  binary.LittleEndian.Uint64(p[5:]),
		ingestion: int64(binary.LittleEndian.Uint64(p[13:])),
		minTs:     int64(binary.LittleEndian.Uint64(p[21:])),
		maxTs:     int64(binary.LittleEndian.Uint64(p[29:])),
		count:     binary.LittleEndian.Uint32(p[37:]),
		bytes:     binary.LittleEndian.Uint32(p[41:]),
	}, nil
}

// checkFrame verifies the frame at the start of p and returns its payload.
func checkFrame(p []byte) ([]byte, error) {
	if len(p) < frameHeader {
		return nil, errCorrupt
	}
	n := binary.LittleEndian.Uint32(p)
	if n > maxPayload || int(n) > len(p)-frameHeader {
		return nil, errCorrupt
	}
	payload := p[frameHeader : frameHeader+int(n)]
	if crc32.Checksum(payload, castagnoli) != binary.LittleEndian.Uint32(p[4:]) {
		return nil, errCorrupt
	}
	return payload, nil
}

// eventIter walks the events of a block payload. Messages alias the
// payload.
type eventIter struct {
	p    []byte
	ts   int64
	seq  uint64
	left uint32
	err  error
}

func newEventIter(payload []byte, h blockHead) eventIter {
	return eventIter{p: payload[blockHeader:], ts: h.minTs, seq: h.firstSeq - 1, left: h.count}
}

// next advances to the following event; it returns false at the end or on
// a malformed payload (then it.err is set).
func (it *eventIter) next() (ts int64, seq uint64, msg []byte, ok bool) {
	if it.left == 0 {
		return 0, 0, nil, false
	}
	d, n := binary.Varint(it.p)
	if n <= 0 {
		it.err, it.left = errCorrupt, 0
		return 0, 0, nil, false
	}
	l, m := binary.Uvarint(it.p[n:])
	if m <= 0 || l > uint64(len(it.p)-n-m) {
		it.err, it.left = errCorrupt, 0
		return 0, 0, nil, false
	}
	start := n + m
	msg = it.p[start : start+int(l)]
	it.p = it.p[start+int(l):]
	it.ts += d
	it.seq++
	it.left--
	return it.ts, it.seq, msg, true
}
