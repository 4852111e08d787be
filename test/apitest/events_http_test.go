package apitest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"github.com/berth-dev/berth/internal/adminclient"
	"github.com/berth-dev/berth/internal/testutil"
)

// TestAPIDestinationTarget delivers events through a connection (API
// key) and an API destination to an HTTP endpoint on loopback, and shows
// a failing endpoint's deliveries in /_berth/events/deliveries.
func TestAPIDestinationTarget(t *testing.T) {
	region := testutil.Region(t)
	c := eventbridge.NewFromConfig(srv.AWSConfig(region))
	type call struct {
		path, key string
		body      map[string]any
	}
	var mu sync.Mutex
	var calls []call
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		b, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(b, &body)
		mu.Lock()
		calls = append(calls, call{r.URL.Path, r.Header.Get("X-Api-Key"), body})
		mu.Unlock()
	}))
	defer ok.Close()
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no such thing", http.StatusNotFound)
	}))
	defer broken.Close()

	conn := must[*eventbridge.CreateConnectionOutput](t)(c.CreateConnection(ctx, &eventbridge.CreateConnectionInput{
		Name: aws.String("hook"), AuthorizationType: types.ConnectionAuthorizationTypeApiKey,
		AuthParameters: &types.CreateConnectionAuthRequestParameters{ApiKeyAuthParameters: &types.CreateConnectionApiKeyAuthRequestParameters{
			ApiKeyName: aws.String("X-Api-Key"), ApiKeyValue: aws.String("s3cret")}}}))
	if conn.ConnectionState != types.ConnectionStateAuthorized {
		t.Fatalf("connection state %s", conn.ConnectionState)
	}
	d := must[*eventbridge.DescribeConnectionOutput](t)(c.DescribeConnection(ctx, &eventbridge.DescribeConnectionInput{Name: aws.String("hook")}))
	if raw, _ := json.Marshal(d); bytes.Contains(raw, []byte("s3cret")) {
		t.Fatalf("DescribeConnection shows the key: %s", raw)
	}
	dest := func(name, endpoint string) string {
		out := must[*eventbridge.CreateApiDestinationOutput](t)(c.CreateApiDestination(ctx, &eventbridge.CreateApiDestinationInput{
			Name: aws.String(name), ConnectionArn: conn.ConnectionArn, InvocationEndpoint: aws.String(endpoint),
			HttpMethod: types.ApiDestinationHttpMethodPost}))
		return aws.ToString(out.ApiDestinationArn)
	}
	good, bad := dest("good", ok.URL+"/hooks/*"), dest("bad", broken.URL+"/")
	must[*eventbridge.PutRuleOutput](t)(c.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("hooks"),
		EventPattern: aws.String(`{"source":["shop"]}`)}))
	must[*eventbridge.PutTargetsOutput](t)(c.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("hooks"), Targets: []types.Target{
		{Id: aws.String("good"), Arn: aws.String(good), HttpParameters: &types.HttpParameters{PathParameterValues: []string{"orders"}},
			InputPath: aws.String("$.detail")},
		{Id: aws.String("bad"), Arn: aws.String(bad)},
	}}))
	must[*eventbridge.PutEventsOutput](t)(c.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: []types.PutEventsRequestEntry{
		{Source: aws.String("shop"), DetailType: aws.String("Order"), Detail: aws.String(`{"total":7}`)}}}))

	deadline := time.Now().Add(10 * time.Second)
	var stats []struct {
		Rule, TargetID                 string
		Invocations, FailedInvocations int
		LastError                      string
	}
	for time.Now().Before(deadline) {
		b, err := adminclient.Call(ctx, srv.AdminKey(), http.MethodGet, "/_berth/events/deliveries", nil)
		if err != nil {
			t.Fatal(err)
		}
		stats = stats[:0]
		if err := json.Unmarshal(b, &stats); err != nil {
			t.Fatal(err)
		}
		if len(stats) == 2 && stats[0].Invocations+stats[0].FailedInvocations+stats[1].Invocations+stats[1].FailedInvocations == 2 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(calls) != 1 || calls[0].path != "/hooks/orders" || calls[0].key != "s3cret" || calls[0].body["total"] != 7.0 {
		t.Fatalf("endpoint got %+v", calls)
	}
	// A 404 is not retried: one failed invocation, with the reason.
	if len(stats) != 2 || stats[0].TargetID != "bad" || stats[0].FailedInvocations != 1 || stats[0].LastError == "" ||
		stats[1].TargetID != "good" || stats[1].Invocations != 1 {
		t.Fatalf("deliveries %+v", stats)
	}
}
