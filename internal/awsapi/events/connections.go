package events

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/berth-dev/berth/internal/awsapi/events/eventstypes"
	"github.com/berth-dev/berth/internal/awsapi/protocol"
	"github.com/berth-dev/berth/internal/awsapi/shape"
	"github.com/berth-dev/berth/internal/store"
)

// Connections hold the credentials an API destination is called with.
// EventBridge keeps them in a Secrets Manager secret; berth keeps them in
// the connection's record, in the store (etcd, under the server's data
// dir), readable by whoever can read the store. They never leave through
// the API: DescribeConnection shows the user name and the API key's name,
// and the parameters marked IsValueSecret without their values, as AWS
// does. DescribeConnection has no SecretArn, as there is no secret.

// maxConnections is EventBridge's default quota of connections per
// account and region.
const maxConnections = 3000

// connection is a connection's record.
type connection struct {
	Name string `json:"name"`
	// ID is the uuid at the end of the ARN: a connection deleted and
	// created again under its name is another connection.
	ID                string `json:"id"`
	Description       string `json:"description,omitempty"`
	AuthorizationType string `json:"authorizationType"`
	State             string `json:"state"`
	// Secrets, sent with every invocation and never returned.
	Username    string `json:"username,omitempty"`
	Password    string `json:"password,omitempty"`
	APIKeyName  string `json:"apiKeyName,omitempty"`
	APIKeyValue string `json:"apiKeyValue,omitempty"`
	// Invocation holds the header, query and body parameters sent with
	// every invocation, secret values included.
	Invocation   *eventstypes.ConnectionHttpParameters `json:"invocation,omitempty"`
	CreatedAt    time.Time                             `json:"createdAt"`
	ModifiedAt   time.Time                             `json:"modifiedAt"`
	AuthorizedAt time.Time                             `json:"authorizedAt"`
}

var connectionRecords = func(s store.Store) store.Typed[connection] { return store.Typed[connection]{S: s} }

func (sc scope) connectionPrefix() string { return store.Prefix(kindConnection, sc.account, sc.region) }

func (sc scope) connectionKey(name string) string {
	return store.Key(kindConnection, sc.account, sc.region, name)
}

// connectionARN is arn:…:connection/NAME/UUID.
func (sc scope) connectionARN(c *connection) string {
	return sc.arn("connection/" + c.Name + "/" + c.ID)
}

// connectionNotFound is AWS's answer for a connection that does not exist.
func connectionNotFound(name string) *protocol.Error {
	return notFound("Failed to describe the connection(s). Connection '%s' does not exist.", name)
}

// CreateConnection creates a connection with BASIC or API_KEY
// authorization; it is AUTHORIZED at once.
func (s *Service) CreateConnection(ctx context.Context, in *eventstypes.CreateConnectionRequest) (*eventstypes.CreateConnectionResponse, error) {
	sc := scopeOf(ctx)
	if err := requiredName(in.Name, "name"); err != nil {
		return nil, err
	}
	if err := lengthBetween(in.Description, "description", 0, 512); err != nil {
		return nil, err
	}
	c, err := newConnection(in)
	if err != nil {
		return nil, err
	}
	now := s.now().UTC()
	c.ID, c.State = protocol.NewUUID(), eventstypes.ConnectionStateAuthorized
	c.CreatedAt, c.ModifiedAt, c.AuthorizedAt = now, now, now
	res, err := s.store.List(ctx, sc.connectionPrefix(), store.ListOptions{Limit: maxConnections})
	if err != nil {
		return nil, err
	}
	if len(res.Objects) >= maxConnections {
		return nil, limitExceeded("The requested resource exceeds the maximum number allowed.")
	}
	if _, err := connectionRecords(s.store).Create(ctx, sc.connectionKey(c.Name), c); errors.Is(err, store.ErrAlreadyExists) {
		return nil, alreadyExists("Connection '%s' already exists.", c.Name)
	} else if err != nil {
		return nil, err
	}
	return &eventstypes.CreateConnectionResponse{ConnectionArn: sc.connectionARN(c), ConnectionState: c.State,
		CreationTime: shape.NewTime(c.CreatedAt), LastModifiedTime: shape.NewTime(c.ModifiedAt)}, nil
}

// newConnection checks a CreateConnection's authorization and parameters
// and returns the record they make (without id, state or times).
func newConnection(in *eventstypes.CreateConnectionRequest) (*connection, error) {
	if in.KmsKeyIdentifier != "" {
		return nil, validation("berth does not encrypt connections with KMS keys: leave KmsKeyIdentifier out (the credentials are kept in berth's store).")
	}
	if in.InvocationConnectivityParameters != nil {
		return nil, validation("berth does not connect to private APIs through VPC Lattice: leave InvocationConnectivityParameters out and give the endpoint's address in the API destination.")
	}
	if in.AuthorizationType == "" {
		return nil, required("authorizationType")
	}
	if !slices.Contains(eventstypes.ConnectionAuthorizationTypeValues, in.AuthorizationType) {
		return nil, constraint(in.AuthorizationType, "authorizationType", "satisfy enum value set: ["+strings.Join(eventstypes.ConnectionAuthorizationTypeValues, ", ")+"]")
	}
	if in.AuthorizationType == eventstypes.ConnectionAuthorizationTypeOauthClientCredentials {
		return nil, validation("berth does not support OAuth connections (OAUTH_CLIENT_CREDENTIALS) yet: use BASIC or API_KEY authorization.")
	}
	p := in.AuthParameters
	if p == nil {
		return nil, required("authParameters")
	}
	if p.ConnectivityParameters != nil {
		return nil, validation("berth does not connect to private OAuth endpoints: leave AuthParameters.ConnectivityParameters out.")
	}
	c := &connection{Name: in.Name, Description: in.Description, AuthorizationType: in.AuthorizationType}
	switch {
	case in.AuthorizationType == eventstypes.ConnectionAuthorizationTypeBasic && p.BasicAuthParameters != nil &&
		p.ApiKeyAuthParameters == nil && p.OAuthParameters == nil:
		b := p.BasicAuthParameters
		if err := authHeaderValue(b.Username, "authParameters.basicAuthParameters.username", false); err != nil {
			return nil, err
		}
		if err := authHeaderValue(b.Password, "authParameters.basicAuthParameters.password", true); err != nil {
			return nil, err
		}
		c.Username, c.Password = b.Username, b.Password
	case in.AuthorizationType == eventstypes.ConnectionAuthorizationTypeApiKey && p.ApiKeyAuthParameters != nil &&
		p.BasicAuthParameters == nil && p.OAuthParameters == nil:
		k := p.ApiKeyAuthParameters
		if err := authHeaderValue(k.ApiKeyName, "authParameters.apiKeyAuthParameters.apiKeyName", false); err != nil {
			return nil, err
		}
		if !headerKeyPattern.MatchString(k.ApiKeyName) {
			return nil, validation("ApiKeyName '%s' is not a valid HTTP header name: it is sent as the header carrying the key.", k.ApiKeyName)
		}
		if err := authHeaderValue(k.ApiKeyValue, "authParameters.apiKeyAuthParameters.apiKeyValue", true); err != nil {
			return nil, err
		}
		c.APIKeyName, c.APIKeyValue = k.ApiKeyName, k.ApiKeyValue
	default:
		block := map[string]string{
			eventstypes.ConnectionAuthorizationTypeBasic:  "BasicAuthParameters",
			eventstypes.ConnectionAuthorizationTypeApiKey: "ApiKeyAuthParameters",
		}[in.AuthorizationType]
		return nil, validation("AuthorizationType %s needs AuthParameters with %s and no other authorization parameters.", in.AuthorizationType, block)
	}
	if hp := p.InvocationHttpParameters; hp != nil {
		if err := validConnectionParams(hp, "authParameters.invocationHttpParameters"); err != nil {
			return nil, err
		}
		c.Invocation = hp
	}
	return c, nil
}

// authHeaderPattern is the model's pattern of user names, passwords and
// API key names and values: printable, no ':' or control characters.
var authHeaderPattern = regexp.MustCompile(`^[ \t]*[^\x00-\x1F:\x7F]+([ \t]+[^\x00-\x1F:\x7F]+)*[ \t]*$`)

// authHeaderValue checks a 1–512 character credential; a secret one is
// not repeated in the error.
func authHeaderValue(v, field string, secret bool) error {
	if v == "" {
		return required(field)
	}
	rule := ""
	switch {
	case len(v) > 512:
		rule = "have length less than or equal to 512"
	case !authHeaderPattern.MatchString(v):
		rule = "satisfy regular expression pattern: " + authHeaderPattern.String()
	default:
		return nil
	}
	if secret {
		return validation("1 validation error detected: Value at '%s' failed to satisfy constraint: Member must %s", field, rule)
	}
	return constraint(v, field, rule)
}

// Patterns of HTTP parameters, from the model.
var (
	headerKeyPattern   = regexp.MustCompile("^[!#$%&'*+-.^_`|~0-9a-zA-Z]+$")
	headerValuePattern = regexp.MustCompile(`^[ \t]*[\x20-\x7E]+([ \t]+[\x20-\x7E]+)*[ \t]*$`)
	queryKeyPattern    = regexp.MustCompile(`^[^\x00-\x1F\x7F]+$`)
	queryValuePattern  = regexp.MustCompile(`^[^\x00-\x09\x0B\x0C\x0E-\x1F\x7F]+$`)
)

// validConnectionParams checks a connection's header, query string and
// body parameters (at most 100 of each). Values marked secret are not
// repeated in errors.
func validConnectionParams(hp *eventstypes.ConnectionHttpParameters, field string) error {
	type param struct {
		key, value string
		secret     bool
	}
	check := func(kind string, ps []param, keyRe, valueRe *regexp.Regexp) error {
		f := field + "." + kind
		if len(ps) > 100 {
			return constraint(len(ps), f, "have length less than or equal to 100")
		}
		for i, p := range ps {
			m := fmt.Sprintf("%s.%d.member.", f, i+1)
			if p.key == "" {
				return required(m + "key")
			}
			if keyRe != nil && (len(p.key) > 512 || !keyRe.MatchString(p.key)) {
				return constraint(p.key, m+"key", "satisfy regular expression pattern: "+keyRe.String()+" and have length less than or equal to 512")
			}
			if valueRe != nil && p.value != "" && (len(p.value) > 512 || !valueRe.MatchString(p.value)) {
				rule := "satisfy regular expression pattern: " + valueRe.String() + " and have length less than or equal to 512"
				if p.secret {
					return validation("1 validation error detected: Value at '%s' failed to satisfy constraint: Member must %s", m+"value", rule)
				}
				return constraint(p.value, m+"value", rule)
			}
		}
		return nil
	}
	var hs, qs, bs []param
	for _, p := range hp.HeaderParameters {
		hs = append(hs, param{p.Key, p.Value, p.IsValueSecret})
	}
	for _, p := range hp.QueryStringParameters {
		qs = append(qs, param{p.Key, p.Value, p.IsValueSecret})
	}
	for _, p := range hp.BodyParameters {
		bs = append(bs, param{p.Key, p.Value, p.IsValueSecret})
	}
	if err := check("headerParameters", hs, headerKeyPattern, headerValuePattern); err != nil {
		return err
	}
	if err := check("queryStringParameters", qs, queryKeyPattern, queryValuePattern); err != nil {
		return err
	}
	return check("bodyParameters", bs, nil, nil)
}

// requiredName checks a required 1–64 character name.
func requiredName(v, field string) error {
	if v == "" {
		return required(field)
	}
	return validName(v, field)
}

// DescribeConnection returns a connection without its secrets.
func (s *Service) DescribeConnection(ctx context.Context, in *eventstypes.DescribeConnectionRequest) (*eventstypes.DescribeConnectionResponse, error) {
	sc := scopeOf(ctx)
	c, _, err := s.getConnection(ctx, sc, in.Name)
	if err != nil {
		return nil, err
	}
	auth := &eventstypes.ConnectionAuthResponseParameters{}
	switch c.AuthorizationType {
	case eventstypes.ConnectionAuthorizationTypeBasic:
		auth.BasicAuthParameters = &eventstypes.ConnectionBasicAuthResponseParameters{Username: c.Username}
	case eventstypes.ConnectionAuthorizationTypeApiKey:
		auth.ApiKeyAuthParameters = &eventstypes.ConnectionApiKeyAuthResponseParameters{ApiKeyName: c.APIKeyName}
	}
	if c.Invocation != nil {
		auth.InvocationHttpParameters = withoutSecrets(c.Invocation)
	}
	return &eventstypes.DescribeConnectionResponse{
		ConnectionArn: sc.connectionARN(c), Name: c.Name, Description: c.Description,
		ConnectionState: c.State, AuthorizationType: c.AuthorizationType, AuthParameters: auth,
		CreationTime: shape.NewTime(c.CreatedAt), LastModifiedTime: shape.NewTime(c.ModifiedAt),
		LastAuthorizedTime: shape.NewTime(c.AuthorizedAt),
	}, nil
}

// withoutSecrets copies parameters, leaving out the values marked secret.
func withoutSecrets(hp *eventstypes.ConnectionHttpParameters) *eventstypes.ConnectionHttpParameters {
	out := &eventstypes.ConnectionHttpParameters{}
	for _, p := range hp.HeaderParameters {
		if p.IsValueSecret {
			p.Value = ""
		}
		out.HeaderParameters = append(out.HeaderParameters, p)
	}
	for _, p := range hp.QueryStringParameters {
		if p.IsValueSecret {
			p.Value = ""
		}
		out.QueryStringParameters = append(out.QueryStringParameters, p)
	}
	for _, p := range hp.BodyParameters {
		if p.IsValueSecret {
			p.Value = ""
		}
		out.BodyParameters = append(out.BodyParameters, p)
	}
	return out
}

// ListConnections lists the connections in name order, optionally by
// name prefix and state.
func (s *Service) ListConnections(ctx context.Context, in *eventstypes.ListConnectionsRequest) (*eventstypes.ListConnectionsResponse, error) {
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
	if in.ConnectionState != "" && !slices.Contains(eventstypes.ConnectionStateValues, in.ConnectionState) {
		return nil, constraint(in.ConnectionState, "connectionState", "satisfy enum value set: ["+strings.Join(eventstypes.ConnectionStateValues, ", ")+"]")
	}
	after, err := decodeToken(in.NextToken, sc.connectionPrefix())
	if err != nil {
		return nil, err
	}
	out := &eventstypes.ListConnectionsResponse{Connections: []eventstypes.Connection{}}
	last := ""
	err = connectionRecords(s.store).Scan(ctx, sc.connectionPrefix()+in.NamePrefix, after, func(obj store.Object, c *connection) bool {
		if in.ConnectionState != "" && c.State != in.ConnectionState {
			return true
		}
		if len(out.Connections) == limit {
			out.NextToken = encodeToken(last)
			return false
		}
		out.Connections = append(out.Connections, eventstypes.Connection{
			ConnectionArn: sc.connectionARN(c), Name: c.Name, ConnectionState: c.State,
			AuthorizationType: c.AuthorizationType, CreationTime: shape.NewTime(c.CreatedAt),
			LastModifiedTime: shape.NewTime(c.ModifiedAt), LastAuthorizedTime: shape.NewTime(c.AuthorizedAt),
		})
		last = obj.Key
		return true
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// listLimit checks the Limit of ListConnections and ListApiDestinations
// (1–100, 100 when not given; the model's int32 cannot tell 0 from
// absent).
func listLimit(limit int32) (int, error) {
	if limit == 0 {
		return 100, nil
	}
	if limit < 1 || limit > 100 {
		return 0, constraint(limit, "limit", "have value between 1 and 100")
	}
	return int(limit), nil
}

// DeleteConnection deletes a connection. It answers as AWS does, with the
// state DELETING, though the record is gone when it returns. API
// destinations that use the connection stay and become INACTIVE; their
// deliveries fail until they are updated to another connection.
func (s *Service) DeleteConnection(ctx context.Context, in *eventstypes.DeleteConnectionRequest) (*eventstypes.DeleteConnectionResponse, error) {
	sc := scopeOf(ctx)
	c, rev, err := s.getConnection(ctx, sc, in.Name)
	if err != nil {
		return nil, err
	}
	switch err := s.store.Delete(ctx, sc.connectionKey(c.Name), rev); {
	case errors.Is(err, store.ErrNotFound):
		return nil, connectionNotFound(c.Name)
	case errors.Is(err, store.ErrConflict):
		return nil, concurrentModification()
	case err != nil:
		return nil, err
	}
	if err := s.deactivateAPIDestinations(ctx, sc, sc.connectionARN(c)); err != nil {
		return nil, fmt.Errorf("connection %s deleted, but marking its API destinations INACTIVE failed: %w", c.Name, err)
	}
	return &eventstypes.DeleteConnectionResponse{ConnectionArn: sc.connectionARN(c),
		ConnectionState: eventstypes.ConnectionStateDeleting, CreationTime: shape.NewTime(c.CreatedAt),
		LastModifiedTime: shape.NewTime(c.ModifiedAt), LastAuthorizedTime: shape.NewTime(c.AuthorizedAt)}, nil
}

// getConnection reads a connection by name, with its revision.
func (s *Service) getConnection(ctx context.Context, sc scope, name string) (*connection, int64, error) {
	return getNamed[connection](ctx, s.store, name, sc.connectionKey, connectionNotFound)
}

// connectionByARN reads the connection an ARN names (see namedByARN).
func (s *Service) connectionByARN(ctx context.Context, sc scope, arn string) (*connection, error) {
	return namedByARN[connection](ctx, s.store, sc, arn, "connection", sc.connectionKey, connectionNotFound)
}

func (c *connection) arnID() string { return c.ID }

// getNamed reads a record (connection, API destination) by its name, or
// answers notFound.
func getNamed[T any](ctx context.Context, st store.Store, name string, key func(string) string, notFound func(string) *protocol.Error) (*T, int64, error) {
	if err := requiredName(name, "name"); err != nil {
		return nil, 0, err
	}
	v, rev, err := store.Typed[T]{S: st}.Get(ctx, key(name))
	if errors.Is(err, store.ErrNotFound) {
		return nil, 0, notFound(name)
	}
	return v, rev, err
}

// namedByARN reads the record an ARN …:<resource>/<name>/<id> names. An
// ARN of another account or region, or of a record since deleted (and
// perhaps created again, with another id), names none.
func namedByARN[T any, P interface {
	*T
	arnID() string
}](ctx context.Context, st store.Store, sc scope, arn, resource string, key func(string) string, notFound func(string) *protocol.Error) (*T, error) {
	name, id := arnNameID(arn, ":"+resource+"/")
	if !strings.HasPrefix(arn, sc.arn(resource+"/")) || id == "" {
		return nil, notFound(name)
	}
	v, _, err := getNamed[T](ctx, st, name, key, notFound)
	if err != nil {
		return nil, err
	}
	if P(v).arnID() != id {
		return nil, notFound(name)
	}
	return v, nil
}

// arnNameID splits the NAME/ID that follows marker (":connection/") in an
// ARN; id is "" when the ARN has no such part.
func arnNameID(arn, marker string) (name, id string) {
	_, rest, ok := strings.Cut(arn, marker)
	if !ok {
		return "", ""
	}
	name, id, _ = strings.Cut(rest, "/")
	if strings.Contains(id, "/") {
		id = ""
	}
	return name, id
}

// connectionOps lists the operations on connections and API destinations,
// for routes.go. Each authorizes on the ARN of the resource it names: the
// record's, or NAME/* before it exists.
func (s *Service) connectionOps() []protocol.Operation {
	conn := func(name func(any) string) func(context.Context, any) string {
		return func(ctx context.Context, in any) string {
			return s.resourceARN(ctx, kindConnection, name(in))
		}
	}
	dest := func(name func(any) string) func(context.Context, any) string {
		return func(ctx context.Context, in any) string {
			return s.resourceARN(ctx, kindAPIDest, name(in))
		}
	}
	return []protocol.Operation{
		protocol.Op("events", "CreateConnection", s.CreateConnection).WithResource(conn(func(in any) string { return in.(*eventstypes.CreateConnectionRequest).Name })),
		protocol.Op("events", "DescribeConnection", s.DescribeConnection).WithResource(conn(func(in any) string { return in.(*eventstypes.DescribeConnectionRequest).Name })),
		protocol.Op("events", "DeleteConnection", s.DeleteConnection).WithResource(conn(func(in any) string { return in.(*eventstypes.DeleteConnectionRequest).Name })),
		protocol.Op("events", "ListConnections", s.ListConnections),
		protocol.Op("events", "CreateApiDestination", s.CreateApiDestination).WithResource(dest(func(in any) string { return in.(*eventstypes.CreateApiDestinationRequest).Name })),
		protocol.Op("events", "DescribeApiDestination", s.DescribeApiDestination).WithResource(dest(func(in any) string { return in.(*eventstypes.DescribeApiDestinationRequest).Name })),
		protocol.Op("events", "UpdateApiDestination", s.UpdateApiDestination).WithResource(dest(func(in any) string { return in.(*eventstypes.UpdateApiDestinationRequest).Name })),
		protocol.Op("events", "DeleteApiDestination", s.DeleteApiDestination).WithResource(dest(func(in any) string { return in.(*eventstypes.DeleteApiDestinationRequest).Name })),
		protocol.Op("events", "ListApiDestinations", s.ListApiDestinations),
	}
}

// resourceARN is the ARN of the connection or API destination named name:
// the record's, with its id, or …/NAME/* when there is none (yet), which
// a policy on …/NAME/* matches. An invalid name authorizes on "*" and
// fails validation after.
func (s *Service) resourceARN(ctx context.Context, kind, name string) string {
	if validName(name, "name") != nil {
		return "*"
	}
	sc := scopeOf(ctx)
	if kind == kindConnection {
		if c, _, err := connectionRecords(s.store).Get(ctx, sc.connectionKey(name)); err == nil {
			return sc.connectionARN(c)
		}
		return sc.arn("connection/" + name + "/*")
	}
	if d, _, err := apiDestRecords(s.store).Get(ctx, sc.apiDestKey(name)); err == nil {
		return sc.apiDestARN(d)
	}
	return sc.arn("api-destination/" + name + "/*")
}
