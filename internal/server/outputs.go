package server

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// A task's output files (<data-dir>/logs/<task id>/, and the awslogs
// driver's offsets in <data-dir>/logship/<task id>/) outlive the task so
// that its last words can still be read; they go once the task has been
// gone as long as ECS keeps showing a stopped task.

// sweepOutputs removes the per-task dirs under dirs that belong to no task
// in running and whose newest file was written before cutoff.
func sweepOutputs(dirs []string, running map[string]bool, cutoff time.Time) (int, error) {
	removed := 0
	var errs []error
	for _, dir := range dirs {
		entries, err := os.ReadDir(dir)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, e := range entries {
			if !e.IsDir() || running[e.Name()] {
				continue
			}
			path := filepath.Join(dir, e.Name())
			if newest(path).After(cutoff) {
				continue
			}
			if err := os.RemoveAll(path); err != nil {
				errs = append(errs, err)
				continue
			}
			removed++
		}
	}
	return removed, errors.Join(errs...)
}

// newest is the latest modification time of a dir and the files in it.
func newest(dir string) time.Time {
	var t time.Time
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if info, err := d.Info(); err == nil && info.ModTime().After(t) {
			t = info.ModTime()
		}
		return nil
	})
	return t
}

// sweepTaskOutputs removes the outputs of tasks that stopped more than
// retention ago.
func (e *embeddedAgent) sweepTaskOutputs(retention time.Duration) (int, error) {
	running := map[string]bool{}
	for _, r := range e.agent.Runners() {
		running[r.Spec().TaskID] = true
	}
	return sweepOutputs(e.outputs, running, time.Now().Add(-retention))
}
