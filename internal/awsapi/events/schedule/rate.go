package schedule

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// Rate is a rate(value unit) schedule: a fixed period. EventBridge counts
// a rate from when the rule was created (or last changed), so a Rate is
// anchored: it fires at anchor + k×period for k = 1, 2, …. Anchor a parsed
// Rate at the rule's creation time with At; an unanchored Rate counts from
// the Unix epoch, so rate(5 minutes) then fires at :00, :05, … UTC.
type Rate struct {
	value  int
	unit   string
	every  time.Duration
	anchor time.Time
}

var rateUnits = map[string]time.Duration{
	"minute": time.Minute, "minutes": time.Minute,
	"hour": time.Hour, "hours": time.Hour,
	"day": 24 * time.Hour, "days": 24 * time.Hour,
}

func parseRate(expr, inner string) (Rate, error) {
	f := strings.Fields(inner)
	if len(f) != 2 {
		return Rate{}, &Error{Expr: expr, Reason: "a rate is a value and a unit, as in rate(5 minutes)"}
	}
	for _, c := range f[0] {
		if c < '0' || c > '9' {
			return Rate{}, &Error{Expr: expr, Reason: "the rate's value must be a positive whole number"}
		}
	}
	value, err := strconv.Atoi(f[0])
	if err != nil || value < 1 {
		return Rate{}, &Error{Expr: expr, Reason: "the rate's value must be a positive whole number"}
	}
	unit, ok := rateUnits[f[1]]
	if !ok {
		return Rate{}, &Error{Expr: expr, Reason: "the rate's unit must be minute, minutes, hour, hours, day or days"}
	}
	if singular := !strings.HasSuffix(f[1], "s"); singular != (value == 1) {
		return Rate{}, &Error{Expr: expr, Reason: "the rate's unit must be singular for 1 and plural otherwise (rate(1 hour), rate(5 hours))"}
	}
	if int64(value) > math.MaxInt64/int64(unit) {
		return Rate{}, &Error{Expr: expr, Reason: "the rate's period is too long"}
	}
	return Rate{value: value, unit: f[1], every: time.Duration(value) * unit}, nil
}

// Every returns the period.
func (r Rate) Every() time.Duration { return r.every }

// At returns the rate anchored at t (the rule's creation time), truncated
// to the minute: EventBridge schedules to the minute.
func (r Rate) At(t time.Time) Rate {
	r.anchor = t.UTC().Truncate(time.Minute)
	return r
}

// Anchor returns the time the rate counts from (the Unix epoch when it
// was never anchored).
func (r Rate) Anchor() time.Time {
	if r.anchor.IsZero() {
		return time.Unix(0, 0).UTC()
	}
	return r.anchor
}

// Next returns the first anchor + k×period (k ≥ 1) strictly after t.
func (r Rate) Next(t time.Time) time.Time {
	if r.every <= 0 {
		return time.Time{}
	}
	a := r.Anchor()
	first := a.Add(r.every)
	if t.Before(first) {
		return first
	}
	// Whole seconds suffice: anchors are whole minutes and periods whole
	// minutes, and Unix rounds t down, which keeps "strictly after".
	step := int64(r.every / time.Second)
	k := (t.Unix()-a.Unix())/step + 1
	return time.Unix(a.Unix()+k*step, 0).UTC()
}

// String returns the expression, as in rate(5 minutes).
func (r Rate) String() string {
	return "rate(" + strconv.Itoa(r.value) + " " + r.unit + ")"
}
