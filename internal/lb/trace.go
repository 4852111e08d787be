package lb

import (
	"encoding/binary"
	"encoding/hex"
	"math/rand/v2"
	"strings"
	"time"
)

// newTraceValue makes a trace identifier: version 1, the epoch second in 8
// hex digits, 24 random hex digits ("1-67891233-abcdef012345678912345678").
func newTraceValue(now time.Time) string {
	var raw [16]byte
	binary.BigEndian.PutUint32(raw[0:4], uint32(now.Unix()))
	binary.BigEndian.PutUint64(raw[4:12], rand.Uint64())
	binary.BigEndian.PutUint32(raw[12:16], rand.Uint32())
	var out [2 + 8 + 1 + 24]byte
	out[0], out[1] = '1', '-'
	hex.Encode(out[2:10], raw[0:4])
	out[10] = '-'
	hex.Encode(out[11:], raw[4:16])
	return string(out[:])
}

// traceHeader is the X-Amzn-Trace-Id a request carries to its target, given
// the one the client sent (or ""), as ALB writes it: a new header has a new
// Root; a header with a Root gets a new Self field in front (or its Self
// updated); any other fields are kept as they are. A header without a Root
// gets one in front.
func traceHeader(prior string, now time.Time) string {
	id := newTraceValue(now)
	if prior == "" {
		return "Root=" + id
	}
	fields := strings.Split(prior, ";")
	root, self := false, -1
	for i, f := range fields {
		switch k, _, _ := strings.Cut(strings.TrimSpace(f), "="); k {
		case "Root":
			root = true
		case "Self":
			self = i
		}
	}
	switch {
	case !root:
		return "Root=" + id + ";" + prior
	case self >= 0:
		fields[self] = "Self=" + id
		return strings.Join(fields, ";")
	default:
		return "Self=" + id + ";" + prior
	}
}
