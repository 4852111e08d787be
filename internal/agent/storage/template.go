package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"

	"golang.org/x/sys/unix"
)

// A fresh filesystem of a given size is always the same bytes (mkfsArgs
// fix every choice mkfs makes but its random UUID and hash seed), and only
// a few hundred KiB of its sparse image are not holes. So each size is
// formatted once per Manager, into a template kept in memory (a sparse
// memfd), and a task's image is a copy of the template's data extents into
// a new sparse file: a few writes instead of a mkfs process per task (which
// also reads the whole mount table to check that its target is not
// mounted, at a cost that grows with the tasks on the host).
//
// Every task's filesystem made by one Manager thus has the same UUID and
// directory hash seed. Nothing on the host resolves these filesystems by
// UUID, and a hash seed only matters within its own filesystem.

// maxTemplateData is more data than any template of a sane size has; an
// image whose holes cannot be told from its data is formatted by mkfs.
const maxTemplateData = 64 << 20

// maxTemplates bounds the sizes kept; past it the least recently made goes.
const maxTemplates = 16

// template is a formatted sparse image of size bytes and where its data is.
type template struct {
	f       *os.File
	size    int64
	extents []extent
}

type extent struct{ off, n int64 }

// templates are a Manager's templates by size.
type templates struct {
	mu    sync.Mutex // held while one is made: one mkfs per size
	bySz  map[int64]*template
	order []int64 // sizes, oldest first
}

// errNotSparse is for a template whose holes the kernel does not report.
var errNotSparse = errors.New("the template's holes are not reported")

// formatImage writes a fresh ext4 image of size bytes at img (which must
// not exist): a copy of the size's template, made first if needed; or, if
// there can be none, an image formatted by mkfs.
func (m *Manager) formatImage(ctx context.Context, img string, size int64) error {
	t, err := m.tmpl.get(ctx, size)
	if err != nil {
		m.log().Warn("formatting a task's filesystem without a template", "size", size, "err", err)
		return newImage(ctx, img, size)
	}
	if err := t.copyTo(img); err != nil {
		_ = os.Remove(img)
		return err
	}
	return nil
}

// get returns the template of size bytes, making it if missing.
func (ts *templates) get(ctx context.Context, size int64) (*template, error) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if t := ts.bySz[size]; t != nil {
		return t, nil
	}
	t, err := makeTemplate(ctx, size)
	if err != nil {
		return nil, err
	}
	if ts.bySz == nil {
		ts.bySz = map[int64]*template{}
	}
	if len(ts.order) >= maxTemplates {
		// Copies in progress keep theirs; its memfd is closed by the
		// garbage collector (os.File's finalizer) once none does.
		delete(ts.bySz, ts.order[0])
		ts.order = ts.order[1:]
	}
	ts.bySz[size], ts.order = t, append(ts.order, size)
	return t, nil
}

// makeTemplate formats a memfd of size bytes and finds its data extents.
func makeTemplate(ctx context.Context, size int64) (*template, error) {
	fd, err := unix.MemfdCreate("berth-task-fs-template", unix.MFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("memfd_create: %w", err)
	}
	f := os.NewFile(uintptr(fd), "memfd:berth-task-fs-template")
	fail := func(err error) (*template, error) {
		f.Close()
		return nil, err
	}
	if err := f.Truncate(size); err != nil {
		return fail(err)
	}
	// mkfs opens the memfd as its fd 3.
	if err := mkfs(ctx, "/proc/self/fd/3", f); err != nil {
		return fail(err)
	}
	t := &template{f: f, size: size}
	var data int64
	err = extents(f, size, func(off, n int64) error {
		if data += n; data > maxTemplateData {
			return errNotSparse
		}
		t.extents = append(t.extents, extent{off, n})
		return nil
	})
	if err != nil {
		return fail(err)
	}
	return t, nil
}

// copyTo creates dst (which must not exist) as a sparse file of the
// template's size holding its data extents; the rest are holes.
func (t *template) copyTo(dst string) (err error) {
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := out.Close(); err == nil {
			err = cerr
		}
	}()
	if err := out.Truncate(t.size); err != nil {
		return err
	}
	buf := make([]byte, 128<<10)
	for _, e := range t.extents {
		if _, err := io.CopyBuffer(io.NewOffsetWriter(out, e.off), io.NewSectionReader(t.f, e.off, e.n), buf); err != nil {
			return fmt.Errorf("copying the filesystem template: %w", err)
		}
	}
	return nil
}

// newImage creates img, a sparse file of size bytes, and formats it.
func newImage(ctx context.Context, img string, size int64) error {
	f, err := os.OpenFile(img, os.O_RDWR|os.O_CREATE|os.O_EXCL|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return err
	}
	err = f.Truncate(size) // sparse: no blocks until written
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return mkfs(ctx, img)
}

// extents calls fn for each data extent of f (of size bytes), in order.
func extents(f *os.File, size int64, fn func(off, n int64) error) error {
	fd := int(f.Fd())
	for off := int64(0); off < size; {
		start, err := unix.Seek(fd, off, unix.SEEK_DATA)
		if errors.Is(err, unix.ENXIO) {
			return nil // only a hole is left
		}
		if err != nil {
			return &os.PathError{Op: "seek data", Path: f.Name(), Err: err}
		}
		end, err := unix.Seek(fd, start, unix.SEEK_HOLE)
		if err != nil {
			return &os.PathError{Op: "seek hole", Path: f.Name(), Err: err}
		}
		if err := fn(start, end-start); err != nil {
			return err
		}
		off = end
	}
	return nil
}
