// Package events serves the Amazon EventBridge API (awsJson 1.1) on each
// account's default event bus: rules with event patterns or schedules,
// their targets, PutEvents, TestEventPattern, tags, and the connections
// and API destinations that HTTP targets go through. It also routes
// events: what PutEvents accepts and what berth's own services emit
// (Emit; ECS sends "ECS Task State Change") is matched against every
// enabled rule and delivered to the rule's targets, with retries
// (deliver.go); scheduled rules fire from RunSchedules.
//
// Methods are named after the operations and know nothing of HTTP;
// routes.go lists them for the gateway. Rules (with their targets),
// connections and API destinations are records in the store
// (/events-rule/…, /events-connection/…, /events-apidest/…). Deliveries
// in flight live in memory only: events not yet delivered when the
// server stops are lost (see deliver.go).
package events

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/berth-dev/berth/internal/awsapi/events/eventstypes"
	"github.com/berth-dev/berth/internal/awsapi/protocol"
	"github.com/berth-dev/berth/internal/store"
)

// Store kinds this package owns; the state reset deletes them per account.
const (
	kindRule       = "events-rule"
	kindConnection = "events-connection"
	kindAPIDest    = "events-apidest"
)

// Kinds lists every store kind of this package.
var Kinds = []string{kindRule, kindConnection, kindAPIDest}

// defaultBus is the only event bus berth has; every account has it.
const defaultBus = "default"

// Targets are the services berth delivers events to besides HTTP
// endpoints; internal/server implements them over berth's own services.
// An error wrapped with Permanent is not retried.
type Targets interface {
	// PutLogEvent appends one event to a stream of an existing log group,
	// creating the stream if needed.
	PutLogEvent(ctx context.Context, account, region, group, stream string, at time.Time, message string) error
	// RunTask runs tasks on an ECS cluster as the target's role would, as
	// a scheduled task or a rule's ECS target does. overrides is the
	// target's input when it has one (JSON of an ECS TaskOverride), else
	// nil.
	RunTask(ctx context.Context, account, region string, req RunTaskRequest) error
}

// RunTaskRequest is what an ECS target asks of ECS.
type RunTaskRequest struct {
	ClusterARN string
	RoleARN    string // the target's role, which must allow ecs:RunTask
	Parameters eventstypes.EcsParameters
	StartedBy  string // "events-rule/<rule name>", as EventBridge sets it
	Overrides  []byte // JSON of an ECS TaskOverride, or nil
}

// Service implements the EventBridge operations and routes events.
type Service struct {
	store   store.Store
	targets Targets
	log     *slog.Logger
	now     func() time.Time
	http    *http.Client
	router  *router
}

// Option configures a Service.
type Option func(*Service)

// WithTargets sets where log group and ECS targets are delivered; without
// it deliveries to them fail.
func WithTargets(t Targets) Option { return func(s *Service) { s.targets = t } }

// WithLogger sets where delivery failures are logged.
func WithLogger(l *slog.Logger) Option { return func(s *Service) { s.log = l } }

// WithClock replaces time.Now (tests).
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// WithHTTPClient sets the client API destinations are called with.
func WithHTTPClient(c *http.Client) Option { return func(s *Service) { s.http = c } }

// New returns the service over s. Events are routed only while Run runs.
func New(s store.Store, opts ...Option) *Service {
	svc := &Service{store: s, log: slog.Default(), now: time.Now,
		http: &http.Client{Timeout: 5 * time.Second}}
	for _, o := range opts {
		o(svc)
	}
	svc.router = newRouter(svc)
	return svc
}

// rule is a rule's record, with its targets.
type rule struct {
	Name               string `json:"name"`
	EventPattern       string `json:"eventPattern,omitempty"`
	ScheduleExpression string `json:"scheduleExpression,omitempty"`
	State              string `json:"state"`
	Description        string `json:"description,omitempty"`
	RoleArn            string `json:"roleArn,omitempty"`
	CreatedBy          string `json:"createdBy"`
	// CreatedAt anchors a rate schedule: rate(5 minutes) fires 5, 10, …
	// minutes after the rule was created.
	CreatedAt time.Time            `json:"createdAt"`
	Tags      map[string]string    `json:"tags,omitempty"`
	Targets   []eventstypes.Target `json:"targets,omitempty"`
}

func (r *rule) enabled() bool { return r.State != eventstypes.RuleStateDisabled }

// scope is the account and region a request acts in.
type scope struct{ account, region string }

func scopeOf(ctx context.Context) scope {
	info := protocol.Request(ctx)
	return scope{account: info.Account(), region: info.Region}
}

func (sc scope) arn(resource string) string {
	return "arn:aws:events:" + sc.region + ":" + sc.account + ":" + resource
}

func (sc scope) busARN() string { return sc.arn("event-bus/" + defaultBus) }

// ruleARN is arn:…:rule/NAME, the form of rules on the default bus.
func (sc scope) ruleARN(name string) string { return sc.arn("rule/" + name) }

func (sc scope) rulePrefix() string {
	return store.Key(kindRule, sc.account, sc.region, defaultBus) + "/"
}

func (sc scope) ruleKey(name string) string { return sc.rulePrefix() + name }

var rules = func(s store.Store) store.Typed[rule] { return store.Typed[rule]{S: s} }
