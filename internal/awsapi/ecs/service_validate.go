package ecs

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"time"

	"github.com/berth-dev/berth/internal/awsapi/ecs/deploy"
	"github.com/berth-dev/berth/internal/awsapi/ecs/ecstypes"
	"github.com/berth-dev/berth/internal/awsapi/protocol"
	"github.com/berth-dev/berth/internal/awsapi/shape"
)

// Service error codes, as the model names them.
const (
	codeServiceNotFound  = "ServiceNotFoundException"
	codeServiceNotActive = "ServiceNotActiveException"
)

func serviceNotFound() *protocol.Error {
	return protocol.Errorf(codeServiceNotFound, http.StatusBadRequest, "Service not found.")
}

func serviceNotActive() *protocol.Error {
	return protocol.Errorf(codeServiceNotActive, http.StatusBadRequest, "Service was not ACTIVE.")
}

// maxServiceLoadBalancers is ECS's limit of target groups per service.
const maxServiceLoadBalancers = 5

// LoadBalancing is what ECS asks of Elastic Load Balancing for services
// with loadBalancers (in process, as ECS calls ELB on AWS).
type LoadBalancing interface {
	// TargetGroup describes a target group; ErrNoTargetGroup when it does
	// not exist.
	TargetGroup(ctx context.Context, account, region, arn string) (TargetGroupInfo, error)
	// RegisterTarget registers ip:port; registering again is harmless.
	RegisterTarget(ctx context.Context, account, region, targetGroupARN, ip string, port int) error
	// DeregisterTarget starts draining ip:port; a target not registered is
	// no error.
	DeregisterTarget(ctx context.Context, account, region, targetGroupARN, ip string, port int) error
	// TargetHealth is the health of the group's targets by "ip:port".
	TargetHealth(ctx context.Context, account, region, targetGroupARN string) (map[string]TargetHealth, error)
}

// ErrNoTargetGroup is LoadBalancing's answer for a target group that does
// not exist.
var ErrNoTargetGroup = errors.New("target group not found")

// TargetGroupInfo is what ECS checks of a service's target group.
type TargetGroupInfo struct {
	TargetType          string   // ip, instance, …
	LoadBalancers       []string // ARNs of the load balancers using it
	DeregistrationDelay time.Duration
}

// TargetHealth is one target's health as DescribeTargetHealth reports it.
type TargetHealth struct {
	State, Reason, Description string
}

// servicePlan is a validated CreateService request.
type servicePlan struct {
	cluster    *ecstypes.Cluster
	def        *ecstypes.TaskDefinition
	desired    int32
	launchType string
	deployConf *ecstypes.DeploymentConfiguration
	grace      *int32
}

func (s *Service) planService(ctx context.Context, sc scope, in *ecstypes.CreateServiceRequest) (*servicePlan, error) {
	if err := validServiceName(in.ServiceName); err != nil {
		return nil, err
	}
	switch in.SchedulingStrategy {
	case "", "REPLICA":
	case "DAEMON":
		return nil, invalidParameter("The DAEMON scheduling strategy is not supported for services using the FARGATE launch type.")
	default:
		return nil, invalidParameter("Invalid schedulingStrategy %q. Valid values: REPLICA, DAEMON.", in.SchedulingStrategy)
	}
	if dc := in.DeploymentController; dc != nil && dc.Type != "" && dc.Type != "ECS" {
		return nil, invalidParameter("Deployment controller type %s is not supported: berth runs ECS rolling deployments.", dc.Type)
	}
	p := &servicePlan{}
	if in.DesiredCount != nil {
		if *in.DesiredCount < 0 {
			return nil, invalidParameter("desiredCount can not be less than 0.")
		}
		p.desired = *in.DesiredCount
	}
	rt := &ecstypes.RunTaskRequest{Cluster: in.Cluster, TaskDefinition: in.TaskDefinition, LaunchType: in.LaunchType,
		CapacityProviderStrategy: in.CapacityProviderStrategy, NetworkConfiguration: in.NetworkConfiguration, Tags: in.Tags}
	run, err := s.planRunTask(ctx, sc, rt, false)
	if err != nil {
		return nil, err
	}
	p.cluster, p.def = run.cluster, run.def
	if run.capacityName == "" {
		p.launchType = "FARGATE"
	}
	if p.deployConf, err = deploymentConfig(nil, in.DeploymentConfiguration); err != nil {
		return nil, err
	}
	if err := validPropagateTags(in.PropagateTags); err != nil {
		return nil, err
	}
	if err := s.checkLoadBalancers(ctx, sc, run.def, in.LoadBalancers); err != nil {
		return nil, err
	}
	if p.grace, err = gracePeriod(in.HealthCheckGracePeriodSeconds); err != nil {
		return nil, err
	}
	if len(in.ServiceRegistries) > 0 {
		return nil, invalidParameter("serviceRegistries are not supported yet.")
	}
	return p, nil
}

func validServiceName(name string) error {
	if name == "" {
		return missing("serviceName")
	}
	if len(name) > 255 {
		return invalidParameter("Service name can be at most 255 characters.")
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return invalidParameter("Service name can only contain letters (uppercase and lowercase), numbers, hyphens (-) and underscores (_).")
		}
	}
	return nil
}

func validPropagateTags(v string) error {
	switch v {
	case "", "NONE", "SERVICE", "TASK_DEFINITION":
		return nil
	}
	return invalidParameter("Invalid propagateTags %q. Valid values: TASK_DEFINITION, SERVICE, NONE.", v)
}

func gracePeriod(v *int32) (*int32, error) {
	if v == nil {
		return nil, nil
	}
	if *v < 0 {
		return nil, invalidParameter("healthCheckGracePeriodSeconds can not be less than 0.")
	}
	g := *v
	return &g, nil
}

// deploymentConfig merges a request's deploymentConfiguration over the
// current one (nil: ECS's defaults) and checks it.
func deploymentConfig(cur, in *ecstypes.DeploymentConfiguration) (*ecstypes.DeploymentConfiguration, error) {
	minP, maxP := int32(deploy.DefaultMinimumHealthyPercent), int32(deploy.DefaultMaximumPercent)
	out := &ecstypes.DeploymentConfiguration{
		DeploymentCircuitBreaker: &ecstypes.DeploymentCircuitBreaker{},
		MaximumPercent:           &maxP, MinimumHealthyPercent: &minP, Strategy: "ROLLING",
	}
	if cur != nil {
		c := *cur.DeploymentCircuitBreaker
		out.DeploymentCircuitBreaker = &c
		*out.MaximumPercent, *out.MinimumHealthyPercent = *cur.MaximumPercent, *cur.MinimumHealthyPercent
	}
	if in == nil {
		return out, nil
	}
	if in.Strategy != "" && in.Strategy != "ROLLING" {
		return nil, invalidParameter("Deployment strategy %s is not supported: berth runs ROLLING deployments.", in.Strategy)
	}
	if in.Alarms != nil && in.Alarms.Enable {
		return nil, invalidParameter("Deployment alarms are not supported yet.")
	}
	if in.DeploymentCircuitBreaker != nil {
		c := *in.DeploymentCircuitBreaker
		out.DeploymentCircuitBreaker = &c
	}
	if in.MinimumHealthyPercent != nil {
		*out.MinimumHealthyPercent = *in.MinimumHealthyPercent
	}
	if in.MaximumPercent != nil {
		*out.MaximumPercent = *in.MaximumPercent
	}
	lo, hi := *out.MinimumHealthyPercent, *out.MaximumPercent
	switch {
	case lo < 0 || lo > 100:
		return nil, invalidParameter("minimumHealthyPercent must be between 0 and 100.")
	case hi < 100:
		return nil, invalidParameter("maximumPercent must be at least 100.")
	case hi > 2000:
		return nil, invalidParameter("maximumPercent can be at most 2000.")
	}
	return out, nil
}

// checkLoadBalancers checks a service's loadBalancers as ECS does: each
// names an existing ip target group that a load balancer uses, and a
// container and port of the task definition.
func (s *Service) checkLoadBalancers(ctx context.Context, sc scope, def *ecstypes.TaskDefinition, lbs []ecstypes.LoadBalancer) error {
	if len(lbs) > maxServiceLoadBalancers {
		return invalidParameter("A service can have at most %d load balancers.", maxServiceLoadBalancers)
	}
	seen := map[string]bool{}
	for _, lb := range lbs {
		if lb.TargetGroupArn == "" {
			if lb.LoadBalancerName != "" {
				return invalidParameter("Classic Load Balancers are not supported: specify a targetGroupArn.")
			}
			return missing("loadBalancers.targetGroupArn")
		}
		if lb.ContainerName == "" || lb.ContainerPort == nil {
			return invalidParameter("containerName and containerPort must be specified for target group %s.", lb.TargetGroupArn)
		}
		k := fmt.Sprintf("%s|%s|%d", lb.TargetGroupArn, lb.ContainerName, *lb.ContainerPort)
		if seen[k] {
			return invalidParameter("The load balancer configuration for target group %s is specified more than once.", lb.TargetGroupArn)
		}
		seen[k] = true
		if !hasContainerPort(def, lb.ContainerName, *lb.ContainerPort) {
			return invalidParameter("The container %s did not have a container port %d defined.", lb.ContainerName, *lb.ContainerPort)
		}
		if s.LB == nil {
			continue
		}
		tg, err := s.LB.TargetGroup(ctx, sc.account, sc.region, lb.TargetGroupArn)
		if errors.Is(err, ErrNoTargetGroup) {
			return invalidParameter("Unable to find target group %s.", lb.TargetGroupArn)
		}
		if err != nil {
			return internal("reading target group", err)
		}
		if tg.TargetType != "ip" && def.NetworkMode == "awsvpc" {
			return invalidParameter("The provided target group %s has target type %s, which is incompatible with the awsvpc network mode specified in the task definition.", lb.TargetGroupArn, tg.TargetType)
		}
		if len(tg.LoadBalancers) == 0 {
			return invalidParameter("The target group with targetGroupArn %s does not have an associated load balancer.", lb.TargetGroupArn)
		}
	}
	return nil
}

func hasContainerPort(def *ecstypes.TaskDefinition, container string, port int32) bool {
	i := slices.IndexFunc(def.ContainerDefinitions, func(cd ecstypes.ContainerDefinition) bool { return cd.Name == container })
	if i < 0 {
		return false
	}
	return slices.ContainsFunc(def.ContainerDefinitions[i].PortMappings, func(pm ecstypes.PortMapping) bool {
		return pm.ContainerPort != nil && *pm.ContainerPort == port
	})
}

// serviceUpdate is a validated UpdateService request.
type serviceUpdate struct {
	in            *ecstypes.UpdateServiceRequest
	taskDef       string
	deployConf    *ecstypes.DeploymentConfiguration
	grace         *int32
	newDeployment bool
}

func (s *Service) planUpdate(ctx context.Context, sc scope, cur *serviceRecord, in *ecstypes.UpdateServiceRequest) (*serviceUpdate, error) {
	svc := &cur.Service
	u := &serviceUpdate{in: in, taskDef: svc.TaskDefinition, grace: svc.HealthCheckGracePeriodSeconds}
	if in.DesiredCount != nil && *in.DesiredCount < 0 {
		return nil, invalidParameter("desiredCount can not be less than 0.")
	}
	if dc := in.DeploymentController; dc != nil && dc.Type != "" && dc.Type != "ECS" {
		return nil, invalidParameter("Deployment controller type %s is not supported: berth runs ECS rolling deployments.", dc.Type)
	}
	rt := &ecstypes.RunTaskRequest{Cluster: svc.ClusterArn, TaskDefinition: svc.TaskDefinition, LaunchType: svc.LaunchType,
		CapacityProviderStrategy: svc.CapacityProviderStrategy, NetworkConfiguration: svc.NetworkConfiguration}
	if in.TaskDefinition != "" {
		rt.TaskDefinition = in.TaskDefinition
	}
	if in.NetworkConfiguration != nil {
		rt.NetworkConfiguration = in.NetworkConfiguration
	}
	if len(in.CapacityProviderStrategy) > 0 {
		rt.LaunchType, rt.CapacityProviderStrategy = "", in.CapacityProviderStrategy
	}
	run, err := s.planRunTask(ctx, sc, rt, in.TaskDefinition == "")
	if err != nil {
		return nil, err
	}
	u.taskDef = run.def.TaskDefinitionArn
	if u.deployConf, err = deploymentConfig(svc.DeploymentConfiguration, in.DeploymentConfiguration); err != nil {
		return nil, err
	}
	if err := validPropagateTags(in.PropagateTags); err != nil {
		return nil, err
	}
	lbs := svc.LoadBalancers
	if in.LoadBalancers != nil {
		lbs = in.LoadBalancers
	}
	if err := s.checkLoadBalancers(ctx, sc, run.def, lbs); err != nil {
		return nil, err
	}
	if in.HealthCheckGracePeriodSeconds != nil {
		if u.grace, err = gracePeriod(in.HealthCheckGracePeriodSeconds); err != nil {
			return nil, err
		}
	}
	u.newDeployment = in.ForceNewDeployment || u.taskDef != svc.TaskDefinition ||
		in.NetworkConfiguration != nil && !reflect.DeepEqual(in.NetworkConfiguration, svc.NetworkConfiguration) ||
		in.LoadBalancers != nil && !reflect.DeepEqual(in.LoadBalancers, svc.LoadBalancers) ||
		len(in.CapacityProviderStrategy) > 0 && !reflect.DeepEqual(in.CapacityProviderStrategy, svc.CapacityProviderStrategy)
	return u, nil
}

// apply writes the update into the record, starting a new deployment when
// one is due.
func (u *serviceUpdate) apply(r *serviceRecord, now *shape.Time) {
	svc, in := &r.Service, u.in
	if in.DesiredCount != nil {
		svc.DesiredCount = *in.DesiredCount
	}
	svc.TaskDefinition = u.taskDef
	svc.DeploymentConfiguration = u.deployConf
	svc.HealthCheckGracePeriodSeconds = u.grace
	if in.NetworkConfiguration != nil {
		svc.NetworkConfiguration = in.NetworkConfiguration
	}
	if in.LoadBalancers != nil {
		svc.LoadBalancers = orEmptyLB(in.LoadBalancers)
	}
	if len(in.CapacityProviderStrategy) > 0 {
		svc.LaunchType, svc.CapacityProviderStrategy = "", in.CapacityProviderStrategy
	}
	if in.PropagateTags != "" {
		svc.PropagateTags = in.PropagateTags
	}
	if in.EnableECSManagedTags != nil {
		svc.EnableECSManagedTags = *in.EnableECSManagedTags
	}
	if in.EnableExecuteCommand != nil {
		svc.EnableExecuteCommand = *in.EnableExecuteCommand
	}
	if u.newDeployment {
		for i := range svc.Deployments {
			if svc.Deployments[i].Status == string(deploy.StatusPrimary) {
				svc.Deployments[i].Status = string(deploy.StatusActive)
				svc.Deployments[i].UpdatedAt = now
			}
		}
		svc.Deployments = append([]ecstypes.Deployment{newDeployment(svc, now)}, svc.Deployments...)
		r.Backoff = deploy.Backoff{}
	}
	for i := range svc.Deployments {
		if d := &svc.Deployments[i]; d.Status == string(deploy.StatusPrimary) && d.DesiredCount != svc.DesiredCount {
			d.DesiredCount, d.UpdatedAt = svc.DesiredCount, now
		}
	}
}
