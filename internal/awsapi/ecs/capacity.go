package ecs

import (
	"context"
	"slices"

	"github.com/berth-dev/berth/internal/awsapi/ecs/ecstypes"
)

// berth's capacity providers are AWS's two Fargate ones; they exist in
// every account and region and cannot be created or deleted.
var fargateProviders = []string{"FARGATE", "FARGATE_SPOT"}

func (sc scope) capacityProviderARN(name string) string {
	return sc.arn("capacity-provider/" + name)
}

// validateCapacityProviders checks a cluster's capacity providers and its
// default strategy as PutClusterCapacityProviders and CreateCluster do.
func validateCapacityProviders(providers []string, strategy []ecstypes.CapacityProviderStrategyItem) error {
	seen := map[string]bool{}
	for _, p := range providers {
		if !slices.Contains(fargateProviders, p) {
			return invalidParameter("The specified capacity provider %s does not exist. Specify a valid capacity provider and try again.", p)
		}
		if seen[p] {
			return invalidParameter("The capacity provider %s is specified more than once.", p)
		}
		seen[p] = true
	}
	return validateStrategy(strategy, func(name string) bool { return seen[name] },
		"The specified capacity provider strategy cannot contain a capacity provider that is not associated with the cluster. Associate the capacity provider with the cluster or specify a valid capacity provider and try again.")
}

// validateStrategy checks a capacity provider strategy: known providers
// (per associated), weights 0–1000, bases 0–100000, at most one base, no
// repeats, and some weight when any item is given.
func validateStrategy(strategy []ecstypes.CapacityProviderStrategyItem, associated func(string) bool, notAssociated string) error {
	if len(strategy) > 20 {
		return invalidParameter("A capacity provider strategy can contain at most 20 capacity providers.")
	}
	seen := map[string]bool{}
	bases, weight := 0, int32(0)
	for _, item := range strategy {
		if item.CapacityProvider == "" {
			return invalidParameter("capacityProvider can not be blank.")
		}
		if !associated(item.CapacityProvider) {
			return invalidParameter("%s", notAssociated)
		}
		if seen[item.CapacityProvider] {
			return invalidParameter("The capacity provider %s appears more than once in the strategy.", item.CapacityProvider)
		}
		seen[item.CapacityProvider] = true
		if item.Weight < 0 || item.Weight > 1000 {
			return invalidParameter("The weight of capacity provider %s must be between 0 and 1000.", item.CapacityProvider)
		}
		if item.Base < 0 || item.Base > 100000 {
			return invalidParameter("The base of capacity provider %s must be between 0 and 100000.", item.CapacityProvider)
		}
		if item.Base > 0 {
			bases++
		}
		weight += item.Weight
	}
	if bases > 1 {
		return invalidParameter("Only one capacity provider in a strategy can have a base defined.")
	}
	if len(strategy) > 0 && weight == 0 {
		return invalidParameter("At least one capacity provider in a strategy must have a weight greater than zero.")
	}
	return nil
}

// DescribeCapacityProviders describes FARGATE and FARGATE_SPOT.
func (s *Service) DescribeCapacityProviders(ctx context.Context, in *ecstypes.DescribeCapacityProvidersRequest) (*ecstypes.DescribeCapacityProvidersResponse, error) {
	sc := scopeOf(ctx)
	limit, err := pageSize(in.MaxResults, 10)
	if err != nil {
		return nil, err
	}
	refs := in.CapacityProviders
	if len(refs) == 0 {
		refs = fargateProviders
	}
	out := &ecstypes.DescribeCapacityProvidersResponse{CapacityProviders: []ecstypes.CapacityProvider{}, Failures: []ecstypes.Failure{}}
	start := 0
	if in.NextToken != "" {
		after, err := decodeToken(in.NextToken)
		if err != nil {
			return nil, err
		}
		start = slices.Index(refs, after) + 1
	}
	for i := start; i < len(refs); i++ {
		if len(out.CapacityProviders)+len(out.Failures) == limit {
			out.NextToken = encodeToken(refs[i-1])
			break
		}
		name := refs[i]
		if a, ok := parseARN(name); ok && a.resourceType == "capacity-provider" && a.account == sc.account && a.region == sc.region {
			name = a.resource
		}
		if !slices.Contains(fargateProviders, name) {
			out.Failures = append(out.Failures, ecstypes.Failure{Arn: refs[i], Reason: "MISSING"})
			continue
		}
		out.CapacityProviders = append(out.CapacityProviders, ecstypes.CapacityProvider{
			CapacityProviderArn: sc.capacityProviderARN(name),
			Name:                name,
			Status:              "ACTIVE",
			Tags:                []ecstypes.Tag{},
			Type:                name,
		})
	}
	return out, nil
}
