package events

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/berth-dev/berth/internal/awsapi/events/eventstypes"
	"github.com/berth-dev/berth/internal/awsapi/protocol"
)

// maxEntriesSize is PutEvents' limit on the entries of one request.
const maxEntriesSize = 256 * 1024

// envelope is an event as rules and targets see it.
type envelope struct {
	Version    string          `json:"version"`
	ID         string          `json:"id"`
	DetailType string          `json:"detail-type"`
	Source     string          `json:"source"`
	Account    string          `json:"account"`
	Time       string          `json:"time"`
	Region     string          `json:"region"`
	Resources  []string        `json:"resources"`
	Detail     json.RawMessage `json:"detail"`
}

// timeLayout is how EventBridge writes an event's time.
const timeLayout = "2006-01-02T15:04:05Z"

// newEvent builds the event envelope; detail must be a JSON object.
func (sc scope) newEvent(source, detailType string, resources []string, detail []byte, at time.Time) (*event, error) {
	if resources == nil {
		resources = []string{}
	}
	e := &event{sc: sc, id: protocol.NewUUID(), at: at.UTC()}
	raw, err := marshal(envelope{Version: "0", ID: e.id, DetailType: detailType, Source: source,
		Account: sc.account, Time: e.at.Format(timeLayout), Region: sc.region, Resources: resources, Detail: detail})
	if err != nil {
		return nil, err
	}
	if e.value, err = decodeObject(raw); err != nil {
		return nil, err
	}
	e.raw = raw
	return e, nil
}

// PutEvents accepts up to ten custom events onto the default bus; each
// entry succeeds or fails on its own.
func (s *Service) PutEvents(ctx context.Context, in *eventstypes.PutEventsRequest) (*eventstypes.PutEventsResponse, error) {
	sc := scopeOf(ctx)
	if len(in.Entries) == 0 {
		return nil, constraint("[]", "entries", "have length greater than or equal to 1")
	}
	if len(in.Entries) > 10 {
		return nil, constraint(len(in.Entries), "entries", "have length less than or equal to 10")
	}
	if in.EndpointId != "" {
		return nil, validation("Global endpoints are not supported by berth; leave EndpointId out.")
	}
	size := 0
	for _, e := range in.Entries {
		size += entrySize(e)
	}
	if size > maxEntriesSize {
		return nil, validation("Total size of the entries in the request is over the limit.")
	}
	out := &eventstypes.PutEventsResponse{Entries: make([]eventstypes.PutEventsResultEntry, len(in.Entries))}
	for i, entry := range in.Entries {
		res := &out.Entries[i]
		ev, code, msg := s.acceptEntry(sc, entry)
		if code == "" && !s.router.submit(ev) {
			code, msg = "ThrottlingException", "Event ingestion is over capacity; retry the entry."
		}
		if code != "" {
			res.ErrorCode, res.ErrorMessage = code, msg
			out.FailedEntryCount++
			continue
		}
		res.EventId = ev.id
	}
	return out, nil
}

// acceptEntry checks one PutEvents entry and builds its event, or says
// why the entry fails.
func (s *Service) acceptEntry(sc scope, e eventstypes.PutEventsRequestEntry) (ev *event, code, msg string) {
	if err := sc.resolveBus(e.EventBusName); err != nil {
		return nil, "InvalidArgument", "Event bus " + e.EventBusName + " does not exist."
	}
	for _, f := range []struct{ name, v string }{{"Source", e.Source}, {"DetailType", e.DetailType}, {"Detail", e.Detail}} {
		if strings.TrimSpace(f.v) == "" {
			return nil, "InvalidArgument", "Parameter " + f.name + " is not valid. Reason: " + f.name + " is a required argument."
		}
	}
	if strings.HasPrefix(e.Source, "aws.") {
		return nil, "NotAuthorizedForSourceException", "Not authorized for the source."
	}
	// Compact checks the JSON (one value, nothing after it); the detail
	// must be an object. newEvent decodes it once, with the envelope.
	var compact bytes.Buffer
	if err := json.Compact(&compact, []byte(e.Detail)); err != nil || compact.Bytes()[0] != '{' {
		return nil, "MalformedDetail", "Detail is malformed."
	}
	at := s.now()
	if e.Time != nil && !e.Time.IsZero() {
		at = e.Time.Time
	}
	ev, err := sc.newEvent(e.Source, e.DetailType, e.Resources, compact.Bytes(), at)
	if err != nil {
		return nil, "InternalException", "The event could not be accepted."
	}
	return ev, "", ""
}

// entrySize is an entry's size as EventBridge counts it.
func entrySize(e eventstypes.PutEventsRequestEntry) int {
	n := len(e.Source) + len(e.DetailType) + len(e.Detail)
	if e.Time != nil {
		n += 14
	}
	for _, r := range e.Resources {
		n += len(r)
	}
	return n
}

// Emit puts an event from one of berth's own services (source "aws.…")
// on the account's default bus, as AWS services do. It never blocks: an
// event that finds the router over capacity is dropped and logged.
func (s *Service) Emit(account, region, source, detailType string, resources []string, detail any, at time.Time) {
	sc := scope{account: account, region: region}
	if !s.router.index.has(sc) {
		return
	}
	b, err := marshal(detail)
	if err == nil {
		var ev *event
		if ev, err = sc.newEvent(source, detailType, resources, b, at); err == nil {
			if !s.router.submit(ev) {
				s.log.Warn("event dropped: the event router is over capacity", "source", source, "detailType", detailType, "account", account)
			}
			return
		}
	}
	s.log.Error("event not emitted", "source", source, "detailType", detailType, "err", err)
}

// marshal is json.Marshal without HTML escaping, as AWS writes JSON.
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
