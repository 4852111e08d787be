package events

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/awsapi/events/eventstypes"
	"github.com/berth-dev/berth/internal/awsapi/protocol"
)

func TestCreateConnectionRefusesBadInput(t *testing.T) {
	s := newDestService(nil)
	ctx := testCtx()
	basic := func(user, pass string) *eventstypes.CreateConnectionAuthRequestParameters {
		return &eventstypes.CreateConnectionAuthRequestParameters{BasicAuthParameters: &eventstypes.CreateConnectionBasicAuthRequestParameters{Username: user, Password: pass}}
	}
	withParams := func(hp *eventstypes.ConnectionHttpParameters) *eventstypes.CreateConnectionRequest {
		in := basicConnection("c")
		in.AuthParameters.InvocationHttpParameters = hp
		return in
	}
	many := make([]eventstypes.ConnectionHeaderParameter, 101)
	for i := range many {
		many[i] = eventstypes.ConnectionHeaderParameter{Key: "x", Value: "y"}
	}
	for name, tc := range map[string]struct {
		in   *eventstypes.CreateConnectionRequest
		code string
		msg  string
	}{
		"no name":         {&eventstypes.CreateConnectionRequest{AuthorizationType: "BASIC", AuthParameters: basic("u", "p")}, "ValidationException", "at 'name' failed to satisfy constraint: Member must not be null"},
		"bad name":        {&eventstypes.CreateConnectionRequest{Name: "a b", AuthorizationType: "BASIC", AuthParameters: basic("u", "p")}, "ValidationException", `Value 'a b' at 'name'`},
		"long name":       {&eventstypes.CreateConnectionRequest{Name: strings.Repeat("a", 65), AuthorizationType: "BASIC", AuthParameters: basic("u", "p")}, "ValidationException", "less than or equal to 64"},
		"long desc":       {&eventstypes.CreateConnectionRequest{Name: "c", Description: strings.Repeat("d", 513), AuthorizationType: "BASIC", AuthParameters: basic("u", "p")}, "ValidationException", "at 'description'"},
		"no auth type":    {&eventstypes.CreateConnectionRequest{Name: "c", AuthParameters: basic("u", "p")}, "ValidationException", "at 'authorizationType'"},
		"bad auth type":   {&eventstypes.CreateConnectionRequest{Name: "c", AuthorizationType: "TOKEN", AuthParameters: basic("u", "p")}, "ValidationException", "enum value set: [BASIC, OAUTH_CLIENT_CREDENTIALS, API_KEY]"},
		"oauth":           {&eventstypes.CreateConnectionRequest{Name: "c", AuthorizationType: "OAUTH_CLIENT_CREDENTIALS", AuthParameters: &eventstypes.CreateConnectionAuthRequestParameters{OAuthParameters: &eventstypes.CreateConnectionOAuthRequestParameters{}}}, "ValidationException", "does not support OAuth"},
		"kms":             {&eventstypes.CreateConnectionRequest{Name: "c", AuthorizationType: "BASIC", AuthParameters: basic("u", "p"), KmsKeyIdentifier: "alias/k"}, "ValidationException", "KmsKeyIdentifier"},
		"private api":     {&eventstypes.CreateConnectionRequest{Name: "c", AuthorizationType: "BASIC", AuthParameters: basic("u", "p"), InvocationConnectivityParameters: &eventstypes.ConnectivityResourceParameters{}}, "ValidationException", "InvocationConnectivityParameters"},
		"private oauth":   {&eventstypes.CreateConnectionRequest{Name: "c", AuthorizationType: "BASIC", AuthParameters: &eventstypes.CreateConnectionAuthRequestParameters{BasicAuthParameters: basic("u", "p").BasicAuthParameters, ConnectivityParameters: &eventstypes.ConnectivityResourceParameters{}}}, "ValidationException", "ConnectivityParameters"},
		"no auth params":  {&eventstypes.CreateConnectionRequest{Name: "c", AuthorizationType: "BASIC"}, "ValidationException", "at 'authParameters'"},
		"basic no block":  {&eventstypes.CreateConnectionRequest{Name: "c", AuthorizationType: "BASIC", AuthParameters: &eventstypes.CreateConnectionAuthRequestParameters{}}, "ValidationException", "needs AuthParameters with BasicAuthParameters"},
		"basic and key":   {&eventstypes.CreateConnectionRequest{Name: "c", AuthorizationType: "BASIC", AuthParameters: &eventstypes.CreateConnectionAuthRequestParameters{BasicAuthParameters: basic("u", "p").BasicAuthParameters, ApiKeyAuthParameters: &eventstypes.CreateConnectionApiKeyAuthRequestParameters{ApiKeyName: "k", ApiKeyValue: "v"}}}, "ValidationException", "no other authorization parameters"},
		"key with basic":  {&eventstypes.CreateConnectionRequest{Name: "c", AuthorizationType: "API_KEY", AuthParameters: basic("u", "p")}, "ValidationException", "needs AuthParameters with ApiKeyAuthParameters"},
		"no username":     {&eventstypes.CreateConnectionRequest{Name: "c", AuthorizationType: "BASIC", AuthParameters: basic("", "p")}, "ValidationException", "basicAuthParameters.username' failed to satisfy constraint: Member must not be null"},
		"colon username":  {&eventstypes.CreateConnectionRequest{Name: "c", AuthorizationType: "BASIC", AuthParameters: basic("a:b", "p")}, "ValidationException", "Value 'a:b' at 'authParameters.basicAuthParameters.username'"},
		"no password":     {&eventstypes.CreateConnectionRequest{Name: "c", AuthorizationType: "BASIC", AuthParameters: basic("u", "")}, "ValidationException", "basicAuthParameters.password"},
		"long password":   {&eventstypes.CreateConnectionRequest{Name: "c", AuthorizationType: "BASIC", AuthParameters: basic("u", strings.Repeat("s", 513))}, "ValidationException", "Value at 'authParameters.basicAuthParameters.password'"},
		"bad key header":  {apiKeyConnection("c", "x key", "v"), "ValidationException", "not a valid HTTP header name"},
		"no key value":    {apiKeyConnection("c", "x-key", ""), "ValidationException", "apiKeyAuthParameters.apiKeyValue"},
		"many headers":    {withParams(&eventstypes.ConnectionHttpParameters{HeaderParameters: many}), "ValidationException", "headerParameters' failed to satisfy constraint: Member must have length less than or equal to 100"},
		"header no key":   {withParams(&eventstypes.ConnectionHttpParameters{HeaderParameters: []eventstypes.ConnectionHeaderParameter{{Value: "v"}}}), "ValidationException", "headerParameters.1.member.key"},
		"bad header key":  {withParams(&eventstypes.ConnectionHttpParameters{HeaderParameters: []eventstypes.ConnectionHeaderParameter{{Key: "a b", Value: "v"}}}), "ValidationException", "Value 'a b' at 'authParameters.invocationHttpParameters.headerParameters.1.member.key'"},
		"bad query value": {withParams(&eventstypes.ConnectionHttpParameters{QueryStringParameters: []eventstypes.ConnectionQueryStringParameter{{Key: "q", Value: "a\x01"}}}), "ValidationException", "queryStringParameters.1.member.value"},
		"body no key":     {withParams(&eventstypes.ConnectionHttpParameters{BodyParameters: []eventstypes.ConnectionBodyParameter{{Value: "v"}}}), "ValidationException", "bodyParameters.1.member.key"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := s.CreateConnection(ctx, tc.in)
			if pe := wantCode(t, err, tc.code); !strings.Contains(pe.Message, tc.msg) {
				t.Errorf("message %q, want it to contain %q", pe.Message, tc.msg)
			}
		})
	}
	t.Run("secret values are not repeated", func(t *testing.T) {
		in := withParams(&eventstypes.ConnectionHttpParameters{HeaderParameters: []eventstypes.ConnectionHeaderParameter{{Key: "x-token", Value: "s3cr3t\x01", IsValueSecret: true}}})
		_, err := s.CreateConnection(ctx, in)
		if pe := wantCode(t, err, "ValidationException"); strings.Contains(pe.Message, "s3cr3t") {
			t.Errorf("message %q repeats the secret", pe.Message)
		}
		in = basicConnection("c")
		in.AuthParameters.BasicAuthParameters.Password = "pa:ss"
		_, err = s.CreateConnection(ctx, in)
		if pe := wantCode(t, err, "ValidationException"); strings.Contains(pe.Message, "pa:ss") {
			t.Errorf("message %q repeats the password", pe.Message)
		}
	})
	out, err := s.ListConnections(ctx, &eventstypes.ListConnectionsRequest{})
	if err != nil || len(out.Connections) != 0 {
		t.Fatalf("refused connections were created: %+v, %v", out, err)
	}
}

func TestConnectionLifecycle(t *testing.T) {
	s := newDestService(nil)
	ctx := testCtx()
	in := basicConnection("web-hook.1")
	in.Description = "the hook"
	in.AuthParameters.InvocationHttpParameters = &eventstypes.ConnectionHttpParameters{
		HeaderParameters:      []eventstypes.ConnectionHeaderParameter{{Key: "x-tenant", Value: "blue"}, {Key: "x-token", Value: "hdr-secret", IsValueSecret: true}},
		QueryStringParameters: []eventstypes.ConnectionQueryStringParameter{{Key: "sig", Value: "query-secret", IsValueSecret: true}},
		BodyParameters:        []eventstypes.ConnectionBodyParameter{{Key: "k", Value: "body-secret", IsValueSecret: true}},
	}
	in.AuthParameters.BasicAuthParameters.Password = "basic-secret"
	created, err := s.CreateConnection(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	arnRe := regexp.MustCompile(`^arn:aws:events:us-east-1:123456789012:connection/web-hook\.1/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	if !arnRe.MatchString(created.ConnectionArn) || created.ConnectionState != "AUTHORIZED" || created.CreationTime == nil {
		t.Fatalf("CreateConnection answered %+v", created)
	}
	_, err = s.CreateConnection(ctx, basicConnection("web-hook.1"))
	if pe := wantCode(t, err, eventstypes.ErrResourceAlreadyExistsException); pe.Message != "Connection 'web-hook.1' already exists." {
		t.Errorf("message %q", pe.Message)
	}

	desc, err := s.DescribeConnection(ctx, &eventstypes.DescribeConnectionRequest{Name: "web-hook.1"})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(desc)
	for _, secret := range []string{"basic-secret", "hdr-secret", "query-secret", "body-secret"} {
		if strings.Contains(string(b), secret) {
			t.Errorf("DescribeConnection shows %q: %s", secret, b)
		}
	}
	if desc.ConnectionArn != created.ConnectionArn || desc.Description != "the hook" || desc.AuthorizationType != "BASIC" ||
		desc.AuthParameters.BasicAuthParameters.Username != "user" || desc.LastAuthorizedTime == nil || desc.SecretArn != "" {
		t.Errorf("DescribeConnection: %s", b)
	}
	hp := desc.AuthParameters.InvocationHttpParameters
	if len(hp.HeaderParameters) != 2 || hp.HeaderParameters[0].Value != "blue" || hp.HeaderParameters[1].Key != "x-token" ||
		!hp.HeaderParameters[1].IsValueSecret || len(hp.QueryStringParameters) != 1 || len(hp.BodyParameters) != 1 {
		t.Errorf("InvocationHttpParameters: %s", b)
	}

	mustConnection(t, s, apiKeyConnection("key", "x-api-key", "k"))
	kd, err := s.DescribeConnection(ctx, &eventstypes.DescribeConnectionRequest{Name: "key"})
	if err != nil || kd.AuthParameters.ApiKeyAuthParameters == nil || kd.AuthParameters.ApiKeyAuthParameters.ApiKeyName != "x-api-key" || kd.AuthParameters.BasicAuthParameters != nil {
		t.Errorf("DescribeConnection of API_KEY: %+v, %v", kd, err)
	}

	del, err := s.DeleteConnection(ctx, &eventstypes.DeleteConnectionRequest{Name: "web-hook.1"})
	if err != nil || del.ConnectionState != "DELETING" || del.ConnectionArn != created.ConnectionArn {
		t.Fatalf("DeleteConnection: %+v, %v", del, err)
	}
	for _, call := range []func() error{
		func() error {
			_, err := s.DescribeConnection(ctx, &eventstypes.DescribeConnectionRequest{Name: "web-hook.1"})
			return err
		},
		func() error {
			_, err := s.DeleteConnection(ctx, &eventstypes.DeleteConnectionRequest{Name: "web-hook.1"})
			return err
		},
	} {
		if pe := wantCode(t, call(), eventstypes.ErrResourceNotFoundException); pe.Message != "Failed to describe the connection(s). Connection 'web-hook.1' does not exist." {
			t.Errorf("message %q", pe.Message)
		}
	}
	_, err = s.DescribeConnection(ctx, &eventstypes.DescribeConnectionRequest{})
	wantCode(t, err, "ValidationException")
}

func TestListConnections(t *testing.T) {
	s := newDestService(nil)
	ctx := testCtx()
	for _, n := range []string{"b1", "a1", "a2", "a3"} {
		mustConnection(t, s, basicConnection(n))
	}
	other := protocol.WithRequest(context.Background(), &protocol.RequestInfo{Region: "eu-west-1",
		Principal: protocol.Principal{AccountID: testAccount}})
	if _, err := s.CreateConnection(other, basicConnection("a0")); err != nil {
		t.Fatal(err)
	}
	names := func(cs []eventstypes.Connection) string {
		var out []string
		for _, c := range cs {
			out = append(out, c.Name)
		}
		return strings.Join(out, ",")
	}
	var got []string
	tok := ""
	for range 3 {
		out, err := s.ListConnections(ctx, &eventstypes.ListConnectionsRequest{NamePrefix: "a", Limit: 2, NextToken: tok})
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, names(out.Connections))
		if tok = out.NextToken; tok == "" {
			break
		}
	}
	if strings.Join(got, "|") != "a1,a2|a3" {
		t.Errorf("pages %q, want a1,a2|a3", got)
	}
	out, err := s.ListConnections(ctx, &eventstypes.ListConnectionsRequest{ConnectionState: "AUTHORIZED"})
	if err != nil || names(out.Connections) != "a1,a2,a3,b1" || out.NextToken != "" {
		t.Errorf("by state: %+v, %v", out, err)
	}
	if c := out.Connections[0]; c.AuthorizationType != "BASIC" || c.CreationTime == nil || !strings.Contains(c.ConnectionArn, ":connection/a1/") {
		t.Errorf("summary %+v", c)
	}
	out, err = s.ListConnections(ctx, &eventstypes.ListConnectionsRequest{ConnectionState: "DEAUTHORIZED"})
	if err != nil || len(out.Connections) != 0 {
		t.Errorf("DEAUTHORIZED: %+v, %v", out, err)
	}
	for name, in := range map[string]*eventstypes.ListConnectionsRequest{
		"limit":  {Limit: 101},
		"state":  {ConnectionState: "ON"},
		"prefix": {NamePrefix: "a b"},
		"token":  {NextToken: "!!"},
		"forged": {NextToken: encodeToken("/events-rule/123456789012/us-east-1/default/x")},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := s.ListConnections(ctx, in)
			wantCode(t, err, "ValidationException")
		})
	}
}

func TestDeleteConnectionDeactivatesDestinations(t *testing.T) {
	s := newDestService(nil)
	ctx := testCtx()
	conn := mustConnection(t, s, basicConnection("c"))
	other := mustConnection(t, s, basicConnection("other"))
	mustDest(t, s, "uses-c", conn, "https://example.com/x", "POST", 0)
	mustDest(t, s, "uses-other", other, "https://example.com/y", "POST", 0)
	if _, err := s.DeleteConnection(ctx, &eventstypes.DeleteConnectionRequest{Name: "c"}); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"uses-c": "INACTIVE", "uses-other": "ACTIVE"} {
		d, err := s.DescribeApiDestination(ctx, &eventstypes.DescribeApiDestinationRequest{Name: name})
		if err != nil || d.ApiDestinationState != want {
			t.Errorf("%s: %+v, %v; want %s", name, d, err, want)
		}
	}
	// The same name again is another connection: the old ARN names nothing.
	mustConnection(t, s, basicConnection("c"))
	_, err := s.UpdateApiDestination(ctx, &eventstypes.UpdateApiDestinationRequest{Name: "uses-c", ConnectionArn: conn})
	wantCode(t, err, eventstypes.ErrResourceNotFoundException)
	if _, err := s.UpdateApiDestination(ctx, &eventstypes.UpdateApiDestinationRequest{Name: "uses-c", ConnectionArn: other}); err != nil {
		t.Fatal(err)
	}
	d, _ := s.DescribeApiDestination(ctx, &eventstypes.DescribeApiDestinationRequest{Name: "uses-c"})
	if d.ApiDestinationState != "ACTIVE" || d.ConnectionArn != other {
		t.Errorf("after moving to another connection: %+v", d)
	}
}

func TestConnectionOps(t *testing.T) {
	s := newDestService(nil)
	ctx := testCtx()
	conn := mustConnection(t, s, basicConnection("c"))
	dest := mustDest(t, s, "d", conn, "https://example.com/", "POST", 0)
	ops := s.connectionOps()
	want := []string{"CreateConnection", "DescribeConnection", "DeleteConnection", "ListConnections",
		"CreateApiDestination", "DescribeApiDestination", "UpdateApiDestination", "DeleteApiDestination", "ListApiDestinations"}
	if len(ops) != len(want) {
		t.Fatalf("%d operations, want %d", len(ops), len(want))
	}
	byName := map[string]protocol.Operation{}
	for i, op := range ops {
		if op.Name != want[i] || op.Action != "events:"+want[i] {
			t.Errorf("op %d is %s (%s), want %s", i, op.Name, op.Action, want[i])
		}
		byName[op.Name] = op
	}
	for _, tc := range []struct {
		op   string
		in   any
		want string
	}{
		{"DescribeConnection", &eventstypes.DescribeConnectionRequest{Name: "c"}, conn},
		{"CreateConnection", &eventstypes.CreateConnectionRequest{Name: "new"}, "arn:aws:events:us-east-1:123456789012:connection/new/*"},
		{"DeleteApiDestination", &eventstypes.DeleteApiDestinationRequest{Name: "d"}, dest},
		{"CreateApiDestination", &eventstypes.CreateApiDestinationRequest{Name: "e"}, "arn:aws:events:us-east-1:123456789012:api-destination/e/*"},
		{"DescribeApiDestination", &eventstypes.DescribeApiDestinationRequest{Name: "a b"}, "*"},
	} {
		if got := byName[tc.op].Resource(ctx, tc.in); got != tc.want {
			t.Errorf("%s resource %q, want %q", tc.op, got, tc.want)
		}
	}
	if byName["ListConnections"].Resource != nil || byName["ListApiDestinations"].Resource != nil {
		t.Error("list operations name a resource")
	}
	out, err := byName["DescribeConnection"].Call(ctx, &eventstypes.DescribeConnectionRequest{Name: "c"})
	if err != nil || out.(*eventstypes.DescribeConnectionResponse).ConnectionArn != conn {
		t.Errorf("Call: %+v, %v", out, err)
	}
}
