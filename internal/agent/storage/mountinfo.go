package storage

import (
	"bufio"
	"bytes"
	"fmt"
	"github.com/berth-dev/berth/internal/mountinfo"
	"os"
	"strings"
)

// mountEntry is one line of /proc/self/mountinfo, the fields we use.
type mountEntry struct {
	mountpoint string
	fstype     string
	source     string
	superOpts  string // e.g. overlay's lowerdir=…,upperdir=…,workdir=…
}

// mountTable is the mount table in mount order (parents before children).
type mountTable []mountEntry

func readMountinfo() (mountTable, error) {
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return nil, err
	}
	return parseMountinfo(b)
}

// parseMountinfo parses the format of proc(5):
//
//	36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
func parseMountinfo(b []byte) (mountTable, error) {
	var t mountTable
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20) // overlay lines can be long
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		sep := -1
		for i := 6; i < len(f); i++ {
			if f[i] == "-" {
				sep = i
				break
			}
		}
		if len(f) < 5 || sep < 0 || sep+2 >= len(f) {
			return nil, fmt.Errorf("mountinfo: malformed line %q", sc.Text())
		}
		e := mountEntry{
			mountpoint: mountinfo.Unescape(f[4]),
			fstype:     f[sep+1],
			source:     mountinfo.Unescape(f[sep+2]),
		}
		if sep+3 < len(f) {
			e.superOpts = f[sep+3]
		}
		t = append(t, e)
	}
	return t, sc.Err()
}

// at returns the topmost mount at exactly p.
func (t mountTable) at(p string) (mountEntry, bool) {
	for i := len(t) - 1; i >= 0; i-- {
		if t[i].mountpoint == p {
			return t[i], true
		}
	}
	return mountEntry{}, false
}

// under returns the mounts at or below dir, latest first, which is an order
// they can be unmounted in.
func (t mountTable) under(dir string) []mountEntry {
	var out []mountEntry
	for i := len(t) - 1; i >= 0; i-- {
		if within(t[i].mountpoint, dir) {
			out = append(out, t[i])
		}
	}
	return out
}

// overlaysOn returns the overlay mounts whose upper dir is below dir,
// latest first: container rootfs mounted from a task's storage, wherever
// their targets are.
func (t mountTable) overlaysOn(dir string) []mountEntry {
	var out []mountEntry
	for i := len(t) - 1; i >= 0; i-- {
		if t[i].fstype == "overlay" && within(overlayOpt(t[i].superOpts, "upperdir"), dir) {
			out = append(out, t[i])
		}
	}
	return out
}

// overlayOpt extracts one option from overlay's super options, undoing the
// backslash escaping the kernel applies to ',', '=', '\' and whitespace.
func overlayOpt(opts, key string) string {
	var cur strings.Builder
	var fields []string
	for i := 0; i < len(opts); i++ {
		esc, isEsc := mountinfo.EscapeAt(opts, i)
		switch c := opts[i]; {
		case isEsc:
			cur.WriteByte(esc)
			i += 3
		case c == '\\' && i+1 < len(opts):
			cur.WriteByte(opts[i+1])
			i++
		case c == ',':
			fields = append(fields, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(c)
		}
	}
	fields = append(fields, cur.String())
	for _, f := range fields {
		if v, ok := strings.CutPrefix(f, key+"="); ok {
			return v
		}
	}
	return ""
}

func within(p, dir string) bool {
	return p != "" && (p == dir || strings.HasPrefix(p, dir+"/"))
}
