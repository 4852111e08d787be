package ecs

import (
	"context"
	"slices"

	"github.com/berth-dev/berth/internal/awsapi/ecs/ecstypes"
	"github.com/berth-dev/berth/internal/store"
)

// DescribeServices describes up to 10 services of one cluster by name or
// ARN; unknown ones are failures with reason MISSING.
func (s *Service) DescribeServices(ctx context.Context, in *ecstypes.DescribeServicesRequest) (*ecstypes.DescribeServicesResponse, error) {
	sc := scopeOf(ctx)
	withTags := slices.Contains(in.Include, "TAGS")
	out := &ecstypes.DescribeServicesResponse{Services: []ecstypes.Service{}}
	var err error
	out.Failures, err = describeRefs(ctx, s, sc, in.Cluster, "services", in.Services, 10, s.services(),
		func(ref string) (string, string, error) {
			cluster, name, err := s.serviceRef(sc, in.Cluster, ref)
			return serviceKey(sc, cluster, name), sc.serviceARN(cluster, name), err
		},
		func(rec *serviceRecord) { out.Services = append(out.Services, *serviceView(rec, withTags)) })
	if err != nil {
		return nil, err
	}
	return out, nil
}

// serviceView is the service as the API shows it: tags only when asked.
func serviceView(r *serviceRecord, withTags bool) *ecstypes.Service {
	v := r.Service
	if !withTags {
		v.Tags = nil
	}
	// INACTIVE deployments stay in the record (the rollback target may be
	// one) but DescribeServices shows only PRIMARY and ACTIVE ones.
	v.Deployments = slices.DeleteFunc(slices.Clone(v.Deployments), func(d ecstypes.Deployment) bool {
		return d.Status == serviceInactive
	})
	return &v
}

// serviceSummary decodes only what ListServices filters on.
type serviceSummary struct {
	Service struct {
		ServiceArn string `json:"serviceArn"`
		Status     string `json:"status"`
		LaunchType string `json:"launchType"`
	} `json:"service"`
}

// ListServices lists the ARNs of a cluster's ACTIVE and DRAINING
// services, 10 per page unless maxResults says otherwise (at most 100).
func (s *Service) ListServices(ctx context.Context, in *ecstypes.ListServicesRequest) (*ecstypes.ListServicesResponse, error) {
	sc := scopeOf(ctx)
	limit := 10
	if in.MaxResults != nil {
		var err error
		if limit, err = pageSize(in.MaxResults, defaultMaxResults); err != nil {
			return nil, err
		}
	}
	if in.LaunchType != "" && !slices.Contains(ecstypes.LaunchTypeValues, in.LaunchType) {
		return nil, invalidParameter("Invalid launchType %q.", in.LaunchType)
	}
	switch in.SchedulingStrategy {
	case "", "REPLICA", "DAEMON":
	default:
		return nil, invalidParameter("Invalid schedulingStrategy %q. Valid values: REPLICA, DAEMON.", in.SchedulingStrategy)
	}
	if err := s.requireCluster(ctx, sc, in.Cluster); err != nil {
		return nil, err
	}
	cluster, _ := sc.clusterName(in.Cluster)
	after, err := decodeToken(in.NextToken)
	if err != nil {
		return nil, err
	}
	prefix := store.Prefix(kindService, sc.account, sc.region) + cluster + "/"
	out := &ecstypes.ListServicesResponse{}
	out.ServiceArns, out.NextToken, err = scanARNs(ctx, s.store, prefix, after, limit, func(r *serviceSummary) string {
		v := r.Service
		if v.Status == serviceInactive || in.SchedulingStrategy == "DAEMON" || in.LaunchType != "" && v.LaunchType != in.LaunchType {
			return ""
		}
		return v.ServiceArn
	})
	if err != nil {
		return nil, internal("listing services", err)
	}
	return out, nil
}
