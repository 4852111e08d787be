package logs

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/berth-dev/berth/internal/awsapi/logs/logstypes"
	"github.com/berth-dev/berth/internal/store"
)

// CreateLogStream creates an empty stream in a group.
func (s *Service) CreateLogStream(ctx context.Context, in *logstypes.CreateLogStreamRequest) (*struct{}, error) {
	sc := scopeOf(ctx)
	if err := validGroupName(in.LogGroupName, "logGroupName"); err != nil {
		return nil, err
	}
	if err := validStreamName(in.LogStreamName, "logStreamName"); err != nil {
		return nil, err
	}
	if _, err := s.getGroup(ctx, sc, in.LogGroupName); err != nil {
		return nil, err
	}
	st := &stream{Name: in.LogStreamName, CreationTime: millis(s.now())}
	if _, err := streams(s.store).Create(ctx, sc.streamKey(in.LogGroupName, st.Name), st); errors.Is(err, store.ErrAlreadyExists) {
		return nil, alreadyExists("The specified log stream already exists")
	} else if err != nil {
		return nil, err
	}
	return &struct{}{}, nil
}

// DeleteLogStream deletes a stream and its events.
func (s *Service) DeleteLogStream(ctx context.Context, in *logstypes.DeleteLogStreamRequest) (*struct{}, error) {
	sc := scopeOf(ctx)
	if err := validGroupName(in.LogGroupName, "logGroupName"); err != nil {
		return nil, err
	}
	if err := validStreamName(in.LogStreamName, "logStreamName"); err != nil {
		return nil, err
	}
	g, err := s.getGroup(ctx, sc, in.LogGroupName)
	if err != nil {
		return nil, err
	}
	if err := s.store.Delete(ctx, sc.streamKey(g.Name, in.LogStreamName), 0); errors.Is(err, store.ErrNotFound) {
		return nil, streamNotFound()
	} else if err != nil {
		return nil, err
	}
	if err := s.events.DeleteStream(g.ID, in.LogStreamName); err != nil {
		return nil, fmt.Errorf("deleting events of log stream %s: %w", in.LogStreamName, err)
	}
	return &struct{}{}, nil
}

// DescribeLogStreams lists a group's streams by name or by last event
// time, either way up or down.
func (s *Service) DescribeLogStreams(ctx context.Context, in *logstypes.DescribeLogStreamsRequest) (*logstypes.DescribeLogStreamsResponse, error) {
	sc := scopeOf(ctx)
	name, err := resolveGroup(sc, in.LogGroupName, in.LogGroupIdentifier)
	if err != nil {
		return nil, err
	}
	limit, err := limitBetween(in.Limit, "limit", 1, 50, 50)
	if err != nil {
		return nil, err
	}
	byTime := false
	switch in.OrderBy {
	case "", logstypes.OrderByLogStreamName:
	case logstypes.OrderByLastEventTime:
		byTime = true
		if in.LogStreamNamePrefix != "" {
			return nil, invalidParameter("Cannot order by LastEventTime with a logStreamNamePrefix.")
		}
	default:
		return nil, constraint(in.OrderBy, "orderBy", "satisfy enum value set: [LogStreamName, LastEventTime]")
	}
	if in.LogStreamNamePrefix != "" {
		if err := validStreamName(in.LogStreamNamePrefix, "logStreamNamePrefix"); err != nil {
			return nil, err
		}
	}
	after, err := decodeToken(in.NextToken)
	if err != nil {
		return nil, err
	}
	g, err := s.getGroup(ctx, sc, name)
	if err != nil {
		return nil, err
	}
	type entry struct {
		sortKey string
		shape   logstypes.LogStream
	}
	var all []entry
	err = streams(s.store).Scan(ctx, sc.streamPrefix(g.Name)+in.LogStreamNamePrefix, "", func(_ store.Object, st *stream) bool {
		ls := s.streamShape(sc, g, st)
		key := st.Name
		if byTime {
			key = fmt.Sprintf("%020d/%s", derefInt(ls.LastEventTimestamp), st.Name)
		}
		all = append(all, entry{key, ls})
		return true
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(all, func(a, b entry) int { return cmp.Compare(a.sortKey, b.sortKey) })
	if in.Descending {
		slices.Reverse(all)
	}
	if after != "" {
		i := slices.IndexFunc(all, func(e entry) bool {
			if in.Descending {
				return e.sortKey < after
			}
			return e.sortKey > after
		})
		if i < 0 {
			i = len(all)
		}
		all = all[i:]
	}
	out := &logstypes.DescribeLogStreamsResponse{LogStreams: []logstypes.LogStream{}}
	for i, e := range all {
		if i == limit {
			out.NextToken = encodeToken(all[i-1].sortKey)
			break
		}
		out.LogStreams = append(out.LogStreams, e.shape)
	}
	return out, nil
}

// streamShape is a stream as DescribeLogStreams shows it, its event
// statistics from the log store.
func (s *Service) streamShape(sc scope, g *group, st *stream) logstypes.LogStream {
	ls := logstypes.LogStream{
		LogStreamName: st.Name,
		CreationTime:  st.CreationTime,
		Arn:           sc.streamARN(g.Name, st.Name),
	}
	if info, ok := s.events.StreamInfo(g.ID, st.Name); ok {
		ls.FirstEventTimestamp = &info.FirstEventTimestamp
		ls.LastEventTimestamp = &info.LastEventTimestamp
		ls.LastIngestionTime = &info.LastIngestionTime
		ls.StoredBytes = info.StoredBytes
	}
	return ls
}

func derefInt(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}
