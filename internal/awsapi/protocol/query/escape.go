package query

import (
	"unicode/utf8"
)

// appendEscaped appends s as XML character data. &, < and > are escaped, and
// so is \r, which parsers would otherwise fold into \n. Characters XML
// cannot carry (most control characters, invalid UTF-8) become U+FFFD, as
// encoding/xml does, so the document always parses.
func appendEscaped(b []byte, s string) []byte { return escape(b, s, false) }

// appendEscapedQuot is appendEscaped that also escapes ", as EC2 does.
func appendEscapedQuot(b []byte, s string) []byte { return escape(b, s, true) }

func escape(b []byte, s string, quot bool) []byte {
	last := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			var esc string
			switch {
			case c == '&':
				esc = "&amp;"
			case c == '<':
				esc = "&lt;"
			case c == '>':
				esc = "&gt;"
			case c == '"' && quot:
				esc = "&quot;"
			case c == '\r':
				esc = "&#xD;"
			case c < 0x20 && c != '\n' && c != '\t':
				esc = "\uFFFD"
			default:
				i++
				continue
			}
			b = append(b, s[last:i]...)
			b = append(b, esc...)
			i++
			last = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || !xmlChar(r) {
			b = append(b, s[last:i]...)
			b = append(b, "\uFFFD"...)
			i += size
			last = i
			continue
		}
		i += size
	}
	return append(b, s[last:]...)
}

// xmlChar reports whether r (at or above utf8.RuneSelf) is in XML 1.0's
// Char production.
func xmlChar(r rune) bool {
	return r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}
