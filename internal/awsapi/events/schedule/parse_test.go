package schedule

import (
	"errors"
	"testing"
	"time"
)

func TestParseRate(t *testing.T) {
	cases := []struct {
		expr  string
		every time.Duration
		str   string
	}{
		{"rate(1 minute)", time.Minute, "rate(1 minute)"},
		{"rate(5 minutes)", 5 * time.Minute, "rate(5 minutes)"},
		{"rate(1 hour)", time.Hour, "rate(1 hour)"},
		{"rate(12 hours)", 12 * time.Hour, "rate(12 hours)"},
		{"rate(1 day)", 24 * time.Hour, "rate(1 day)"},
		{"rate(7 days)", 7 * 24 * time.Hour, "rate(7 days)"},
		{"rate( 15   minutes )", 15 * time.Minute, "rate(15 minutes)"},
		{"rate(100000 days)", 100000 * 24 * time.Hour, "rate(100000 days)"},
	}
	for _, tc := range cases {
		s, err := Parse(tc.expr)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.expr, err)
			continue
		}
		r, ok := s.(Rate)
		if !ok {
			t.Errorf("Parse(%q) = %T, want Rate", tc.expr, s)
			continue
		}
		if r.Every() != tc.every || r.String() != tc.str {
			t.Errorf("Parse(%q) = every %v %q, want %v %q", tc.expr, r.Every(), r.String(), tc.every, tc.str)
		}
	}
}

func TestParseInvalid(t *testing.T) {
	for _, expr := range []string{
		"", "rate", "cron", "rate()", "cron()", "rate 5 minutes", "rate(5 minutes", "Rate(5 minutes)",
		" rate(5 minutes)", "rate(5 minutes) ", "at(2024-01-01T00:00:00)",
		// rate
		"rate(1 minutes)", "rate(5 minute)", "rate(1 hours)", "rate(5 hour)", "rate(1 days)", "rate(2 day)",
		"rate(0 minutes)", "rate(0 minute)", "rate(-1 minutes)", "rate(+5 minutes)", "rate(1.5 hours)",
		"rate(5 seconds)", "rate(5 weeks)", "rate(5)", "rate(minutes)", "rate(minutes 5)", "rate(5 Minutes)",
		"rate(5 minutes now)", "rate(99999999999999999999 minutes)", "rate(200000 days)",
		// cron: shape
		"cron(0 10 * * ?)", "cron(0 10 * * ? * *)", "cron(0 10 * * * *)", "cron(0 10 ? * ? *)",
		"cron(0 10 1 * MON *)",
		// cron: values out of range
		"cron(60 * * * ? *)", "cron(* 24 * * ? *)", "cron(0 0 32 * ? *)", "cron(0 0 0 * ? *)",
		"cron(0 0 * 13 ? *)", "cron(0 0 * 0 ? *)", "cron(0 0 ? * 8 *)", "cron(0 0 ? * 0 *)",
		"cron(0 0 * * ? 1969)", "cron(0 0 * * ? 2200)", "cron(0 0 * * ? 2025-2020)",
		"cron(0 0 * JANUARY ? *)", "cron(0 0 ? * MONDAY *)",
		// cron: syntax
		"cron(a * * * ? *)", "cron(1- * * * ? *)", "cron(-1 * * * ? *)", "cron(1,,2 * * * ? *)",
		"cron(*/0 * * * ? *)", "cron(0/61 * * * ? *)", "cron(0/x * * * ? *)", "cron(1/+5 * * * ? *)",
		"cron(? * * * ? *)", "cron(L * * * ? *)", "cron(0 0 W * ? *)", "cron(0 0 32W * ? *)",
		"cron(0 0 L-3 * ? *)", "cron(0 0 ? * LW *)", "cron(0 0 ? * 8L *)", "cron(0 0 ? * 3#6 *)",
		"cron(0 0 ? * 3#0 *)", "cron(0 0 ? * 3#1,5#2 *)", "cron(0 0 ? * 8#1 *)", "cron(0 0 ? * # *)",
	} {
		s, err := Parse(expr)
		if err == nil {
			t.Errorf("Parse(%q) = %v, want an error", expr, s)
			continue
		}
		var se *Error
		if !errors.As(err, &se) {
			t.Errorf("Parse(%q) error %T", expr, err)
			continue
		}
		if err.Error() != "Parameter ScheduleExpression is not valid." || se.Reason == "" || se.Expr != expr {
			t.Errorf("Parse(%q) = %q, reason %q, expr %q", expr, err, se.Reason, se.Expr)
		}
	}
}

func TestParseCron(t *testing.T) {
	for _, tc := range []struct{ expr, str string }{
		{"cron(0 10 * * ? *)", "cron(0 10 * * ? *)"},
		{"cron(15 12 * * ? *)", "cron(15 12 * * ? *)"},
		{"cron(0 18 ? * MON-FRI *)", "cron(0 18 ? * MON-FRI *)"},
		{"cron(0 8 1 * ? *)", "cron(0 8 1 * ? *)"},
		{"cron(0/15 * * * ? *)", "cron(0/15 * * * ? *)"},
		{"cron(0/10 * ? * MON-FRI *)", "cron(0/10 * ? * MON-FRI *)"},
		{"cron(0/5 8-17 ? * MON-FRI *)", "cron(0/5 8-17 ? * MON-FRI *)"},
		{"cron(0/30 20-2 ? * MON-FRI *)", "cron(0/30 20-2 ? * MON-FRI *)"},
		{"cron(5,35 14 * * ? *)", "cron(5,35 14 * * ? *)"},
		{"cron(15 10 ? * 6L 2019-2022)", "cron(15 10 ? * 6L 2019-2022)"},
		{"cron( 0  10 * * ?  * )", "cron(0 10 * * ? *)"},
		{"cron(*/5 * * * ? *)", "cron(*/5 * * * ? *)"},
		{"cron(0 0 L * ? *)", "cron(0 0 L * ? *)"},
		{"cron(0 0 LW * ? *)", "cron(0 0 LW * ? *)"},
		{"cron(0 0 15W * ? *)", "cron(0 0 15W * ? *)"},
		{"cron(0 0 1,15,L * ? *)", "cron(0 0 1,15,L * ? *)"},
		{"cron(0 0 ? * 3#2 *)", "cron(0 0 ? * 3#2 *)"},
		{"cron(0 0 ? * FRI#5 *)", "cron(0 0 ? * FRI#5 *)"},
		{"cron(0 0 ? * L *)", "cron(0 0 ? * L *)"},
		{"cron(0 0 ? * FRIL *)", "cron(0 0 ? * FRIL *)"},
		{"cron(0 0 ? * mon,wed *)", "cron(0 0 ? * mon,wed *)"},
		{"cron(0 0 1 nov-feb ? 2020/4)", "cron(0 0 1 nov-feb ? 2020/4)"},
		{"cron(0 0 * * ? 1970-2199)", "cron(0 0 * * ? 1970-2199)"},
		{"cron(0/60 * * * ? *)", "cron(0/60 * * * ? *)"},
	} {
		s, err := Parse(tc.expr)
		if err != nil {
			var se *Error
			errors.As(err, &se)
			t.Errorf("Parse(%q): %v (%s)", tc.expr, err, se.Reason)
			continue
		}
		if _, ok := s.(*Cron); !ok || s.String() != tc.str {
			t.Errorf("Parse(%q) = %T %q, want *Cron %q", tc.expr, s, s.String(), tc.str)
		}
	}
}

func TestRateNext(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	s, err := Parse("rate(5 minutes)")
	if err != nil {
		t.Fatal(err)
	}
	r := s.(Rate).At(at("2024-01-01T10:00:30Z"))
	if got, want := r.Anchor(), at("2024-01-01T10:00:00Z"); !got.Equal(want) {
		t.Errorf("Anchor = %v, want %v (truncated to the minute)", got, want)
	}
	cases := []struct{ from, want string }{
		{"2023-12-31T00:00:00Z", "2024-01-01T10:05:00Z"}, // before the rule existed: one period after creation
		{"2024-01-01T10:00:00Z", "2024-01-01T10:05:00Z"},
		{"2024-01-01T10:02:00Z", "2024-01-01T10:05:00Z"},
		{"2024-01-01T10:04:59.999Z", "2024-01-01T10:05:00Z"},
		{"2024-01-01T10:05:00Z", "2024-01-01T10:10:00Z"},
		{"2024-01-01T10:05:00.001Z", "2024-01-01T10:10:00Z"},
		{"2024-03-05T17:43:00+02:00", "2024-03-05T15:45:00Z"},
	}
	for _, tc := range cases {
		if got := r.Next(at(tc.from)); !got.Equal(at(tc.want)) || got.Location() != time.UTC {
			t.Errorf("Next(%s) = %v, want %s", tc.from, got, tc.want)
		}
	}
	// Unanchored: counted from the Unix epoch.
	h, _ := Parse("rate(1 hour)")
	if got := h.Next(at("2024-06-01T10:30:00Z")); !got.Equal(at("2024-06-01T11:00:00Z")) {
		t.Errorf("unanchored Next = %v", got)
	}
	d, _ := Parse("rate(1 day)")
	if got := d.(Rate).At(at("2024-02-28T12:34:56Z")).Next(at("2024-02-29T12:34:00Z")); !got.Equal(at("2024-02-29T12:34:00Z").Add(24 * time.Hour)) {
		t.Errorf("daily Next = %v", got)
	}
	if got := (Rate{}).Next(at("2024-01-01T00:00:00Z")); !got.IsZero() {
		t.Errorf("zero Rate Next = %v", got)
	}
}
