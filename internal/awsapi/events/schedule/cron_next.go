package schedule

import "time"

// Next returns the first minute strictly after t that the expression
// names, or the zero time if there is none up to the end of MaxYear.
//
// It moves field by field, largest first: a year, month or day that does
// not match jumps straight to the next one that does (days from a bitmask
// of the month's matching days), so the cost is a few steps per month
// visited, not one per minute.
func (c *Cron) Next(t time.Time) time.Time {
	t = t.UTC().Truncate(time.Minute).Add(time.Minute)
	y, m, d := t.Date()
	mo, h, mi := int(m), t.Hour(), t.Minute()
	if y < MinYear {
		y, mo, d, h, mi = MinYear, 1, 1, 0, 0
	}
	for y <= MaxYear {
		if !c.years.has(y - MinYear) {
			ny, ok := c.years.next(y - MinYear + 1)
			if !ok {
				break
			}
			y, mo, d, h, mi = ny+MinYear, 1, 1, 0, 0
			continue
		}
		if !c.months.has(mo) {
			nm, ok := c.months.next(mo + 1)
			if !ok || nm > 12 {
				y, mo, d, h, mi = y+1, 1, 1, 0, 0
				continue
			}
			mo, d, h, mi = nm, 1, 0, 0
			continue
		}
		days := c.days(y, mo)
		nd, ok := days.next(d)
		if !ok {
			y, mo, d, h, mi = nextMonth(y, mo)
			continue
		}
		if nd != d {
			d, h, mi = nd, 0, 0
		}
		nh, ok := c.hours.next(h)
		if !ok {
			d, h, mi = d+1, 0, 0
			continue
		}
		if nh != h {
			h, mi = nh, 0
		}
		nmi, ok := c.minutes.next(mi)
		if !ok {
			h, mi = h+1, 0
			if h > 23 {
				d, h = d+1, 0
			}
			continue
		}
		return time.Date(y, time.Month(mo), d, h, nmi, 0, 0, time.UTC)
	}
	return time.Time{}
}

func nextMonth(y, mo int) (int, int, int, int, int) {
	if mo == 12 {
		return y + 1, 1, 1, 0, 0
	}
	return y, mo + 1, 1, 0, 0
}

// daysIn returns the number of days in a month.
func daysIn(y, mo int) int {
	return time.Date(y, time.Month(mo)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// days returns the days (1-31) of a month that the expression names.
func (c *Cron) days(y, mo int) bitset {
	n := daysIn(y, mo)
	first := int(time.Date(y, time.Month(mo), 1, 0, 0, 0, 0, time.UTC).Weekday()) // 0 = Sunday
	weekday := func(d int) int { return (first + d - 1) % 7 }
	var b bitset
	if !c.domAny {
		for d := 1; d <= n; d++ {
			if c.dom.days.has(d) {
				b.set(d)
			}
		}
		if c.dom.last {
			b.set(n)
		}
		if c.dom.lastWeekday {
			switch weekday(n) {
			case 6:
				b.set(n - 1)
			case 0:
				b.set(n - 2)
			default:
				b.set(n)
			}
		}
		for _, w := range c.dom.nearest {
			if w <= n {
				b.set(nearestWeekday(w, n, weekday(w)))
			}
		}
		return b
	}
	for d := 1; d <= n; d++ {
		if c.dow.days.has(weekday(d)) {
			b.set(d)
		}
	}
	for wd := range 7 {
		if c.dow.last.has(wd) {
			b.set(n - (weekday(n)-wd+7)%7)
		}
	}
	if c.dow.nth > 0 {
		if d := 1 + (c.dow.nthDay-first+7)%7 + 7*(c.dow.nth-1); d <= n {
			b.set(d)
		}
	}
	return b
}

// nearestWeekday is the Monday-to-Friday day closest to day w (whose
// weekday is wd) without leaving the month: a Saturday moves to Friday
// (or, on the 1st, to Monday the 3rd), a Sunday to Monday (or, on the
// last day, to Friday).
func nearestWeekday(w, n, wd int) int {
	switch wd {
	case 6:
		if w > 1 {
			return w - 1
		}
		return w + 2
	case 0:
		if w < n {
			return w + 1
		}
		return w - 2
	}
	return w
}
