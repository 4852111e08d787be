package gateway

import (
	"bytes"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/berth-dev/berth/internal/awsapi/protocol"
	"github.com/berth-dev/berth/internal/awsapi/protocol/query"
)

// responder encodes inputs and outputs in the wire protocol of the service
// a request was resolved to.
type responder struct {
	w      http.ResponseWriter
	info   *protocol.RequestInfo
	wire   protocol.Wire
	svc    *protocol.Service
	form   url.Values // query requests: the parsed parameters
	status int
}

func (rw *responder) setService(svc *protocol.Service) {
	rw.svc = svc
	rw.wire = svc.Wire
}

func (rw *responder) jsonContentType() string {
	if rw.wire == protocol.AWSJSON10 {
		return "application/x-amz-json-1.0"
	}
	return "application/x-amz-json-1.1"
}

func (rw *responder) decode(body []byte, in any) error {
	switch rw.wire {
	case protocol.AWSQuery, protocol.EC2Query:
		decode := query.Decode
		if rw.wire == protocol.EC2Query {
			decode = query.DecodeEC2
		}
		err := decode(rw.form, in)
		var derr *query.DecodeError
		if errors.As(err, &derr) {
			if rw.wire == protocol.EC2Query {
				return protocol.Errorf("InvalidParameterValue", http.StatusBadRequest, "%v", err)
			}
			return protocol.ValidationError("%v", err)
		}
		return err // nil, or a shape the codec can't handle: a server bug
	default:
		return protocol.DecodeJSON(body, in)
	}
}

func (rw *responder) respond(opName string, out any) error {
	rw.status = http.StatusOK
	switch rw.wire {
	case protocol.AWSQuery, protocol.EC2Query:
		var buf bytes.Buffer
		write := query.WriteResponse
		if rw.wire == protocol.EC2Query {
			write = query.WriteEC2Response
		}
		if err := write(&buf, opName, rw.svc.XMLNamespace, out, rw.info.RequestID); err != nil {
			return err
		}
		// A Content-Length, as AWS sends, rather than chunked encoding: SDKs
		// stop reading at the XML's end and must find the body finished.
		rw.w.Header().Set("Content-Type", "text/xml")
		rw.w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
		_, err := rw.w.Write(buf.Bytes())
		return err
	default:
		return protocol.WriteJSON(rw.w, rw.jsonContentType(), out)
	}
}

func (rw *responder) fail(e *protocol.Error) {
	rw.status = e.Status
	switch rw.wire {
	case protocol.EC2Query:
		var buf bytes.Buffer
		_ = query.WriteEC2Error(&buf, e.Code, e.Message, rw.info.RequestID)
		rw.w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
		rw.w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
		rw.w.WriteHeader(e.Status)
		_, _ = rw.w.Write(buf.Bytes())
	case protocol.AWSQuery:
		ns := ""
		if rw.svc != nil {
			ns = rw.svc.XMLNamespace
		}
		typ := "Sender"
		if !e.Sender() {
			typ = "Receiver"
		}
		var buf bytes.Buffer
		_ = query.WriteError(&buf, ns, typ, e.Code, e.Message, rw.info.RequestID)
		rw.w.Header().Set("Content-Type", "text/xml")
		rw.w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
		rw.w.WriteHeader(e.Status)
		_, _ = rw.w.Write(buf.Bytes())
	default:
		protocol.WriteJSONError(rw.w, rw.jsonContentType(), e)
	}
}

// parseForm reads query-protocol parameters from the URL and, for a
// form-encoded POST, the body (which the gateway has already read).
func parseForm(r *http.Request, body []byte) (url.Values, error) {
	form, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, err
	}
	if r.Method == http.MethodPost && len(body) > 0 {
		bodyForm, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, err
		}
		for k, vs := range bodyForm {
			form[k] = append(form[k], vs...)
		}
	}
	return form, nil
}

// scopeService returns the service named by the request's SigV4 credential
// scope (AKID/date/region/service/aws4_request), from the Authorization
// header or a presigned URL's X-Amz-Credential, or "" when unsigned.
func scopeService(r *http.Request) string {
	cred := r.URL.Query().Get("X-Amz-Credential")
	if auth := r.Header.Get("Authorization"); auth != "" {
		_, after, ok := strings.Cut(auth, "Credential=")
		if !ok {
			return ""
		}
		cred, _, _ = strings.Cut(after, ",")
	}
	parts := strings.Split(strings.TrimSpace(cred), "/")
	if len(parts) != 5 {
		return ""
	}
	return parts[3]
}
