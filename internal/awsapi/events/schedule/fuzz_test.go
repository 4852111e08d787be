package schedule

import (
	"errors"
	"testing"
	"time"
)

// FuzzParse checks that Parse never panics, that failures are *Error, and
// that a parsed schedule's Next moves forward, lands on a minute and
// parses back from String.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"rate(5 minutes)", "rate(1 day)", "cron(0 10 * * ? *)", "cron(0/30 20-2 ? * MON-FRI *)",
		"cron(15 10 ? * 6L 2019-2022)", "cron(0 0 LW * ? *)", "cron(0 9 15W,L * ? *)", "cron(0 12 ? * 3#2 *)",
		"cron(*/7 1-5/2 ? NOV-FEB SAT-MON 2020/3)",
	} {
		f.Add(s, int64(1_700_000_000))
	}
	f.Fuzz(func(t *testing.T, expr string, unix int64) {
		s, err := Parse(expr)
		if err != nil {
			var se *Error
			if !errors.As(err, &se) {
				t.Fatalf("Parse(%q) error %T", expr, err)
			}
			return
		}
		from := time.Unix(unix%(1<<37), 0)
		next := s.Next(from)
		if !next.IsZero() && (!next.After(from) || next.Second() != 0 || next.Nanosecond() != 0) {
			t.Fatalf("%s Next(%v) = %v", expr, from, next)
		}
		back, err := Parse(s.String())
		if err != nil || back.String() != s.String() {
			t.Fatalf("String %q does not parse back: %v", s.String(), err)
		}
	})
}
