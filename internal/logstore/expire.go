package logstore

import (
	"cmp"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
)

// Expire removes every event of the group with a timestamp before before
// (retention). Once it returns no read returns them, also after a restart;
// segment files holding nothing else are deleted at once, and partly
// expired ones are compacted in the background. Expiring to an earlier time
// than before is a no-op: expired events do not come back.
func (s *Store) Expire(group string, before int64) error {
	g, err := s.group(group, false)
	if err != nil || g == nil {
		return err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.deleted || before <= g.cutoff {
		return nil
	}
	if err := g.writeMeta(metaCutoffRecord(before), true); err != nil {
		return fmt.Errorf("expire log group: %w", err)
	}
	g.cutoff = before
	for _, st := range g.streams {
		if err := g.expireStream(st); err != nil {
			return fmt.Errorf("expire log stream %q: %w", st.name, err)
		}
	}
	err = g.reclaim()
	s.maybeCompact(g)
	return err
}

// expireStream drops st's blocks older than the cutoff and narrows the ones
// that straddle it; the caller holds mu.
func (g *group) expireStream(st *stream) error {
	// Blocks are sorted by minTs: only a prefix can hold expired events.
	n := lastUpTo(st.blocks, g.cutoff-1) + 1
	if n == 0 {
		return nil
	}
	kept := make([]block, 0, len(st.blocks))
	for _, b := range st.blocks[:n] {
		if b.maxTs < g.cutoff {
			b.seg.liveBytes -= int64(b.size)
			continue
		}
		t, err := g.trimStored(b)
		if err != nil {
			return err
		}
		kept = append(kept, t)
	}
	// Trimmed blocks may now start later than blocks after them.
	rest := st.blocks[n:]
	merged := append(kept, rest...)
	slices.SortStableFunc(merged, func(a, b block) int { return cmp.Compare(a.minTs, b.minTs) })
	st.setBlocks(merged)
	return nil
}

// trimStored reads block b from disk and narrows it to the events at or
// after the cutoff.
func (g *group) trimStored(b block) (block, error) {
	frame := make([]byte, b.size)
	if n, err := b.seg.f.ReadAt(frame, b.off); n < len(frame) {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return b, fmt.Errorf("read segment %s at %d: %w", b.seg.path, b.off, err)
	}
	p, err := checkFrame(frame)
	if err != nil {
		return b, err
	}
	h, err := decodeBlockHead(p)
	if err != nil {
		return b, err
	}
	return trimBlock(p, h, b, g.cutoff)
}

// DeleteStream deletes a stream's events. Once it returns no read returns
// them, also after a restart; their disk space is reclaimed as the segment
// files holding them are deleted or compacted. Deleting a stream without
// events is a no-op; appending to the name later starts a new stream.
func (s *Store) DeleteStream(group, stream string) error {
	g, err := s.group(group, false)
	if err != nil || g == nil {
		return err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	st := g.streams[stream]
	if g.deleted || st == nil {
		return nil
	}
	if err := g.writeMeta(metaDeleteRecord(st.id), true); err != nil {
		return fmt.Errorf("delete log stream %q: %w", stream, err)
	}
	delete(g.streams, stream)
	delete(g.byID, st.id)
	for _, b := range st.blocks {
		b.seg.liveBytes -= int64(b.size)
	}
	err = g.reclaim()
	s.maybeCompact(g)
	return err
}

// DeleteGroup deletes a group and all its events, files included. Deleting
// a group without events is a no-op.
func (s *Store) DeleteGroup(group string) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	g := s.groups[group]
	if g == nil {
		s.mu.Unlock()
		return nil
	}
	delete(s.groups, group)
	g.mu.Lock()
	g.deleted = true
	g.closeFiles()
	g.mu.Unlock()
	// Move the directory aside while holding s.mu, so that a group of the
	// same name created right after gets a clean directory; Open finishes
	// the removal if we crash before RemoveAll does.
	trash := filepath.Join(s.root, trashDirName)
	dst := filepath.Join(trash, filepath.Base(g.dir)+"-"+randomSuffix())
	if err := os.MkdirAll(trash, 0o700); err != nil || os.Rename(g.dir, dst) != nil {
		// Cannot move it aside: remove it in place, still holding s.mu.
		err := os.RemoveAll(g.dir)
		s.mu.Unlock()
		if err != nil {
			return fmt.Errorf("delete log group: %w", err)
		}
		return nil
	}
	if err := syncDir(filepath.Dir(g.dir)); err != nil {
		s.opts.Log.Warn("sync log groups directory", "err", err)
	}
	s.mu.Unlock()
	if err := os.RemoveAll(dst); err != nil {
		return fmt.Errorf("delete log group: %w", err)
	}
	return nil
}

func randomSuffix() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// reclaim deletes segments nothing refers to any more. An unreferenced
// active segment is replaced by a fresh one. The caller holds mu.
func (g *group) reclaim() error {
	var errs []error
	if act := g.active(); act.liveBytes == 0 && act.size > segHeaderSize {
		if err := g.roll(); err != nil {
			errs = append(errs, err)
		}
	}
	kept := g.segs[:0:0]
	for i, seg := range g.segs {
		if seg.liveBytes == 0 && i < len(g.segs)-1 {
			if err := seg.remove(); err != nil {
				errs = append(errs, err)
			}
			continue
		}
		kept = append(kept, seg)
	}
	g.segs = kept
	return errors.Join(errs...)
}

// StreamInfo is what DescribeLogStreams shows of a stream's events.
type StreamInfo struct {
	FirstEventTimestamp, LastEventTimestamp, LastIngestionTime int64
	StoredBytes                                                int64 // bytes of messages, plus 26 per event as AWS counts
	Events                                                     int64
}

// StreamInfo returns a stream's event statistics; ok is false if the
// stream has no events here.
func (s *Store) StreamInfo(group, stream string) (StreamInfo, bool) {
	g, err := s.group(group, false)
	if err != nil || g == nil {
		return StreamInfo{}, false
	}
	g.mu.RLock()
	defer g.mu.RUnlock()
	if st := g.streams[stream]; st != nil {
		return st.info()
	}
	return StreamInfo{}, false
}

// GroupStoredBytes is the sum of StoredBytes over the group's streams.
func (s *Store) GroupStoredBytes(group string) int64 {
	g, err := s.group(group, false)
	if err != nil || g == nil {
		return 0
	}
	g.mu.RLock()
	defer g.mu.RUnlock()
	var n int64
	for _, st := range g.streams {
		n += st.bytes + eventOverhead*st.events
	}
	return n
}

// Groups returns the names of the groups that hold events, in no order.
func (s *Store) Groups() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]string, 0, len(s.groups))
	for name := range s.groups {
		out = append(out, name)
	}
	return out
}
