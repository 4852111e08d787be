package ec2query

import (
	"encoding"
	"encoding/base64"
	"errors"
	"math"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// timeFormat is how time.Time leaves berth: ISO 8601 in UTC with
// milliseconds, as shape.Time marshals and as botocore and the Go SDK parse.
const timeFormat = "2006-01-02T15:04:05.000Z"

// errSyntax is the cause of a DecodeError whose value is malformed; the
// DecodeError names the parameter and expected type.
var errSyntax = errors.New("invalid syntax")

// setScalar parses s into v, which has a scalar kind. It returns the name of
// the expected type and an error when s does not parse.
func setScalar(ti *typeInfo, v reflect.Value, s string) (string, error) {
	switch ti.kind {
	case kindString:
		v.SetString(s)
	case kindBool:
		switch {
		case strings.EqualFold(s, "true"):
			v.SetBool(true)
		case strings.EqualFold(s, "false"):
			v.SetBool(false)
		default:
			return "boolean", errSyntax
		}
	case kindInt:
		n, err := strconv.ParseInt(s, 10, ti.bits)
		if err != nil {
			return "integer", numError(err)
		}
		v.SetInt(n)
	case kindUint:
		n, err := strconv.ParseUint(s, 10, ti.bits)
		if err != nil {
			return "integer", numError(err)
		}
		v.SetUint(n)
	case kindFloat:
		f, err := strconv.ParseFloat(s, ti.bits)
		if err != nil {
			return "number", numError(err)
		}
		v.SetFloat(f)
	case kindBlob:
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return "base64 blob", errSyntax
		}
		v.SetBytes(b)
	case kindTime:
		t, err := parseTime(s)
		if err != nil {
			return "timestamp", err
		}
		v.Set(reflect.ValueOf(t))
	case kindText:
		name := "timestamp"
		if ti.typ.Kind() != reflect.Struct {
			name = ti.typ.String()
		}
		if !ti.unmarshaler {
			return name, errors.New("type cannot be decoded from text")
		}
		if err := v.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(s)); err != nil {
			return name, err
		}
	default:
		return ti.typ.String(), errors.New("not a scalar")
	}
	return "", nil
}

func numError(err error) error {
	if errors.Is(err, strconv.ErrRange) {
		return strconv.ErrRange
	}
	return errSyntax
}

// parseTime parses a time.Time member: ISO 8601 as botocore sends it, an
// HTTP date, or epoch seconds. (shape.Time parses itself.)
func parseTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	if t, err := http.ParseTime(s); err == nil {
		return t.UTC(), nil
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
		sec, frac := math.Modf(f)
		return time.Unix(int64(sec), int64(frac*1e9)).UTC(), nil
	}
	return time.Time{}, errSyntax
}

// appendScalar appends the text form of scalar v, escaped for XML.
func appendScalar(b []byte, ti *typeInfo, v reflect.Value) ([]byte, error) {
	switch ti.kind {
	case kindString:
		return appendEscaped(b, v.String()), nil
	case kindBool:
		return strconv.AppendBool(b, v.Bool()), nil
	case kindInt:
		return strconv.AppendInt(b, v.Int(), 10), nil
	case kindUint:
		return strconv.AppendUint(b, v.Uint(), 10), nil
	case kindFloat:
		return appendFloat(b, v.Float(), ti.bits), nil
	case kindBlob:
		return base64.StdEncoding.AppendEncode(b, v.Bytes()), nil
	case kindTime:
		return v.Interface().(time.Time).UTC().AppendFormat(b, timeFormat), nil
	case kindText:
		if !ti.marshaler {
			return b, errors.New("ec2query: " + ti.typ.String() + " cannot be encoded as text")
		}
		return appendText(b, v)
	}
	return b, errors.New("ec2query: " + ti.typ.String() + " is not a scalar")
}

// appendText appends v's MarshalText, which may have either receiver.
func appendText(b []byte, v reflect.Value) ([]byte, error) {
	m, ok := v.Interface().(encoding.TextMarshaler)
	if !ok {
		p := reflect.New(v.Type())
		p.Elem().Set(v)
		m = p.Interface().(encoding.TextMarshaler)
	}
	text, err := m.MarshalText()
	if err != nil {
		return b, err
	}
	return appendEscaped(b, string(text)), nil
}

// appendFloat writes f as the SDKs do: plain decimal, and Infinity,
// -Infinity or NaN for non-finite values.
func appendFloat(b []byte, f float64, bits int) []byte {
	switch {
	case math.IsInf(f, 1):
		return append(b, "Infinity"...)
	case math.IsInf(f, -1):
		return append(b, "-Infinity"...)
	case math.IsNaN(f):
		return append(b, "NaN"...)
	}
	return strconv.AppendFloat(b, f, 'f', -1, bits)
}

// appendEscaped appends s as XML character data (and attribute values: "
// is escaped too). \r is escaped so parsers do not fold it into \n.
// Characters XML cannot carry (most control characters, invalid UTF-8)
// become U+FFFD, as encoding/xml does, so the document always parses.
func appendEscaped(b []byte, s string) []byte {
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
			case c == '"':
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
