package query

import (
	"bytes"
	"encoding/xml"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzDecode checks that no request, however malformed, panics Decode or
// makes it fail with anything but a *DecodeError.
func FuzzDecode(f *testing.F) {
	forms, _ := filepath.Glob(filepath.Join("testdata", "decode", "*.form"))
	for _, path := range forms {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(strings.Join(strings.Fields(string(data)), "&"))
	}
	f.Fuzz(func(t *testing.T, body string) {
		values, err := url.ParseQuery(body)
		if err != nil {
			return
		}
		for _, into := range []any{&CreateRuleInput{}, &Tagged{}, &Scalars{}, &AssumeRoleRequest{}} {
			if err := Decode(values, into); err != nil {
				if _, ok := err.(*DecodeError); !ok {
					t.Fatalf("Decode(%q) = %v, want nil or *DecodeError", body, err)
				}
			}
		}
	})
}

// FuzzEscape checks that escaped text always parses back to the original,
// with only characters XML cannot carry replaced.
func FuzzEscape(f *testing.F) {
	for _, s := range []string{"", "plain", "a<b>&c\"'", "\r\n\t", "\x00\x1f\xff", "\U0001F600\uFFFE"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		doc := append(appendEscaped([]byte("<a>"), s), "</a>"...)
		var got struct {
			Text string `xml:",chardata"`
		}
		if err := xml.NewDecoder(bytes.NewReader(doc)).Decode(&got); err != nil {
			t.Fatalf("%q escaped to malformed XML %q: %v", s, doc, err)
		}
		var want strings.Builder
		for _, r := range s { // each invalid byte is one U+FFFD
			if r == '\t' || r == '\n' || r == '\r' || r >= 0x20 && r < utf8.RuneSelf || r >= utf8.RuneSelf && xmlChar(r) {
				want.WriteRune(r)
			} else {
				want.WriteRune('\uFFFD')
			}
		}
		if got.Text != want.String() {
			t.Errorf("%q round-tripped as %q, want %q", s, got.Text, want.String())
		}
	})
}
