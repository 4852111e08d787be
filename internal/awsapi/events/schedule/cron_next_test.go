package schedule

import (
	"math/rand/v2"
	"testing"
	"time"
)

func mustTime(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func mustCron(t testing.TB, expr string) *Cron {
	t.Helper()
	s, err := Parse(expr)
	if err != nil {
		t.Fatalf("Parse(%q): %v (%+v)", expr, err, err)
	}
	return s.(*Cron)
}

func TestCronNext(t *testing.T) {
	cases := []struct {
		name, expr, from, want string // want "" is the zero time
	}{
		// The user guide's examples.
		{"daily 10:00", "cron(0 10 * * ? *)", "2024-01-01T09:59:30Z", "2024-01-01T10:00:00Z"},
		{"strictly after", "cron(0 10 * * ? *)", "2024-01-01T10:00:00Z", "2024-01-02T10:00:00Z"},
		{"daily 12:15", "cron(15 12 * * ? *)", "2024-01-01T12:15:01Z", "2024-01-02T12:15:00Z"},
		{"weekdays 18:00 over a weekend", "cron(0 18 ? * MON-FRI *)", "2024-03-01T18:00:00Z", "2024-03-04T18:00:00Z"},
		{"first of the month", "cron(0 8 1 * ? *)", "2024-01-15T00:00:00Z", "2024-02-01T08:00:00Z"},
		{"every 15 minutes", "cron(0/15 * * * ? *)", "2024-01-01T10:07:00Z", "2024-01-01T10:15:00Z"},
		{"every 15 minutes, next hour", "cron(0/15 * * * ? *)", "2024-01-01T10:59:00Z", "2024-01-01T11:00:00Z"},
		{"every 10 weekday minutes, Saturday", "cron(0/10 * ? * MON-FRI *)", "2024-03-02T12:00:00Z", "2024-03-04T00:00:00Z"},
		{"every 5 minutes in office hours", "cron(0/5 8-17 ? * MON-FRI *)", "2024-03-04T17:55:00Z", "2024-03-05T08:00:00Z"},
		{"hours wrap: evening", "cron(0/30 20-2 ? * MON-FRI *)", "2024-03-01T02:30:00Z", "2024-03-01T20:00:00Z"},
		{"hours wrap: past midnight", "cron(0/30 20-2 ? * MON-FRI *)", "2024-03-04T23:30:00Z", "2024-03-05T00:00:00Z"},
		{"hours wrap: Friday night to Monday", "cron(0/30 20-2 ? * MON-FRI *)", "2024-03-01T23:30:00Z", "2024-03-04T00:00:00Z"},
		{"two minutes", "cron(5,35 14 * * ? *)", "2024-01-01T14:05:00Z", "2024-01-01T14:35:00Z"},
		{"last Friday, first year", "cron(15 10 ? * 6L 2019-2022)", "2018-06-01T00:00:00Z", "2019-01-25T10:15:00Z"},
		{"last Friday, after the last year", "cron(15 10 ? * 6L 2019-2022)", "2022-12-30T10:15:00Z", ""},
		// L, LW, W, #.
		{"last day, leap February", "cron(0 0 L * ? *)", "2024-02-01T00:00:00Z", "2024-02-29T00:00:00Z"},
		{"last day, common February", "cron(0 0 L * ? *)", "2023-02-01T00:00:00Z", "2023-02-28T00:00:00Z"},
		{"last day, after February", "cron(0 0 L * ? *)", "2024-02-29T00:00:00Z", "2024-03-31T00:00:00Z"},
		{"last weekday, month ends Saturday", "cron(0 0 LW * ? *)", "2024-08-01T00:00:00Z", "2024-08-30T00:00:00Z"},
		{"last weekday, month ends Sunday", "cron(0 0 LW * ? *)", "2024-03-01T00:00:00Z", "2024-03-29T00:00:00Z"},
		{"last weekday, February 2026", "cron(0 0 LW * ? *)", "2026-02-01T00:00:00Z", "2026-02-27T00:00:00Z"},
		{"15W on a Saturday", "cron(0 9 15W * ? *)", "2024-06-01T00:00:00Z", "2024-06-14T09:00:00Z"},
		{"15W on a Sunday", "cron(0 9 15W * ? *)", "2024-09-01T00:00:00Z", "2024-09-16T09:00:00Z"},
		{"1W on a Saturday stays in the month", "cron(0 9 1W * ? *)", "2024-05-31T00:00:00Z", "2024-06-03T09:00:00Z"},
		{"31W on a last-day Sunday stays in the month", "cron(0 9 31W * ? *)", "2025-08-01T00:00:00Z", "2025-08-29T09:00:00Z"},
		{"31W skips short months", "cron(0 9 31W * ? *)", "2024-09-01T00:00:00Z", "2024-10-31T09:00:00Z"},
		{"second Tuesday", "cron(0 12 ? * 3#2 *)", "2024-03-01T00:00:00Z", "2024-03-12T12:00:00Z"},
		{"fifth Friday skips February", "cron(0 12 ? * FRI#5 *)", "2024-02-01T00:00:00Z", "2024-03-29T12:00:00Z"},
		{"first Monday", "cron(0 0 ? * 2#1 *)", "2024-06-01T00:00:00Z", "2024-06-03T00:00:00Z"},
		{"L in day-of-week is Saturday", "cron(0 0 ? * L *)", "2024-03-01T00:00:00Z", "2024-03-02T00:00:00Z"},
		{"last Sunday", "cron(0 1 ? * 1L *)", "2024-03-01T00:00:00Z", "2024-03-31T01:00:00Z"},
		{"days and L", "cron(0 0 1,L * ? *)", "2024-04-01T00:00:00Z", "2024-04-30T00:00:00Z"},
		// Month ends, leap years, year bounds.
		{"31st skips 30-day months", "cron(0 0 31 * ? *)", "2024-04-01T00:00:00Z", "2024-05-31T00:00:00Z"},
		{"29 February, next leap year", "cron(0 0 29 2 ? *)", "2024-03-01T00:00:00Z", "2028-02-29T00:00:00Z"},
		{"29 February, 2100 is not leap", "cron(0 0 29 2 ? *)", "2096-03-01T00:00:00Z", "2104-02-29T00:00:00Z"},
		{"30 February never", "cron(0 0 30 2 ? *)", "2024-01-01T00:00:00Z", ""},
		{"last year", "cron(0 0 1 1 ? 2199)", "1960-05-05T00:00:00Z", "2199-01-01T00:00:00Z"},
		{"after the last year", "cron(0 0 1 1 ? 2199)", "2199-01-01T00:00:00Z", ""},
		{"past the end of time", "cron(* * * * ? *)", "2199-12-31T23:59:00Z", ""},
		{"first minute of 1970", "cron(* * * * ? 1970)", "1969-12-31T23:59:59Z", "1970-01-01T00:00:00Z"},
		{"year list", "cron(0 0 1 1 ? 2020,2030)", "2020-01-01T00:00:00Z", "2030-01-01T00:00:00Z"},
		{"year step", "cron(0 0 1 1 ? 2020/4)", "2021-01-01T00:00:00Z", "2024-01-01T00:00:00Z"},
		{"year end rollover", "cron(0 0 * * ? *)", "2024-12-31T00:00:00Z", "2025-01-01T00:00:00Z"},
		// Wrapping ranges, names, steps.
		{"months wrap", "cron(0 0 1 NOV-FEB ? *)", "2024-03-01T00:00:00Z", "2024-11-01T00:00:00Z"},
		{"months wrap into next year", "cron(0 0 1 NOV-FEB ? *)", "2024-12-15T00:00:00Z", "2025-01-01T00:00:00Z"},
		{"days of week wrap", "cron(0 0 ? * FRI-MON *)", "2024-03-05T00:00:00Z", "2024-03-08T00:00:00Z"},
		{"lower case names", "cron(0 0 ? * mon,wed *)", "2024-03-04T00:00:00Z", "2024-03-06T00:00:00Z"},
		{"value with step", "cron(5/20 * * * ? *)", "2024-01-01T00:45:00Z", "2024-01-01T01:05:00Z"},
		{"range with step", "cron(0 8-17/3 * * ? *)", "2024-01-01T12:00:00Z", "2024-01-01T14:00:00Z"},
		{"every minute", "cron(* * * * ? *)", "2024-01-01T10:00:00.5Z", "2024-01-01T10:01:00Z"},
		{"other zones are converted", "cron(0 10 * * ? *)", "2024-01-01T12:30:00+02:00", "2024-01-02T10:00:00Z"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := mustCron(t, tc.expr)
			got := c.Next(mustTime(t, tc.from))
			if tc.want == "" {
				if !got.IsZero() {
					t.Errorf("%s Next(%s) = %v, want none", tc.expr, tc.from, got)
				}
				return
			}
			if want := mustTime(t, tc.want); !got.Equal(want) || got.Location() != time.UTC {
				t.Errorf("%s Next(%s) = %v, want %v", tc.expr, tc.from, got, want)
			}
		})
	}
}

// matchesMinute is the definition Next must agree with: every field
// matches the minute.
func (c *Cron) matchesMinute(t time.Time) bool {
	days := c.days(t.Year(), int(t.Month()))
	return t.Year() >= MinYear && t.Year() <= MaxYear && c.years.has(t.Year()-MinYear) &&
		c.months.has(int(t.Month())) && days.has(t.Day()) && c.hours.has(t.Hour()) && c.minutes.has(t.Minute())
}

// TestCronNextAgreesWithScan compares Next with a minute-by-minute scan
// from random starting points.
func TestCronNextAgreesWithScan(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	exprs := []string{
		"cron(*/7 */5 * * ? *)", "cron(0 0/6 ? * 2-6 *)", "cron(13 1,22 L * ? *)", "cron(0 12 LW * ? *)",
		"cron(30 6 15W * ? *)", "cron(0 0 ? * 6L *)", "cron(45 23 ? * 1#1 *)", "cron(0 */2 10-20 2,3 ? *)",
		"cron(59 23 31 DEC-FEB ? *)", "cron(0 9 29 2 ? *)",
	}
	start := time.Date(2023, 12, 20, 0, 0, 0, 0, time.UTC)
	for _, expr := range exprs {
		c := mustCron(t, expr)
		for range 8 {
			from := start.Add(time.Duration(rng.IntN(80*24*60)) * time.Minute).Add(time.Duration(rng.IntN(60)) * time.Second)
			want := time.Time{}
			for m := from.Truncate(time.Minute).Add(time.Minute); m.Before(from.Add(62 * 24 * time.Hour)); m = m.Add(time.Minute) {
				if c.matchesMinute(m) {
					want = m
					break
				}
			}
			got := c.Next(from)
			if want.IsZero() {
				if !got.IsZero() && got.Before(from.Add(62*24*time.Hour)) {
					t.Errorf("%s Next(%v) = %v, but the scan found nothing sooner than 62 days", expr, from, got)
				}
				continue
			}
			if !got.Equal(want) {
				t.Errorf("%s Next(%v) = %v, scan says %v", expr, from, got, want)
			}
		}
	}
}

func BenchmarkCronNext(b *testing.B) {
	for _, expr := range []string{"cron(0/5 8-17 ? * MON-FRI *)", "cron(0 0 29 2 ? *)", "cron(0 0 30 2 ? *)"} {
		c := mustCron(b, expr)
		from := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
		b.Run(expr, func(b *testing.B) {
			for b.Loop() {
				c.Next(from)
			}
		})
	}
}
