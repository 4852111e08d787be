package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

const mib = 1 << 20

// cmdAlloc allocates -mib MiB and writes to every page so the memory is
// resident (counted by the memory cgroup), then holds it. Progress goes to
// stdout every 64 MiB so an OOM test can see how far it got.
func cmdAlloc(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("alloc", stderr)
	n := fs.Int("mib", 0, "MiB to allocate")
	hold := fs.Duration("hold", 0, "keep it this long (negative: forever)")
	if fs.Parse(args) != nil {
		return 2
	}
	chunks := make([][]byte, 0, *n)
	for i := 0; i < *n; i++ {
		b := make([]byte, mib)
		for p := 0; p < len(b); p += 4096 {
			b[p] = 1
		}
		chunks = append(chunks, b)
		if (i+1)%64 == 0 {
			fmt.Fprintf(stdout, "allocated %d MiB\n", i+1)
		}
	}
	fmt.Fprintf(stdout, "allocated %d MiB, holding\n", *n)
	wait(*hold)
	runtime.KeepAlive(chunks)
	return 0
}

// cmdBurn keeps -threads goroutines busy for -seconds and reports the CPU
// time the process got, so a CPU quota is measurable as cpu/wall.
func cmdBurn(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("burn", stderr)
	secs := fs.Float64("seconds", 10, "how long")
	threads := fs.Int("threads", 1, "busy goroutines")
	if fs.Parse(args) != nil {
		return 2
	}
	if *threads > runtime.GOMAXPROCS(0) {
		runtime.GOMAXPROCS(*threads)
	}
	start := time.Now()
	cpu0 := cpuTime()
	var stop atomic.Bool
	var wg sync.WaitGroup
	for i := 0; i < *threads; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			x := uint64(1)
			for !stop.Load() {
				for j := 0; j < 1000; j++ {
					x = x*6364136223846793005 + 1442695040888963407
				}
			}
			runtime.KeepAlive(x)
		}()
	}
	time.Sleep(seconds(*secs))
	stop.Store(true)
	wg.Wait()
	wall := time.Since(start).Seconds()
	cpu := (cpuTime() - cpu0).Seconds()
	fmt.Fprintf(stdout, "burned threads=%d wall=%.3fs cpu=%.3fs ratio=%.3f\n", *threads, wall, cpu, cpu/wall)
	return 0
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func cmdWrite(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("write", stderr)
	path := fs.String("path", "", "file to write")
	n := fs.Int("mib", 1, "MiB to write")
	if fs.Parse(args) != nil {
		return 2
	}
	if err := writeMiB(*path, *n); err != nil {
		fmt.Fprintln(stderr, "write:", err)
		return 1
	}
	fmt.Fprintf(stdout, "wrote %d MiB to %s\n", *n, *path)
	return 0
}

// writeMiB writes n MiB of non-zero bytes (so nothing can be stored
// sparsely) to path and fsyncs, returning the first error, e.g. one
// wrapping syscall.ENOSPC when the ephemeral storage is full.
func writeMiB(path string, n int) error {
	if path == "" {
		return errors.New("no path")
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	buf := make([]byte, mib)
	for i := range buf {
		buf[i] = byte(i%251) + 1
	}
	for i := 0; i < n; i++ {
		if _, err := f.Write(buf); err != nil {
			f.Close()
			return fmt.Errorf("after %d MiB: %w", i, err)
		}
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("fsync: %w", err)
	}
	return f.Close()
}
