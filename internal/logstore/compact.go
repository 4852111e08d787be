package logstore

import (
	"bufio"
	"cmp"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"slices"
)

// Deleted streams and expired events share segment files with live ones.
// A sealed segment that is more than half dead is rewritten with only its
// live records, in the background: the copy is written beside it, synced,
// renamed over it, and the index is switched to it under the group's lock.
// Readers still holding the old segment keep reading the old file through
// their open descriptor.

// maybeCompact queues g for a compaction check unless it already is.
func (s *Store) maybeCompact(g *group) {
	if g.compactQueued.Swap(true) {
		return
	}
	select {
	case s.compactCh <- g:
	default:
		g.compactQueued.Store(false) // the queue is full; a later call retries
	}
}

func (s *Store) compactLoop() {
	defer s.wg.Done()
	for {
		select {
		case <-s.stop:
			return
		case g := <-s.compactCh:
			g.compactQueued.Store(false)
			if err := g.compact(s.stop); err != nil {
				s.opts.Log.Error("log store compaction failed", "group", g.name, "err", err)
			}
		}
	}
}

// compact rewrites the group's sealed segments that are mostly dead, one at
// a time, until none is left or stop closes.
func (g *group) compact(stop <-chan struct{}) error {
	for {
		select {
		case <-stop:
			return nil
		default:
		}
		g.mu.RLock()
		victim, live := g.compactionVictim()
		if victim != nil {
			victim.acquire()
		}
		g.mu.RUnlock()
		if victim == nil {
			return nil
		}
		err := g.rewrite(victim, live)
		victim.release()
		if err != nil {
			return err
		}
	}
}

// compactionVictim picks a sealed segment with more dead bytes than live
// ones and returns it with its live blocks; the caller holds mu.
func (g *group) compactionVictim() (*segment, []block) {
	if g.deleted {
		return nil, nil
	}
	for _, seg := range g.segs[:len(g.segs)-1] {
		if seg.liveBytes == 0 || 2*seg.liveBytes >= seg.size-segHeaderSize {
			continue
		}
		var live []block
		for _, st := range g.streams {
			for _, b := range st.blocks {
				if b.seg == seg {
					live = append(live, b)
				}
			}
		}
		slices.SortFunc(live, func(a, b block) int { return cmp.Compare(a.off, b.off) })
		return seg, live
	}
	return nil, nil
}

// rewrite copies victim's live records into a new file and swaps it in.
func (g *group) rewrite(victim *segment, live []block) error {
	tmp := victim.path + compactSuffix
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_RDWR, 0o600)
	if err != nil {
		return fmt.Errorf("compact segment: %w", err)
	}
	newOff, size, err := copyLive(f, victim, live)
	if err == nil {
		err = f.Sync()
	}
	if err != nil {
		f.Close()
		os.Remove(tmp)
		return fmt.Errorf("compact segment %s: %w", victim.path, err)
	}

	g.mu.Lock()
	defer g.mu.Unlock()
	i := slices.Index(g.segs, victim)
	if g.deleted || i < 0 {
		f.Close()
		os.Remove(tmp)
		return nil
	}
	if err := os.Rename(tmp, victim.path); err != nil {
		f.Close()
		os.Remove(tmp)
		return fmt.Errorf("compact segment %s: %w", victim.path, err)
	}
	if err := syncDir(g.dir); err != nil {
		g.opts.Log.Warn("sync log group directory", "err", err)
	}
	seg := &segment{num: victim.num, path: victim.path, f: f, baseSeq: victim.baseSeq, size: size}
	for _, st := range g.streams {
		var blocks []block
		for j, b := range st.blocks {
			if b.seg != victim {
				continue
			}
			if blocks == nil {
				blocks = slices.Clone(st.blocks) // readers may hold the old slice
			}
			blocks[j].seg, blocks[j].off = seg, newOff[b.off]
			seg.liveBytes += int64(b.size)
		}
		if blocks != nil {
			st.blocks = blocks
		}
	}
	g.segs[i] = seg
	victim.retire()
	return g.reclaim()
}

// copyLive writes a segment header and victim's live records to f and
// returns where each record went and the new file's size.
func copyLive(f *os.File, victim *segment, live []block) (map[int64]int64, int64, error) {
	w := bufio.NewWriterSize(f, 1<<20)
	var hdr [segHeaderSize]byte
	copy(hdr[:], segMagic)
	binary.LittleEndian.PutUint64(hdr[8:], victim.baseSeq)
	w.Write(hdr[:])
	newOff := make(map[int64]int64, len(live))
	pos := int64(segHeaderSize)
	var buf []byte
	for i := 0; i < len(live); {
		// Read runs of adjacent records at once.
		start, end := live[i].off, live[i].end()
		j := i + 1
		for j < len(live) && live[j].off == end && end-start < 4<<20 {
			end = live[j].end()
			j++
		}
		if int64(cap(buf)) < end-start {
			buf = make([]byte, end-start)
		}
		b := buf[:end-start]
		if n, err := victim.f.ReadAt(b, start); n < len(b) {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, 0, err
		}
		for _, lb := range live[i:j] {
			newOff[lb.off] = pos + lb.off - start
		}
		if _, err := w.Write(b); err != nil {
			return nil, 0, err
		}
		pos += end - start
		i = j
	}
	return newOff, pos, w.Flush()
}
