package events

import (
	"context"
	"strings"

	"github.com/berth-dev/berth/internal/awsapi/events/eventstypes"
)

// DescribeEventBus describes the default bus, the only one berth has.
func (s *Service) DescribeEventBus(ctx context.Context, in *eventstypes.DescribeEventBusRequest) (*eventstypes.DescribeEventBusResponse, error) {
	sc := scopeOf(ctx)
	if err := sc.resolveBus(in.Name); err != nil {
		return nil, err
	}
	return &eventstypes.DescribeEventBusResponse{Name: defaultBus, Arn: sc.busARN()}, nil
}

// ListEventBuses lists the default bus when it matches the prefix.
func (s *Service) ListEventBuses(ctx context.Context, in *eventstypes.ListEventBusesRequest) (*eventstypes.ListEventBusesResponse, error) {
	sc := scopeOf(ctx)
	if in.Limit != 0 && (in.Limit < 1 || in.Limit > 100) {
		return nil, constraint(in.Limit, "limit", "have value between 1 and 100")
	}
	out := &eventstypes.ListEventBusesResponse{EventBuses: []eventstypes.EventBus{}}
	if strings.HasPrefix(defaultBus, in.NamePrefix) && in.NextToken == "" {
		out.EventBuses = append(out.EventBuses, eventstypes.EventBus{Name: defaultBus, Arn: sc.busARN()})
	}
	return out, nil
}
