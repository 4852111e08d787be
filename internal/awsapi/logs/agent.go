package logs

import (
	"context"
	"errors"

	"github.com/berth-dev/berth/internal/agentapi"
	"github.com/berth-dev/berth/internal/awsapi/logs/logstypes"
	"github.com/berth-dev/berth/internal/store"
)

// AgentAPI returns the logs side of the agent API: how nodes ship their
// containers' output (the awslogs driver) without going through HTTP.
func (s *Service) AgentAPI() agentapi.LogsAPI { return agentLogs{s} }

type agentLogs struct{ s *Service }

// PrepareLogStream implements agentapi.LogsAPI.
func (a agentLogs) PrepareLogStream(ctx context.Context, account, region, groupName, streamName string, createGroup bool) error {
	s, sc := a.s, scope{account: account, region: region}
	if err := validGroupName(groupName, "awslogs-group"); err != nil {
		return err
	}
	if err := validStreamName(streamName, "awslogs-stream"); err != nil {
		return err
	}
	if createGroup {
		g := s.newGroup(groupName, logstypes.LogGroupClassStandard, nil)
		if _, err := groups(s.store).Create(ctx, sc.groupKey(groupName), g); err != nil && !errors.Is(err, store.ErrAlreadyExists) {
			return err
		}
	} else if _, err := s.getGroup(ctx, sc, groupName); err != nil {
		return err
	}
	st := &stream{Name: streamName, CreationTime: millis(s.now())}
	if _, err := streams(s.store).Create(ctx, sc.streamKey(groupName, streamName), st); err != nil && !errors.Is(err, store.ErrAlreadyExists) {
		return err
	}
	return nil
}

// PutLogEvents implements agentapi.LogsAPI.
func (a agentLogs) PutLogEvents(ctx context.Context, account, region, groupName, streamName string, events []agentapi.LogEvent) (int, error) {
	in := make([]logstypes.InputLogEvent, len(events))
	for i, e := range events {
		in[i] = logstypes.InputLogEvent{Timestamp: e.Timestamp, Message: e.Message}
	}
	_, kept, err := a.s.put(ctx, scope{account: account, region: region}, groupName, streamName, in)
	if err != nil {
		return 0, err
	}
	return len(events) - kept, nil
}
