package filterpattern

import (
	"testing"
)

const (
	plainEvent = "2024-05-01T12:00:00.123Z 7f3c2a1e-1b2c-4d5e-8f90-a1b2c3d4e5f6 INFO request handled path=/api/v1/orders status=200 latency_ms=12"
	jsonEvent  = `{"timestamp":"2024-05-01T12:00:00.123Z","level":"ERROR","requestId":"7f3c2a1e-1b2c-4d5e-8f90-a1b2c3d4e5f6",` +
		`"path":"/api/v1/orders","status":503,"latency":1250.5,"user":{"id":42,"roles":["admin","dev"]},"message":"upstream timed out"}`
	accessEvent = `10.1.2.3 - - [01/May/2024:12:00:00 +0000] "GET /api/v1/orders HTTP/1.1" 503 1834`
)

// benchMatch runs p over msg, reporting time and allocations per Match.
func benchMatch(b *testing.B, pattern, msg string, want bool) {
	p, err := Compile(pattern)
	if err != nil {
		b.Fatal(err)
	}
	if p.Match(msg) != want {
		b.Fatalf("Compile(%q).Match(%q) != %v", pattern, msg, want)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		p.Match(msg)
	}
}

func BenchmarkMatchTerms(b *testing.B) {
	benchMatch(b, `ERROR -DEBUG "request failed"`, plainEvent, false)
}

func BenchmarkMatchTermsOptional(b *testing.B) {
	benchMatch(b, `?ERROR ?WARN ?handled`, plainEvent, true)
}

func BenchmarkMatchRegex(b *testing.B) {
	benchMatch(b, `%status=5\d\d%`, plainEvent, false)
}

func BenchmarkMatchJSON(b *testing.B) {
	benchMatch(b, `{ $.level = "ERROR" && ($.status >= 500 || $.latency > 1000) && $.user.roles[*] = admin }`, jsonEvent, true)
}

func BenchmarkMatchJSONOnPlainText(b *testing.B) {
	benchMatch(b, `{ $.level = "ERROR" }`, plainEvent, false)
}

func BenchmarkMatchDelimited(b *testing.B) {
	benchMatch(b, `[ip, user, username, timestamp, request = *orders*, status_code = 5*, bytes > 1000]`, accessEvent, true)
}

func BenchmarkMatchDelimitedEllipsis(b *testing.B) {
	benchMatch(b, `[..., status_code = 5*, bytes > 1000]`, accessEvent, true)
}

// Match allocates nothing: not for terms, regular expressions or
// space-delimited fields, nor for JSON once its pooled parse state is warm.
func TestMatchDoesNotAllocate(t *testing.T) {
	cases := []struct {
		pattern, msg string
		pooled       bool // uses a sync.Pool, which the race detector empties at random
	}{
		{`ERROR -DEBUG ?x "request failed"`, plainEvent, false},
		{`?ERROR ?WARN ?handled`, plainEvent, false},
		{`%status=5\d\d%`, plainEvent, true},
		{`[ip, user, username, timestamp, request = *orders*, status_code = 5*, bytes > 1000]`, accessEvent, false},
		{`[..., status_code = 5*, bytes > 1000]`, accessEvent, false},
		{`{ $.level = "ERROR" }`, plainEvent, false},
		{`{ $.level = "ERROR" && ($.status >= 500 || $.latency > 1000) && $.user.roles[*] = admin }`, jsonEvent, true},
		{`{ $.missing NOT EXISTS && $.message = %timed% }`, jsonEvent, true},
	}
	for _, c := range cases {
		if c.pooled && raceEnabled {
			continue
		}
		p, err := Compile(c.pattern)
		if err != nil {
			t.Fatal(err)
		}
		if n := testing.AllocsPerRun(100, func() { p.Match(c.msg) }); n != 0 {
			t.Errorf("Compile(%q).Match allocates %v times", c.pattern, n)
		}
	}
}
