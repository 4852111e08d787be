package filterpattern

import (
	"sync"
	"unicode/utf16"
	"unicode/utf8"
)

// jkind is the type of a JSON value.
type jkind uint8

const (
	jNull jkind = iota
	jTrue
	jFalse
	jNumber
	jString
	jObject
	jArray
)

// jnode is one value of a parsed message, kept as offsets into it so that
// parsing copies nothing: a flat tree in document order, children linked
// through first and next.
type jnode struct {
	kind jkind
	// esc and keyEsc say whether the value (a string) and the member key
	// hold escapes, and so must be unescaped before they are compared.
	esc, keyEsc bool
	// start and end delimit a number's text or a string's content.
	start, end int32
	// keyStart and keyEnd delimit the member key's content in an object.
	keyStart, keyEnd int32
	// first is the first child of an object or array, next the next
	// sibling; -1 for none.
	first, next int32
}

// maxDepth is how deep objects and arrays may nest, as in encoding/json;
// a deeper message is treated as not JSON.
const maxDepth = 10000

// doc is a message parsed for JSON conditions. Docs are pooled: a Match
// reuses one's node slice and scratch buffer instead of allocating.
type doc struct {
	src   string
	nodes []jnode
	buf   []byte // scratch for unescaping
}

var docPool = sync.Pool{New: func() any { return &doc{nodes: make([]jnode, 0, 64)} }}

// maxPooledNodes bounds the node slice a pooled doc keeps, so that one huge
// message does not pin its memory.
const maxPooledNodes = 1 << 14

// getDoc parses msg into a pooled doc; it returns nil, and keeps nothing,
// when msg is not a JSON object. The caller returns the doc with putDoc.
func getDoc(msg string) *doc {
	d := docPool.Get().(*doc)
	if d.parse(msg) {
		return d
	}
	putDoc(d)
	return nil
}

func putDoc(d *doc) {
	if cap(d.nodes) > maxPooledNodes {
		return
	}
	d.src, d.nodes = "", d.nodes[:0]
	docPool.Put(d)
}

// parse reads s, which must be exactly one JSON object with optional
// surrounding whitespace, and reports whether it is valid JSON.
func (d *doc) parse(s string) bool {
	if len(s) > 1<<30 {
		return false // offsets are int32
	}
	d.src, d.nodes = s, d.nodes[:0]
	i := skipJSONSpace(s, 0)
	if i == len(s) || s[i] != '{' {
		return false
	}
	i, ok := d.value(i, 0)
	return ok && skipJSONSpace(s, i) == len(s)
}

func skipJSONSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
		i++
	}
	return i
}

// value parses the value at s[i], appends its node (and its children's),
// and returns the index after it.
func (d *doc) value(i, depth int) (int, bool) {
	s := d.src
	if i >= len(s) {
		return 0, false
	}
	n := int32(len(d.nodes))
	d.nodes = append(d.nodes, jnode{keyStart: -1, keyEnd: -1, first: -1, next: -1})
	switch c := s[i]; {
	case c == '{' || c == '[':
		if depth >= maxDepth {
			return 0, false
		}
		return d.container(n, i, depth+1)
	case c == '"':
		end, esc, ok := scanString(s, i)
		if !ok {
			return 0, false
		}
		nd := &d.nodes[n]
		nd.kind, nd.start, nd.end, nd.esc = jString, int32(i+1), int32(end), esc
		return end + 1, true
	case c == '-' || '0' <= c && c <= '9':
		end, ok := scanNumber(s, i)
		if !ok {
			return 0, false
		}
		nd := &d.nodes[n]
		nd.kind, nd.start, nd.end = jNumber, int32(i), int32(end)
		return end, true
	default:
		for _, lit := range [...]struct {
			text string
			kind jkind
		}{{"true", jTrue}, {"false", jFalse}, {"null", jNull}} {
			if len(s)-i >= len(lit.text) && s[i:i+len(lit.text)] == lit.text {
				d.nodes[n].kind = lit.kind
				return i + len(lit.text), true
			}
		}
		return 0, false
	}
}

// container parses the object or array at s[i] into node n.
func (d *doc) container(n int32, i, depth int) (int, bool) {
	s := d.src
	isObject := s[i] == '{'
	closer := byte(']')
	d.nodes[n].kind = jArray
	if isObject {
		closer = '}'
		d.nodes[n].kind = jObject
	}
	i = skipJSONSpace(s, i+1)
	if i < len(s) && s[i] == closer {
		return i + 1, true
	}
	prev := int32(-1)
	for {
		keyStart, keyEnd, keyEsc := -1, -1, false
		if isObject {
			if i >= len(s) || s[i] != '"' {
				return 0, false
			}
			end, esc, ok := scanString(s, i)
			if !ok {
				return 0, false
			}
			keyStart, keyEnd, keyEsc = i+1, end, esc
			i = skipJSONSpace(s, end+1)
			if i >= len(s) || s[i] != ':' {
				return 0, false
			}
			i = skipJSONSpace(s, i+1)
		}
		child := int32(len(d.nodes))
		var ok bool
		if i, ok = d.value(i, depth); !ok {
			return 0, false
		}
		c := &d.nodes[child]
		c.keyStart, c.keyEnd, c.keyEsc = int32(keyStart), int32(keyEnd), keyEsc
		if prev < 0 {
			d.nodes[n].first = child
		} else {
			d.nodes[prev].next = child
		}
		prev = child
		i = skipJSONSpace(s, i)
		if i >= len(s) {
			return 0, false
		}
		switch s[i] {
		case ',':
			i = skipJSONSpace(s, i+1)
		case closer:
			return i + 1, true
		default:
			return 0, false
		}
	}
}

// scanString checks the string whose opening quote is s[i] and returns the
// index of its closing quote and whether it holds escapes.
func scanString(s string, i int) (end int, esc, ok bool) {
	for j := i + 1; j < len(s); j++ {
		switch c := s[j]; {
		case c == '"':
			return j, esc, true
		case c == '\\':
			esc = true
			j++
			if j >= len(s) {
				return 0, false, false
			}
			switch s[j] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if j+4 >= len(s) || !isHex4(s[j+1:j+5]) {
					return 0, false, false
				}
				j += 4
			default:
				return 0, false, false
			}
		case c < 0x20:
			return 0, false, false
		}
	}
	return 0, false, false
}

func isHex4(s string) bool {
	for i := 0; i < 4; i++ {
		if hexVal(s[i]) < 0 {
			return false
		}
	}
	return true
}

func hexVal(c byte) rune {
	switch {
	case '0' <= c && c <= '9':
		return rune(c - '0')
	case 'a' <= c && c <= 'f':
		return rune(c - 'a' + 10)
	case 'A' <= c && c <= 'F':
		return rune(c - 'A' + 10)
	}
	return -1
}

// scanNumber checks the JSON number at s[i] and returns the index after it.
func scanNumber(s string, i int) (int, bool) {
	if s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && '1' <= s[i] && s[i] <= '9':
		i = skipDigits(s, i)
	default:
		return 0, false
	}
	if i < len(s) && s[i] == '.' {
		j := skipDigits(s, i+1)
		if j == i+1 {
			return 0, false
		}
		i = j
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		j := skipDigits(s, i)
		if j == i {
			return 0, false
		}
		i = j
	}
	return i, true
}

func skipDigits(s string, i int) int {
	for i < len(s) && '0' <= s[i] && s[i] <= '9' {
		i++
	}
	return i
}

// unescape appends the value of the JSON string content s, which
// scanString accepted, to dst. Lone surrogates become U+FFFD, as in
// encoding/json.
func unescape(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			dst = append(dst, c)
			continue
		}
		i++
		switch s[i] {
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r := hex4(s[i+1:])
			i += 4
			if utf16.IsSurrogate(r) {
				r2 := rune(-1)
				if i+6 < len(s) && s[i+1] == '\\' && s[i+2] == 'u' {
					r2 = hex4(s[i+3:])
				}
				if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
					r = dec
					i += 6
				} else {
					r = utf8.RuneError
				}
			}
			dst = utf8.AppendRune(dst, r)
		default: // '"', '\\', '/'
			dst = append(dst, s[i])
		}
	}
	return dst
}

func hex4(s string) rune {
	return hexVal(s[0])<<12 | hexVal(s[1])<<8 | hexVal(s[2])<<4 | hexVal(s[3])
}

// keyIs reports whether node n's member key is key.
func (d *doc) keyIs(n int32, key string) bool {
	nd := &d.nodes[n]
	raw := d.src[nd.keyStart:nd.keyEnd]
	if !nd.keyEsc {
		return raw == key
	}
	d.buf = unescape(d.buf[:0], raw)
	return string(d.buf) == key
}

// text returns the text a condition compares for node n: a string's value
// or a number as written.
func (d *doc) text(n int32) string {
	nd := &d.nodes[n]
	raw := d.src[nd.start:nd.end]
	if !nd.esc {
		return raw
	}
	d.buf = unescape(d.buf[:0], raw)
	return string(d.buf)
}
