package logstore

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"path/filepath"
)

// A group's meta log is an append-only file of framed records that says
// what the segments cannot: the group's full name, which stream id is which
// name, which streams were deleted, and how far the group has expired.
// Replaying it in order gives the current state.
const (
	metaName   = "meta"
	metaGroup  = 1 // group name
	metaStream = 2 // u32 sid, stream name: a stream is created
	metaDelete = 3 // u32 sid: a stream and all its events are deleted
	metaCutoff = 4 // i64: events older than this are expired
	metaNextID = 5 // u32: the next stream id (written by compaction)
)

// metaState is a replayed meta log.
type metaState struct {
	group   string
	streams map[uint32]string // live streams
	cutoff  int64
	nextSID uint32
	records int
}

func newMetaState() metaState {
	return metaState{streams: map[uint32]string{}, cutoff: math.MinInt64, nextSID: 1}
}

func (m *metaState) apply(p []byte) error {
	if len(p) == 0 {
		return errCorrupt
	}
	m.records++
	switch p[0] {
	case metaGroup:
		m.group = string(p[1:])
	case metaStream:
		if len(p) < 5 {
			return errCorrupt
		}
		sid := binary.LittleEndian.Uint32(p[1:])
		m.streams[sid] = string(p[5:])
		m.nextSID = max(m.nextSID, sid+1)
	case metaDelete:
		if len(p) < 5 {
			return errCorrupt
		}
		sid := binary.LittleEndian.Uint32(p[1:])
		delete(m.streams, sid)
		m.nextSID = max(m.nextSID, sid+1)
	case metaCutoff:
		if len(p) < 9 {
			return errCorrupt
		}
		m.cutoff = max(m.cutoff, int64(binary.LittleEndian.Uint64(p[1:])))
	case metaNextID:
		if len(p) < 5 {
			return errCorrupt
		}
		m.nextSID = max(m.nextSID, binary.LittleEndian.Uint32(p[1:]))
	default:
		return errCorrupt
	}
	return nil
}

// appendMetaRecord frames a meta record of kind with body onto buf.
func appendMetaRecord(buf []byte, kind byte, body ...[]byte) []byte {
	n := 1
	for _, b := range body {
		n += len(b)
	}
	off := len(buf)
	buf = binary.LittleEndian.AppendUint32(buf, uint32(n))
	buf = append(buf, 0, 0, 0, 0, kind)
	for _, b := range body {
		buf = append(buf, b...)
	}
	binary.LittleEndian.PutUint32(buf[off+4:], crc32.Checksum(buf[off+frameHeader:], castagnoli))
	return buf
}

func u32(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }
func i64(v int64) []byte  { return binary.LittleEndian.AppendUint64(nil, uint64(v)) }

// metaStreamRecord, metaDeleteRecord and metaCutoffRecord build the records
// a running group appends.
func metaStreamRecord(sid uint32, name string) []byte {
	return appendMetaRecord(nil, metaStream, u32(sid), []byte(name))
}

func metaDeleteRecord(sid uint32) []byte { return appendMetaRecord(nil, metaDelete, u32(sid)) }

func metaCutoffRecord(cutoff int64) []byte { return appendMetaRecord(nil, metaCutoff, i64(cutoff)) }

// snapshot encodes the state as a fresh meta log.
func (m *metaState) snapshot() []byte {
	buf := appendMetaRecord(nil, metaGroup, []byte(m.group))
	buf = appendMetaRecord(buf, metaNextID, u32(m.nextSID))
	if m.cutoff != math.MinInt64 {
		buf = appendMetaRecord(buf, metaCutoff, i64(m.cutoff))
	}
	for sid, name := range m.streams {
		buf = appendMetaRecord(buf, metaStream, u32(sid), []byte(name))
	}
	return buf
}

// readMeta replays the meta log at path. It returns the state and the
// length of the valid prefix: a torn or corrupt tail is the caller's to
// truncate.
func readMeta(path string) (metaState, int64, error) {
	m := newMetaState()
	f, err := os.Open(path)
	if err != nil {
		return m, 0, err
	}
	defer f.Close()
	var valid int64
	err = scanFrames(bufio.NewReaderSize(f, 64<<10), func(p []byte, size int64) error {
		if err := m.apply(p); err != nil {
			return err
		}
		valid += size
		return nil
	})
	if err != nil && !errors.Is(err, errCorrupt) {
		return m, valid, fmt.Errorf("read %s: %w", path, err)
	}
	return m, valid, nil
}

// writeMetaSnapshot atomically replaces dir's meta log with m's snapshot.
func writeMetaSnapshot(dir string, m *metaState) error {
	tmp := filepath.Join(dir, metaName+".tmp")
	if err := writeFileSync(tmp, m.snapshot()); err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(dir, metaName)); err != nil {
		return fmt.Errorf("replace meta log: %w", err)
	}
	return syncDir(dir)
}

// scanFrames reads framed records from r until EOF, calling fn with each
// payload (valid only during the call) and the frame's size on disk. A
// frame that is cut short or fails its CRC ends the scan with errCorrupt;
// a clean EOF at a frame boundary returns nil.
func scanFrames(r *bufio.Reader, fn func(payload []byte, size int64) error) error {
	var hdr [frameHeader]byte
	var buf []byte
	for {
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			if err == io.EOF {
				return nil
			}
			if err == io.ErrUnexpectedEOF {
				return errCorrupt
			}
			return err
		}
		n := binary.LittleEndian.Uint32(hdr[:])
		if n > maxPayload {
			return errCorrupt
		}
		if cap(buf) < int(n) {
			buf = make([]byte, n)
		}
		p := buf[:n]
		if _, err := io.ReadFull(r, p); err != nil {
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				return errCorrupt
			}
			return err
		}
		if crc32.Checksum(p, castagnoli) != binary.LittleEndian.Uint32(hdr[4:]) {
			return errCorrupt
		}
		if err := fn(p, int64(frameHeader+n)); err != nil {
			return err
		}
	}
}

// writeFileSync creates path with data and fsyncs it.
func writeFileSync(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// syncDir fsyncs a directory so that entries created, renamed or removed in
// it survive a machine crash.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}
