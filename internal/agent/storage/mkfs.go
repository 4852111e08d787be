package storage

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync/atomic"
)

// mkfsArgs are the fastest safe ext4 options for a fresh sparse image
// (measured: about 6 ms for 20 GiB, 300 KiB written, against 12 ms and
// 135 MiB for the defaults):
//
//   - ^has_journal: the filesystem never outlives its task or a crash (an
//     unmounted image is reformatted, never fscked or remounted), so a
//     journal only costs double writes and a 128 MiB journal file.
//   - ^resize_inode: we never grow the filesystem; the reserved GDT blocks
//     are most of what mkfs would otherwise write.
//   - assume_storage_prezeroed: the new sparse file reads as zeros, so mkfs
//     neither zeroes nor discards, and marks inode tables zeroed so that
//     the kernel's lazy-init thread has no work after mount.
//   - -m 0: no blocks reserved for root; the task gets its whole size.
var mkfsArgs = []string{"-q", "-F", "-m", "0", "-O", "^has_journal,^resize_inode",
	"-E", "nodiscard,assume_storage_prezeroed=1"}

// mkfsArgsOld is for e2fsprogs before 1.47, which lacks
// assume_storage_prezeroed; the mount's noinit_itable then stops the
// kernel from zeroing inode tables that already read as zeros.
var mkfsArgsOld = []string{"-q", "-F", "-m", "0", "-O", "^has_journal,^resize_inode",
	"-E", "nodiscard,lazy_itable_init=1"}

var mkfsOld atomic.Bool // set once mkfs has rejected mkfsArgs

// mkfs formats img; extra are files the mkfs process gets as fds 3, 4, …
// (img may name one: /proc/self/fd/3).
func mkfs(ctx context.Context, img string, extra ...*os.File) error {
	if !mkfsOld.Load() {
		out, err := runMkfs(ctx, mkfsArgs, img, extra)
		if err == nil {
			return nil
		}
		if !strings.Contains(out, "assume_storage_prezeroed") && !strings.Contains(out, "Bad option") {
			return fmt.Errorf("mkfs.ext4: %w: %s", err, out)
		}
		mkfsOld.Store(true)
	}
	if out, err := runMkfs(ctx, mkfsArgsOld, img, extra); err != nil {
		return fmt.Errorf("mkfs.ext4: %w: %s", err, out)
	}
	return nil
}

func runMkfs(ctx context.Context, args []string, img string, extra []*os.File) (string, error) {
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, "mkfs.ext4", slices.Concat(args, []string{img})...)
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.ExtraFiles = extra
	err := cmd.Run()
	return strings.TrimSpace(out.String()), err
}
