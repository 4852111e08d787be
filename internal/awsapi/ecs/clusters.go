package ecs

import (
	"context"
	"errors"
	"regexp"
	"slices"

	"github.com/berth-dev/berth/internal/awsapi/ecs/ecstypes"
	"github.com/berth-dev/berth/internal/store"
)

// Cluster statuses berth uses. ECS keeps deleted clusters describable as
// INACTIVE; CreateCluster on an INACTIVE name makes it ACTIVE again.
const (
	clusterActive   = "ACTIVE"
	clusterInactive = "INACTIVE"
)

var clusterNamePattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,255}$`)

func (s *Service) clusters() store.Typed[ecstypes.Cluster] {
	return store.Typed[ecstypes.Cluster]{S: s.store}
}

func clusterKey(sc scope, name string) string {
	return store.Key(kindCluster, sc.account, sc.region, name)
}

// CreateCluster creates a cluster, or returns the existing ACTIVE one of
// that name unchanged (ECS's CreateCluster is idempotent).
func (s *Service) CreateCluster(ctx context.Context, in *ecstypes.CreateClusterRequest) (*ecstypes.CreateClusterResponse, error) {
	sc := scopeOf(ctx)
	name := in.ClusterName
	if name == "" {
		name = "default"
	}
	if !clusterNamePattern.MatchString(name) {
		return nil, invalidParameter("Cluster name can have up to 255 characters: letters (upper and lower case), numbers, hyphens and underscores.")
	}
	if err := validateTags(in.Tags); err != nil {
		return nil, err
	}
	if err := validateClusterSettings(in.Settings); err != nil {
		return nil, err
	}
	if err := validateCapacityProviders(in.CapacityProviders, in.DefaultCapacityProviderStrategy); err != nil {
		return nil, err
	}
	insights, err := s.effectiveSetting(ctx, sc, settingContainerInsights)
	if err != nil {
		return nil, err
	}
	c := ecstypes.Cluster{
		ClusterArn:                      sc.clusterARN(name),
		ClusterName:                     name,
		Status:                          clusterActive,
		Tags:                            emptyTags(in.Tags),
		Settings:                        mergeClusterSettings([]ecstypes.ClusterSetting{{Name: settingContainerInsights, Value: insights}}, in.Settings),
		Configuration:                   in.Configuration,
		CapacityProviders:               orEmpty(in.CapacityProviders),
		DefaultCapacityProviderStrategy: orEmptyStrategy(in.DefaultCapacityProviderStrategy),
		Statistics:                      []ecstypes.KeyValuePair{},
	}
	if in.ServiceConnectDefaults != nil {
		c.ServiceConnectDefaults = &ecstypes.ClusterServiceConnectDefaults{Namespace: in.ServiceConnectDefaults.Namespace}
	}
	key := clusterKey(sc, name)
	for {
		existing, rev, err := s.clusters().Get(ctx, key)
		switch {
		case errors.Is(err, store.ErrNotFound):
			if _, err := s.clusters().Create(ctx, key, &c); errors.Is(err, store.ErrAlreadyExists) {
				continue // lost a race with another CreateCluster: answer as it does
			} else if err != nil {
				return nil, internal("creating cluster", err)
			}
		case err != nil:
			return nil, internal("reading cluster", err)
		case existing.Status == clusterActive:
			return &ecstypes.CreateClusterResponse{Cluster: existing}, nil
		default:
			if _, err := s.clusters().Update(ctx, key, &c, rev); errors.Is(err, store.ErrConflict) {
				continue
			} else if err != nil {
				return nil, internal("re-creating cluster", err)
			}
		}
		return &ecstypes.CreateClusterResponse{Cluster: &c}, nil
	}
}

// DescribeClusters describes clusters by name or ARN; unknown ones are
// failures with reason MISSING, as in ECS.
func (s *Service) DescribeClusters(ctx context.Context, in *ecstypes.DescribeClustersRequest) (*ecstypes.DescribeClustersResponse, error) {
	sc := scopeOf(ctx)
	refs := in.Clusters
	if len(refs) == 0 {
		refs = []string{"default"}
	}
	if len(refs) > 100 {
		return nil, invalidParameter("clusters can have at most 100 items.")
	}
	out := &ecstypes.DescribeClustersResponse{Clusters: []ecstypes.Cluster{}, Failures: []ecstypes.Failure{}}
	for _, ref := range refs {
		name, ok := sc.clusterName(ref)
		var c *ecstypes.Cluster
		var err error
		if ok {
			c, _, err = s.clusters().Get(ctx, clusterKey(sc, name))
		}
		if !ok || errors.Is(err, store.ErrNotFound) {
			arn := ref
			if ok {
				arn = sc.clusterARN(name)
			}
			out.Failures = append(out.Failures, ecstypes.Failure{Arn: arn, Reason: "MISSING"})
			continue
		}
		if err != nil {
			return nil, internal("reading cluster", err)
		}
		if c.RunningTasksCount, c.PendingTasksCount, _, err = s.clusterTaskCounts(ctx, sc, name); err != nil {
			return nil, internal("counting tasks", err)
		}
		out.Clusters = append(out.Clusters, clusterView(c, in.Include))
	}
	return out, nil
}

// clusterView is what DescribeClusters shows of a cluster: the optional
// fields only when include asks for them.
func clusterView(c *ecstypes.Cluster, include []string) ecstypes.Cluster {
	v := *c
	v.Tags, v.Statistics = []ecstypes.Tag{}, []ecstypes.KeyValuePair{}
	v.Settings, v.Configuration, v.Attachments, v.AttachmentsStatus = nil, nil, nil, ""
	for _, f := range include {
		switch f {
		case "TAGS":
			v.Tags = emptyTags(c.Tags)
		case "SETTINGS":
			v.Settings = c.Settings
		case "CONFIGURATIONS":
			v.Configuration = c.Configuration
		case "ATTACHMENTS":
			v.Attachments, v.AttachmentsStatus = orEmptyAttachments(c.Attachments), c.AttachmentsStatus
		case "STATISTICS":
			v.Statistics = clusterStatistics(c)
		}
	}
	return v
}

// clusterStatistics are the counts DescribeClusters reports with include
// STATISTICS. berth runs only Fargate, so the EC2 counts are always zero.
func clusterStatistics(c *ecstypes.Cluster) []ecstypes.KeyValuePair {
	n := func(v int32) string { return itoa(int(v)) }
	return []ecstypes.KeyValuePair{
		{Name: "runningEC2TasksCount", Value: "0"},
		{Name: "runningFargateTasksCount", Value: n(c.RunningTasksCount)},
		{Name: "pendingEC2TasksCount", Value: "0"},
		{Name: "pendingFargateTasksCount", Value: n(c.PendingTasksCount)},
		{Name: "activeEC2ServiceCount", Value: "0"},
		{Name: "activeFargateServiceCount", Value: n(c.ActiveServicesCount)},
		{Name: "drainingEC2ServiceCount", Value: "0"},
		{Name: "drainingFargateServiceCount", Value: "0"},
	}
}

// ListClusters lists the ARNs of ACTIVE clusters.
func (s *Service) ListClusters(ctx context.Context, in *ecstypes.ListClustersRequest) (*ecstypes.ListClustersResponse, error) {
	sc := scopeOf(ctx)
	limit, err := pageSize(in.MaxResults, defaultMaxResults)
	if err != nil {
		return nil, err
	}
	after, err := decodeToken(in.NextToken)
	if err != nil {
		return nil, err
	}
	out := &ecstypes.ListClustersResponse{ClusterArns: []string{}}
	last := ""
	err = s.clusters().Scan(ctx, store.Prefix(kindCluster, sc.account, sc.region), after, func(obj store.Object, c *ecstypes.Cluster) bool {
		if c.Status != clusterActive {
			return true
		}
		if len(out.ClusterArns) == limit {
			out.NextToken = encodeToken(last)
			return false
		}
		out.ClusterArns = append(out.ClusterArns, c.ClusterArn)
		last = obj.Key
		return true
	})
	if err != nil {
		return nil, internal("listing clusters", err)
	}
	return out, nil
}

// UpdateCluster changes a cluster's settings, configuration and Service
// Connect defaults.
func (s *Service) UpdateCluster(ctx context.Context, in *ecstypes.UpdateClusterRequest) (*ecstypes.UpdateClusterResponse, error) {
	if in.Cluster == "" {
		return nil, missing("cluster")
	}
	if err := validateClusterSettings(in.Settings); err != nil {
		return nil, err
	}
	c, err := s.mutateCluster(ctx, in.Cluster, func(c *ecstypes.Cluster) error {
		c.Settings = mergeClusterSettings(c.Settings, in.Settings)
		if in.Configuration != nil {
			c.Configuration = in.Configuration
		}
		if in.ServiceConnectDefaults != nil {
			c.ServiceConnectDefaults = &ecstypes.ClusterServiceConnectDefaults{Namespace: in.ServiceConnectDefaults.Namespace}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &ecstypes.UpdateClusterResponse{Cluster: c}, nil
}

// UpdateClusterSettings changes a cluster's settings (containerInsights).
func (s *Service) UpdateClusterSettings(ctx context.Context, in *ecstypes.UpdateClusterSettingsRequest) (*ecstypes.UpdateClusterSettingsResponse, error) {
	if in.Cluster == "" {
		return nil, missing("cluster")
	}
	if in.Settings == nil {
		return nil, missing("settings")
	}
	if err := validateClusterSettings(in.Settings); err != nil {
		return nil, err
	}
	c, err := s.mutateCluster(ctx, in.Cluster, func(c *ecstypes.Cluster) error {
		c.Settings = mergeClusterSettings(c.Settings, in.Settings)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &ecstypes.UpdateClusterSettingsResponse{Cluster: c}, nil
}

// PutClusterCapacityProviders sets a cluster's capacity providers and its
// default strategy. berth offers FARGATE and FARGATE_SPOT.
func (s *Service) PutClusterCapacityProviders(ctx context.Context, in *ecstypes.PutClusterCapacityProvidersRequest) (*ecstypes.PutClusterCapacityProvidersResponse, error) {
	switch {
	case in.Cluster == "":
		return nil, missing("cluster")
	case in.CapacityProviders == nil:
		return nil, missing("capacityProviders")
	case in.DefaultCapacityProviderStrategy == nil:
		return nil, missing("defaultCapacityProviderStrategy")
	}
	if err := validateCapacityProviders(in.CapacityProviders, in.DefaultCapacityProviderStrategy); err != nil {
		return nil, err
	}
	c, err := s.mutateCluster(ctx, in.Cluster, func(c *ecstypes.Cluster) error {
		c.CapacityProviders = orEmpty(in.CapacityProviders)
		c.DefaultCapacityProviderStrategy = orEmptyStrategy(in.DefaultCapacityProviderStrategy)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &ecstypes.PutClusterCapacityProvidersResponse{Cluster: c}, nil
}

// DeleteCluster marks a cluster INACTIVE. ECS refuses while services or
// tasks are active in it.
func (s *Service) DeleteCluster(ctx context.Context, in *ecstypes.DeleteClusterRequest) (*ecstypes.DeleteClusterResponse, error) {
	if in.Cluster == "" {
		return nil, missing("cluster")
	}
	sc := scopeOf(ctx)
	if name, ok := sc.clusterName(in.Cluster); ok {
		running, pending, stopping, err := s.clusterTaskCounts(ctx, sc, name)
		if err != nil {
			return nil, internal("counting tasks", err)
		}
		if running+pending+stopping > 0 {
			return nil, clusterError(codeClusterContainsTasks, "The Cluster cannot be deleted while Tasks are active.")
		}
	}
	c, err := s.mutateCluster(ctx, in.Cluster, func(c *ecstypes.Cluster) error {
		if c.ActiveServicesCount > 0 {
			return clusterError(codeClusterContainsServices, "The Cluster cannot be deleted while Services are active.")
		}
		c.Status = clusterInactive
		c.CapacityProviders, c.DefaultCapacityProviderStrategy = []string{}, []ecstypes.CapacityProviderStrategyItem{}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &ecstypes.DeleteClusterResponse{Cluster: c}, nil
}

// mutateCluster applies fn to an ACTIVE cluster with compare-and-swap.
func (s *Service) mutateCluster(ctx context.Context, ref string, fn func(*ecstypes.Cluster) error) (*ecstypes.Cluster, error) {
	sc := scopeOf(ctx)
	name, ok := sc.clusterName(ref)
	if !ok {
		return nil, clusterNotFound()
	}
	c, _, err := s.clusters().Mutate(ctx, clusterKey(sc, name), func(c *ecstypes.Cluster) error {
		if c.Status != clusterActive {
			return clusterNotFound()
		}
		return fn(c)
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, clusterNotFound()
	}
	if err != nil {
		return nil, passClientError(err, "updating cluster")
	}
	return c, nil
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return slices.Clone(s)
}

func orEmptyStrategy(s []ecstypes.CapacityProviderStrategyItem) []ecstypes.CapacityProviderStrategyItem {
	if s == nil {
		return []ecstypes.CapacityProviderStrategyItem{}
	}
	return slices.Clone(s)
}

func orEmptyAttachments(a []ecstypes.Attachment) []ecstypes.Attachment {
	if a == nil {
		return []ecstypes.Attachment{}
	}
	return a
}
