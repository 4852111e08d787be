package shape

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"
)

// ISO8601Millis is the layout AWS query protocols (XML) use for timestamps:
// UTC with exactly three fractional digits.
const ISO8601Millis = "2006-01-02T15:04:05.000Z"

// Time is an AWS timestamp shape. It embeds time.Time, so every time.Time
// method is available, and replaces its encodings with AWS's:
//
//   - JSON (awsJson protocols): epoch seconds as a JSON number with up to
//     three fractional digits, e.g. 1700000000.123; decoding accepts any JSON
//     number (integer, fraction or exponent form), an ISO 8601 / RFC 3339
//     string, an RFC 1123 date, or a quoted epoch number.
//   - Text (query protocols, XML): ISO8601Millis in UTC; decoding accepts the
//     same forms as JSON strings.
//
// AWS timestamps have millisecond precision; NewTime and Now truncate to it.
type Time struct{ time.Time }

// NewTime returns t in UTC truncated to milliseconds, which is what AWS
// stores and returns, so a value survives an encode/decode round trip
// unchanged. The monotonic clock reading is dropped.
func NewTime(t time.Time) *Time {
	return &Time{t.UTC().Truncate(time.Millisecond)}
}

// Now is NewTime(time.Now()).
func Now() *Time { return NewTime(time.Now()) }

// MarshalJSON encodes t as epoch seconds with fractional milliseconds.
// Precision below a millisecond is dropped (rounded toward negative infinity).
func (t Time) MarshalJSON() ([]byte, error) {
	return AppendEpochSeconds(nil, t.Time), nil
}

// UnmarshalJSON decodes a JSON number of epoch seconds or a string holding an
// ISO 8601 time or epoch seconds. JSON null leaves t unchanged.
func (t *Time) UnmarshalJSON(b []byte) error {
	s := string(b)
	if s == "null" {
		return nil
	}
	if len(s) > 0 && s[0] == '"' {
		var str string
		if err := json.Unmarshal(b, &str); err != nil {
			return fmt.Errorf("shape: timestamp: %w", err)
		}
		return t.UnmarshalText([]byte(str))
	}
	v, err := ParseEpochSeconds(s)
	if err != nil {
		return err
	}
	t.Time = v
	return nil
}

// MarshalText encodes t as ISO8601Millis in UTC.
func (t Time) MarshalText() ([]byte, error) {
	return t.AppendText(nil)
}

// AppendText appends the MarshalText form of t to b. It shadows
// time.Time.AppendText, which would otherwise be promoted and disagree with
// MarshalText.
func (t Time) AppendText(b []byte) ([]byte, error) {
	return t.UTC().AppendFormat(b, ISO8601Millis), nil
}

// UnmarshalText decodes an ISO 8601 / RFC 3339 time (a time without a zone
// is taken as UTC), an RFC 1123 date, or epoch seconds.
func (t *Time) UnmarshalText(b []byte) error {
	v, err := ParseTimestamp(string(b))
	if err != nil {
		return err
	}
	t.Time = v
	return nil
}

// isoLayouts are the textual forms ParseTimestamp accepts, most common first.
// Fractional seconds are accepted after the seconds field of every layout
// that has one (time.Parse does so even when the layout omits them).
var isoLayouts = []string{
	time.RFC3339,
	"2006-01-02T15:04:05Z0700",
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05Z07:00",
	"20060102T150405Z",
	time.RFC1123,
	"2006-01-02",
}

// ParseTimestamp parses s as any of the forms Time accepts in text: ISO 8601
// (RFC 3339 and common variants), RFC 1123, or epoch seconds. The result is
// in UTC.
func ParseTimestamp(s string) (time.Time, error) {
	if isDecimal(s) {
		return ParseEpochSeconds(s)
	}
	for _, layout := range isoLayouts {
		if v, err := time.Parse(layout, s); err == nil {
			return v.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("shape: timestamp %q is neither ISO 8601 nor epoch seconds", s)
}

var errNotNumber = errors.New("not a decimal number")

// ParseEpochSeconds parses a decimal number of seconds since the Unix epoch
// (JSON number syntax: optional sign, fraction and exponent) exactly, to
// the nanosecond, and returns the time in UTC.
func ParseEpochSeconds(s string) (time.Time, error) {
	if !isDecimal(s) {
		return time.Time{}, fmt.Errorf("shape: timestamp %q: %w", s, errNotNumber)
	}
	// Bound the work big.Rat does: no timestamp needs a long mantissa or an
	// exponent beyond two digits, and "1e999999999" must not cost seconds.
	if len(s) > 64 || exponentTooLarge(s) {
		return time.Time{}, fmt.Errorf("shape: timestamp %q out of range", s)
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return time.Time{}, fmt.Errorf("shape: timestamp %q: %w", s, errNotNumber)
	}
	// nanos = floor(r * 1e9); sec, nsec = divmod(nanos, 1e9).
	nanos := new(big.Int).Mul(r.Num(), big.NewInt(1e9))
	nanos.Div(nanos, r.Denom()) // Euclidean: floor for a positive divisor
	sec, nsec := new(big.Int).DivMod(nanos, big.NewInt(1e9), new(big.Int))
	if !sec.IsInt64() {
		return time.Time{}, fmt.Errorf("shape: timestamp %q out of range", s)
	}
	return time.Unix(sec.Int64(), nsec.Int64()).UTC(), nil
}

// AppendEpochSeconds appends t as epoch seconds with up to three fractional
// digits and no trailing zeros ("1700000000", "1700000000.5",
// "1700000000.123").
func AppendEpochSeconds(b []byte, t time.Time) []byte {
	ms := t.UnixMilli()
	if ms < 0 {
		b = append(b, '-')
		ms = -ms
	}
	b = strconv.AppendInt(b, ms/1000, 10)
	frac := ms % 1000
	if frac == 0 {
		return b
	}
	digits := []byte{'.', byte('0' + frac/100), byte('0' + frac/10%10), byte('0' + frac%10)}
	for digits[len(digits)-1] == '0' {
		digits = digits[:len(digits)-1]
	}
	return append(b, digits...)
}

// isDecimal reports whether s has JSON number syntax:
// -?digits(.digits)?([eE][+-]?digits)?
func isDecimal(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	digits := func() bool {
		start := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		return i > start
	}
	if !digits() {
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if !digits() {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if !digits() {
			return false
		}
	}
	return i == len(s)
}

// exponentTooLarge reports whether the number s (already known to be
// decimal) has an exponent of more than two significant digits.
func exponentTooLarge(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] != 'e' && s[i] != 'E' {
			continue
		}
		exp := strings.TrimLeft(s[i+1:], "+-")
		exp = strings.TrimLeft(exp, "0")
		return len(exp) > 2
	}
	return false
}
