package events

import (
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/awsapi/events/eventstypes"
)

func TestCreateApiDestinationRefusesBadInput(t *testing.T) {
	s := newDestService(nil)
	ctx := testCtx()
	conn := mustConnection(t, s, basicConnection("c"))
	name, id := arnNameID(conn, ":connection/")
	dest := func(mod func(*eventstypes.CreateApiDestinationRequest)) *eventstypes.CreateApiDestinationRequest {
		in := &eventstypes.CreateApiDestinationRequest{Name: "d", ConnectionArn: conn, InvocationEndpoint: "https://example.com/hook", HttpMethod: "POST"}
		mod(in)
		return in
	}
	for tn, tc := range map[string]struct {
		in   *eventstypes.CreateApiDestinationRequest
		code string
		msg  string
	}{
		"no name":        {dest(func(in *eventstypes.CreateApiDestinationRequest) { in.Name = "" }), "ValidationException", "at 'name' failed to satisfy constraint: Member must not be null"},
		"bad name":       {dest(func(in *eventstypes.CreateApiDestinationRequest) { in.Name = "Invalid Name!" }), "ValidationException", `Value 'Invalid Name!' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [\.\-_A-Za-z0-9]+`},
		"long desc":      {dest(func(in *eventstypes.CreateApiDestinationRequest) { in.Description = strings.Repeat("x", 513) }), "ValidationException", "at 'description'"},
		"no connection":  {dest(func(in *eventstypes.CreateApiDestinationRequest) { in.ConnectionArn = "" }), "ValidationException", "at 'connectionArn' failed to satisfy constraint: Member must not be null"},
		"bad connection": {dest(func(in *eventstypes.CreateApiDestinationRequest) { in.ConnectionArn = "invalid-connection-arn" }), "ValidationException", "Value 'invalid-connection-arn' at 'connectionArn' failed to satisfy constraint: Member must satisfy regular expression pattern"},
		"missing conn": {dest(func(in *eventstypes.CreateApiDestinationRequest) {
			in.ConnectionArn = strings.Replace(conn, "/c/", "/gone/", 1)
		}), eventstypes.ErrResourceNotFoundException, "Failed to describe the connection(s). Connection 'gone' does not exist."},
		"stale conn id": {dest(func(in *eventstypes.CreateApiDestinationRequest) {
			in.ConnectionArn = strings.Replace(conn, id, "00000000-0000-0000-0000-000000000000", 1)
		}), eventstypes.ErrResourceNotFoundException, "Connection '" + name + "' does not exist."},
		"other region": {dest(func(in *eventstypes.CreateApiDestinationRequest) {
			in.ConnectionArn = strings.Replace(conn, "us-east-1", "eu-west-1", 1)
		}), eventstypes.ErrResourceNotFoundException, "Connection 'c' does not exist."},
		"no endpoint":      {dest(func(in *eventstypes.CreateApiDestinationRequest) { in.InvocationEndpoint = "" }), "ValidationException", "at 'invocationEndpoint' failed to satisfy constraint: Member must not be null"},
		"endpoint spaces":  {dest(func(in *eventstypes.CreateApiDestinationRequest) { in.InvocationEndpoint = "https://example.com/a b" }), "ValidationException", "at 'invocationEndpoint' failed to satisfy constraint: Member must satisfy regular expression pattern"},
		"ftp endpoint":     {dest(func(in *eventstypes.CreateApiDestinationRequest) { in.InvocationEndpoint = "ftp://example.com/x" }), "ValidationException", "Invalid InvocationEndpoint 'ftp://example.com/x'"},
		"no host":          {dest(func(in *eventstypes.CreateApiDestinationRequest) { in.InvocationEndpoint = "https:///x" }), "ValidationException", "Invalid InvocationEndpoint"},
		"user info":        {dest(func(in *eventstypes.CreateApiDestinationRequest) { in.InvocationEndpoint = "https://u:p@example.com/x" }), "ValidationException", "no user info"},
		"wildcard in host": {dest(func(in *eventstypes.CreateApiDestinationRequest) { in.InvocationEndpoint = "https://*.example.com/x" }), "ValidationException", "only in the path"},
		"long endpoint": {dest(func(in *eventstypes.CreateApiDestinationRequest) {
			in.InvocationEndpoint = "https://example.com/" + strings.Repeat("a", 2048)
		}), "ValidationException", "less than or equal to 2048"},
		"no method":     {dest(func(in *eventstypes.CreateApiDestinationRequest) { in.HttpMethod = "" }), "ValidationException", "at 'httpMethod' failed to satisfy constraint: Member must not be null"},
		"bad method":    {dest(func(in *eventstypes.CreateApiDestinationRequest) { in.HttpMethod = "INVALID_METHOD" }), "ValidationException", "Value 'INVALID_METHOD' at 'httpMethod' failed to satisfy constraint: Member must satisfy enum value set: [HEAD, POST, PATCH, DELETE, PUT, GET, OPTIONS]"},
		"trace":         {dest(func(in *eventstypes.CreateApiDestinationRequest) { in.HttpMethod = "TRACE" }), "ValidationException", "enum value set"},
		"negative rate": {dest(func(in *eventstypes.CreateApiDestinationRequest) { in.InvocationRateLimitPerSecond = -1 }), "ValidationException", "greater than or equal to 1"},
		"rate over 300": {dest(func(in *eventstypes.CreateApiDestinationRequest) { in.InvocationRateLimitPerSecond = 301 }), "ValidationException", "less than or equal to 300"},
	} {
		t.Run(tn, func(t *testing.T) {
			_, err := s.CreateApiDestination(ctx, tc.in)
			if pe := wantCode(t, err, tc.code); !strings.Contains(pe.Message, tc.msg) {
				t.Errorf("message %q, want it to contain %q", pe.Message, tc.msg)
			}
		})
	}
	out, err := s.ListApiDestinations(ctx, &eventstypes.ListApiDestinationsRequest{})
	if err != nil || len(out.ApiDestinations) != 0 {
		t.Fatalf("refused destinations were created: %+v, %v", out, err)
	}
}

func TestAPIDestinationLifecycle(t *testing.T) {
	s := newDestService(nil)
	ctx := testCtx()
	conn := mustConnection(t, s, basicConnection("c"))
	conn2 := mustConnection(t, s, apiKeyConnection("c2", "x-api-key", "k"))
	created, err := s.CreateApiDestination(ctx, &eventstypes.CreateApiDestinationRequest{Name: "orders",
		Description: "order hook", ConnectionArn: conn, InvocationEndpoint: "http://10.0.1.5:8080/orders/*", HttpMethod: "POST"})
	if err != nil {
		t.Fatal(err)
	}
	arnRe := regexp.MustCompile(`^arn:aws:events:us-east-1:123456789012:api-destination/orders/[0-9a-f-]{36}$`)
	if !arnRe.MatchString(created.ApiDestinationArn) || created.ApiDestinationState != "ACTIVE" || created.CreationTime == nil {
		t.Fatalf("CreateApiDestination answered %+v", created)
	}
	_, err = s.CreateApiDestination(ctx, &eventstypes.CreateApiDestinationRequest{Name: "orders", ConnectionArn: conn, InvocationEndpoint: "https://example.com", HttpMethod: "GET"})
	if pe := wantCode(t, err, eventstypes.ErrResourceAlreadyExistsException); pe.Message != "An api-destination 'orders' already exists." {
		t.Errorf("message %q", pe.Message)
	}
	d, err := s.DescribeApiDestination(ctx, &eventstypes.DescribeApiDestinationRequest{Name: "orders"})
	if err != nil || d.ApiDestinationArn != created.ApiDestinationArn || d.Description != "order hook" || d.ConnectionArn != conn ||
		d.InvocationEndpoint != "http://10.0.1.5:8080/orders/*" || d.HttpMethod != "POST" || d.InvocationRateLimitPerSecond != 300 {
		t.Fatalf("DescribeApiDestination: %+v, %v", d, err)
	}

	// Only what is given changes.
	up, err := s.UpdateApiDestination(ctx, &eventstypes.UpdateApiDestinationRequest{Name: "orders", HttpMethod: "PUT", InvocationRateLimitPerSecond: 7})
	if err != nil || up.ApiDestinationArn != created.ApiDestinationArn || up.ApiDestinationState != "ACTIVE" {
		t.Fatalf("UpdateApiDestination: %+v, %v", up, err)
	}
	d, _ = s.DescribeApiDestination(ctx, &eventstypes.DescribeApiDestinationRequest{Name: "orders"})
	if d.HttpMethod != "PUT" || d.InvocationRateLimitPerSecond != 7 || d.Description != "order hook" ||
		d.InvocationEndpoint != "http://10.0.1.5:8080/orders/*" || d.ConnectionArn != conn || !d.CreationTime.Equal(created.CreationTime.Time) {
		t.Errorf("after update: %+v", d)
	}
	if _, err := s.UpdateApiDestination(ctx, &eventstypes.UpdateApiDestinationRequest{Name: "orders", ConnectionArn: conn2,
		InvocationEndpoint: "https://example.com/v2", Description: "v2"}); err != nil {
		t.Fatal(err)
	}
	d, _ = s.DescribeApiDestination(ctx, &eventstypes.DescribeApiDestinationRequest{Name: "orders"})
	if d.ConnectionArn != conn2 || d.InvocationEndpoint != "https://example.com/v2" || d.Description != "v2" || d.HttpMethod != "PUT" {
		t.Errorf("after second update: %+v", d)
	}
	for name, tc := range map[string]struct {
		in   *eventstypes.UpdateApiDestinationRequest
		code string
	}{
		"missing":        {&eventstypes.UpdateApiDestinationRequest{Name: "nope", HttpMethod: "GET"}, eventstypes.ErrResourceNotFoundException},
		"no name":        {&eventstypes.UpdateApiDestinationRequest{HttpMethod: "GET"}, "ValidationException"},
		"bad method":     {&eventstypes.UpdateApiDestinationRequest{Name: "orders", HttpMethod: "FETCH"}, "ValidationException"},
		"bad endpoint":   {&eventstypes.UpdateApiDestinationRequest{Name: "orders", InvocationEndpoint: "gopher://x"}, "ValidationException"},
		"bad rate":       {&eventstypes.UpdateApiDestinationRequest{Name: "orders", InvocationRateLimitPerSecond: 1000}, "ValidationException"},
		"missing conn":   {&eventstypes.UpdateApiDestinationRequest{Name: "orders", ConnectionArn: strings.Replace(conn, "/c/", "/gone/", 1)}, eventstypes.ErrResourceNotFoundException},
		"bad conn arn":   {&eventstypes.UpdateApiDestinationRequest{Name: "orders", ConnectionArn: "arn:aws:events:us-east-1:123456789012:rule/x"}, "ValidationException"},
		"long desc":      {&eventstypes.UpdateApiDestinationRequest{Name: "orders", Description: strings.Repeat("x", 513)}, "ValidationException"},
		"delete missing": {nil, eventstypes.ErrResourceNotFoundException},
	} {
		t.Run(name, func(t *testing.T) {
			var err error
			if tc.in == nil {
				_, err = s.DeleteApiDestination(ctx, &eventstypes.DeleteApiDestinationRequest{Name: "nope"})
			} else {
				_, err = s.UpdateApiDestination(ctx, tc.in)
			}
			wantCode(t, err, tc.code)
		})
	}
	d2, _ := s.DescribeApiDestination(ctx, &eventstypes.DescribeApiDestinationRequest{Name: "orders"})
	if !reflect.DeepEqual(d2, d) {
		t.Errorf("refused updates changed the destination: %+v, was %+v", d2, d)
	}

	if _, err := s.DeleteApiDestination(ctx, &eventstypes.DeleteApiDestinationRequest{Name: "orders"}); err != nil {
		t.Fatal(err)
	}
	_, err = s.DescribeApiDestination(ctx, &eventstypes.DescribeApiDestinationRequest{Name: "orders"})
	if pe := wantCode(t, err, eventstypes.ErrResourceNotFoundException); pe.Message != "Failed to describe the api-destination(s). An api-destination 'orders' does not exist." {
		t.Errorf("message %q", pe.Message)
	}
}

func TestListApiDestinations(t *testing.T) {
	s := newDestService(nil)
	ctx := testCtx()
	c1 := mustConnection(t, s, basicConnection("c1"))
	c2 := mustConnection(t, s, basicConnection("c2"))
	for _, n := range []string{"x-1", "x-2", "x-3", "y-1"} {
		conn := c1
		if n == "x-2" {
			conn = c2
		}
		mustDest(t, s, n, conn, "https://example.com/"+n, "POST", 10)
	}
	names := func(ds []eventstypes.ApiDestination) string {
		var out []string
		for _, d := range ds {
			out = append(out, d.Name)
		}
		return strings.Join(out, ",")
	}
	var pages []string
	tok := ""
	for range 4 {
		out, err := s.ListApiDestinations(ctx, &eventstypes.ListApiDestinationsRequest{NamePrefix: "x", Limit: 2, NextToken: tok})
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, names(out.ApiDestinations))
		if tok = out.NextToken; tok == "" {
			break
		}
	}
	if strings.Join(pages, "|") != "x-1,x-2|x-3" {
		t.Errorf("pages %q", pages)
	}
	out, err := s.ListApiDestinations(ctx, &eventstypes.ListApiDestinationsRequest{ConnectionArn: c1})
	if err != nil || names(out.ApiDestinations) != "x-1,x-3,y-1" {
		t.Errorf("by connection: %+v, %v", out, err)
	}
	if d := out.ApiDestinations[0]; d.InvocationEndpoint != "https://example.com/x-1" || d.HttpMethod != "POST" ||
		d.InvocationRateLimitPerSecond != 10 || d.ApiDestinationState != "ACTIVE" || d.ConnectionArn != c1 || d.LastModifiedTime == nil {
		t.Errorf("summary %+v", d)
	}
	for name, in := range map[string]*eventstypes.ListApiDestinationsRequest{
		"limit":      {Limit: -1},
		"prefix":     {NamePrefix: "x y"},
		"connection": {ConnectionArn: "c1"},
		"token":      {NextToken: encodeToken("/events-connection/123456789012/us-east-1/c1")},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := s.ListApiDestinations(ctx, in)
			wantCode(t, err, "ValidationException")
		})
	}
}

func TestQuotas(t *testing.T) {
	s := newDestService(nil)
	ctx, sc := testCtx(), scopeOf(testCtx())
	conn := mustConnection(t, s, basicConnection("c"))
	// Fill the store directly: records past the quota need not be real.
	for i := range maxConnections {
		if _, err := s.store.Create(ctx, sc.connectionKey(fmt.Sprintf("filler-%04d", i)), []byte(`{}`)); err != nil {
			t.Fatal(err)
		}
	}
	for i := range maxAPIDests {
		if _, err := s.store.Create(ctx, sc.apiDestKey(fmt.Sprintf("filler-%04d", i)), []byte(`{}`)); err != nil {
			t.Fatal(err)
		}
	}
	_, err := s.CreateConnection(ctx, basicConnection("one-more"))
	wantCode(t, err, eventstypes.ErrLimitExceededException)
	_, err = s.CreateApiDestination(ctx, &eventstypes.CreateApiDestinationRequest{Name: "one-more", ConnectionArn: conn,
		InvocationEndpoint: "https://example.com/", HttpMethod: "POST"})
	wantCode(t, err, eventstypes.ErrLimitExceededException)
}
