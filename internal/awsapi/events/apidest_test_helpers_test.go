package events

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/berth-dev/berth/internal/awsapi/events/eventstypes"
	"github.com/berth-dev/berth/internal/store/memstore"
)

// endpointRequest is one request a test endpoint got.
type endpointRequest struct {
	method, path, rawPath, query string
	header                       http.Header
	body                         []byte
}

// testEndpoint is an HTTP server on loopback that records requests and
// answers with a status and headers the test sets (200 by default).
type testEndpoint struct {
	*httptest.Server
	mu     sync.Mutex
	reqs   []endpointRequest
	status int
	header map[string]string
	body   string
}

func newTestEndpoint(t *testing.T) *testEndpoint {
	t.Helper()
	e := &testEndpoint{status: http.StatusOK}
	e.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		e.mu.Lock()
		e.reqs = append(e.reqs, endpointRequest{r.Method, r.URL.Path, r.URL.RawPath, r.URL.RawQuery, r.Header.Clone(), body})
		status, header, answer := e.status, e.header, e.body
		e.mu.Unlock()
		for k, v := range header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, answer)
	}))
	t.Cleanup(e.Close)
	return e
}

// answer sets what the endpoint answers from now on.
func (e *testEndpoint) answer(status int, header map[string]string, body string) {
	e.mu.Lock()
	e.status, e.header, e.body = status, header, body
	e.mu.Unlock()
}

func (e *testEndpoint) requests() []endpointRequest {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]endpointRequest(nil), e.reqs...)
}

// newDestService returns a service over a fresh memory store, calling
// endpoints with client, not routing events.
func newDestService(client *http.Client) *Service {
	return New(memstore.New(), WithHTTPClient(client))
}

// basicConnection is a CreateConnection of BASIC user:pass.
func basicConnection(name string) *eventstypes.CreateConnectionRequest {
	return &eventstypes.CreateConnectionRequest{Name: name, AuthorizationType: eventstypes.ConnectionAuthorizationTypeBasic,
		AuthParameters: &eventstypes.CreateConnectionAuthRequestParameters{
			BasicAuthParameters: &eventstypes.CreateConnectionBasicAuthRequestParameters{Username: "user", Password: "pass"}}}
}

// apiKeyConnection is a CreateConnection of an API key header.
func apiKeyConnection(name, header, key string) *eventstypes.CreateConnectionRequest {
	return &eventstypes.CreateConnectionRequest{Name: name, AuthorizationType: eventstypes.ConnectionAuthorizationTypeApiKey,
		AuthParameters: &eventstypes.CreateConnectionAuthRequestParameters{
			ApiKeyAuthParameters: &eventstypes.CreateConnectionApiKeyAuthRequestParameters{ApiKeyName: header, ApiKeyValue: key}}}
}

// mustConnection creates a connection and returns its ARN.
func mustConnection(t *testing.T, s *Service, in *eventstypes.CreateConnectionRequest) string {
	t.Helper()
	out, err := s.CreateConnection(testCtx(), in)
	if err != nil {
		t.Fatalf("CreateConnection %s: %v", in.Name, err)
	}
	return out.ConnectionArn
}

// mustDest creates an API destination and returns its ARN.
func mustDest(t *testing.T, s *Service, name, connARN, endpoint, method string, rate int32) string {
	t.Helper()
	out, err := s.CreateApiDestination(testCtx(), &eventstypes.CreateApiDestinationRequest{Name: name,
		ConnectionArn: connARN, InvocationEndpoint: endpoint, HttpMethod: method, InvocationRateLimitPerSecond: rate})
	if err != nil {
		t.Fatalf("CreateApiDestination %s: %v", name, err)
	}
	return out.ApiDestinationArn
}
