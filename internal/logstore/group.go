package logstore

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// group is one log group's events: its directory, meta log, segments and
// the stream indexes.
type group struct {
	name string
	dir  string
	opts *Options

	mu sync.RWMutex
	// Guarded by mu.
	meta      *os.File
	metaSize  int64
	metaDirty bool
	streams   map[string]*stream
	byID      map[uint32]*stream
	nextSID   uint32
	nextSeq   uint64 // sequence number (event ID) of the next event
	cutoff    int64  // events with a timestamp before this are expired
	segs      []*segment
	deleted   bool

	compactQueued atomic.Bool
}

// groupDirName turns a group name into a directory name: a readable,
// sanitized prefix and a hash that makes it unique.
func groupDirName(name string) string {
	sum := sha256.Sum256([]byte(name))
	var b strings.Builder
	for _, r := range name {
		if b.Len() >= 48 {
			break
		}
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	return b.String() + "-" + hex.EncodeToString(sum[:12])
}

func newGroup(name, dir string, opts *Options) *group {
	return &group{
		name: name, dir: dir, opts: opts,
		streams: map[string]*stream{}, byID: map[uint32]*stream{},
		nextSID: 1, nextSeq: 1, cutoff: math.MinInt64,
	}
}

// createGroup makes a new, empty group under groupsDir.
func createGroup(groupsDir, name string, opts *Options) (*group, error) {
	dir := filepath.Join(groupsDir, groupDirName(name))
	if err := os.RemoveAll(dir); err != nil {
		return nil, fmt.Errorf("create log group directory: %w", err)
	}
	if err := os.Mkdir(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create log group directory: %w", err)
	}
	g := newGroup(name, dir, opts)
	m := newMetaState()
	m.group = name
	if err := writeFileSync(filepath.Join(dir, metaName), m.snapshot()); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("create log group meta: %w", err)
	}
	if err := g.openMeta(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	seg, err := createSegment(dir, 1, g.nextSeq)
	if err == nil {
		err = syncDir(groupsDir)
	}
	if err != nil {
		g.meta.Close()
		os.RemoveAll(dir)
		return nil, err
	}
	g.segs = []*segment{seg}
	return g, nil
}

func (g *group) openMeta() error {
	f, err := os.OpenFile(filepath.Join(g.dir, metaName), os.O_RDWR|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("open log group meta: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("open log group meta: %w", err)
	}
	g.meta, g.metaSize = f, fi.Size()
	return nil
}

var errNoGroup = errors.New("not a log group directory (no readable meta log)")

// loadGroup opens the group in dir as a previous run left it: it replays
// the meta log, indexes every segment and truncates a torn tail.
func loadGroup(dir string, opts *Options) (*group, error) {
	metaPath := filepath.Join(dir, metaName)
	m, valid, err := readMeta(metaPath)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, errNoGroup
		}
		return nil, err
	}
	if m.group == "" {
		return nil, errNoGroup
	}
	log := opts.Log.With("group", m.group)
	if fi, err := os.Stat(metaPath); err == nil && fi.Size() > valid {
		log.Warn("truncating torn meta log tail", "valid", valid, "size", fi.Size())
		if err := os.Truncate(metaPath, valid); err != nil {
			return nil, fmt.Errorf("truncate meta log: %w", err)
		}
	}
	if m.records > 2*len(m.streams)+64 {
		if err := writeMetaSnapshot(dir, &m); err != nil {
			return nil, fmt.Errorf("compact meta log: %w", err)
		}
	}
	g := newGroup(m.group, dir, opts)
	g.nextSID, g.cutoff = m.nextSID, m.cutoff
	for sid, name := range m.streams {
		st := newStream(sid, name)
		g.streams[name], g.byID[sid] = st, st
	}
	if err := g.openMeta(); err != nil {
		return nil, err
	}
	if err := g.loadSegments(log); err != nil {
		g.closeFiles()
		return nil, err
	}
	return g, nil
}

// loadSegments opens and indexes the group's segment files and makes sure
// there is an active segment to append to.
func (g *group) loadSegments(log *slog.Logger) error {
	entries, err := os.ReadDir(g.dir)
	if err != nil {
		return err
	}
	var nums []uint64
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), compactSuffix) || strings.HasSuffix(e.Name(), ".tmp") {
			os.Remove(filepath.Join(g.dir, e.Name())) // an interrupted compaction or snapshot
			continue
		}
		if n, ok := parseSegName(e.Name()); ok {
			nums = append(nums, n)
		}
	}
	slices.Sort(nums)
	var maxNum uint64
	for i, num := range nums {
		maxNum = num
		seg, err := g.loadSegment(num, i == len(nums)-1, log)
		if err != nil {
			return err
		}
		if seg != nil {
			g.segs = append(g.segs, seg)
		}
	}
	// Sealed segments nothing refers to any more go now.
	live := g.segs[:0]
	for i, seg := range g.segs {
		if seg.liveBytes == 0 && i < len(g.segs)-1 {
			if err := seg.remove(); err != nil {
				return err
			}
			continue
		}
		live = append(live, seg)
	}
	g.segs = live
	// Appends need a last segment whose records all scan: records written
	// after an ignored corrupt stretch would be lost to the next Open.
	if len(g.segs) == 0 || g.active().tainted {
		seg, err := createSegment(g.dir, maxNum+1, g.nextSeq)
		if err != nil {
			return err
		}
		g.segs = append(g.segs, seg)
	}
	return nil
}

// loadSegment indexes segment num. It returns nil, nil for a segment that
// cannot be used (its header is unreadable); the last segment with a torn
// tail is truncated to its last whole record.
func (g *group) loadSegment(num uint64, last bool, log *slog.Logger) (*segment, error) {
	path := segPath(g.dir, num)
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("open segment: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open segment: %w", err)
	}
	base, ok := readSegHeader(f)
	if !ok {
		f.Close()
		if last && fi.Size() <= segHeaderSize {
			// Created but not finished when the process died: it held
			// nothing.
			log.Warn("removing segment with a torn header", "segment", path)
			return nil, os.Remove(path)
		}
		log.Error("skipping segment with a bad header", "segment", path)
		return nil, nil
	}
	seg := &segment{num: num, path: path, f: f, baseSeq: base, size: fi.Size()}
	g.nextSeq = max(g.nextSeq, base)
	off := int64(segHeaderSize)
	r := bufio.NewReaderSize(io.NewSectionReader(f, off, fi.Size()-off), 1<<20)
	err = scanFrames(r, func(p []byte, size int64) error {
		if err := g.indexRecord(seg, off, size, p); err != nil {
			return err
		}
		off += size
		return nil
	})
	switch {
	case err == nil:
	case errors.Is(err, errCorrupt) && last:
		log.Warn("truncating torn segment tail", "segment", path, "valid", off, "size", fi.Size())
		if err := f.Truncate(off); err != nil {
			f.Close()
			return nil, fmt.Errorf("truncate segment: %w", err)
		}
		seg.size = off
	case errors.Is(err, errCorrupt):
		log.Error("segment is corrupt past an offset; later records in it are ignored", "segment", path, "offset", off)
		seg.tainted = true
	default:
		f.Close()
		return nil, fmt.Errorf("read segment %s: %w", path, err)
	}
	return seg, nil
}

// indexRecord adds the block record at off in seg (payload p) to its
// stream's index, unless its stream was deleted or it has expired.
func (g *group) indexRecord(seg *segment, off, size int64, p []byte) error {
	h, err := decodeBlockHead(p)
	if err != nil {
		return err
	}
	g.nextSeq = max(g.nextSeq, h.firstSeq+uint64(h.count))
	// Never hand out a stream id that records already carry, even if the
	// meta record naming it was lost: its events would join the new stream.
	g.nextSID = max(g.nextSID, h.sid+1)
	st := g.byID[h.sid]
	if st == nil || h.maxTs < g.cutoff {
		return nil
	}
	b := block{seg: seg, off: off, size: uint32(size), count: h.count, bytes: h.bytes,
		firstSeq: h.firstSeq, ingestion: h.ingestion, minTs: h.minTs, maxTs: h.maxTs}
	if h.minTs < g.cutoff {
		if b, err = trimBlock(p, h, b, g.cutoff); err != nil {
			return err
		}
	}
	st.add(b)
	seg.liveBytes += size
	return nil
}

// trimBlock narrows b's statistics to the events of payload p at or after
// cutoff.
func trimBlock(p []byte, h blockHead, b block, cutoff int64) (block, error) {
	b.count, b.bytes, b.minTs = 0, 0, math.MaxInt64
	it := newEventIter(p, h)
	for {
		ts, _, msg, ok := it.next()
		if !ok {
			break
		}
		if ts >= cutoff {
			b.count++
			b.bytes += uint32(len(msg))
			b.minTs = min(b.minTs, ts)
		}
	}
	if it.err != nil {
		return b, it.err
	}
	if b.count == 0 {
		b.minTs = b.maxTs
	}
	return b, nil
}

// closeFiles closes the meta log and retires every segment (files close
// once in-flight reads are done).
func (g *group) closeFiles() {
	if g.meta != nil {
		g.meta.Close()
	}
	for _, seg := range g.segs {
		seg.retire()
	}
}

// writeMeta appends a record to the meta log; on a failed write the log is
// cut back so that it never holds half a record.
func (g *group) writeMeta(rec []byte, sync bool) error {
	if _, err := g.meta.Write(rec); err != nil {
		g.meta.Truncate(g.metaSize)
		return fmt.Errorf("write log group meta: %w", err)
	}
	g.metaSize += int64(len(rec))
	if sync {
		if err := g.meta.Sync(); err != nil {
			return fmt.Errorf("sync log group meta: %w", err)
		}
		return nil
	}
	g.metaDirty = true
	return nil
}

// active is the segment appends go to.
func (g *group) active() *segment { return g.segs[len(g.segs)-1] }

// roll starts a new active segment.
func (g *group) roll() error {
	seg, err := createSegment(g.dir, g.active().num+1, g.nextSeq)
	if err != nil {
		return err
	}
	g.segs = append(g.segs, seg)
	return nil
}

// acquireSegs references every segment, for a read that runs without the
// lock; the caller holds mu (read or write) and later calls releaseSegs.
func (g *group) acquireSegs() []*segment {
	segs := slices.Clone(g.segs)
	for _, s := range segs {
		s.acquire()
	}
	return segs
}

func releaseSegs(segs []*segment) {
	for _, s := range segs {
		s.release()
	}
}
