package sigv4

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// scratch holds the buffers one verification needs, pooled so that the
// hot path does not allocate.
type scratch struct {
	buf   []byte // canonical request, then (after hmacBlock bytes of pad space) the string to sign
	crLen int    // length of the canonical request in buf
	enc   []byte // encoded query names and values
	pairs []queryPair
}

var scratchPool = sync.Pool{New: func() any {
	return &scratch{buf: make([]byte, 0, 1024), enc: make([]byte, 0, 256)}
}}

// maxPooledBuf keeps one huge request from pinning a huge buffer in the pool.
const maxPooledBuf = 64 << 10

func getScratch() *scratch { return scratchPool.Get().(*scratch) }

func putScratch(s *scratch) {
	if cap(s.buf) > maxPooledBuf || cap(s.enc) > maxPooledBuf {
		return
	}
	scratchPool.Put(s)
}

// appendCanonicalRequest appends the SigV4 canonical request up to, not
// including, its last line, the payload hash:
//
//	Method \n CanonicalURI \n CanonicalQuery \n CanonicalHeaders \n SignedHeaders \n PayloadHash
//
// where CanonicalHeaders is one "name:value\n" line per signed header.
// The caller appends the hash, which it may hold as a string or as bytes.
func (s *scratch) appendCanonicalRequest(buf []byte, r *http.Request, c *claim, path string) []byte {
	buf = append(buf, r.Method...)
	buf = append(buf, '\n')
	buf = appendCanonicalURI(buf, path, c.service == "s3")
	buf = append(buf, '\n')
	buf = s.appendCanonicalQuery(buf, r.URL.RawQuery, c.presigned)
	buf = append(buf, '\n')
	buf = appendCanonicalHeaders(buf, r, c.signedHeaders)
	buf = append(buf, '\n')
	buf = append(buf, c.signedHeaders...)
	return append(buf, '\n')
}

// requestPath is the path exactly as the client sent it. RequestURI is
// the wire's own bytes; URL.EscapedPath can differ from them (it re-escapes
// raw non-ASCII bytes, say), and a client signs what it sends.
func requestPath(r *http.Request) string {
	uri := r.RequestURI
	if uri == "" || uri == "*" {
		return r.URL.EscapedPath()
	}
	if uri[0] != '/' {
		// Absolute form, "http://host/path?query", as sent to proxies.
		_, rest, ok := strings.Cut(uri, "://")
		if !ok {
			return r.URL.EscapedPath()
		}
		i := strings.IndexAny(rest, "/?")
		if i < 0 || rest[i] == '?' {
			return "/"
		}
		uri = rest[i:]
	}
	if i := strings.IndexByte(uri, '?'); i >= 0 {
		uri = uri[:i]
	}
	return uri
}

// appendCanonicalURI appends the canonical form of path, the request's
// path as escaped on the wire. Every service but S3 encodes that escaped
// path once more (so "%20" becomes "%2520"), which is what the SDKs do;
// S3 uses it as is.
func appendCanonicalURI(buf []byte, path string, s3 bool) []byte {
	if path == "" {
		return append(buf, '/')
	}
	if s3 {
		return append(buf, path...)
	}
	for i := 0; i < len(path); i++ {
		if c := path[i]; c == '/' {
			buf = append(buf, c)
		} else {
			buf = appendEncodedByte(buf, c)
		}
	}
	return buf
}

// normalizePath removes "." and ".." segments and empty segments, as
// botocore (the aws CLI) does before signing; the Go SDK signs the path
// unchanged, so the verifier tries the path as sent first and this form
// only when that fails. ok is false when normalizing changes nothing.
func normalizePath(path string) (string, bool) {
	if !strings.Contains(path, "//") && !strings.Contains(path, "/.") {
		return path, false
	}
	var out []string
	for seg := range strings.SplitSeq(path, "/") {
		switch seg {
		case "", ".":
		case "..":
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
		default:
			out = append(out, seg)
		}
	}
	n := "/" + strings.Join(out, "/")
	if len(out) > 0 && strings.HasSuffix(path, "/") {
		n += "/"
	}
	return n, n != path
}

// appendCanonicalHeaders appends "name:value\n" for each header in the
// SignedHeaders list, in the list's order (clients send it sorted; the
// signature covers the list as sent).
func appendCanonicalHeaders(buf []byte, r *http.Request, signedHeaders string) []byte {
	for list := signedHeaders; list != ""; {
		var name string
		name, list, _ = strings.Cut(list, ";")
		start := len(buf)
		buf = append(buf, name...)
		lowerASCII(buf[start:])
		lower := buf[start:]
		buf = append(buf, ':')
		buf = appendHeaderValues(buf, r, lower)
		buf = append(buf, '\n')
	}
	return buf
}

// appendHeaderValues appends the canonical value of the header named
// lower: each value trimmed, runs of spaces collapsed, values joined by
// ','. Go's server moves Host, and for chunked bodies Transfer-Encoding,
// out of the header map, so those come from the request's fields.
func appendHeaderValues(buf []byte, r *http.Request, lower []byte) []byte {
	switch string(lower) {
	case "host":
		host := r.Host
		if host == "" {
			host = r.URL.Host
		}
		return appendTrimmed(buf, host)
	}
	vals := headerValues(r.Header, lower)
	if len(vals) == 0 {
		switch string(lower) {
		case "content-length":
			if r.ContentLength > 0 {
				return strconv.AppendInt(buf, r.ContentLength, 10)
			}
		case "transfer-encoding":
			vals = r.TransferEncoding
		}
	}
	for i, v := range vals {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = appendTrimmed(buf, v)
	}
	return buf
}

// headerValues looks lower up in h without allocating: it builds the
// canonical MIME key on the stack, and scans only when that misses (a key
// stored in a non-canonical form).
func headerValues(h http.Header, lower []byte) []string {
	var a [64]byte
	if len(lower) <= len(a) {
		key := a[:len(lower)]
		upper := true
		for i, c := range lower {
			if upper && 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			}
			key[i] = c
			upper = c == '-'
		}
		if v, ok := h[string(key)]; ok {
			return v
		}
	}
	for k, v := range h {
		if strings.EqualFold(k, string(lower)) {
			return v
		}
	}
	return nil
}

// appendTrimmed appends v without leading or trailing whitespace and with
// each run of spaces collapsed to one, as the SigV4 spec's Trimall does.
func appendTrimmed(buf []byte, v string) []byte {
	v = strings.Trim(v, " \t")
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == ' ' && i > 0 && v[i-1] == ' ' {
			continue
		}
		buf = append(buf, c)
	}
	return buf
}

func lowerASCII(b []byte) {
	for i, c := range b {
		b[i] = lowerByte(c)
	}
}
