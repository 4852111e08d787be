// Package ecs serves the Amazon ECS API (awsJson 1.1) for Fargate: clusters,
// capacity providers, task definitions, tags and account settings. Methods
// are named after the operations and know nothing of HTTP; routes.go lists
// them for the gateway.
//
// State lives in the store under /<kind>/<account>/<region>/…, one record
// per resource, written with compare-and-swap.
package ecs

import (
	"context"
	"time"

	"github.com/berth-dev/berth/internal/awsapi/ecs/ecstypes"
	"github.com/berth-dev/berth/internal/awsapi/protocol"
	"github.com/berth-dev/berth/internal/awsapi/shape"
	"github.com/berth-dev/berth/internal/store"
)

// Store kinds this package owns; the state reset deletes them per account.
const (
	kindCluster = "ecs-cluster"
	kindTaskDef = "ecs-taskdef"
	kindFamily  = "ecs-taskdef-family"
	kindSetting = "ecs-account-setting"
)

// Kinds lists every store kind of this package.
var Kinds = []string{kindCluster, kindTaskDef, kindFamily, kindSetting, kindTask, kindService}

// Service implements the ECS operations.
type Service struct {
	store    store.Store
	networks Networks // nil: tasks get no ENI (unit tests)
	now      func() time.Time
	// Roles checks the roles of the tasks RunTask starts; nil checks only
	// their form (unit tests).
	Roles Roles
	// LB is Elastic Load Balancing for services with loadBalancers; nil
	// checks only the task definition side (unit tests).
	LB LoadBalancing
}

// New returns the ECS service over s, making task ENIs through nets.
func New(s store.Store, nets Networks) *Service {
	return &Service{store: s, networks: nets, now: time.Now}
}

// scope is the account and region a request acts in.
type scope struct {
	account, region string
}

func scopeOf(ctx context.Context) scope {
	info := protocol.Request(ctx)
	return scope{account: info.Account(), region: info.Region}
}

func (s *Service) timestamp() *shape.Time {
	return shape.NewTime(s.now())
}

// principalARN is who made the request, for registeredBy.
func principalARN(ctx context.Context) string {
	return protocol.Request(ctx).Principal.ARN
}

// emptyTags keeps AWS's habit of answering "tags": [] rather than omitting.
func emptyTags(tags []ecstypes.Tag) []ecstypes.Tag {
	if tags == nil {
		return []ecstypes.Tag{}
	}
	return tags
}
