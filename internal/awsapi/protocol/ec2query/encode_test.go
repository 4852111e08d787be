package ec2query

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/awsapi/shape"
)

func TestWriteResponse(t *testing.T) {
	tests := []struct {
		name   string
		action string
		xmlns  string
		out    any
	}{
		{"zero-scalars", "Zero", testXMLNS, &outputShape{internal: 1}},
		{"nil-out", "DeleteVpc", testXMLNS, nil},
		{"nil-pointer-out", "DeleteVpc", "", (*outputShape)(nil)},
		{"by-value", "Full", testXMLNS, outputShape{
			Flag: true, Count: -3, Name: `a<b>&"c"` + "\r\x01", Boxed: ptr[int32](0), Ratio: 0.25,
			Items:   []nested{{Name: "x", Values: []string{"1", "2"}}, {}},
			Flat:    []string{"f1", "f2"},
			Unnamed: []string{"u"},
			When:    shape.NewTime(time.Date(2024, 5, 6, 7, 8, 9, 123e6, time.UTC)),
			Data:    []byte("hi"),
			Labels:  map[string]string{"b": "2", "a": "1"},
			Nested:  &nested{},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteResponse(&buf, tt.action, tt.xmlns, tt.out, "req-<1>"); err != nil {
				t.Fatal(err)
			}
			golden(t, "encode", tt.name+".xml", buf.Bytes())
		})
	}
}

func TestWriteResponseErrors(t *testing.T) {
	for _, out := range []any{"string", ptr(3), struct{ C chan int }{}} {
		var buf bytes.Buffer
		if err := WriteResponse(&buf, "X", "", out, "r"); err == nil {
			t.Errorf("WriteResponse(%T) = nil, want an error", out)
		}
		if buf.Len() != 0 {
			t.Errorf("WriteResponse(%T) wrote %q on error", out, buf.Bytes())
		}
	}
	werr := errors.New("broken pipe")
	if err := WriteResponse(failWriter{werr}, "X", "", nil, "r"); !errors.Is(err, werr) {
		t.Errorf("WriteResponse to a failing writer = %v, want %v", err, werr)
	}
	if err := WriteError(failWriter{werr}, "C", "M", "r"); !errors.Is(err, werr) {
		t.Errorf("WriteError to a failing writer = %v, want %v", err, werr)
	}
}

type failWriter struct{ err error }

func (w failWriter) Write([]byte) (int, error) { return 0, w.err }
