package runtime

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"

	"github.com/berth-dev/berth/internal/mountinfo"
)

// Our own containerd keeps its state — each container's bundle (config.json,
// pid and address files, the shim's log) and, through the runtime option
// Root, runc's state — on a tmpfs of its own at StateDir/state, as the
// system containerd keeps it in /run/containerd. These files live exactly as
// long as the containers (a reboot ends both), and each container writes a
// dozen of them, some with O_SYNC: on a disk, that is an inode allocation
// and a journal or sync write each, for every launch.
//
// The tmpfs outlives berth (the containers it describes do: a restarted
// berth adopts them) and is unmounted when our containerd stops with no
// container left. A state directory that already holds bundles on disk (a
// berth from before this layout, with containers running) is kept as it
// is: hiding it under a tmpfs would orphan its containers.

const (
	stateName     = "state"
	stateTmpfsOpt = "mode=0711,size=256m"
	runcRootName  = "runc" // in the state dir: runc's --root
	bundlesDir    = "io.containerd.runtime.v2.task"
)

// mountStateTmpfs makes dir a tmpfs unless it is one already, and says
// whether it is one. A dir that holds bundles is left on disk (false, nil).
func mountStateTmpfs(dir string) (bool, error) {
	if err := os.MkdirAll(dir, 0o711); err != nil {
		return false, err
	}
	if ok, err := isTmpfs(dir); err != nil || ok {
		return ok, err
	}
	if hasBundles(dir) {
		return false, nil
	}
	if err := unix.Mount("tmpfs", dir, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, stateTmpfsOpt); err != nil {
		return false, &os.PathError{Op: "mount tmpfs", Path: dir, Err: err}
	}
	return true, nil
}

// unmountStateTmpfs unmounts the state tmpfs at dir when no bundle is left
// in it, so that removing the data dir removes everything. Containers still
// there keep it mounted, for the next containerd to find them.
func unmountStateTmpfs(dir string) error {
	if ok, err := isTmpfs(dir); err != nil || !ok || hasBundles(dir) {
		return err
	}
	if err := unix.Unmount(dir, unix.UMOUNT_NOFOLLOW); err != nil {
		if !errors.Is(err, unix.EBUSY) {
			return &os.PathError{Op: "umount", Path: dir, Err: err}
		}
		// A process still in it (a shim going away): the files are
		// unreachable once detached, and go with their last user.
		if err := unix.Unmount(dir, unix.MNT_DETACH|unix.UMOUNT_NOFOLLOW); err != nil {
			return &os.PathError{Op: "umount (detach)", Path: dir, Err: err}
		}
	}
	return nil
}

// hasBundles reports whether any namespace under dir has a task bundle.
func hasBundles(dir string) bool {
	nss, err := os.ReadDir(filepath.Join(dir, bundlesDir))
	if err != nil {
		return false
	}
	for _, ns := range nss {
		if ents, err := os.ReadDir(filepath.Join(dir, bundlesDir, ns.Name())); err == nil && len(ents) > 0 {
			return true
		}
	}
	return false
}

// isTmpfs reports whether dir is the root of a tmpfs mount (not merely a
// directory on one, such as /run/x on a host whose /run is a tmpfs: that
// one is not ours to unmount).
func isTmpfs(dir string) (bool, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		if errors.Is(err, unix.ENOENT) {
			return false, nil
		}
		return false, &fs.PathError{Op: "statfs", Path: dir, Err: err}
	}
	if st.Type != unix.TMPFS_MAGIC {
		return false, nil
	}
	return mountinfo.IsMountpoint(dir)
}

// stateDirs are our containerd's state dir and runc's root in it.
func stateDirs(stateDir string) (state, runcRoot string) {
	state = filepath.Join(stateDir, stateName)
	return state, filepath.Join(state, runcRootName)
}

// describeState says where the state is kept, for the log.
func describeState(dir string, tmpfs bool) string {
	if tmpfs {
		return fmt.Sprintf("tmpfs at %s", dir)
	}
	return fmt.Sprintf("disk at %s (it holds containers from before; a tmpfs is used once none is left)", dir)
}
