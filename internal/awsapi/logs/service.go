// Package logs serves the Amazon CloudWatch Logs API (awsJson 1.1): log
// groups with retention and tags, log streams, and their events —
// PutLogEvents, GetLogEvents and FilterLogEvents with CloudWatch's filter
// pattern syntax. Methods are named after the operations and know nothing
// of HTTP; routes.go lists them for the gateway.
//
// Groups and streams are records in the store (/logs-group/…,
// /logs-stream/…); their events live in the log store on this server's
// disk (internal/logstore), keyed by the group's incarnation id so that a
// group deleted and created again starts empty.
package logs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strings"
	"time"

	"github.com/berth-dev/berth/internal/awsapi/protocol"
	"github.com/berth-dev/berth/internal/logstore"
	"github.com/berth-dev/berth/internal/store"
)

// Store kinds this package owns; the state reset deletes them per account.
const (
	kindGroup  = "logs-group"
	kindStream = "logs-stream"
)

// Kinds lists every store kind of this package.
var Kinds = []string{kindGroup, kindStream}

// Service implements the CloudWatch Logs operations.
type Service struct {
	store  store.Store
	events *logstore.Store
	now    func() time.Time
}

// New returns the service over s, keeping events in events.
func New(s store.Store, events *logstore.Store) *Service {
	return &Service{store: s, events: events, now: time.Now}
}

// group is a log group's record.
type group struct {
	Name string `json:"name"`
	// ID names the group's events in the log store: a fresh one per
	// creation, so a group created again never sees its predecessor's.
	ID              string            `json:"id"`
	CreationTime    int64             `json:"creationTime"`
	RetentionInDays int32             `json:"retentionInDays,omitempty"`
	Tags            map[string]string `json:"tags,omitempty"`
	Class           string            `json:"class"`
}

// stream is a log stream's record; its event statistics come from the log
// store.
type stream struct {
	Name         string `json:"name"`
	CreationTime int64  `json:"creationTime"`
}

// scope is the account and region a request acts in.
type scope struct{ account, region string }

func scopeOf(ctx context.Context) scope {
	info := protocol.Request(ctx)
	return scope{account: info.Account(), region: info.Region}
}

func (sc scope) groupKey(name string) string {
	return store.Key(kindGroup, sc.account, sc.region, name)
}

// streamPrefix lists a group's streams. Group names have no ':', so the
// streams of group "a" never share a prefix with those of "a:b"-like
// names; "a/b" is another group whose keys start "a/b:".
func (sc scope) streamPrefix(groupName string) string {
	return store.Key(kindStream, sc.account, sc.region, groupName+":")
}

func (sc scope) streamKey(groupName, name string) string { return sc.streamPrefix(groupName) + name }

// groupARN is the ARN DescribeLogGroups shows as arn (with ":*");
// logGroupArn is the same without it.
func (sc scope) groupARN(name string) string {
	return "arn:aws:logs:" + sc.region + ":" + sc.account + ":log-group:" + name
}

func (sc scope) streamARN(groupName, name string) string {
	return sc.groupARN(groupName) + ":log-stream:" + name
}

var (
	groups  = func(s store.Store) store.Typed[group] { return store.Typed[group]{S: s} }
	streams = func(s store.Store) store.Typed[stream] { return store.Typed[stream]{S: s} }
)

// getGroup reads a group by name, or answers ResourceNotFoundException.
func (s *Service) getGroup(ctx context.Context, sc scope, name string) (*group, error) {
	g, _, err := groups(s.store).Get(ctx, sc.groupKey(name))
	if errors.Is(err, store.ErrNotFound) {
		return nil, groupNotFound()
	}
	return g, err
}

// resolveGroup takes logGroupName or logGroupIdentifier (a name or an
// ARN, with or without ":*"), exactly one of them.
func resolveGroup(sc scope, name, identifier string) (string, error) {
	switch {
	case name != "" && identifier != "":
		return "", invalidParameter("LogGroup name and LogGroup ARN are mutually exclusive parameters.")
	case name != "":
		return name, validGroupName(name, "logGroupName")
	case identifier == "":
		return "", invalidParameter("Should provide either name or ARN of the log group.")
	}
	if rest, ok := strings.CutPrefix(identifier, "arn:"); ok {
		parts := strings.SplitN(rest, ":", 6) // aws logs region account log-group name[:*]
		if len(parts) != 6 || parts[1] != "logs" || parts[4] != "log-group" {
			return "", invalidParameter("Invalid log group ARN: %s", identifier)
		}
		if parts[2] != sc.region || parts[3] != sc.account {
			return "", groupNotFound()
		}
		name := strings.TrimSuffix(parts[5], ":*")
		return name, validGroupName(name, "logGroupIdentifier")
	}
	return identifier, validGroupName(identifier, "logGroupIdentifier")
}

// newGroup is a new log group's record.
func (s *Service) newGroup(name, class string, tags map[string]string) *group {
	return &group{Name: name, ID: newID(), CreationTime: millis(s.now()), Tags: tags, Class: class}
}

// requireStream answers ResourceNotFoundException for a stream that does
// not exist.
func (s *Service) requireStream(ctx context.Context, sc scope, groupName, streamName string) error {
	_, err := s.store.Get(ctx, sc.streamKey(groupName, streamName))
	if errors.Is(err, store.ErrNotFound) {
		return streamNotFound()
	}
	return err
}

func newID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func millis(t time.Time) int64 { return t.UnixMilli() }
