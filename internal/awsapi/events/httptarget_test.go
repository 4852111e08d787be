package events

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/awsapi/events/eventstypes"
)

func TestInvokeAPIDestinationRequest(t *testing.T) {
	ep := newTestEndpoint(t)
	s := newDestService(ep.Client())
	ctx, sc := testCtx(), scopeOf(testCtx())
	basicAuth := "Basic " + base64.StdEncoding.EncodeToString([]byte("user:pass"))

	withParams := mustConnection(t, s, func() *eventstypes.CreateConnectionRequest {
		in := apiKeyConnection("keyed", "X-Api-Key", "the-key")
		in.AuthParameters.InvocationHttpParameters = &eventstypes.ConnectionHttpParameters{
			HeaderParameters: []eventstypes.ConnectionHeaderParameter{{Key: "X-Shared", Value: "from-connection"},
				{Key: "User-Agent", Value: "spoof"}, {Key: "X-Secret", Value: "hidden", IsValueSecret: true}},
			QueryStringParameters: []eventstypes.ConnectionQueryStringParameter{{Key: "shared", Value: "conn"}, {Key: "sig", Value: "s1", IsValueSecret: true}},
			BodyParameters:        []eventstypes.ConnectionBodyParameter{{Key: "tenant", Value: "blue"}, {Key: "source", Value: "replaced"}},
		}
		return in
	}())
	basic := mustConnection(t, s, basicConnection("basic"))
	typed := mustConnection(t, s, func() *eventstypes.CreateConnectionRequest {
		in := basicConnection("typed")
		in.AuthParameters.InvocationHttpParameters = &eventstypes.ConnectionHttpParameters{
			HeaderParameters: []eventstypes.ConnectionHeaderParameter{{Key: "content-type", Value: "application/cloudevents+json"}}}
		return in
	}())

	event := []byte(`{"source":"shop","detail":{"n":1}}`)
	for name, tc := range map[string]struct {
		conn, endpoint, method string
		hp                     *eventstypes.HttpParameters
		body                   []byte
		check                  func(t *testing.T, r endpointRequest)
	}{
		"basic post": {conn: basic, endpoint: "/hook", method: "POST", body: event, check: func(t *testing.T, r endpointRequest) {
			if r.method != "POST" || r.path != "/hook" || r.header.Get("Authorization") != basicAuth || string(r.body) != string(event) {
				t.Errorf("got %s %s auth %q body %s", r.method, r.path, r.header.Get("Authorization"), r.body)
			}
			if r.header.Get("User-Agent") != "Amazon/EventBridge/ApiDestinations" || r.header.Get("Content-Type") != "application/json; charset=utf-8" ||
				r.header.Get("Range") != "bytes=0-1048575" {
				t.Errorf("headers %v", r.header)
			}
		}},
		"get has no body": {conn: basic, endpoint: "/hook?fixed=1", method: "GET", body: event, check: func(t *testing.T, r endpointRequest) {
			if r.method != "GET" || len(r.body) != 0 || r.query != "fixed=1" {
				t.Errorf("got %s ?%s body %q", r.method, r.query, r.body)
			}
		}},
		"head has no body": {conn: basic, endpoint: "/hook", method: "HEAD", body: event, check: func(t *testing.T, r endpointRequest) {
			if r.method != "HEAD" || len(r.body) != 0 {
				t.Errorf("got %s body %q", r.method, r.body)
			}
		}},
		"api key and parameters": {conn: withParams, endpoint: "/orders/*/items/*?fixed=1", method: "PUT", body: event,
			hp: &eventstypes.HttpParameters{PathParameterValues: []string{"a b/c", "42"},
				HeaderParameters:      map[string]string{"X-Shared": "from-target", "X-Target": "t", "Host": "evil.example"},
				QueryStringParameters: map[string]string{"shared": "target", "q": "1"}},
			check: func(t *testing.T, r endpointRequest) {
				if r.header.Get("X-Api-Key") != "the-key" || r.header.Get("Authorization") != "" {
					t.Errorf("auth headers %v", r.header)
				}
				if r.header.Get("X-Shared") != "from-connection" || r.header.Get("X-Target") != "t" || r.header.Get("X-Secret") != "hidden" ||
					r.header.Get("User-Agent") != "Amazon/EventBridge/ApiDestinations" {
					t.Errorf("headers %v", r.header)
				}
				if r.path != "/orders/a b/c/items/42" || r.rawPath != "/orders/a%20b%2Fc/items/42" {
					t.Errorf("path %q raw %q", r.path, r.rawPath)
				}
				q, _ := url.ParseQuery(r.query)
				if q.Get("shared") != "conn" || q.Get("q") != "1" || q.Get("sig") != "s1" || q.Get("fixed") != "1" {
					t.Errorf("query %q", r.query)
				}
				var body map[string]any
				if err := json.Unmarshal(r.body, &body); err != nil || body["tenant"] != "blue" || body["source"] != "replaced" || body["detail"] == nil {
					t.Errorf("body %s (%v)", r.body, err)
				}
			}},
		"body params leave a non-object alone": {conn: withParams, endpoint: "/x", method: "POST", body: []byte(`"just text"`),
			check: func(t *testing.T, r endpointRequest) {
				if string(r.body) != `"just text"` {
					t.Errorf("body %s", r.body)
				}
			}},
		"custom content type": {conn: typed, endpoint: "/x", method: "POST", body: event, check: func(t *testing.T, r endpointRequest) {
			if r.header.Get("Content-Type") != "application/cloudevents+json" {
				t.Errorf("Content-Type %q", r.header.Get("Content-Type"))
			}
		}},
		"target content type": {conn: basic, endpoint: "/x", method: "PATCH", body: event,
			hp: &eventstypes.HttpParameters{HeaderParameters: map[string]string{"Content-Type": "text/plain"}},
			check: func(t *testing.T, r endpointRequest) {
				if r.method != "PATCH" || r.header.Get("Content-Type") != "text/plain" {
					t.Errorf("%s Content-Type %q", r.method, r.header.Get("Content-Type"))
				}
			}},
	} {
		t.Run(name, func(t *testing.T) {
			dest := mustDest(t, s, "d-"+strings.ReplaceAll(name, " ", "-"), tc.conn, ep.URL+tc.endpoint, tc.method, 0)
			before := len(ep.requests())
			if err := s.invokeAPIDestination(ctx, sc, &eventstypes.Target{Id: "t", Arn: dest, HttpParameters: tc.hp}, tc.body); err != nil {
				t.Fatal(err)
			}
			reqs := ep.requests()
			if len(reqs) != before+1 {
				t.Fatalf("%d requests, want 1", len(reqs)-before)
			}
			tc.check(t, reqs[before])
		})
	}
}

func TestInvokeAPIDestinationOutcomes(t *testing.T) {
	ep := newTestEndpoint(t)
	s := newDestService(ep.Client())
	ctx, sc := testCtx(), scopeOf(testCtx())
	conn := mustConnection(t, s, func() *eventstypes.CreateConnectionRequest {
		in := basicConnection("c")
		in.AuthParameters.InvocationHttpParameters = &eventstypes.ConnectionHttpParameters{
			QueryStringParameters: []eventstypes.ConnectionQueryStringParameter{{Key: "token", Value: "query-secret", IsValueSecret: true}}}
		return in
	}())
	target := &eventstypes.Target{Id: "t", Arn: mustDest(t, s, "d", conn, ep.URL+"/hook", "POST", 0)}
	for name, tc := range map[string]struct {
		status     int
		header     map[string]string
		body       string
		want       string // "ok", "retry" or "permanent"
		retryAfter time.Duration
	}{
		"200":                {status: 200, want: "ok"},
		"204":                {status: 204, want: "ok"},
		"400":                {status: 400, body: "bad event", want: "permanent"},
		"403":                {status: 403, want: "permanent"},
		"404":                {status: 404, want: "permanent"},
		"302":                {status: 302, header: map[string]string{"Location": "/elsewhere"}, want: "permanent"},
		"401":                {status: 401, want: "retry"},
		"407":                {status: 407, want: "retry"},
		"409":                {status: 409, want: "retry"},
		"429 retry after":    {status: 429, header: map[string]string{"Retry-After": "7"}, want: "retry", retryAfter: 7 * time.Second},
		"500":                {status: 500, want: "retry"},
		"503":                {status: 503, want: "retry"},
		"negative retry":     {status: 503, header: map[string]string{"Retry-After": "-1"}, want: "permanent"},
		"retry after a date": {status: 503, header: map[string]string{"Retry-After": time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)}, want: "retry", retryAfter: 59 * time.Minute},
	} {
		t.Run(name, func(t *testing.T) {
			ep.answer(tc.status, tc.header, tc.body)
			err := s.invokeAPIDestination(ctx, sc, target, []byte(`{}`))
			switch {
			case tc.want == "ok" && err != nil:
				t.Fatalf("got %v, want success", err)
			case tc.want == "retry" && (err == nil || isPermanent(err)):
				t.Fatalf("got %v, want a retryable error", err)
			case tc.want == "permanent" && !isPermanent(err):
				t.Fatalf("got %v, want a permanent error", err)
			}
			if err == nil {
				return
			}
			if strings.Contains(err.Error(), "query-secret") || strings.Contains(err.Error(), "pass") {
				t.Errorf("error %q carries a secret", err)
			}
			var se *apiDestStatusError
			if !errors.As(err, &se) || se.Status() != tc.status {
				t.Fatalf("error %v is not the status error", err)
			}
			if se.RetryAfter() < tc.retryAfter || tc.retryAfter == 0 && se.RetryAfter() != 0 {
				t.Errorf("RetryAfter %v, want %v", se.RetryAfter(), tc.retryAfter)
			}
			if tc.body != "" && !strings.Contains(err.Error(), tc.body) {
				t.Errorf("error %q does not quote the answer", err)
			}
		})
	}

	t.Run("network error", func(t *testing.T) {
		down := newTestEndpoint(t)
		dest := mustDest(t, s, "down", conn, down.URL+"/x", "POST", 0)
		down.Close()
		err := s.invokeAPIDestination(ctx, sc, &eventstypes.Target{Id: "t", Arn: dest}, []byte(`{}`))
		if err == nil || isPermanent(err) {
			t.Fatalf("got %v, want a retryable error", err)
		}
		if strings.Contains(err.Error(), "query-secret") {
			t.Errorf("error %q carries a secret", err)
		}
	})
}

func TestInvokeAPIDestinationDoesNotFollowRedirects(t *testing.T) {
	elsewhere := newTestEndpoint(t)
	ep := newTestEndpoint(t)
	ep.answer(http.StatusTemporaryRedirect, map[string]string{"Location": elsewhere.URL + "/steal"}, "")
	s := newDestService(&http.Client{}) // a client that would follow redirects
	dest := mustDest(t, s, "d", mustConnection(t, s, basicConnection("c")), ep.URL+"/x", "POST", 0)
	err := s.invokeAPIDestination(testCtx(), scopeOf(testCtx()), &eventstypes.Target{Id: "t", Arn: dest}, []byte(`{}`))
	if !isPermanent(err) {
		t.Fatalf("got %v, want a permanent error", err)
	}
	if n := len(elsewhere.requests()); n != 0 {
		t.Errorf("the redirect was followed: %d requests elsewhere", n)
	}
}

func TestInvokeAPIDestinationPermanentFailures(t *testing.T) {
	ep := newTestEndpoint(t)
	s := newDestService(ep.Client())
	ctx, sc := testCtx(), scopeOf(testCtx())
	conn := mustConnection(t, s, basicConnection("c"))
	wild := mustDest(t, s, "wild", conn, ep.URL+"/a/*", "POST", 0)
	plain := mustDest(t, s, "plain", conn, ep.URL+"/x", "POST", 0)
	gone := mustDest(t, s, "gone", conn, ep.URL+"/x", "POST", 0)
	if _, err := s.DeleteApiDestination(ctx, &eventstypes.DeleteApiDestinationRequest{Name: "gone"}); err != nil {
		t.Fatal(err)
	}
	orphan := mustDest(t, s, "orphan", mustConnection(t, s, basicConnection("doomed")), ep.URL+"/x", "POST", 0)
	if _, err := s.DeleteConnection(ctx, &eventstypes.DeleteConnectionRequest{Name: "doomed"}); err != nil {
		t.Fatal(err)
	}
	for name, target := range map[string]eventstypes.Target{
		"deleted destination":      {Arn: gone},
		"recreated destination":    {Arn: strings.Replace(wild, "/wild/", "/wild/x", 1)},
		"other account":            {Arn: strings.Replace(wild, testAccount, "999999999999", 1)},
		"deleted connection":       {Arn: orphan},
		"missing path values":      {Arn: wild},
		"too many path values":     {Arn: wild, HttpParameters: &eventstypes.HttpParameters{PathParameterValues: []string{"1", "2"}}},
		"path values, no wildcard": {Arn: plain, HttpParameters: &eventstypes.HttpParameters{PathParameterValues: []string{"1"}}},
	} {
		t.Run(name, func(t *testing.T) {
			target.Id = "t"
			if err := s.invokeAPIDestination(ctx, sc, &target, []byte(`{}`)); !isPermanent(err) {
				t.Fatalf("got %v, want a permanent error", err)
			}
		})
	}
	if n := len(ep.requests()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

func TestPutTargetsChecksAPIDestinations(t *testing.T) {
	ep := newTestEndpoint(t)
	s := newTestService(t, &fakeTargets{}, WithHTTPClient(ep.Client()))
	ctx := testCtx()
	conn := mustConnection(t, s, basicConnection("c"))
	wild := mustDest(t, s, "wild", conn, ep.URL+"/orders/*/lines/*", "POST", 0)
	if _, err := s.PutRule(ctx, &eventstypes.PutRuleRequest{Name: "r", EventPattern: `{"source":["shop"]}`}); err != nil {
		t.Fatal(err)
	}
	two := &eventstypes.HttpParameters{PathParameterValues: []string{"1", "2"}}
	for name, tc := range map[string]struct {
		target eventstypes.Target
		code   string
		msg    string
	}{
		"missing":        {eventstypes.Target{Arn: strings.Replace(wild, "/wild/", "/nope/", 1)}, eventstypes.ErrResourceNotFoundException, "does not exist"},
		"stale id":       {eventstypes.Target{Arn: wild + "0"}, eventstypes.ErrResourceNotFoundException, "does not exist"},
		"no path values": {eventstypes.Target{Arn: wild}, "ValidationException", "has 2 path wildcard(s) ('*'), but HttpParameters.PathParameterValues gives 0"},
		"one path value": {eventstypes.Target{Arn: wild, HttpParameters: &eventstypes.HttpParameters{PathParameterValues: []string{"1"}}}, "ValidationException", "gives 1 value(s)"},
		"blank value":    {eventstypes.Target{Arn: wild, HttpParameters: &eventstypes.HttpParameters{PathParameterValues: []string{"1", "  "}}}, "ValidationException", "pathParameterValues"},
		"bad header":     {eventstypes.Target{Arn: wild, HttpParameters: &eventstypes.HttpParameters{PathParameterValues: two.PathParameterValues, HeaderParameters: map[string]string{"a b": "v"}}}, "ValidationException", "headerParameters.key"},
		"bad header val": {eventstypes.Target{Arn: wild, HttpParameters: &eventstypes.HttpParameters{PathParameterValues: two.PathParameterValues, HeaderParameters: map[string]string{"a": "v\x01"}}}, "ValidationException", "headerParameters.value"},
		"bad query":      {eventstypes.Target{Arn: wild, HttpParameters: &eventstypes.HttpParameters{PathParameterValues: two.PathParameterValues, QueryStringParameters: map[string]string{"a\x02": "v"}}}, "ValidationException", "queryStringParameters.key"},
	} {
		t.Run(name, func(t *testing.T) {
			tc.target.Id = "t"
			_, err := s.PutTargets(ctx, &eventstypes.PutTargetsRequest{Rule: "r", Targets: []eventstypes.Target{tc.target}})
			if pe := wantCode(t, err, tc.code); !strings.Contains(pe.Message, tc.msg) {
				t.Errorf("message %q, want it to contain %q", pe.Message, tc.msg)
			}
		})
	}

	// A good target receives the events the rule matches.
	target := eventstypes.Target{Id: "hook", Arn: wild, HttpParameters: two}
	if _, err := s.PutTargets(ctx, &eventstypes.PutTargetsRequest{Rule: "r", Targets: []eventstypes.Target{target}}); err != nil {
		t.Fatal(err)
	}
	out, err := s.PutEvents(ctx, &eventstypes.PutEventsRequest{Entries: []eventstypes.PutEventsRequestEntry{
		{Source: "shop", DetailType: "Order Placed", Detail: `{"id":7}`}}})
	if err != nil || out.FailedEntryCount != 0 {
		t.Fatalf("PutEvents: %+v, %v", out, err)
	}
	eventually(t, "the event at the endpoint", func() bool { return len(ep.requests()) == 1 })
	r := ep.requests()[0]
	var ev map[string]any
	if err := json.Unmarshal(r.body, &ev); err != nil || r.path != "/orders/1/lines/2" || ev["detail-type"] != "Order Placed" || ev["id"] != out.Entries[0].EventId {
		t.Errorf("endpoint got %s %s (%v)", r.path, r.body, err)
	}
}

func TestRateLimit(t *testing.T) {
	ep := newTestEndpoint(t)
	s := newDestService(ep.Client())
	ctx, sc := testCtx(), scopeOf(testCtx())
	dest := mustDest(t, s, "slow", mustConnection(t, s, basicConnection("c")), ep.URL+"/x", "POST", 10)
	target := &eventstypes.Target{Id: "t", Arn: dest}
	start := time.Now()
	for i := range 13 {
		if err := s.invokeAPIDestination(ctx, sc, target, []byte(`{}`)); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	// A burst of 10, then one every 100 ms.
	if el := time.Since(start); el < 250*time.Millisecond || el > 3*time.Second {
		t.Errorf("13 calls at 10 per second took %v, want about 300 ms", el)
	}

	// A call whose deadline comes before its turn fails at once, retryably,
	// and gives its turn back.
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	err := s.invokeAPIDestination(short, sc, target, []byte(`{}`))
	if err == nil || isPermanent(err) || !strings.Contains(err.Error(), "rate limit") {
		t.Fatalf("got %v, want a retryable rate limit error", err)
	}
	cancelled, cancel2 := context.WithCancel(ctx)
	cancel2()
	if err := s.invokeAPIDestination(cancelled, sc, target, []byte(`{}`)); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	if n := len(ep.requests()); n != 13 {
		t.Errorf("%d requests, want 13", n)
	}

	// Deleting the destination drops its bucket.
	if _, err := s.DeleteApiDestination(ctx, &eventstypes.DeleteApiDestinationRequest{Name: "slow"}); err != nil {
		t.Fatal(err)
	}
	apiDestRates.mu.Lock()
	_, kept := apiDestRates.buckets[dest]
	apiDestRates.mu.Unlock()
	if kept {
		t.Error("the deleted destination's bucket is kept")
	}
}

func TestTokenBucket(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	b := &tokenBucket{rate: 2, tokens: 2}
	for i, tc := range []struct {
		at   time.Duration
		want time.Duration
	}{
		{0, 0}, {0, 0}, // the burst
		{0, 500 * time.Millisecond}, {0, time.Second}, // turns reserved ahead
		{2 * time.Second, 0}, // refilled by then: back to one spare token
		{2 * time.Second, 0},
		{2 * time.Second, 500 * time.Millisecond},
	} {
		if got := b.reserve(t0.Add(tc.at)); got != tc.want {
			t.Errorf("reserve %d at +%v: wait %v, want %v", i, tc.at, got, tc.want)
		}
	}
	b.unreserve()
	if got := b.reserve(t0.Add(2 * time.Second)); got != 500*time.Millisecond {
		t.Errorf("after unreserve: wait %v, want 500ms", got)
	}
	b.setRate(1)
	if b.rate != 1 || b.tokens > 1 {
		t.Errorf("after setRate: %+v", b)
	}
	if got := b.reserve(t0.Add(10 * time.Second)); got != 0 {
		t.Errorf("after a long pause: wait %v, want 0", got)
	}
}
