package ecs

import (
	"cmp"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/berth-dev/berth/internal/awsapi/ecs/deploy"
	"github.com/berth-dev/berth/internal/awsapi/ecs/ecstypes"
	"github.com/berth-dev/berth/internal/awsapi/shape"
	"github.com/berth-dev/berth/internal/store"
)

// Services live at /ecs-service/<account>/<region>/<cluster>/<name>: the
// service as DescribeServices shows it, plus what the service controller
// keeps between passes (crash-loop backoff, tasks draining from their
// target groups before they stop). API handlers write the desired state
// (desired count, deployments); the controller (service_controller.go)
// does the rest.

const kindService = "ecs-service"

// Service statuses.
const (
	serviceActive   = "ACTIVE"
	serviceDraining = "DRAINING"
	serviceInactive = "INACTIVE"
)

// inactiveServiceTTL is how long a deleted service stays describable.
const inactiveServiceTTL = time.Hour

// maxServiceEvents is how many events DescribeServices keeps, newest first.
const maxServiceEvents = 100

type serviceRecord struct {
	Service     ecstypes.Service `json:"service"`
	ClientToken string           `json:"clientToken,omitempty"`
	// Backoff is the crash-loop state of the throttle logic.
	Backoff deploy.Backoff `json:"backoff"`
	// Draining maps the ids of tasks being taken out of their target groups
	// to when they are to be stopped (the deregistration delay's end).
	Draining map[string]drainingTask `json:"draining,omitempty"`
	// Registered lists the tasks whose targets are registered.
	Registered map[string]bool `json:"registered,omitempty"`
	// Counted lists stopped tasks already counted as failures, so that a
	// pass that sees a stopped task again does not count it twice.
	Counted map[string]bool `json:"counted,omitempty"`
	// InactiveAt is when the service became INACTIVE (for expiry).
	InactiveAt time.Time `json:"inactiveAt,omitzero"`
}

// drainingTask is a task leaving its target groups.
type drainingTask struct {
	StopAt time.Time `json:"stopAt"`
	Reason string    `json:"reason"`
}

func serviceKey(sc scope, cluster, name string) string {
	return store.Key(kindService, sc.account, sc.region, cluster, name)
}

func (s *Service) services() store.Typed[serviceRecord] {
	return store.Typed[serviceRecord]{S: s.store}
}

func (sc scope) serviceARN(cluster, name string) string {
	return sc.arn("service/" + cluster + "/" + name)
}

// newDeploymentID is ECS's deployment id: "ecs-svc/" and 19 digits.
func newDeploymentID() string {
	n, _ := rand.Int(rand.Reader, big.NewInt(8e18))
	return fmt.Sprintf("ecs-svc/%019d", n.Int64()+1e18)
}

// CreateService creates a REPLICA service on FARGATE and its first
// deployment; the controller starts its tasks.
func (s *Service) CreateService(ctx context.Context, in *ecstypes.CreateServiceRequest) (*ecstypes.CreateServiceResponse, error) {
	sc := scopeOf(ctx)
	p, err := s.planService(ctx, sc, in)
	if err != nil {
		return nil, err
	}
	key := serviceKey(sc, p.cluster.ClusterName, in.ServiceName)
	now := s.timestamp()
	svc := ecstypes.Service{
		ServiceArn:                    sc.serviceARN(p.cluster.ClusterName, in.ServiceName),
		ServiceName:                   in.ServiceName,
		ClusterArn:                    p.cluster.ClusterArn,
		LoadBalancers:                 orEmptyLB(in.LoadBalancers),
		ServiceRegistries:             []ecstypes.ServiceRegistry{},
		Status:                        serviceActive,
		DesiredCount:                  p.desired,
		LaunchType:                    p.launchType,
		CapacityProviderStrategy:      in.CapacityProviderStrategy,
		PlatformVersion:               "LATEST",
		PlatformFamily:                "Linux",
		TaskDefinition:                p.def.TaskDefinitionArn,
		DeploymentConfiguration:       p.deployConf,
		RoleArn:                       in.Role,
		Events:                        []ecstypes.ServiceEvent{},
		CreatedAt:                     now,
		PlacementConstraints:          []ecstypes.PlacementConstraint{},
		PlacementStrategy:             []ecstypes.PlacementStrategy{},
		NetworkConfiguration:          in.NetworkConfiguration,
		HealthCheckGracePeriodSeconds: p.grace,
		SchedulingStrategy:            "REPLICA",
		DeploymentController:          &ecstypes.DeploymentController{Type: "ECS"},
		Tags:                          emptyTags(in.Tags),
		CreatedBy:                     principalARN(ctx),
		EnableECSManagedTags:          in.EnableECSManagedTags,
		PropagateTags:                 cmp.Or(in.PropagateTags, "NONE"),
		EnableExecuteCommand:          in.EnableExecuteCommand,
		AvailabilityZoneRebalancing:   cmp.Or(in.AvailabilityZoneRebalancing, "DISABLED"),
	}
	svc.Deployments = []ecstypes.Deployment{newDeployment(&svc, now)}
	rec := &serviceRecord{Service: svc, ClientToken: in.ClientToken}
	if _, err := s.services().Create(ctx, key, rec); err != nil {
		if !errors.Is(err, store.ErrAlreadyExists) {
			return nil, internal("storing service", err)
		}
		old, rev, gerr := s.services().Get(ctx, key)
		switch {
		case gerr != nil:
			return nil, internal("reading service", gerr)
		case old.Service.Status != serviceInactive:
			if in.ClientToken != "" && old.ClientToken == in.ClientToken {
				return &ecstypes.CreateServiceResponse{Service: serviceView(old, false)}, nil
			}
			return nil, invalidParameter("Creation of service was not idempotent.")
		}
		// An INACTIVE service of that name gives way to the new one.
		if _, err := s.services().Update(ctx, key, rec, rev); err != nil {
			return nil, internal("storing service", err)
		}
	}
	if _, err := s.mutateCluster(ctx, p.cluster.ClusterArn, func(c *ecstypes.Cluster) error {
		c.ActiveServicesCount++
		return nil
	}); err != nil {
		return nil, passClientError(err, "counting the cluster's services")
	}
	return &ecstypes.CreateServiceResponse{Service: serviceView(rec, false)}, nil
}

// newDeployment is a service's new PRIMARY deployment of its current
// configuration.
func newDeployment(svc *ecstypes.Service, now *shape.Time) ecstypes.Deployment {
	id := newDeploymentID()
	return ecstypes.Deployment{
		Id:                       id,
		Status:                   string(deploy.StatusPrimary),
		TaskDefinition:           svc.TaskDefinition,
		DesiredCount:             svc.DesiredCount,
		CreatedAt:                now,
		UpdatedAt:                now,
		LaunchType:               svc.LaunchType,
		CapacityProviderStrategy: svc.CapacityProviderStrategy,
		PlatformVersion:          "1.4.0",
		PlatformFamily:           "Linux",
		NetworkConfiguration:     svc.NetworkConfiguration,
		RolloutState:             string(deploy.RolloutInProgress),
		RolloutStateReason:       "ECS deployment " + id + " in progress.",
	}
}

// UpdateService changes a service's desired count and, with a new task
// definition, network configuration, load balancers or forceNewDeployment,
// starts a new deployment: the old PRIMARY becomes ACTIVE and drains as the
// new one comes up.
func (s *Service) UpdateService(ctx context.Context, in *ecstypes.UpdateServiceRequest) (*ecstypes.UpdateServiceResponse, error) {
	sc := scopeOf(ctx)
	cluster, name, err := s.serviceRef(sc, in.Cluster, in.Service)
	if err != nil {
		return nil, err
	}
	key := serviceKey(sc, cluster, name)
	cur, _, err := s.services().Get(ctx, key)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, serviceNotFound()
		}
		return nil, internal("reading service", err)
	}
	if cur.Service.Status != serviceActive {
		return nil, serviceNotActive()
	}
	u, err := s.planUpdate(ctx, sc, cur, in)
	if err != nil {
		return nil, err
	}
	rec, _, err := s.services().Mutate(ctx, key, func(r *serviceRecord) error {
		if r.Service.Status != serviceActive {
			return serviceNotActive()
		}
		u.apply(r, s.timestamp())
		return nil
	})
	if err != nil {
		return nil, passClientError(err, "updating service")
	}
	return &ecstypes.UpdateServiceResponse{Service: serviceView(rec, false)}, nil
}

// DeleteService deletes a service scaled to zero, or any with force: it
// turns DRAINING while the controller stops its tasks, then INACTIVE.
func (s *Service) DeleteService(ctx context.Context, in *ecstypes.DeleteServiceRequest) (*ecstypes.DeleteServiceResponse, error) {
	sc := scopeOf(ctx)
	cluster, name, err := s.serviceRef(sc, in.Cluster, in.Service)
	if err != nil {
		return nil, err
	}
	force := in.Force != nil && *in.Force
	rec, _, err := s.services().Mutate(ctx, serviceKey(sc, cluster, name), func(r *serviceRecord) error {
		switch {
		case r.Service.Status == serviceInactive:
			return serviceNotFound()
		case r.Service.Status == serviceDraining:
			return nil
		case r.Service.DesiredCount > 0 && !force:
			return invalidParameter("The service cannot be stopped while it is scaled above 0.")
		}
		r.Service.Status = serviceDraining
		r.Service.DesiredCount = 0
		for i := range r.Service.Deployments {
			r.Service.Deployments[i].DesiredCount = 0
		}
		return nil
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, serviceNotFound()
	}
	if err != nil {
		return nil, passClientError(err, "deleting service")
	}
	return &ecstypes.DeleteServiceResponse{Service: serviceView(rec, false)}, nil
}

// serviceRef resolves a service name or ARN within a cluster reference.
func (s *Service) serviceRef(sc scope, clusterRef, ref string) (cluster, name string, err error) {
	if ref == "" {
		return "", "", missing("service")
	}
	cluster, ok := sc.clusterName(clusterRef)
	if !ok {
		return "", "", clusterNotFound()
	}
	if a, isARN := parseARN(ref); isARN {
		if a.resourceType != "service" || a.account != sc.account || a.region != sc.region {
			return "", "", invalidParameter("Invalid service ARN: %s", ref)
		}
		i := strings.LastIndexByte(a.resource, '/')
		if i < 0 {
			return cluster, a.resource, nil
		}
		c, n := a.resource[:i], a.resource[i+1:]
		if clusterRef != "" && c != cluster {
			return "", "", invalidParameter("The service ARN's cluster %s does not match cluster %s.", c, cluster)
		}
		return c, n, nil
	}
	return cluster, ref, nil
}

func orEmptyLB(lbs []ecstypes.LoadBalancer) []ecstypes.LoadBalancer {
	if lbs == nil {
		return []ecstypes.LoadBalancer{}
	}
	return slices.Clone(lbs)
}
