package schedule

import (
	"fmt"
	"math/bits"
	"strconv"
	"strings"
)

// Years a cron expression may name.
const (
	MinYear = 1970
	MaxYear = 2199
)

// Cron is a cron(…) schedule: six fields, minutes hours day-of-month month
// day-of-week year, in UTC. Exactly one of day-of-month and day-of-week is
// "?". Fields take lists (,), ranges (-, wrapping round the end of the
// field: hours 20-2 is 20..23 and 0..2), * and steps (/: 0/15, */10,
// 8-17/2), and numbers or names (JAN-DEC, SUN-SAT; day-of-week 1 is
// Sunday). Day-of-month also takes L (last day), LW (last weekday) and nW
// (the weekday nearest day n, within the month); day-of-week takes L
// (Saturday, the last day of the week), dL (the last day d of the month)
// and d#n (the nth day d of the month, alone in its field).
type Cron struct {
	fields  [6]string
	minutes bitset // 0-59
	hours   bitset // 0-23
	months  bitset // 1-12
	years   bitset // year-MinYear
	domAny  bool   // day-of-month is "?": days come from day-of-week
	dom     domSpec
	dow     dowSpec
}

type domSpec struct {
	days        bitset // 1-31
	last        bool   // L
	lastWeekday bool   // LW
	nearest     []int  // nW
}

type dowSpec struct {
	days   bitset // 0-6, Sunday first
	last   bitset // dL: 0-6
	nthDay int    // d#n: weekday 0-6 …
	nth    int    // … and n (0: none)
}

// bitset holds small non-negative integers (up to 255).
type bitset [4]uint64

func (b *bitset) set(i int)      { b[i>>6] |= 1 << (i & 63) }
func (b *bitset) has(i int) bool { return i >= 0 && i < 256 && b[i>>6]&(1<<(i&63)) != 0 }

// next returns the smallest member ≥ i.
func (b *bitset) next(i int) (int, bool) {
	for i = max(i, 0); i < 256; i = (i | 63) + 1 {
		if w := b[i>>6] >> (i & 63); w != 0 {
			return i + bits.TrailingZeros64(w), true
		}
	}
	return 0, false
}

var (
	monthNames = []string{"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}
	dayNames   = []string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}
)

// field describes one position of a cron expression.
type field struct {
	name   string
	lo, hi int
	names  []string // names for lo, lo+1, …
	wrap   bool     // ranges may wrap round (hours 22-2)
}

var (
	minuteField = field{name: "minutes", lo: 0, hi: 59, wrap: true}
	hourField   = field{name: "hours", lo: 0, hi: 23, wrap: true}
	domField    = field{name: "day-of-month", lo: 1, hi: 31, wrap: true}
	monthField  = field{name: "month", lo: 1, hi: 12, names: monthNames, wrap: true}
	dowField    = field{name: "day-of-week", lo: 1, hi: 7, names: dayNames, wrap: true}
	yearField   = field{name: "year", lo: MinYear, hi: MaxYear}
)

func parseCron(expr, inner string) (*Cron, error) {
	f := strings.Fields(inner)
	if len(f) != 6 {
		return nil, &Error{Expr: expr, Reason: fmt.Sprintf("a cron expression has 6 fields (minutes hours day-of-month month day-of-week year), not %d", len(f))}
	}
	c := &Cron{}
	copy(c.fields[:], f)
	fail := func(reason string) (*Cron, error) { return nil, &Error{Expr: expr, Reason: reason} }
	var reason string
	if c.minutes, reason = minuteField.parse(f[0], 0); reason != "" {
		return fail(reason)
	}
	if c.hours, reason = hourField.parse(f[1], 0); reason != "" {
		return fail(reason)
	}
	if c.months, reason = monthField.parse(f[3], 0); reason != "" {
		return fail(reason)
	}
	if c.years, reason = yearField.parse(f[5], MinYear); reason != "" {
		return fail(reason)
	}
	switch domQ, dowQ := f[2] == "?", f[4] == "?"; {
	case domQ == dowQ:
		return fail("exactly one of day-of-month and day-of-week must be ?")
	case dowQ:
		if c.dom, reason = parseDOM(f[2]); reason != "" {
			return fail(reason)
		}
	default:
		c.domAny = true
		if c.dow, reason = parseDOW(f[4]); reason != "" {
			return fail(reason)
		}
	}
	return c, nil
}

// String returns the expression, as in cron(0 10 * * ? *).
func (c *Cron) String() string { return "cron(" + strings.Join(c.fields[:], " ") + ")" }

// parse reads a list of *, values, ranges and steps; members are stored
// less offset.
func (fd field) parse(s string, offset int) (bitset, string) {
	var b bitset
	for item := range strings.SplitSeq(s, ",") {
		if reason := fd.item(item, offset, &b); reason != "" {
			return bitset{}, reason
		}
	}
	return b, ""
}

func (fd field) item(item string, offset int, b *bitset) string {
	base, stepText, hasStep := strings.Cut(item, "/")
	step := 1
	if hasStep {
		n, err := strconv.Atoi(stepText)
		if err != nil || n < 1 || n > fd.hi-fd.lo+1 || !allDigits(stepText) {
			return fmt.Sprintf("%s: bad increment %q in %q", fd.name, stepText, item)
		}
		step = n
	}
	var from, to int
	switch {
	case base == "*":
		from, to = fd.lo, fd.hi
	case strings.Contains(base, "-"):
		a, z, _ := strings.Cut(base, "-")
		var ok bool
		if from, ok = fd.value(a); !ok {
			return fmt.Sprintf("%s: bad value %q in %q", fd.name, a, item)
		}
		if to, ok = fd.value(z); !ok {
			return fmt.Sprintf("%s: bad value %q in %q", fd.name, z, item)
		}
		if to < from && !fd.wrap {
			return fmt.Sprintf("%s: range %q runs backwards", fd.name, item)
		}
	default:
		v, ok := fd.value(base)
		if !ok {
			return fmt.Sprintf("%s: bad value %q in %q (want %d-%d%s)", fd.name, base, item, fd.lo, fd.hi, fd.nameHint())
		}
		from, to = v, v
		if hasStep {
			to = fd.hi
		}
	}
	// Walk the range, wrapping past hi back to lo when it runs backwards.
	span := fd.hi - fd.lo + 1
	n := (to-from+span)%span + 1
	for k := 0; k < n; k += step {
		b.set(fd.lo + (from-fd.lo+k)%span - offset)
	}
	return ""
}

func (fd field) nameHint() string {
	if fd.names == nil {
		return ""
	}
	return " or " + fd.names[0] + "-" + fd.names[len(fd.names)-1]
}

// value reads a number or a name of this field.
func (fd field) value(s string) (int, bool) {
	for i, n := range fd.names {
		if strings.EqualFold(s, n) {
			return fd.lo + i, true
		}
	}
	if !allDigits(s) {
		return 0, false
	}
	v, err := strconv.Atoi(s)
	if err != nil || v < fd.lo || v > fd.hi {
		return 0, false
	}
	return v, true
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// parseDOM reads a day-of-month field other than "?".
func parseDOM(s string) (domSpec, string) {
	var d domSpec
	for item := range strings.SplitSeq(s, ",") {
		switch {
		case strings.EqualFold(item, "L"):
			d.last = true
		case strings.EqualFold(item, "LW"):
			d.lastWeekday = true
		case len(item) > 1 && (item[len(item)-1] == 'W' || item[len(item)-1] == 'w'):
			v, ok := domField.value(item[:len(item)-1])
			if !ok {
				return domSpec{}, fmt.Sprintf("day-of-month: %q must be a day 1-31 followed by W", item)
			}
			d.nearest = append(d.nearest, v)
		default:
			if reason := domField.item(item, 0, &d.days); reason != "" {
				return domSpec{}, reason
			}
		}
	}
	return d, ""
}

// parseDOW reads a day-of-week field other than "?". Days are stored
// Sunday = 0.
func parseDOW(s string) (dowSpec, string) {
	var d dowSpec
	if strings.Contains(s, "#") {
		day, nth, _ := strings.Cut(s, "#")
		v, ok := dowField.value(day)
		n, err := strconv.Atoi(nth)
		if !ok || err != nil || !allDigits(nth) || n < 1 || n > 5 {
			return dowSpec{}, fmt.Sprintf("day-of-week: %q must be d#n, a day 1-7 or SUN-SAT and n 1-5, alone in the field", s)
		}
		d.nthDay, d.nth = v-1, n
		return d, ""
	}
	for item := range strings.SplitSeq(s, ",") {
		switch {
		case strings.EqualFold(item, "L"):
			d.days.set(6) // the last day of the week: Saturday
		case len(item) > 1 && (item[len(item)-1] == 'L' || item[len(item)-1] == 'l'):
			v, ok := dowField.value(item[:len(item)-1])
			if !ok {
				return dowSpec{}, fmt.Sprintf("day-of-week: %q must be a day 1-7 or SUN-SAT followed by L", item)
			}
			d.last.set(v - 1)
		default:
			if reason := dowField.item(item, 1, &d.days); reason != "" {
				return dowSpec{}, reason
			}
		}
	}
	return d, ""
}
