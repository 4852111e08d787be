package logstore

import (
	"fmt"
)

// Event is one log event as PutLogEvents gives it. Timestamps are Unix
// milliseconds.
type Event struct {
	Timestamp int64
	Message   string
}

// Append stores events in a stream, creating the group and stream on the
// store's side if they are new. The caller has validated the events (AWS
// wants them in chronological order within a batch; any order is stored
// correctly). ingestion is the ingestion time (ms) of all of them; zero
// means Options.Now.
//
// The events reach the OS before Append returns, in one write, and are
// visible to reads from then on. Appends to different groups do not
// contend; appends to one group hold its lock only for the write itself.
func (s *Store) Append(group, stream string, events []Event, ingestion int64) error {
	if len(events) == 0 {
		return nil
	}
	if ingestion == 0 {
		ingestion = s.opts.Now().UnixMilli()
	}
	buf, blocks := encodeBatch(events, ingestion)
	for {
		g, err := s.group(group, true)
		if err != nil {
			return err
		}
		g.mu.Lock()
		if g.deleted {
			// DeleteGroup (or Close) won the race; Close is caught by
			// s.group on the next try.
			g.mu.Unlock()
			continue
		}
		err = g.appendLocked(stream, buf, blocks, len(events))
		g.mu.Unlock()
		if err != nil {
			return fmt.Errorf("append to log stream %q: %w", stream, err)
		}
		return nil
	}
}

// appendLocked writes an encoded batch and indexes it; the caller holds mu.
func (g *group) appendLocked(name string, buf []byte, blocks []encodedBlock, n int) error {
	st := g.streams[name]
	if st == nil {
		st = newStream(g.nextSID, name)
		if err := g.writeMeta(metaStreamRecord(st.id, name), false); err != nil {
			return err
		}
		g.nextSID++
		g.streams[name], g.byID[st.id] = st, st
	}
	seq := g.nextSeq
	for i := range blocks {
		end := len(buf)
		if i+1 < len(blocks) {
			end = blocks[i+1].off
		}
		patchBlock(buf[blocks[i].off:end], st.id, seq)
		blocks[i].head.sid, blocks[i].head.firstSeq = st.id, seq
		seq += uint64(blocks[i].head.count)
	}
	seg := g.active()
	if seg.size > segHeaderSize && seg.size+int64(len(buf)) > g.opts.SegmentBytes {
		if err := g.roll(); err != nil {
			return err
		}
		seg = g.active()
	}
	if _, err := seg.f.WriteAt(buf, seg.size); err != nil {
		// Never leave half a batch for a later append to bury.
		seg.f.Truncate(seg.size)
		return fmt.Errorf("write segment: %w", err)
	}
	base := seg.size
	seg.size += int64(len(buf))
	seg.liveBytes += int64(len(buf))
	seg.dirty = true
	g.nextSeq += uint64(n)
	for i, eb := range blocks {
		end := len(buf)
		if i+1 < len(blocks) {
			end = blocks[i+1].off
		}
		h := eb.head
		st.add(block{seg: seg, off: base + int64(eb.off), size: uint32(end - eb.off),
			count: h.count, bytes: h.bytes, firstSeq: h.firstSeq, ingestion: h.ingestion,
			minTs: h.minTs, maxTs: h.maxTs})
	}
	return nil
}
