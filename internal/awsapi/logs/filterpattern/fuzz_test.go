package filterpattern

import (
	"encoding/json"
	"errors"
	"testing"
	"unicode/utf8"
)

// FuzzCompile checks that Compile never panics, that what it refuses is an
// *Error pointing into the pattern, and that what it accepts matches any
// message without panicking.
func FuzzCompile(f *testing.F) {
	for _, s := range []string{
		"", "ERROR", `?ERROR ?WARN -DEBUG "a \"b\""`, `"`, `-`, "%^a{1, 2}b$%", `%\x28%`,
		`{ $.a = 1 }`, `{ ($.a[0].b = "x*" || $.c IS NULL) && $.d NOT EXISTS }`, `{ $.['a.b'] = %x% }`,
		`{ $.* > 1e3 }`, `{ $.a[*] != *x }`, `{ $`, `{ $.a[ }`, `{ ((( }`, `{ $.a = "x }`,
		`[ip, user, ..., status_code = 4* || status_code = 5*, bytes > 1000]`, `[a,,]`, `[..., ...]`,
		`[a = %x%, b = "y"]`, `[ ( a = 1 ]`,
	} {
		f.Add(s, `{"a": [{"b": "x1"}], "c": null} 1 2 3`)
		f.Add(s, `127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET / HTTP/1.0" 404 1534`)
	}
	f.Fuzz(func(t *testing.T, pattern, message string) {
		p, err := Compile(pattern)
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) || pe.Pattern != pattern || pe.Offset < 0 || pe.Offset > len(pattern) {
				t.Fatalf("Compile(%q) error %#v", pattern, err)
			}
			_ = pe.Error()
			return
		}
		p.Match(message)
		p.Match(pattern)
		p.Match("")
	})
}

// FuzzParseJSON checks the message parser against encoding/json: it accepts
// exactly the valid JSON objects, and reads their string members as
// encoding/json does.
func FuzzParseJSON(f *testing.F) {
	for _, s := range []string{
		`{}`, ` {"a":1} `, `{"a":[1,2,{"b":null}],"c":"d\u00e9\n\"","e":true,"f":false,"g":-0.5e+3}`,
		`{"a":01}`, `{"a":1,}`, `{"a" 1}`, `{"a":"\ud83d\ude00 \ud83d x \udc00"}`, `{"a":"\x"}`, `[1]`,
		`{"a":1}x`, `{"a":tru}`, `{"a":"tab	"}`, `{"a":1.}`, `{"a":.5}`, `{"a":1e}`, `{"\u0061":"\/"}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, msg string) {
		var d doc
		got := d.parse(msg)
		i := skipJSONSpace(msg, 0)
		want := json.Valid([]byte(msg)) && i < len(msg) && msg[i] == '{'
		if got != want {
			t.Fatalf("parse(%q) = %v, encoding/json says %v", msg, got, want)
		}
		if !got {
			return
		}
		for c := d.nodes[0].first; c >= 0; c = d.nodes[c].next {
			nd := d.nodes[c]
			if nd.kind != jString {
				continue
			}
			raw := msg[nd.start-1 : nd.end+1]
			if !utf8.ValidString(raw) {
				continue
			}
			var s string
			if err := json.Unmarshal([]byte(raw), &s); err != nil {
				t.Fatalf("encoding/json refuses the string %s of %q: %v", raw, msg, err)
			}
			if d.text(c) != s {
				t.Fatalf("string %s of %q reads %q, encoding/json reads %q", raw, msg, d.text(c), s)
			}
		}
	})
}
