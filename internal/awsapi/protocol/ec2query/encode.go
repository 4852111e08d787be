package ec2query

import (
	"errors"
	"io"
	"reflect"
	"slices"
	"strings"
	"sync"
)

// xmlHeader starts every document, as EC2's do.
const xmlHeader = `<?xml version="1.0" encoding="UTF-8"?>` + "\n"

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// maxPooled bounds the buffers kept for reuse, so one huge response does not
// pin its memory for the life of the process.
const maxPooled = 256 << 10

// WriteResponse writes the EC2 response for action:
//
//	<ActionResponse xmlns="xmlns">
//	  <requestId>requestID</requestId>
//	  …out's members…
//	</ActionResponse>
//
// out is a structure, a pointer to one, or nil for operations without an
// output shape (CreateTags). Members are written in field order under their
// locationName; nil pointers, lists and maps are left out, as are zero
// values of omitzero fields, while other scalars (booleans, numbers) are
// always written. An empty non-nil list writes an empty element, as EC2
// does for the sets it always returns (tagSet).
//
// The document is built in memory and written with one Write, so on error
// nothing has been written.
func WriteResponse(w io.Writer, action, xmlns string, out any, requestID string) error {
	bp := bufPool.Get().(*[]byte)
	b := append((*bp)[:0], xmlHeader...)
	b = append(b, '<')
	b = append(b, action...)
	b = append(b, "Response"...)
	if xmlns != "" {
		b = append(b, ` xmlns="`...)
		b = appendEscaped(b, xmlns)
		b = append(b, '"')
	}
	b = append(b, "><requestId>"...)
	b = appendEscaped(b, requestID)
	b = append(b, "</requestId>"...)
	var err error
	if b, err = appendOutput(b, out); err != nil {
		putBuf(bp, b)
		return err
	}
	b = append(b, "</"...)
	b = append(b, action...)
	b = append(b, "Response>"...)
	_, err = w.Write(b)
	putBuf(bp, b)
	return err
}

// WriteError writes the EC2 error envelope, which botocore and the Go SDK
// read Code, Message and RequestID from:
//
//	<Response>
//	  <Errors><Error><Code>code</Code><Message>message</Message></Error></Errors>
//	  <RequestID>requestID</RequestID>
//	</Response>
func WriteError(w io.Writer, code, message, requestID string) error {
	bp := bufPool.Get().(*[]byte)
	b := append((*bp)[:0], xmlHeader...)
	b = append(b, "<Response><Errors><Error><Code>"...)
	b = appendEscaped(b, code)
	b = append(b, "</Code><Message>"...)
	b = appendEscaped(b, message)
	b = append(b, "</Message></Error></Errors><RequestID>"...)
	b = appendEscaped(b, requestID)
	b = append(b, "</RequestID></Response>"...)
	_, err := w.Write(b)
	putBuf(bp, b)
	return err
}

func putBuf(bp *[]byte, b []byte) {
	if cap(b) > maxPooled {
		return
	}
	*bp = b
	bufPool.Put(bp)
}

// appendOutput appends out's members, unwrapped.
func appendOutput(b []byte, out any) ([]byte, error) {
	if out == nil {
		return b, nil
	}
	v := reflect.ValueOf(out)
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return b, nil
		}
		v = v.Elem()
	}
	ti, err := infoFor(v.Type())
	if err != nil {
		return b, err
	}
	if ti.kind != kindStruct {
		return b, errors.New("ec2query: output must be a structure, not " + v.Type().String())
	}
	return appendMembers(b, ti, v)
}

func appendMembers(b []byte, ti *typeInfo, v reflect.Value) ([]byte, error) {
	var err error
	for i := range ti.fields {
		f := &ti.fields[i]
		fv := v.Field(f.index)
		if omit(f, fv) {
			continue
		}
		if b, err = appendElement(b, f.info, f, fv, f.elemName); err != nil {
			return b, err
		}
	}
	return b, nil
}

// appendElement appends v as the element name (or, for flattened lists and
// maps, as a run of name elements).
func appendElement(b []byte, ti *typeInfo, f *field, v reflect.Value, name string) ([]byte, error) {
	var err error
	switch ti.kind {
	case kindPtr:
		if v.IsNil() {
			return b, nil
		}
		return appendElement(b, ti.elem, f, v.Elem(), name)
	case kindStruct:
		b, mark := appendOpen(b, name)
		if b, err = appendMembers(b, ti, v); err != nil {
			return b, err
		}
		return appendClose(b, name, mark), nil
	case kindList:
		return appendList(b, ti, f, v, name)
	case kindMap:
		return appendMap(b, ti, f, v, name)
	}
	b, mark := appendOpen(b, name)
	if b, err = appendScalar(b, ti, v); err != nil {
		return b, err
	}
	return appendClose(b, name, mark), nil
}

func appendList(b []byte, ti *typeInfo, f *field, v reflect.Value, name string) ([]byte, error) {
	var err error
	if f.flattened {
		for i := range v.Len() {
			if b, err = appendElement(b, ti.elem, &defaultField, v.Index(i), name); err != nil {
				return b, err
			}
		}
		return b, nil
	}
	b, mark := appendOpen(b, name)
	for i := range v.Len() {
		if b, err = appendElement(b, ti.elem, &defaultField, v.Index(i), f.itemName); err != nil {
			return b, err
		}
	}
	return appendClose(b, name, mark), nil
}

// appendMap writes entries sorted by key, so responses are deterministic.
func appendMap(b []byte, ti *typeInfo, f *field, v reflect.Value, name string) ([]byte, error) {
	keys := v.MapKeys()
	slices.SortFunc(keys, func(x, y reflect.Value) int { return strings.Compare(x.String(), y.String()) })
	entry := "entry"
	var mark int
	if f.flattened {
		entry = name
	} else {
		b, mark = appendOpen(b, name)
	}
	var err error
	for _, k := range keys {
		var emark int
		b, emark = appendOpen(b, entry)
		if b, err = appendElement(b, ti.key, &defaultField, k, f.keyName); err != nil {
			return b, err
		}
		if b, err = appendElement(b, ti.elem, &defaultField, v.MapIndex(k), f.valueName); err != nil {
			return b, err
		}
		b = appendClose(b, entry, emark)
	}
	if f.flattened {
		return b, nil
	}
	return appendClose(b, name, mark), nil
}

// omit reports whether a member is left out of a response: absent values
// always, zero values when the field says omitzero.
func omit(f *field, v reflect.Value) bool {
	switch f.info.kind {
	case kindPtr, kindList, kindMap, kindBlob:
		return v.IsNil()
	}
	return f.omitZero && v.IsZero()
}

// appendOpen appends <name> and returns the offset just past it, which
// appendClose uses to tell an empty element.
func appendOpen(b []byte, name string) ([]byte, int) {
	b = append(b, '<')
	b = append(b, name...)
	b = append(b, '>')
	return b, len(b)
}

// appendClose closes the element appendOpen opened at mark, as <name/> when
// nothing was written inside it.
func appendClose(b []byte, name string, mark int) []byte {
	if len(b) == mark {
		return append(b[:mark-1], "/>"...)
	}
	b = append(b, "</"...)
	b = append(b, name...)
	return append(b, '>')
}
