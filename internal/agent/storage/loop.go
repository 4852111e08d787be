package storage

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// mountImage binds img to a free loop device with autoclear set and mounts
// its ext4 filesystem at mnt, returning the device. Autoclear makes the
// kernel release the device when the filesystem is unmounted (its last
// user), so the agent never has to track or free loop devices, and a crash
// between attach and mount leaks nothing: closing our fd releases it.
func mountImage(img, mnt string) (string, error) {
	backing, err := os.OpenFile(img, os.O_RDWR|unix.O_CLOEXEC, 0)
	if err != nil {
		return "", err
	}
	defer backing.Close()
	loop, err := attachLoop(backing)
	if err != nil {
		return "", fmt.Errorf("attach loop device: %w", err)
	}
	defer loop.Close() // after the mount holds the device
	// noinit_itable: mkfs marked the inode tables zeroed (the sparse image
	// reads as zeros), so there is nothing for the lazy-init thread to do.
	if err := unix.Mount(loop.Name(), mnt, "ext4", unix.MS_NOATIME, "noinit_itable"); err != nil {
		return "", &os.PathError{Op: "mount ext4", Path: mnt, Err: err}
	}
	return loop.Name(), nil
}

// attachLoop binds backing to a free loop device and returns the device,
// open. LOOP_CONFIGURE (Linux 5.8) sets the file and the flags in one call;
// older kernels get LOOP_SET_FD then LOOP_SET_STATUS64.
func attachLoop(backing *os.File) (*os.File, error) {
	ctl, err := os.OpenFile("/dev/loop-control", os.O_RDWR|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	defer ctl.Close()
	var info unix.LoopInfo64
	info.Flags = unix.LO_FLAGS_AUTOCLEAR
	copy(info.File_name[:len(info.File_name)-1], backing.Name())

	// Another process can take the device between GET_FREE and our
	// configure (EBUSY); asking again hands out the next free one.
	for range 64 {
		n, err := unix.IoctlRetInt(int(ctl.Fd()), unix.LOOP_CTL_GET_FREE)
		if err != nil {
			return nil, fmt.Errorf("LOOP_CTL_GET_FREE: %w", err)
		}
		dev, err := openLoop(n)
		if err != nil {
			return nil, err
		}
		err = configureLoop(dev, backing, &info)
		if err == nil {
			return dev, nil
		}
		dev.Close()
		if !errors.Is(err, unix.EBUSY) {
			return nil, fmt.Errorf("%s: %w", dev.Name(), err)
		}
	}
	return nil, errors.New("no free loop device after 64 attempts")
}

func configureLoop(dev, backing *os.File, info *unix.LoopInfo64) error {
	cfg := unix.LoopConfig{Fd: uint32(backing.Fd()), Info: *info}
	err := unix.IoctlLoopConfigure(int(dev.Fd()), &cfg)
	if !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.ENOTTY) {
		return err
	}
	if err := unix.IoctlSetInt(int(dev.Fd()), unix.LOOP_SET_FD, int(backing.Fd())); err != nil {
		return err
	}
	if err := unix.IoctlLoopSetStatus64(int(dev.Fd()), info); err != nil {
		_ = unix.IoctlSetInt(int(dev.Fd()), unix.LOOP_CLR_FD, 0)
		return err
	}
	return nil
}

// openLoop opens /dev/loopN, creating the node when /dev is not a devtmpfs
// that does it for us (loop devices are block major 7).
func openLoop(n int) (*os.File, error) {
	p := "/dev/loop" + strconv.Itoa(n)
	f, err := os.OpenFile(p, os.O_RDWR|unix.O_CLOEXEC, 0)
	if errors.Is(err, os.ErrNotExist) {
		if err := unix.Mknod(p, unix.S_IFBLK|0o660, int(unix.Mkdev(7, uint32(n)))); err != nil && !errors.Is(err, unix.EEXIST) {
			return nil, &os.PathError{Op: "mknod", Path: p, Err: err}
		}
		f, err = os.OpenFile(p, os.O_RDWR|unix.O_CLOEXEC, 0)
	}
	return f, err
}

// loopsBackedBy lists the loop devices bound to img, from sysfs, which
// (unlike LOOP_GET_STATUS64's 64-byte name) has the full path.
func loopsBackedBy(img string) []string {
	files, _ := filepath.Glob("/sys/block/loop*/loop/backing_file")
	var devs []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue // unbound meanwhile
		}
		p := strings.TrimSuffix(strings.TrimSpace(string(b)), " (deleted)")
		if p == img {
			devs = append(devs, "/dev/"+filepath.Base(filepath.Dir(filepath.Dir(f))))
		}
	}
	return devs
}

// loopBackedBy reports whether loop device dev (/dev/loopN) is bound to img.
func loopBackedBy(dev, img string) bool {
	b, err := os.ReadFile(filepath.Join("/sys/block", filepath.Base(dev), "loop", "backing_file"))
	if err != nil {
		return false // unbound: the file exists only while bound
	}
	return strings.TrimSuffix(strings.TrimSpace(string(b)), " (deleted)") == img
}

// detachLoops clears the loop devices bound to img. A device still in use
// (mounted) refuses with EBUSY and is left alone; LOOP_CLR_FD then turns
// on autoclear, so it goes with its last user.
func detachLoops(img string) {
	for _, p := range loopsBackedBy(img) {
		f, err := os.OpenFile(p, os.O_RDWR|unix.O_CLOEXEC, 0)
		if err != nil {
			continue
		}
		_ = unix.IoctlSetInt(int(f.Fd()), unix.LOOP_CLR_FD, 0)
		f.Close()
	}
}
