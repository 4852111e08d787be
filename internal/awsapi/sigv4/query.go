package sigv4

import (
	"bytes"
	"net/url"
	"slices"
	"strings"
)

// The SigV4 canonical query string: every parameter decoded, re-encoded
// with RFC 3986 rules (space as %20, only A-Z a-z 0-9 - _ . ~ left bare,
// upper-case hex), sorted by encoded name and then encoded value, joined
// with '&'; a name without '=' gets an empty value.
//
// Decoding treats '+' as a space, as Go's url.Values does: the Go SDK signs
// from url.Values, and botocore and the other SDKs never send a bare '+'.
// A '%' not followed by two hex digits is taken literally rather than
// failing the request, since the client signed what it sent.

// queryPair locates one encoded name and value in scratch.enc.
type queryPair struct{ k0, k1, v0, v1 int32 }

// appendCanonicalQuery appends the canonical form of rawQuery to buf.
// Presigned requests leave X-Amz-Signature out: it cannot sign itself.
func (s *scratch) appendCanonicalQuery(buf []byte, rawQuery string, presigned bool) []byte {
	if rawQuery == "" {
		return buf
	}
	s.enc, s.pairs = s.enc[:0], s.pairs[:0]
	for rawQuery != "" {
		var seg string
		seg, rawQuery, _ = strings.Cut(rawQuery, "&")
		if seg == "" {
			continue
		}
		k, v, _ := strings.Cut(seg, "=")
		var p queryPair
		p.k0 = int32(len(s.enc))
		s.enc = appendReencoded(s.enc, k)
		p.k1 = int32(len(s.enc))
		if presigned && string(s.enc[p.k0:p.k1]) == "X-Amz-Signature" {
			s.enc = s.enc[:p.k0]
			continue
		}
		s.enc = appendReencoded(s.enc, v)
		p.v0, p.v1 = p.k1, int32(len(s.enc))
		s.pairs = append(s.pairs, p)
	}
	enc := s.enc
	slices.SortFunc(s.pairs, func(a, b queryPair) int {
		if c := bytes.Compare(enc[a.k0:a.k1], enc[b.k0:b.k1]); c != 0 {
			return c
		}
		return bytes.Compare(enc[a.v0:a.v1], enc[b.v0:b.v1])
	})
	for i, p := range s.pairs {
		if i > 0 {
			buf = append(buf, '&')
		}
		buf = append(buf, enc[p.k0:p.k1]...)
		buf = append(buf, '=')
		buf = append(buf, enc[p.v0:p.v1]...)
	}
	return buf
}

// appendReencoded decodes one query component and appends its RFC 3986
// encoding, in one pass.
func appendReencoded(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '+':
			c = ' '
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			c = unhex(s[i+1])<<4 | unhex(s[i+2])
			i += 2
		}
		dst = appendEncodedByte(dst, c)
	}
	return dst
}

func appendEncodedByte(dst []byte, c byte) []byte {
	if isUnreserved(c) {
		return append(dst, c)
	}
	const hexUpper = "0123456789ABCDEF"
	return append(dst, '%', hexUpper[c>>4], hexUpper[c&15])
}

func isUnreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '_' || c == '.' || c == '~'
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

// hasPresignParams reports whether rawQuery carries presigned-URL
// authentication. Any one of the three parameters counts, so that a URL
// missing the others is told what it lacks rather than that it has no
// authentication at all.
func hasPresignParams(rawQuery string) bool {
	if !strings.Contains(rawQuery, "X-Amz-") && !strings.Contains(rawQuery, "%") {
		return false
	}
	for _, name := range [...]string{"X-Amz-Signature", "X-Amz-Algorithm", "X-Amz-Credential"} {
		if _, ok := queryParam(rawQuery, name); ok {
			return true
		}
	}
	return false
}

// queryValue is the decoded value of the first parameter called name, or
// "" when there is none.
func queryValue(rawQuery, name string) string {
	v, _ := queryParam(rawQuery, name)
	return v
}

// queryParam finds the first parameter called name and decodes its value.
// It allocates only when the name or value is escaped; presigned URLs are
// rare next to header-signed API calls.
func queryParam(rawQuery, name string) (string, bool) {
	for rawQuery != "" {
		var seg string
		seg, rawQuery, _ = strings.Cut(rawQuery, "&")
		k, v, _ := strings.Cut(seg, "=")
		if strings.ContainsAny(k, "%+") {
			k = unescapeLenient(k)
		}
		if k != name {
			continue
		}
		if strings.ContainsAny(v, "%+") {
			v = unescapeLenient(v)
		}
		return v, true
	}
	return "", false
}

func unescapeLenient(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}
