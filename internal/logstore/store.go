package logstore

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

var (
	// ErrBadToken: a pagination token is malformed, or belongs to another
	// stream or group.
	ErrBadToken = errors.New("logstore: bad pagination token")
	// ErrClosed: the Store was closed.
	ErrClosed = errors.New("logstore: store closed")
)

// Options tune a Store. The zero value is ready to use.
type Options struct {
	// SyncInterval: how often appended data is fsync'ed (default 1s).
	// Writes reach the OS on every Append (so a killed process loses
	// nothing); fsync bounds what a machine crash loses.
	SyncInterval time.Duration
	// Now is the clock, for tests; default time.Now. Append uses it when
	// given no ingestion time.
	Now func() time.Time
	// SegmentBytes is the size at which a group rolls to a new segment
	// file (default DefaultSegmentBytes).
	SegmentBytes int64
	// Log receives recovery warnings and background errors (default
	// slog.Default()).
	Log *slog.Logger
}

// Store keeps log events on local disk. It is safe for concurrent use.
type Store struct {
	root string
	opts Options
	lock *os.File

	mu     sync.RWMutex
	groups map[string]*group // by group name
	closed bool

	stop      chan struct{}
	compactCh chan *group
	wg        sync.WaitGroup
	closeOnce sync.Once
	closeErr  error
}

const (
	groupsDirName = "groups"
	trashDirName  = "trash"
	lockName      = "LOCK"
)

// Open opens the store in dir, creating dir if needed, and recovers what a
// previous run left: every group's streams and events, with a torn last
// record (a crash mid-write) truncated away. Only one Store (in any
// process) may have dir open at a time.
func Open(dir string, opts Options) (*Store, error) {
	if opts.SyncInterval <= 0 {
		opts.SyncInterval = time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.SegmentBytes <= 0 {
		opts.SegmentBytes = DefaultSegmentBytes
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	for _, d := range []string{dir, filepath.Join(dir, groupsDirName)} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("open log store: %w", err)
		}
	}
	lock, err := os.OpenFile(filepath.Join(dir, lockName), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open log store: %w", err)
	}
	if err := unix.Flock(int(lock.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		lock.Close()
		return nil, fmt.Errorf("open log store %s: another process has it open: %w", dir, err)
	}
	s := &Store{
		root: dir, opts: opts, lock: lock,
		groups:    map[string]*group{},
		stop:      make(chan struct{}),
		compactCh: make(chan *group, 64),
	}
	if err := os.RemoveAll(filepath.Join(dir, trashDirName)); err != nil {
		s.closeGroups()
		return nil, fmt.Errorf("open log store: clear deleted groups: %w", err)
	}
	if err := s.loadGroups(); err != nil {
		s.closeGroups()
		return nil, err
	}
	s.wg.Add(2)
	go s.syncLoop()
	go s.compactLoop()
	for _, g := range s.groups {
		s.maybeCompact(g)
	}
	return s, nil
}

func (s *Store) loadGroups() error {
	groupsDir := filepath.Join(s.root, groupsDirName)
	entries, err := os.ReadDir(groupsDir)
	if err != nil {
		return fmt.Errorf("open log store: %w", err)
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		dir := filepath.Join(groupsDir, e.Name())
		g, err := loadGroup(dir, &s.opts)
		if errors.Is(err, errNoGroup) {
			// A group whose creation did not finish: it never held events.
			s.opts.Log.Warn("removing incomplete log group directory", "dir", dir)
			if err := os.RemoveAll(dir); err != nil {
				return fmt.Errorf("open log store: %w", err)
			}
			continue
		}
		if err != nil {
			return fmt.Errorf("open log store: group directory %s: %w", dir, err)
		}
		s.groups[g.name] = g
	}
	return nil
}

// Close syncs and closes every file. Reads in flight finish first. It is
// safe to call twice; calls after the first return nil.
func (s *Store) Close() error {
	first := false
	s.closeOnce.Do(func() {
		first = true
		s.mu.Lock()
		s.closed = true
		s.mu.Unlock()
		close(s.stop)
		s.wg.Wait()
		s.closeErr = s.closeGroups()
	})
	if !first {
		return nil
	}
	return s.closeErr
}

func (s *Store) closeGroups() error {
	var errs []error
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, g := range s.groups {
		g.mu.Lock()
		if err := g.syncLocked(); err != nil {
			errs = append(errs, err)
		}
		g.closeFiles()
		g.deleted = true
		g.mu.Unlock()
	}
	s.groups = map[string]*group{}
	if s.lock != nil {
		s.lock.Close() // releases the flock
	}
	return errors.Join(errs...)
}

// group returns the named group, creating it when create is set; nil,
// nil when it does not exist and create is not set.
func (s *Store) group(name string, create bool) (*group, error) {
	s.mu.RLock()
	g, closed := s.groups[name], s.closed
	s.mu.RUnlock()
	if closed {
		return nil, ErrClosed
	}
	if g != nil || !create {
		return g, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	if g := s.groups[name]; g != nil {
		return g, nil
	}
	g, err := createGroup(filepath.Join(s.root, groupsDirName), name, &s.opts)
	if err != nil {
		return nil, fmt.Errorf("log group %q: %w", name, err)
	}
	s.groups[name] = g
	return g, nil
}

// syncLoop fsyncs what was written, every SyncInterval.
func (s *Store) syncLoop() {
	defer s.wg.Done()
	t := time.NewTicker(s.opts.SyncInterval)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			s.syncAll()
		}
	}
}

func (s *Store) syncAll() {
	s.mu.RLock()
	groups := make([]*group, 0, len(s.groups))
	for _, g := range s.groups {
		groups = append(groups, g)
	}
	s.mu.RUnlock()
	for _, g := range groups {
		if err := g.sync(); err != nil {
			s.opts.Log.Error("log store sync failed", "group", g.name, "err", err)
		}
	}
}

// sync fsyncs the group's dirty files without holding its lock during the
// fsyncs, so appends carry on meanwhile. The meta log goes first: a stream's
// events must not survive a crash without the record naming the stream.
func (g *group) sync() error {
	g.mu.Lock()
	if g.deleted {
		g.mu.Unlock()
		return nil
	}
	metaDirty := g.metaDirty
	g.metaDirty = false
	var dirty []*segment
	for _, seg := range g.segs {
		if seg.dirty {
			seg.dirty = false
			seg.acquire()
			dirty = append(dirty, seg)
		}
	}
	meta := g.meta
	g.mu.Unlock()
	defer releaseSegs(dirty)
	var errs []error
	if metaDirty {
		if err := meta.Sync(); err != nil {
			errs = append(errs, err)
		}
	}
	for _, seg := range dirty {
		if err := seg.f.Sync(); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		g.mu.Lock()
		g.metaDirty = g.metaDirty || metaDirty
		for _, seg := range dirty {
			seg.dirty = true
		}
		g.mu.Unlock()
	}
	return errors.Join(errs...)
}

// syncLocked fsyncs everything dirty; the caller holds mu.
func (g *group) syncLocked() error {
	var errs []error
	if g.metaDirty {
		if err := g.meta.Sync(); err != nil {
			errs = append(errs, err)
		}
		g.metaDirty = false
	}
	for _, seg := range g.segs {
		if seg.dirty {
			if err := seg.f.Sync(); err != nil {
				errs = append(errs, err)
			}
			seg.dirty = false
		}
	}
	return errors.Join(errs...)
}
