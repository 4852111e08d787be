// Package gateway is berth's HTTP front door for the AWS APIs: it gives each
// request an id, finds the service and operation (X-Amz-Target for JSON
// services, the SigV4 scope plus Action for query services), authenticates
// the signature, authorizes the principal, decodes the input, calls the
// operation and encodes the output or the AWS error envelope. Services never
// see HTTP.
package gateway

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/berth-dev/berth/internal/awsapi/protocol"
)

// MaxBodyBytes bounds a request body; AWS's largest inputs berth serves
// (PutLogEvents batches) are 1 MiB.
const MaxBodyBytes = 8 << 20

// Authenticator verifies a request's signature. It returns the principal
// and the region the signature names, or the client error to send (with the
// code the wire protocol uses: query services say SignatureDoesNotMatch
// where JSON services say InvalidSignatureException).
type Authenticator interface {
	Authenticate(ctx context.Context, r *http.Request, body []byte, wire protocol.Wire) (protocol.Principal, string, *protocol.Error)
}

// Authorizer decides whether principal may perform action on resource.
type Authorizer interface {
	Authorize(ctx context.Context, p protocol.Principal, action, resource string) error
}

// Gateway serves every registered service on one endpoint.
type Gateway struct {
	auth     Authenticator
	authz    Authorizer
	log      *slog.Logger
	byTarget map[string]*route // X-Amz-Target prefix → service
	byName   map[string]*route // signing name → service
}

type route struct {
	svc *protocol.Service
	ops map[string]*protocol.Operation
}

// New builds a gateway over services.
func New(auth Authenticator, authz Authorizer, log *slog.Logger, services ...*protocol.Service) *Gateway {
	g := &Gateway{auth: auth, authz: authz, log: log,
		byTarget: map[string]*route{}, byName: map[string]*route{}}
	for _, svc := range services {
		rt := &route{svc: svc, ops: map[string]*protocol.Operation{}}
		for i := range svc.Operations {
			op := &svc.Operations[i]
			rt.ops[op.Name] = op
		}
		if svc.TargetPrefix != "" {
			g.byTarget[svc.TargetPrefix] = rt
		}
		g.byName[svc.SigningName] = rt
	}
	return g
}

func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	info := &protocol.RequestInfo{RequestID: protocol.NewRequestID()}
	w.Header().Set("X-Amzn-RequestId", info.RequestID)
	// SDKs correct their clock skew from the Date of responses.
	w.Header().Set("Date", start.UTC().Format(http.TimeFormat))
	rw := &responder{w: w, info: info}

	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		rw.fail(protocol.Errorf("RequestEntityTooLarge", http.StatusRequestEntityTooLarge,
			"Request body must be at most %d bytes.", MaxBodyBytes))
		return
	}

	rt, opName, perr := g.resolve(r, body, rw)
	if perr == nil {
		perr = g.serve(r.Context(), r, body, rt, opName, rw)
	}
	if perr != nil {
		rw.fail(perr)
	}
	g.log.Debug("api request", "request_id", info.RequestID, "service", info.Service,
		"operation", info.Operation, "status", rw.status, "duration", time.Since(start))
}

// resolve finds the service and operation name. For query services the
// operation comes from the form's Action, which resolve parses.
func (g *Gateway) resolve(r *http.Request, body []byte, rw *responder) (*route, string, *protocol.Error) {
	if target := r.Header.Get("X-Amz-Target"); target != "" {
		prefix, op, ok := strings.Cut(target, ".")
		rt := g.byTarget[prefix]
		if !ok || rt == nil {
			rw.wire = protocol.AWSJSON11
			return nil, "", protocol.UnknownOperation(target)
		}
		rw.setService(rt.svc)
		return rt, op, nil
	}
	if r.Method != http.MethodPost && r.Method != http.MethodGet {
		return nil, "", protocol.Errorf("InvalidAction", http.StatusBadRequest, "Method %s is not supported.", r.Method)
	}
	form, err := parseForm(r, body)
	if err != nil {
		rw.wire = protocol.AWSQuery
		return nil, "", protocol.Errorf("MalformedQueryString", http.StatusBadRequest, "%v", err)
	}
	rw.form = form
	name := scopeService(r)
	rt := g.byName[name]
	if rt == nil || !rt.svc.Wire.IsQuery() {
		rw.wire = protocol.AWSQuery
		if name == "" {
			return nil, "", protocol.Errorf("MissingAuthenticationToken", http.StatusForbidden, "Request is missing Authentication Token")
		}
		return nil, "", protocol.Errorf("InvalidAction", http.StatusBadRequest, "Service %q is not served by this endpoint.", name)
	}
	rw.setService(rt.svc)
	action := form.Get("Action")
	if action == "" {
		return nil, "", protocol.Errorf("MissingAction", http.StatusBadRequest, "Missing Action")
	}
	return rt, action, nil
}

func (g *Gateway) serve(ctx context.Context, r *http.Request, body []byte, rt *route, opName string, rw *responder) *protocol.Error {
	info := rw.info
	info.Service = rt.svc.SigningName
	info.Operation = opName

	// Authenticate before anything else about the request is trusted or
	// acted on, including whether the operation exists.
	principal, region, perr := g.auth.Authenticate(ctx, r, body, rt.svc.Wire)
	if perr != nil {
		return perr
	}
	info.Principal, info.Region = principal, region

	op := rt.ops[opName]
	if op == nil {
		if rt.svc.Wire == protocol.EC2Query {
			return protocol.Errorf("InvalidAction", http.StatusBadRequest, "The action %s is not valid for this web service.", opName)
		}
		if rt.svc.Wire.IsQuery() {
			return protocol.Errorf("InvalidAction", http.StatusBadRequest,
				"Could not find operation %s for version %s", opName, rt.svc.Version)
		}
		return protocol.UnknownOperation(opName)
	}
	in := op.NewInput()
	if err := rw.decode(body, in); err != nil {
		return g.toClientError(info, err)
	}
	ctx = protocol.WithRequest(ctx, info)
	resource := "*"
	if op.Resource != nil {
		resource = op.Resource(ctx, in)
	}
	if err := g.authz.Authorize(ctx, principal, op.Action, resource); err != nil {
		return g.toClientError(info, err)
	}
	out, err := op.Call(ctx, in)
	if err != nil {
		return g.toClientError(info, err)
	}
	if err := rw.respond(opName, out); err != nil {
		g.log.Warn("writing response", "request_id", info.RequestID, "err", err)
	}
	return nil
}

// toClientError maps an operation's error to what the client sees; errors
// that are not client errors are logged and reported as internal failures.
func (g *Gateway) toClientError(info *protocol.RequestInfo, err error) *protocol.Error {
	if e, ok := protocol.AsError(err); ok {
		return e
	}
	g.log.Error("operation failed", "request_id", info.RequestID, "service", info.Service,
		"operation", info.Operation, "err", err)
	return protocol.InternalError()
}
