package events

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/berth-dev/berth/internal/awsapi/events/eventstypes"
	"github.com/berth-dev/berth/internal/awsapi/protocol"
	"github.com/berth-dev/berth/internal/awsapi/shape"
	"github.com/berth-dev/berth/internal/store"
)

// An API destination is an HTTP endpoint a rule's target calls through a
// connection. EventBridge wants https:// endpoints; berth also calls
// http:// ones, because the services on the machines berth runs on serve
// plain HTTP on private addresses (a task's IP, a load balancer inside
// the VPC), where TLS would need certificates nobody has.

const (
	// maxAPIDests is EventBridge's default quota of API destinations per
	// account and region.
	maxAPIDests = 3000
	// defaultRateLimit is the invocation rate limit of a destination that
	// gives none, and the highest berth accepts (AWS's default quota).
	defaultRateLimit = 300
)

// apiDest is an API destination's record.
type apiDest struct {
	Name string `json:"name"`
	// ID is the uuid at the end of the ARN.
	ID            string    `json:"id"`
	Description   string    `json:"description,omitempty"`
	ConnectionArn string    `json:"connectionArn"`
	Endpoint      string    `json:"endpoint"`
	Method        string    `json:"method"`
	RateLimit     int32     `json:"rateLimit"`
	State         string    `json:"state"`
	CreatedAt     time.Time `json:"createdAt"`
	ModifiedAt    time.Time `json:"modifiedAt"`
}

var apiDestRecords = func(s store.Store) store.Typed[apiDest] { return store.Typed[apiDest]{S: s} }

func (sc scope) apiDestPrefix() string { return store.Prefix(kindAPIDest, sc.account, sc.region) }

func (sc scope) apiDestKey(name string) string {
	return store.Key(kindAPIDest, sc.account, sc.region, name)
}

// apiDestARN is arn:…:api-destination/NAME/UUID.
func (sc scope) apiDestARN(d *apiDest) string {
	return sc.arn("api-destination/" + d.Name + "/" + d.ID)
}

// apiDestNotFound is AWS's answer for an API destination that does not
// exist.
func apiDestNotFound(name string) *protocol.Error {
	return notFound("Failed to describe the api-destination(s). An api-destination '%s' does not exist.", name)
}

// httpMethods lists the methods in the order AWS's enum error names them.
var httpMethods = []string{"HEAD", "POST", "PATCH", "DELETE", "PUT", "GET", "OPTIONS"}

// Model patterns of endpoints and connection ARNs.
var (
	endpointPattern      = regexp.MustCompile(`^((%[0-9A-Fa-f]{2}|[-()_.!~*';/?:@&=+$,A-Za-z0-9])+)([).!';/?:,])?$`)
	connectionARNPattern = regexp.MustCompile(`^arn:aws([a-z]|\-)*:events:([a-z]|\d|\-)*:([0-9]{12})?:connection\/[\.\-_A-Za-z0-9]+\/[\-A-Za-z0-9]+$`)
)

// CreateApiDestination creates an API destination on an existing
// connection of the caller's account and region. It is ACTIVE at once.
func (s *Service) CreateApiDestination(ctx context.Context, in *eventstypes.CreateApiDestinationRequest) (*eventstypes.CreateApiDestinationResponse, error) {
	sc := scopeOf(ctx)
	if err := requiredName(in.Name, "name"); err != nil {
		return nil, err
	}
	if err := validAPIDestSettings(in.Description, in.ConnectionArn, in.InvocationEndpoint, in.HttpMethod, in.InvocationRateLimitPerSecond); err != nil {
		return nil, err
	}
	switch {
	case in.ConnectionArn == "":
		return nil, required("connectionArn")
	case in.InvocationEndpoint == "":
		return nil, required("invocationEndpoint")
	case in.HttpMethod == "":
		return nil, required("httpMethod")
	}
	if _, err := s.connectionByARN(ctx, sc, in.ConnectionArn); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	d := &apiDest{Name: in.Name, ID: protocol.NewUUID(), Description: in.Description, ConnectionArn: in.ConnectionArn,
		Endpoint: in.InvocationEndpoint, Method: in.HttpMethod, RateLimit: in.InvocationRateLimitPerSecond,
		State: eventstypes.ApiDestinationStateActive, CreatedAt: now, ModifiedAt: now}
	if d.RateLimit == 0 {
		d.RateLimit = defaultRateLimit
	}
	res, err := s.store.List(ctx, sc.apiDestPrefix(), store.ListOptions{Limit: maxAPIDests})
	if err != nil {
		return nil, err
	}
	if len(res.Objects) >= maxAPIDests {
		return nil, limitExceeded("The requested resource exceeds the maximum number allowed.")
	}
	if _, err := apiDestRecords(s.store).Create(ctx, sc.apiDestKey(d.Name), d); errors.Is(err, store.ErrAlreadyExists) {
		return nil, alreadyExists("An api-destination '%s' already exists.", d.Name)
	} else if err != nil {
		return nil, err
	}
	return &eventstypes.CreateApiDestinationResponse{ApiDestinationArn: sc.apiDestARN(d), ApiDestinationState: d.State,
		CreationTime: shape.NewTime(d.CreatedAt), LastModifiedTime: shape.NewTime(d.ModifiedAt)}, nil
}

// validAPIDestSettings checks the settings a create or update gives
// (empty ones are not given; a zero rate limit is not given either).
func validAPIDestSettings(description, connectionArn, endpoint, method string, rate int32) error {
	if err := lengthBetween(description, "description", 0, 512); err != nil {
		return err
	}
	if connectionArn != "" {
		if err := validConnectionARN(connectionArn, "connectionArn"); err != nil {
			return err
		}
	}
	if endpoint != "" {
		if err := validEndpoint(endpoint, "invocationEndpoint"); err != nil {
			return err
		}
	}
	if method != "" && !slices.Contains(httpMethods, method) {
		return constraint(method, "httpMethod", "satisfy enum value set: ["+strings.Join(httpMethods, ", ")+"]")
	}
	switch {
	case rate < 0:
		return constraint(rate, "invocationRateLimitPerSecond", "have value greater than or equal to 1")
	case rate > defaultRateLimit:
		return constraint(rate, "invocationRateLimitPerSecond", fmt.Sprintf("have value less than or equal to %d", defaultRateLimit))
	}
	return nil
}

func validConnectionARN(v, field string) error {
	if err := lengthBetween(v, field, 1, 1600); err != nil {
		return err
	}
	if !connectionARNPattern.MatchString(v) {
		return constraint(v, field, "satisfy regular expression pattern: "+connectionARNPattern.String())
	}
	return nil
}

// validEndpoint checks an InvocationEndpoint: the model's pattern, then
// an http:// or https:// URL with a host. '*'s in the path are wildcards
// that targets fill in (PathParameterValues).
func validEndpoint(v, field string) error {
	if err := lengthBetween(v, field, 1, 2048); err != nil {
		return err
	}
	if !endpointPattern.MatchString(v) {
		return constraint(v, field, "satisfy regular expression pattern: "+endpointPattern.String())
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil ||
		strings.Contains(u.Host, "*") || strings.Contains(u.RawQuery, "*") {
		return validation("Invalid InvocationEndpoint '%s': give an https:// URL (berth also accepts http://) with a host, no user info, and '*' wildcards only in the path.", v)
	}
	return nil
}

// DescribeApiDestination returns an API destination.
func (s *Service) DescribeApiDestination(ctx context.Context, in *eventstypes.DescribeApiDestinationRequest) (*eventstypes.DescribeApiDestinationResponse, error) {
	sc := scopeOf(ctx)
	d, _, err := s.getAPIDest(ctx, sc, in.Name)
	if err != nil {
		return nil, err
	}
	return &eventstypes.DescribeApiDestinationResponse{
		ApiDestinationArn: sc.apiDestARN(d), Name: d.Name, Description: d.Description,
		ApiDestinationState: d.State, ConnectionArn: d.ConnectionArn, InvocationEndpoint: d.Endpoint,
		HttpMethod: d.Method, InvocationRateLimitPerSecond: d.RateLimit,
		CreationTime: shape.NewTime(d.CreatedAt), LastModifiedTime: shape.NewTime(d.ModifiedAt),
	}, nil
}

// UpdateApiDestination changes the settings it is given and keeps the
// others. A destination moved to an existing connection is ACTIVE again.
func (s *Service) UpdateApiDestination(ctx context.Context, in *eventstypes.UpdateApiDestinationRequest) (*eventstypes.UpdateApiDestinationResponse, error) {
	sc := scopeOf(ctx)
	if err := requiredName(in.Name, "name"); err != nil {
		return nil, err
	}
	if err := validAPIDestSettings(in.Description, in.ConnectionArn, in.InvocationEndpoint, in.HttpMethod, in.InvocationRateLimitPerSecond); err != nil {
		return nil, err
	}
	if in.ConnectionArn != "" {
		if _, err := s.connectionByARN(ctx, sc, in.ConnectionArn); err != nil {
			return nil, err
		}
	}
	now := s.now().UTC()
	d, _, err := apiDestRecords(s.store).Mutate(ctx, sc.apiDestKey(in.Name), func(d *apiDest) error {
		if in.Description != "" {
			d.Description = in.Description
		}
		if in.ConnectionArn != "" {
			d.ConnectionArn, d.State = in.ConnectionArn, eventstypes.ApiDestinationStateActive
		}
		if in.InvocationEndpoint != "" {
			d.Endpoint = in.InvocationEndpoint
		}
		if in.HttpMethod != "" {
			d.Method = in.HttpMethod
		}
		if in.InvocationRateLimitPerSecond != 0 {
			d.RateLimit = in.InvocationRateLimitPerSecond
		}
		d.ModifiedAt = now
		return nil
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, apiDestNotFound(in.Name)
	}
	if err != nil {
		return nil, err
	}
	return &eventstypes.UpdateApiDestinationResponse{ApiDestinationArn: sc.apiDestARN(d), ApiDestinationState: d.State,
		CreationTime: shape.NewTime(d.CreatedAt), LastModifiedTime: shape.NewTime(d.ModifiedAt)}, nil
}

// DeleteApiDestination deletes an API destination. Targets that name it
// fail from then on, as on AWS.
func (s *Service) DeleteApiDestination(ctx context.Context, in *eventstypes.DeleteApiDestinationRequest) (*eventstypes.DeleteApiDestinationResponse, error) {
	sc := scopeOf(ctx)
	d, rev, err := s.getAPIDest(ctx, sc, in.Name)
	if err != nil {
		return nil, err
	}
	switch err := s.store.Delete(ctx, sc.apiDestKey(d.Name), rev); {
	case errors.Is(err, store.ErrNotFound):
		return nil, apiDestNotFound(d.Name)
	case errors.Is(err, store.ErrConflict):
		return nil, concurrentModification()
	case err != nil:
		return nil, err
	}
	apiDestRates.forget(sc.apiDestARN(d))
	return &eventstypes.DeleteApiDestinationResponse{}, nil
}

// ListApiDestinations lists API destinations in name order, optionally
// by name prefix and connection.
func (s *Service) ListApiDestinations(ctx context.Context, in *eventstypes.ListApiDestinationsRequest) (*eventstypes.ListApiDestinationsResponse, error) {
	sc := scopeOf(ctx)
	limit, err := listLimit(in.Limit)
	if err != nil {
		return nil, err
	}
	if in.NamePrefix != "" {
		if err := validName(in.NamePrefix, "namePrefix"); err != nil {
			return nil, err
		}
	}
	if in.ConnectionArn != "" {
		if err := validConnectionARN(in.ConnectionArn, "connectionArn"); err != nil {
			return nil, err
		}
	}
	after, err := decodeToken(in.NextToken, sc.apiDestPrefix())
	if err != nil {
		return nil, err
	}
	out := &eventstypes.ListApiDestinationsResponse{ApiDestinations: []eventstypes.ApiDestination{}}
	last := ""
	err = apiDestRecords(s.store).Scan(ctx, sc.apiDestPrefix()+in.NamePrefix, after, func(obj store.Object, d *apiDest) bool {
		if in.ConnectionArn != "" && d.ConnectionArn != in.ConnectionArn {
			return true
		}
		if len(out.ApiDestinations) == limit {
			out.NextToken = encodeToken(last)
			return false
		}
		out.ApiDestinations = append(out.ApiDestinations, eventstypes.ApiDestination{
			ApiDestinationArn: sc.apiDestARN(d), Name: d.Name, ApiDestinationState: d.State,
			ConnectionArn: d.ConnectionArn, InvocationEndpoint: d.Endpoint, HttpMethod: d.Method,
			InvocationRateLimitPerSecond: d.RateLimit, CreationTime: shape.NewTime(d.CreatedAt),
			LastModifiedTime: shape.NewTime(d.ModifiedAt),
		})
		last = obj.Key
		return true
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// getAPIDest reads an API destination by name, with its revision.
func (s *Service) getAPIDest(ctx context.Context, sc scope, name string) (*apiDest, int64, error) {
	return getNamed[apiDest](ctx, s.store, name, sc.apiDestKey, apiDestNotFound)
}

// apiDestByARN reads the API destination an ARN names (see namedByARN).
func (s *Service) apiDestByARN(ctx context.Context, sc scope, arn string) (*apiDest, error) {
	return namedByARN[apiDest](ctx, s.store, sc, arn, "api-destination", sc.apiDestKey, apiDestNotFound)
}

func (d *apiDest) arnID() string { return d.ID }

// deactivateAPIDestinations marks INACTIVE the destinations that use a
// connection (just deleted).
func (s *Service) deactivateAPIDestinations(ctx context.Context, sc scope, connectionArn string) error {
	var names []string
	err := apiDestRecords(s.store).Scan(ctx, sc.apiDestPrefix(), "", func(_ store.Object, d *apiDest) bool {
		if d.ConnectionArn == connectionArn {
			names = append(names, d.Name)
		}
		return true
	})
	if err != nil {
		return err
	}
	for _, name := range names {
		_, _, err := apiDestRecords(s.store).Mutate(ctx, sc.apiDestKey(name), func(d *apiDest) error {
			if d.ConnectionArn == connectionArn {
				d.State = eventstypes.ApiDestinationStateInactive
			}
			return nil
		})
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	return nil
}
