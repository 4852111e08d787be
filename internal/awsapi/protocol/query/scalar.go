package query

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
		// ParseFloat also accepts the Infinity, -Infinity and NaN that
		// the SDKs send for non-finite values.
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
		name := ti.typ.String()
		if ti.timestamp {
			name = "timestamp"
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

// parseTime parses a time.Time member: ISO 8601 as botocore and the Go SDK
// send it (fractional seconds and offsets optional), an HTTP date, or
// epoch seconds, for members whose timestampFormat says so. (shape.Time parses itself,
// accepting more forms.)
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

// appendScalar appends the text form of scalar v.
func (d *dialect) appendScalar(b []byte, ti *typeInfo, v reflect.Value) ([]byte, error) {
	switch ti.kind {
	case kindString:
		return d.escape(b, v.String()), nil
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
			return b, errors.New(d.name + ": " + ti.typ.String() + " cannot be encoded as text")
		}
		return d.appendText(b, v)
	}
	return b, errors.New(d.name + ": " + ti.typ.String() + " is not a scalar")
}

// isTime reports whether ti is a timestamp: time.Time, or a text type
// embedding it (shape.Time).
func isTime(ti *typeInfo) bool {
	return ti.kind == kindTime || ti.kind == kindText && ti.timestamp
}

// timeOf returns the time.Time in v, of a type isTime accepts.
func timeOf(ti *typeInfo, v reflect.Value) time.Time {
	if ti.kind == kindText {
		v = v.Field(0)
	}
	return v.Interface().(time.Time)
}

// appendTimeFormat appends t in a timestampFormat trait's format:
// "unixTimestamp" (epoch seconds, milliseconds when there are any) or
// "rfc822" (an HTTP date).
func appendTimeFormat(b []byte, t time.Time, format string) []byte {
	switch format {
	case "unixTimestamp":
		ms := t.UnixMilli()
		if ms%1000 == 0 {
			return strconv.AppendInt(b, ms/1000, 10)
		}
		return strconv.AppendFloat(b, float64(ms)/1000, 'f', -1, 64)
	case "rfc822":
		return t.UTC().AppendFormat(b, http.TimeFormat)
	}
	return t.UTC().AppendFormat(b, timeFormat)
}

// appendText appends v's MarshalText, which may have either receiver.
func (d *dialect) appendText(b []byte, v reflect.Value) ([]byte, error) {
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
	return d.escape(b, string(text)), nil
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
