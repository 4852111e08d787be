package query

import (
	"errors"
	"io"
	"reflect"
	"slices"
	"strings"
	"sync"
)

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// maxPooled bounds the buffers kept for reuse, so one huge response does not
// pin its memory for the life of the process.
const maxPooled = 256 << 10

// WriteResponse writes the awsQuery response for action:
//
//	<ActionResponse xmlns="xmlns">
//	  <ActionResult>…result's members…</ActionResult>
//	  <ResponseMetadata><RequestId>requestID</RequestId></ResponseMetadata>
//	</ActionResponse>
//
// result is a structure or a pointer to one. A nil pointer or a structure
// with nothing set writes an empty <ActionResult/>, which botocore and the
// Go SDK require for every operation with an output shape (elbv2 AddTags).
// A nil result writes no Result element, as AWS does for operations without
// one (iam DeleteRole).
//
// Members are written in field order; nil pointers, lists and maps are
// omitted, as are zero values of omitzero fields. An empty non-nil list
// writes an empty element, as AWS does for lists it always returns.
//
// The document is built in memory and written with one Write, so on error
// nothing has been written.
func WriteResponse(w io.Writer, action, xmlns string, result any, requestID string) error {
	bp := bufPool.Get().(*[]byte)
	b := appendStart(append((*bp)[:0], '<'), action, xmlns)
	if result != nil {
		var err error
		if b, err = awsQuery.appendResult(b, action+"Result", result); err != nil {
			putBuf(bp, b)
			return err
		}
	}
	b = append(b, "<ResponseMetadata><RequestId>"...)
	b = appendEscaped(b, requestID)
	b = append(b, "</RequestId></ResponseMetadata>"...)
	return writeEnd(w, bp, b, action)
}

// xmlHeader starts every EC2 document, as EC2's do.
const xmlHeader = `<?xml version="1.0" encoding="UTF-8"?>` + "\n<"

// WriteEC2Response writes the EC2 response for action:
//
//	<ActionResponse xmlns="xmlns">
//	  <requestId>requestID</requestId>
//	  …out's members…
//	</ActionResponse>
//
// out is a structure, a pointer to one, or nil for operations without an
// output shape (CreateTags). Members are written as by WriteResponse, with
// no Result wrapper; " is escaped in text.
func WriteEC2Response(w io.Writer, action, xmlns string, out any, requestID string) error {
	bp := bufPool.Get().(*[]byte)
	b := appendStart(append((*bp)[:0], xmlHeader...), action, xmlns)
	b = append(b, "<requestId>"...)
	b = appendEscapedQuot(b, requestID)
	b = append(b, "</requestId>"...)
	var err error
	if b, err = ec2Query.appendResult(b, "", out); err != nil {
		putBuf(bp, b)
		return err
	}
	return writeEnd(w, bp, b, action)
}

func appendStart(b []byte, action, xmlns string) []byte {
	b = append(b, action...)
	b = append(b, "Response"...)
	b = appendXMLNS(b, xmlns)
	return append(b, '>')
}

func writeEnd(w io.Writer, bp *[]byte, b []byte, action string) error {
	b = append(b, "</"...)
	b = append(b, action...)
	b = append(b, "Response>"...)
	_, err := w.Write(b)
	putBuf(bp, b)
	return err
}

// WriteError writes the awsQuery error envelope, which botocore and the Go
// SDK read Code and Message from:
//
//	<ErrorResponse xmlns="xmlns">
//	  <Error><Type>errType</Type><Code>code</Code><Message>message</Message></Error>
//	  <RequestId>requestID</RequestId>
//	</ErrorResponse>
//
// errType is "Sender" for the caller's faults and "Receiver" for the
// server's.
func WriteError(w io.Writer, xmlns, errType, code, message, requestID string) error {
	bp := bufPool.Get().(*[]byte)
	b := append((*bp)[:0], "<ErrorResponse"...)
	b = appendXMLNS(b, xmlns)
	b = append(b, "><Error><Type>"...)
	b = appendEscaped(b, errType)
	b = append(b, "</Type><Code>"...)
	b = appendEscaped(b, code)
	b = append(b, "</Code><Message>"...)
	b = appendEscaped(b, message)
	b = append(b, "</Message></Error><RequestId>"...)
	b = appendEscaped(b, requestID)
	b = append(b, "</RequestId></ErrorResponse>"...)
	_, err := w.Write(b)
	putBuf(bp, b)
	return err
}

// WriteEC2Error writes the EC2 error envelope, which botocore and the Go SDK
// read Code, Message and RequestID from:
//
//	<Response>
//	  <Errors><Error><Code>code</Code><Message>message</Message></Error></Errors>
//	  <RequestID>requestID</RequestID>
//	</Response>
func WriteEC2Error(w io.Writer, code, message, requestID string) error {
	bp := bufPool.Get().(*[]byte)
	b := append((*bp)[:0], xmlHeader+"Response><Errors><Error><Code>"...)
	b = appendEscapedQuot(b, code)
	b = append(b, "</Code><Message>"...)
	b = appendEscapedQuot(b, message)
	b = append(b, "</Message></Error></Errors><RequestID>"...)
	b = appendEscapedQuot(b, requestID)
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

func appendXMLNS(b []byte, xmlns string) []byte {
	if xmlns == "" {
		return b
	}
	b = append(b, ` xmlns="`...)
	for {
		before, after, found := strings.Cut(xmlns, `"`)
		b = appendEscaped(b, before)
		if !found {
			return append(b, '"')
		}
		b = append(b, "&quot;"...)
		xmlns = after
	}
}

// appendResult appends result, a structure or a pointer to one, as the
// element name, or as its bare members when name is "" (EC2).
func (d *dialect) appendResult(b []byte, name string, result any) ([]byte, error) {
	if result == nil {
		return b, nil
	}
	v := reflect.ValueOf(result)
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			if name == "" {
				return b, nil
			}
			return appendEmpty(b, name), nil
		}
		v = v.Elem()
	}
	ti, err := infoFor(v.Type())
	if err != nil {
		return b, err
	}
	if ti.kind != kindStruct {
		return b, errors.New(d.name + ": result must be a structure, not " + v.Type().String())
	}
	if name == "" {
		return d.appendMembers(b, ti, v)
	}
	return d.appendElement(b, ti, &defaultField, v, name)
}

func (d *dialect) appendMembers(b []byte, ti *typeInfo, v reflect.Value) ([]byte, error) {
	var err error
	for i := range ti.fields {
		sf := &ti.fields[i]
		fv := v.Field(sf.index)
		if omit(sf, fv) {
			continue
		}
		if b, err = d.appendElement(b, sf.info, sf, fv, sf.name); err != nil {
			return b, err
		}
	}
	return b, nil
}

// appendElement appends v as the element name (or, for flattened lists and
// maps, as a run of name elements).
func (d *dialect) appendElement(b []byte, ti *typeInfo, f *field, v reflect.Value, name string) ([]byte, error) {
	var err error
	switch ti.kind {
	case kindPtr:
		if v.IsNil() {
			return b, nil
		}
		return d.appendElement(b, ti.elem, f, v.Elem(), name)
	case kindStruct:
		b, mark := appendOpen(b, name)
		if b, err = d.appendMembers(b, ti, v); err != nil {
			return b, err
		}
		return appendClose(b, name, mark), nil
	case kindList:
		return d.appendList(b, ti, f, v, name)
	case kindMap:
		return d.appendMap(b, ti, f, v, name)
	}
	b, mark := appendOpen(b, name)
	if f.timeFormat != "" && f.timeFormat != "iso8601" && isTime(ti) {
		b = appendTimeFormat(b, timeOf(ti, v), f.timeFormat)
	} else if b, err = d.appendScalar(b, ti, v); err != nil {
		return b, err
	}
	return appendClose(b, name, mark), nil
}

func (d *dialect) appendList(b []byte, ti *typeInfo, f *field, v reflect.Value, name string) ([]byte, error) {
	var err error
	if f.flattened {
		for i := range v.Len() {
			if b, err = d.appendElement(b, ti.elem, &defaultField, v.Index(i), name); err != nil {
				return b, err
			}
		}
		return b, nil
	}
	b, mark := appendOpen(b, name)
	for i := range v.Len() {
		if b, err = d.appendElement(b, ti.elem, &defaultField, v.Index(i), f.memberName); err != nil {
			return b, err
		}
	}
	return appendClose(b, name, mark), nil
}

// appendMap writes entries sorted by key, so responses are deterministic.
func (d *dialect) appendMap(b []byte, ti *typeInfo, f *field, v reflect.Value, name string) ([]byte, error) {
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
		b = append(b, '<')
		b = append(b, entry...)
		b = append(b, '>')
		if b, err = d.appendElement(b, ti.key, &defaultField, k, f.keyName); err != nil {
			return b, err
		}
		if b, err = d.appendElement(b, ti.elem, &defaultField, v.MapIndex(k), f.valueName); err != nil {
			return b, err
		}
		b = append(b, "</"...)
		b = append(b, entry...)
		b = append(b, '>')
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

func appendEmpty(b []byte, name string) []byte {
	b = append(b, '<')
	b = append(b, name...)
	return append(b, "/>"...)
}
