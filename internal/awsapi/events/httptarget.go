package events

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/berth-dev/berth/internal/awsapi/events/eventstypes"
	"github.com/berth-dev/berth/internal/awsapi/protocol"
)

// An API destination target is called as EventBridge calls it (user
// guide, "API destinations"):
//
//   - URL: the endpoint with each '*' of its path replaced, in order, by
//     the target's PathParameterValues; query string parameters of the
//     target, then of the connection, which wins on a conflict, as the
//     API reference says of HttpParameters.
//   - Headers: the target's, then the connection's (which win), then the
//     connection's Basic or API key authorization. EventBridge's own
//     headers (User-Agent, Range, Host, hop-by-hop ones…) are dropped from
//     both and set by EventBridge: User-Agent Amazon/EventBridge/
//     ApiDestinations, Range bytes=0-1048575, and Content-Type
//     application/json; charset=utf-8 unless a parameter sets one.
//   - Body: the target's input, with the connection's body parameters
//     added when it is a JSON object; GET and HEAD send none.
//   - Outcome: a 2xx answer delivers. 401, 407, 409, 429, 5xx, network
//     errors and timeouts (5 s, as AWS) are retried; any other answer is
//     Permanent, 3xx included: redirects are not followed, since one could
//     carry the connection's credentials to another host. A negative
//     Retry-After stops retries, as on AWS.
//   - Rate: each destination is called at most InvocationRateLimitPerSecond
//     times a second; a call waits for its turn.
//
// Errors name the destination and its endpoint as configured, never the
// final URL or headers, which carry the connection's secrets.

const (
	apiDestUserAgent   = "Amazon/EventBridge/ApiDestinations"
	apiDestContentType = "application/json; charset=utf-8"
	apiDestRange       = "bytes=0-1048575"
	// apiDestTimeout is how long EventBridge waits for an endpoint.
	apiDestTimeout = 5 * time.Second
	// maxErrorBody is how much of a failed answer's body an error quotes.
	maxErrorBody = 256
)

// droppedHeaders are the headers EventBridge sets itself or does not
// forward; connection and target parameters naming them are ignored.
var droppedHeaders = func() map[string]bool {
	m := map[string]bool{}
	for _, h := range []string{"A-IM", "Accept-Charset", "Accept-Datetime", "Accept-Encoding", "Cache-Control",
		"Connection", "Content-Encoding", "Content-Length", "Content-MD5", "Date", "Expect", "Forwarded", "From",
		"Host", "HTTP2-Settings", "If-Match", "If-Modified-Since", "If-None-Match", "If-Range",
		"If-Unmodified-Since", "Max-Forwards", "Origin", "Pragma", "Proxy-Authorization", "Range", "Referer",
		"TE", "Trailer", "Transfer-Encoding", "User-Agent", "Upgrade", "Via", "Warning"} {
		m[http.CanonicalHeaderKey(h)] = true
	}
	return m
}()

// invokeAPIDestination sends body to the API destination named by t.Arn (through its
// connection's auth and parameters, plus t.HttpParameters). Failures retrying cannot fix are
// wrapped with Permanent.
func (s *Service) invokeAPIDestination(ctx context.Context, sc scope, t *eventstypes.Target, body []byte) error {
	d, err := s.apiDestByARN(ctx, sc, t.Arn)
	if err != nil {
		return permanentIfAPI(err)
	}
	if d.State != eventstypes.ApiDestinationStateActive {
		return Permanent(fmt.Errorf("API destination %s is %s: its connection %s was deleted; update the destination to use another connection", d.Name, d.State, d.ConnectionArn))
	}
	c, err := s.connectionByARN(ctx, sc, d.ConnectionArn)
	if err != nil {
		return permanentIfAPI(fmt.Errorf("API destination %s: %w", d.Name, err))
	}
	if c.State != eventstypes.ConnectionStateAuthorized {
		return Permanent(fmt.Errorf("API destination %s: connection %s is %s, not AUTHORIZED", d.Name, c.Name, c.State))
	}
	req, err := apiDestRequest(ctx, d, c, t.HttpParameters, body)
	if err != nil {
		return Permanent(err)
	}
	if err := apiDestRates.wait(ctx, sc.apiDestARN(d), d.RateLimit); err != nil {
		return fmt.Errorf("API destination %s: waiting for its invocation rate limit (%d per second): %w", d.Name, d.RateLimit, err)
	}
	rctx, cancel := context.WithTimeout(ctx, apiDestTimeout)
	defer cancel()
	client := http.Client{Timeout: apiDestTimeout}
	if s.http != nil {
		client = *s.http
	}
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := client.Do(req.WithContext(rctx))
	if err != nil {
		// A *url.Error quotes the URL, whose query may hold secrets.
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return fmt.Errorf("API destination %s: %s %s: %w", d.Name, d.Method, d.Endpoint, err)
	}
	defer resp.Body.Close()
	head, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20)) // so the connection can be reused
	return apiDestOutcome(d, resp, head, time.Now())
}

// permanentIfAPI marks Permanent an error that is an API error (a
// destination or connection that does not exist); store failures stay
// retryable.
func permanentIfAPI(err error) error {
	if _, ok := protocol.AsError(err); ok {
		return Permanent(err)
	}
	return err
}

// apiDestRequest builds the request of one invocation.
func apiDestRequest(ctx context.Context, d *apiDest, c *connection, hp *eventstypes.HttpParameters, body []byte) (*http.Request, error) {
	if hp == nil {
		hp = &eventstypes.HttpParameters{}
	}
	conn := c.Invocation
	if conn == nil {
		conn = &eventstypes.ConnectionHttpParameters{}
	}
	u, err := url.Parse(d.Endpoint)
	if err != nil {
		return nil, fmt.Errorf("API destination %s: endpoint %s: %w", d.Name, d.Endpoint, err)
	}
	path := u.EscapedPath()
	if n := strings.Count(path, "*"); n != len(hp.PathParameterValues) {
		return nil, fmt.Errorf("API destination %s: endpoint %s has %d path wildcard(s) but the target gives %d PathParameterValues", d.Name, d.Endpoint, n, len(hp.PathParameterValues))
	}
	for _, v := range hp.PathParameterValues {
		path = strings.Replace(path, "*", url.PathEscape(v), 1) // PathEscape escapes '*'
	}
	if u.Path, err = url.PathUnescape(path); err != nil {
		return nil, fmt.Errorf("API destination %s: endpoint %s: %w", d.Name, d.Endpoint, err)
	}
	u.RawPath = path
	if len(hp.QueryStringParameters) > 0 || len(conn.QueryStringParameters) > 0 {
		q := u.Query()
		for k, v := range hp.QueryStringParameters {
			q.Set(k, v)
		}
		for _, p := range conn.QueryStringParameters {
			q.Set(p.Key, p.Value)
		}
		u.RawQuery = q.Encode()
	}
	var rd io.Reader
	if d.Method != http.MethodGet && d.Method != http.MethodHead {
		rd = bytes.NewReader(withBodyParams(body, conn.BodyParameters))
	}
	req, err := http.NewRequestWithContext(ctx, d.Method, u.String(), rd)
	if err != nil {
		return nil, fmt.Errorf("API destination %s: %s %s: %w", d.Name, d.Method, d.Endpoint, err)
	}
	set := func(k, v string) {
		if !droppedHeaders[http.CanonicalHeaderKey(k)] {
			req.Header.Set(k, v)
		}
	}
	keys := make([]string, 0, len(hp.HeaderParameters))
	for k := range hp.HeaderParameters {
		keys = append(keys, k)
	}
	slices.Sort(keys) // of two keys differing in case only, the last wins, always the same
	for _, k := range keys {
		set(k, hp.HeaderParameters[k])
	}
	for _, p := range conn.HeaderParameters {
		set(p.Key, p.Value)
	}
	switch c.AuthorizationType {
	case eventstypes.ConnectionAuthorizationTypeBasic:
		set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(c.Username+":"+c.Password)))
	case eventstypes.ConnectionAuthorizationTypeApiKey:
		set(c.APIKeyName, c.APIKeyValue)
	}
	if req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", apiDestContentType)
	}
	req.Header.Set("User-Agent", apiDestUserAgent)
	req.Header.Set("Range", apiDestRange)
	return req, nil
}

// withBodyParams adds a connection's body parameters to a JSON object
// body, replacing keys it has. Other bodies (a string, an array, text an
// input transformer made) are sent as they are.
func withBodyParams(body []byte, ps []eventstypes.ConnectionBodyParameter) []byte {
	if len(ps) == 0 {
		return body
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(body, &obj); err != nil || obj == nil {
		return body
	}
	for _, p := range ps {
		v, _ := json.Marshal(p.Value)
		obj[p.Key] = v
	}
	out, err := json.Marshal(obj)
	if err != nil {
		return body
	}
	return out
}

// apiDestStatusError is an endpoint's answer other than 2xx.
type apiDestStatusError struct {
	dest, method, endpoint string
	status                 int
	body                   string
	retryAfter             time.Duration
}

func (e *apiDestStatusError) Error() string {
	msg := fmt.Sprintf("API destination %s: %s %s answered %d %s", e.dest, e.method, e.endpoint, e.status, http.StatusText(e.status))
	if e.body != "" {
		msg += ": " + strconv.Quote(e.body)
	}
	return msg
}

// RetryAfter is how long the endpoint asked to be left alone (its
// Retry-After header), 0 when it did not say. EventBridge waits the
// longer of it and its own backoff.
func (e *apiDestStatusError) RetryAfter() time.Duration { return e.retryAfter }

// Status is the HTTP status the endpoint answered.
func (e *apiDestStatusError) Status() int { return e.status }

// apiDestOutcome classifies an endpoint's answer: nil for 2xx, a
// retryable error for 401, 407, 409, 429 and 5xx (unless Retry-After is
// negative), a Permanent one for anything else.
func apiDestOutcome(d *apiDest, resp *http.Response, head []byte, now time.Time) error {
	code := resp.StatusCode
	if code >= 200 && code < 300 {
		return nil
	}
	e := &apiDestStatusError{dest: d.Name, method: d.Method, endpoint: d.Endpoint, status: code, body: strings.TrimSpace(string(head))}
	retryable := code == http.StatusUnauthorized || code == http.StatusProxyAuthRequired ||
		code == http.StatusConflict || code == http.StatusTooManyRequests || code >= 500 && code < 600
	if !retryable {
		return Permanent(e)
	}
	if ra := resp.Header.Get("Retry-After"); ra != "" {
		if secs, err := strconv.Atoi(strings.TrimSpace(ra)); err == nil {
			if secs < 0 {
				return Permanent(fmt.Errorf("%w (Retry-After %d: not retried)", e, secs))
			}
			e.retryAfter = time.Duration(secs) * time.Second
		} else if at, err := http.ParseTime(ra); err == nil && at.After(now) {
			e.retryAfter = at.Sub(now)
		}
	}
	return e
}

// checkAPIDestinationTarget is PutTargets' check of an api-destination target: the ARN names
// an existing destination of sc; HttpParameters' path values match the endpoint's '*'s.
func (s *Service) checkAPIDestinationTarget(ctx context.Context, sc scope, t *eventstypes.Target) error {
	d, err := s.apiDestByARN(ctx, sc, t.Arn)
	if err != nil {
		if pe, ok := protocol.AsError(err); ok && pe.Code == eventstypes.ErrResourceNotFoundException {
			return notFound("Target %s: API destination %s does not exist.", t.Id, t.Arn)
		}
		return err
	}
	hp := t.HttpParameters
	if hp == nil {
		hp = &eventstypes.HttpParameters{}
	}
	for _, v := range hp.PathParameterValues {
		if strings.TrimSpace(v) == "" || strings.Contains(v, "\n") {
			return constraint(v, "httpParameters.pathParameterValues", `satisfy regular expression pattern: ^(?!\s*$).+`)
		}
	}
	u, err := url.Parse(d.Endpoint)
	if err != nil {
		return validation("Target %s: API destination %s has an endpoint berth cannot parse: %v.", t.Id, d.Name, err)
	}
	if n := strings.Count(u.EscapedPath(), "*"); n != len(hp.PathParameterValues) {
		return validation("Target %s: the endpoint of API destination %s (%s) has %d path wildcard(s) ('*'), but HttpParameters.PathParameterValues gives %d value(s).",
			t.Id, d.Name, d.Endpoint, n, len(hp.PathParameterValues))
	}
	for k, v := range hp.HeaderParameters {
		if len(k) > 512 || !headerKeyPattern.MatchString(k) {
			return constraint(k, "httpParameters.headerParameters.key", "satisfy regular expression pattern: "+headerKeyPattern.String())
		}
		if len(v) > 512 || v != "" && !headerValuePattern.MatchString(v) {
			return constraint(v, "httpParameters.headerParameters.value", "satisfy regular expression pattern: "+headerValuePattern.String())
		}
	}
	for k, v := range hp.QueryStringParameters {
		if len(k) > 512 || !queryKeyPattern.MatchString(k) {
			return constraint(k, "httpParameters.queryStringParameters.key", "satisfy regular expression pattern: "+queryKeyPattern.String())
		}
		if len(v) > 512 || v != "" && !queryValuePattern.MatchString(v) {
			return constraint(v, "httpParameters.queryStringParameters.value", "satisfy regular expression pattern: "+queryValuePattern.String())
		}
	}
	return nil
}

// apiDestRates holds one token bucket per API destination, by ARN. The
// ARN ends in the destination's random id, so destinations of different
// Services in one process, or successive destinations of one name, never
// share a bucket. A bucket lives until its destination is deleted; the
// limit is per server process.
var apiDestRates = &rateLimits{buckets: map[string]*tokenBucket{}}

type rateLimits struct {
	mu      sync.Mutex
	buckets map[string]*tokenBucket
}

// wait returns when the destination arn may be called at rate per
// second, or with an error when ctx ends first (or would, by its
// deadline). A call that gives up does not use its turn.
func (l *rateLimits) wait(ctx context.Context, arn string, rate int32) error {
	if rate < 1 {
		rate = defaultRateLimit
	}
	l.mu.Lock()
	b := l.buckets[arn]
	if b == nil {
		b = &tokenBucket{rate: float64(rate), tokens: float64(rate)}
		l.buckets[arn] = b
	}
	l.mu.Unlock()
	b.setRate(float64(rate))
	wait := b.reserve(time.Now())
	if wait <= 0 {
		return nil
	}
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
		b.unreserve()
		return fmt.Errorf("the next turn is %v away, after this attempt's deadline", wait.Round(time.Millisecond))
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		b.unreserve()
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

// forget drops a deleted destination's bucket.
func (l *rateLimits) forget(arn string) {
	l.mu.Lock()
	delete(l.buckets, arn)
	l.mu.Unlock()
}

// tokenBucket allows rate calls a second, in bursts of up to rate.
type tokenBucket struct {
	mu     sync.Mutex
	rate   float64 // tokens added a second, and the most it holds
	tokens float64 // may go negative: turns reserved ahead
	last   time.Time
}

// reserve takes a token and says how long to wait before using it.
func (b *tokenBucket) reserve(now time.Time) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.last.IsZero() && now.After(b.last) {
		b.tokens = min(b.rate, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	}
	if b.last.IsZero() || now.After(b.last) {
		b.last = now
	}
	b.tokens--
	if b.tokens >= 0 {
		return 0
	}
	return time.Duration(-b.tokens / b.rate * float64(time.Second))
}

// unreserve gives back a token reserve took.
func (b *tokenBucket) unreserve() {
	b.mu.Lock()
	b.tokens = min(b.rate, b.tokens+1)
	b.mu.Unlock()
}

// setRate changes the rate (an UpdateApiDestination) keeping the tokens
// within the new burst.
func (b *tokenBucket) setRate(rate float64) {
	b.mu.Lock()
	if b.rate != rate {
		b.rate, b.tokens = rate, min(b.tokens, rate)
	}
	b.mu.Unlock()
}
