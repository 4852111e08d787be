package logs

import (
	"context"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/berth-dev/berth/internal/awsapi/logs/filterpattern"
	"github.com/berth-dev/berth/internal/awsapi/logs/logstypes"
	"github.com/berth-dev/berth/internal/logstore"
)

// PutLogEvents' limits, as CloudWatch Logs documents them.
const (
	maxBatchBytes    = 1_048_576 // messages in UTF-8 plus eventOverhead each
	eventOverhead    = 26
	maxEventBytes    = 1 << 20
	maxBatchEvents   = 10_000
	maxFuture        = 2 * time.Hour
	maxPast          = 14 * 24 * time.Hour
	maxBatchSpan     = 24 * time.Hour
	defaultPageLimit = 10_000
)

// PutLogEvents appends a batch to a stream. Events too new, too old or
// older than the group's retention are skipped and reported; the batch
// fails as a whole only when it breaks the batch rules.
func (s *Service) PutLogEvents(ctx context.Context, in *logstypes.PutLogEventsRequest) (*logstypes.PutLogEventsResponse, error) {
	out, _, err := s.put(ctx, scopeOf(ctx), in.LogGroupName, in.LogStreamName, in.LogEvents)
	return out, err
}

// put is PutLogEvents in a scope; it also says how many events it kept.
func (s *Service) put(ctx context.Context, sc scope, groupName, streamName string, in []logstypes.InputLogEvent) (*logstypes.PutLogEventsResponse, int, error) {
	if err := validGroupName(groupName, "logGroupName"); err != nil {
		return nil, 0, err
	}
	if err := validStreamName(streamName, "logStreamName"); err != nil {
		return nil, 0, err
	}
	if err := checkBatch(in); err != nil {
		return nil, 0, err
	}
	g, err := s.getGroup(ctx, sc, groupName)
	if err != nil {
		return nil, 0, err
	}
	if err := s.requireStream(ctx, sc, groupName, streamName); err != nil {
		return nil, 0, err
	}
	now := s.now()
	keep, rejected := admit(in, now, g.RetentionInDays)
	if len(keep) > 1 && keep[len(keep)-1].Timestamp-keep[0].Timestamp > maxBatchSpan.Milliseconds() {
		return nil, 0, invalidParameter("The batch of log events in a single PutLogEvents request cannot span more than 24 hours.")
	}
	out := &logstypes.PutLogEventsResponse{RejectedLogEventsInfo: rejected}
	if len(keep) > 0 {
		if err := s.events.Append(g.ID, streamName, keep, millis(now)); err != nil {
			return nil, 0, fmt.Errorf("appending to log stream %s: %w", streamName, err)
		}
	}
	return out, len(keep), nil
}

// checkBatch applies the rules that fail a whole batch: count, size,
// order and span.
func checkBatch(in []logstypes.InputLogEvent) error {
	if len(in) == 0 {
		return constraint("[]", "logEvents", "have length greater than or equal to 1")
	}
	if len(in) > maxBatchEvents {
		return constraint(fmt.Sprintf("[%d events]", len(in)), "logEvents", "have length less than or equal to 10000")
	}
	size := 0
	for i, e := range in {
		if e.Message == "" {
			return constraint("", fmt.Sprintf("logEvents.%d.member.message", i+1), "have length greater than or equal to 1")
		}
		if !utf8.ValidString(e.Message) {
			return invalidParameter("Log event %d's message is not valid UTF-8.", i)
		}
		if len(e.Message) > maxEventBytes-eventOverhead {
			return invalidParameter("Log event too large: %d bytes exceeds the limit of %d.", len(e.Message)+eventOverhead, maxEventBytes)
		}
		size += len(e.Message) + eventOverhead
		if i > 0 && e.Timestamp < in[i-1].Timestamp {
			return invalidParameter("Log events in a single PutLogEvents request must be in chronological order.")
		}
	}
	if size > maxBatchBytes {
		return invalidParameter("Upload too large: %d bytes exceeds limit of %d", size, maxBatchBytes)
	}
	return nil
}

// admit drops the events CloudWatch rejects one by one — more than two
// hours ahead, more than 14 days old, older than the retention — and
// says which, by index, as RejectedLogEventsInfo does.
func admit(in []logstypes.InputLogEvent, now time.Time, retentionDays int32) ([]logstore.Event, *logstypes.RejectedLogEventsInfo) {
	tooNew := millis(now.Add(maxFuture))
	tooOld := millis(now.Add(-maxPast))
	expired := int64(-1 << 62)
	if retentionDays > 0 {
		expired = millis(now.Add(-time.Duration(retentionDays) * 24 * time.Hour))
	}
	var info logstypes.RejectedLogEventsInfo
	rejected := false
	keep := make([]logstore.Event, 0, len(in))
	for i, e := range in {
		idx := int32(i)
		switch {
		case e.Timestamp > tooNew:
			if info.TooNewLogEventStartIndex == nil {
				info.TooNewLogEventStartIndex = &idx
			}
		case e.Timestamp < expired:
			info.ExpiredLogEventEndIndex = &idx
		case e.Timestamp < tooOld:
			info.TooOldLogEventEndIndex = &idx
		default:
			keep = append(keep, logstore.Event{Timestamp: e.Timestamp, Message: e.Message})
			continue
		}
		rejected = true
	}
	if !rejected {
		return keep, nil
	}
	return keep, &info
}

// GetLogEvents pages through one stream's events in time order.
func (s *Service) GetLogEvents(ctx context.Context, in *logstypes.GetLogEventsRequest) (*logstypes.GetLogEventsResponse, error) {
	sc := scopeOf(ctx)
	name, err := resolveGroup(sc, in.LogGroupName, in.LogGroupIdentifier)
	if err != nil {
		return nil, err
	}
	if err := validStreamName(in.LogStreamName, "logStreamName"); err != nil {
		return nil, err
	}
	limit, err := limitBetween(in.Limit, "limit", 1, 10_000, defaultPageLimit)
	if err != nil {
		return nil, err
	}
	g, err := s.getGroup(ctx, sc, name)
	if err != nil {
		return nil, err
	}
	if err := s.requireStream(ctx, sc, name, in.LogStreamName); err != nil {
		return nil, err
	}
	page, err := s.events.Get(g.ID, in.LogStreamName, logstore.GetQuery{
		Start: in.StartTime, End: in.EndTime, Limit: limit, StartFromHead: in.StartFromHead, Token: in.NextToken,
	})
	if err != nil {
		return nil, readError(err)
	}
	out := &logstypes.GetLogEventsResponse{
		Events:            make([]logstypes.OutputLogEvent, len(page.Events)),
		NextForwardToken:  page.Forward,
		NextBackwardToken: page.Backward,
	}
	for i, e := range page.Events {
		out.Events[i] = logstypes.OutputLogEvent{Timestamp: e.Timestamp, Message: e.Message, IngestionTime: e.IngestionTime}
	}
	return out, nil
}

// FilterLogEvents searches a group's streams for events matching a filter
// pattern, in time order across streams.
func (s *Service) FilterLogEvents(ctx context.Context, in *logstypes.FilterLogEventsRequest) (*logstypes.FilterLogEventsResponse, error) {
	sc := scopeOf(ctx)
	name, err := resolveGroup(sc, in.LogGroupName, in.LogGroupIdentifier)
	if err != nil {
		return nil, err
	}
	if len(in.LogStreamNames) > 0 && in.LogStreamNamePrefix != "" {
		return nil, invalidParameter("Cannot specify both logStreamNames and logStreamNamePrefix.")
	}
	if len(in.LogStreamNames) > 100 {
		return nil, constraint(fmt.Sprintf("[%d names]", len(in.LogStreamNames)), "logStreamNames", "have length less than or equal to 100")
	}
	for i, n := range in.LogStreamNames {
		if err := validStreamName(n, fmt.Sprintf("logStreamNames.%d.member", i+1)); err != nil {
			return nil, err
		}
	}
	limit, err := limitBetween(in.Limit, "limit", 1, 10_000, defaultPageLimit)
	if err != nil {
		return nil, err
	}
	pattern, err := filterpattern.Compile(in.FilterPattern)
	if err != nil {
		return nil, invalidParameter("Invalid filter pattern: %v", err)
	}
	g, err := s.getGroup(ctx, sc, name)
	if err != nil {
		return nil, err
	}
	q := logstore.FilterQuery{
		Streams: in.LogStreamNames, StreamPrefix: in.LogStreamNamePrefix,
		Start: in.StartTime, Limit: limit, Token: in.NextToken,
	}
	if in.EndTime != nil { // inclusive here, exclusive in the store
		end := *in.EndTime + 1
		q.End = &end
	}
	if in.FilterPattern != "" {
		q.Match = pattern.Match
	}
	page, err := s.events.Filter(g.ID, q)
	if err != nil {
		return nil, readError(err)
	}
	out := &logstypes.FilterLogEventsResponse{
		Events:             make([]logstypes.FilteredLogEvent, len(page.Events)),
		SearchedLogStreams: []logstypes.SearchedLogStream{},
		NextToken:          page.NextToken,
	}
	for i, e := range page.Events {
		out.Events[i] = logstypes.FilteredLogEvent{LogStreamName: e.Stream, Timestamp: e.Timestamp,
			Message: e.Message, IngestionTime: e.IngestionTime, EventId: e.ID}
	}
	return out, nil
}

// readError is what a client sees of a failed read of the log store.
func readError(err error) error {
	if errors.Is(err, logstore.ErrBadToken) {
		return invalidParameter("The specified nextToken is invalid.")
	}
	return err
}
