package logstore

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// A segment file starts with a 16-byte header — magic and the group's next
// sequence number when the segment was created, so that sequence numbers
// (event IDs) keep growing even after every older segment is gone — followed
// by block records.
const (
	segMagic      = "berthlg1"
	segHeaderSize = 16
	segPrefix     = "seg-"
	segSuffix     = ".log"
	compactSuffix = ".compact"

	// DefaultSegmentBytes is the size at which a group rolls to a new
	// segment file.
	DefaultSegmentBytes = 64 << 20
)

// segment is one open segment file.
//
// Readers take a reference (acquire) while they read without the group's
// lock; a segment that is removed or replaced is retired, and its file is
// closed when the last reference goes.
type segment struct {
	num     uint64
	path    string
	f       *os.File
	baseSeq uint64

	// Guarded by the group's mu.
	size      int64 // bytes written, header included
	liveBytes int64 // frame bytes of blocks still indexed
	dirty     bool  // written since the last fsync
	tainted   bool  // Open found a corrupt record before the end

	refs      atomic.Int32
	retired   atomic.Bool
	closeOnce sync.Once
}

func segPath(dir string, num uint64) string {
	return filepath.Join(dir, fmt.Sprintf("%s%016x%s", segPrefix, num, segSuffix))
}

// parseSegName returns the number of a segment file name.
func parseSegName(name string) (uint64, bool) {
	if !strings.HasPrefix(name, segPrefix) || !strings.HasSuffix(name, segSuffix) {
		return 0, false
	}
	n, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimPrefix(name, segPrefix), segSuffix), 16, 64)
	return n, err == nil
}

// createSegment creates segment num in dir, header written and synced.
func createSegment(dir string, num, baseSeq uint64) (*segment, error) {
	path := segPath(dir, num)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create segment: %w", err)
	}
	var hdr [segHeaderSize]byte
	copy(hdr[:], segMagic)
	binary.LittleEndian.PutUint64(hdr[8:], baseSeq)
	if _, err := f.WriteAt(hdr[:], 0); err != nil {
		f.Close()
		os.Remove(path)
		return nil, fmt.Errorf("write segment header %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(path)
		return nil, fmt.Errorf("sync segment %s: %w", path, err)
	}
	if err := syncDir(dir); err != nil {
		f.Close()
		os.Remove(path)
		return nil, err
	}
	return &segment{num: num, path: path, f: f, baseSeq: baseSeq, size: segHeaderSize}, nil
}

// readSegHeader checks f's header and returns its base sequence number.
func readSegHeader(f *os.File) (uint64, bool) {
	var hdr [segHeaderSize]byte
	if _, err := f.ReadAt(hdr[:], 0); err != nil || string(hdr[:8]) != segMagic {
		return 0, false
	}
	return binary.LittleEndian.Uint64(hdr[8:]), true
}

func (s *segment) acquire() { s.refs.Add(1) }

func (s *segment) release() {
	if s.refs.Add(-1) == 0 && s.retired.Load() {
		s.close()
	}
}

// retire marks the segment as no longer part of its group; its file closes
// now or when the last reader releases it. It does not remove the file.
func (s *segment) retire() {
	s.retired.Store(true)
	if s.refs.Load() == 0 {
		s.close()
	}
}

func (s *segment) close() {
	s.closeOnce.Do(func() { s.f.Close() })
}

// remove unlinks the segment's file and retires it.
func (s *segment) remove() error {
	err := os.Remove(s.path)
	s.retire()
	if err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("remove segment: %w", err)
	}
	return nil
}
