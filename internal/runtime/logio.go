package runtime

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/containerd/containerd/cio"
)

// logFiles is the task IO for a container whose output goes to files.
//
// The shim (not berth) opens a regular file given as the stdout or stderr
// path and copies the container's pipe into it, appending; so output keeps
// flowing while berth or containerd is down, and needs no re-attach. Unlike
// cio.LogFile ("file://"), which sends both streams to one file, this keeps
// stdout and stderr apart. The shim does not create the files, so we do.
func logFiles(stdout, stderr string) (cio.Creator, error) {
	if stdout == "" && stderr == "" {
		return cio.NullIO, nil
	}
	paths := [2]string{stdout, stderr}
	for i, p := range paths {
		if p == "" {
			paths[i] = os.DevNull
			continue
		}
		if !filepath.IsAbs(p) {
			return nil, fmt.Errorf("log path %q is not absolute", p)
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return nil, err
		}
		f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o640)
		if err != nil {
			return nil, err
		}
		f.Close()
	}
	cfg := cio.Config{Stdout: paths[0], Stderr: paths[1]}
	return func(string) (cio.IO, error) { return fileIO{cfg}, nil }, nil
}

// fileIO is a cio.IO with nothing on our side: the shim holds the files.
type fileIO struct{ cfg cio.Config }

func (f fileIO) Config() cio.Config { return f.cfg }
func (fileIO) Cancel()              {}
func (fileIO) Wait()                {}
func (fileIO) Close() error         { return nil }
