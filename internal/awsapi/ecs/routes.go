package ecs

import (
	"context"

	"github.com/berth-dev/berth/internal/awsapi/ecs/ecstypes"
	"github.com/berth-dev/berth/internal/awsapi/protocol"
)

// Service describes ECS for the gateway: every operation berth serves, with
// the IAM action (ecs:<Operation>) and the resource ARN it authorizes on.
// Operations without a resource function act on "*", as List* calls do in
// IAM.
func (s *Service) Service() *protocol.Service {
	return &protocol.Service{
		SigningName:  ecstypes.SigningName,
		Wire:         protocol.AWSJSON11,
		TargetPrefix: ecstypes.TargetPrefix,
		Version:      ecstypes.APIVersion,
		Operations: []protocol.Operation{
			protocol.Op("ecs", "CreateCluster", s.CreateCluster).WithResource(clusterResource(func(in *ecstypes.CreateClusterRequest) string { return in.ClusterName })),
			protocol.Op("ecs", "DescribeClusters", s.DescribeClusters),
			protocol.Op("ecs", "ListClusters", s.ListClusters),
			protocol.Op("ecs", "UpdateCluster", s.UpdateCluster).WithResource(clusterResource(func(in *ecstypes.UpdateClusterRequest) string { return in.Cluster })),
			protocol.Op("ecs", "UpdateClusterSettings", s.UpdateClusterSettings).WithResource(clusterResource(func(in *ecstypes.UpdateClusterSettingsRequest) string { return in.Cluster })),
			protocol.Op("ecs", "DeleteCluster", s.DeleteCluster).WithResource(clusterResource(func(in *ecstypes.DeleteClusterRequest) string { return in.Cluster })),
			protocol.Op("ecs", "PutClusterCapacityProviders", s.PutClusterCapacityProviders).WithResource(clusterResource(func(in *ecstypes.PutClusterCapacityProvidersRequest) string { return in.Cluster })),
			protocol.Op("ecs", "DescribeCapacityProviders", s.DescribeCapacityProviders),
			protocol.Op("ecs", "RegisterTaskDefinition", s.RegisterTaskDefinition),
			protocol.Op("ecs", "DescribeTaskDefinition", s.DescribeTaskDefinition),
			protocol.Op("ecs", "ListTaskDefinitions", s.ListTaskDefinitions),
			protocol.Op("ecs", "ListTaskDefinitionFamilies", s.ListTaskDefinitionFamilies),
			protocol.Op("ecs", "DeregisterTaskDefinition", s.DeregisterTaskDefinition),
			protocol.Op("ecs", "DeleteTaskDefinitions", s.DeleteTaskDefinitions),
			protocol.Op("ecs", "TagResource", s.TagResource).WithResource(arnResource(func(in *ecstypes.TagResourceRequest) string { return in.ResourceArn })),
			protocol.Op("ecs", "UntagResource", s.UntagResource).WithResource(arnResource(func(in *ecstypes.UntagResourceRequest) string { return in.ResourceArn })),
			protocol.Op("ecs", "ListTagsForResource", s.ListTagsForResource).WithResource(arnResource(func(in *ecstypes.ListTagsForResourceRequest) string { return in.ResourceArn })),
			protocol.Op("ecs", "RunTask", s.RunTask).WithResource(taskDefResource(func(in *ecstypes.RunTaskRequest) string { return in.TaskDefinition })),
			protocol.Op("ecs", "StopTask", s.StopTask),
			protocol.Op("ecs", "DescribeTasks", s.DescribeTasks),
			protocol.Op("ecs", "ListTasks", s.ListTasks),
			protocol.Op("ecs", "CreateService", s.CreateService).WithResource(serviceResource(func(in *ecstypes.CreateServiceRequest) (string, string) { return in.Cluster, in.ServiceName })),
			protocol.Op("ecs", "UpdateService", s.UpdateService).WithResource(serviceResource(func(in *ecstypes.UpdateServiceRequest) (string, string) { return in.Cluster, in.Service })),
			protocol.Op("ecs", "DeleteService", s.DeleteService).WithResource(serviceResource(func(in *ecstypes.DeleteServiceRequest) (string, string) { return in.Cluster, in.Service })),
			protocol.Op("ecs", "DescribeServices", s.DescribeServices),
			protocol.Op("ecs", "ListServices", s.ListServices),
			protocol.Op("ecs", "ListAccountSettings", s.ListAccountSettings),
			protocol.Op("ecs", "PutAccountSetting", s.PutAccountSetting),
			protocol.Op("ecs", "PutAccountSettingDefault", s.PutAccountSettingDefault),
			protocol.Op("ecs", "DeleteAccountSetting", s.DeleteAccountSetting),
		},
	}
}

// clusterResource authorizes on the ARN of the cluster an input names.
func clusterResource[I any](ref func(*I) string) func(context.Context, any) string {
	return func(ctx context.Context, in any) string {
		sc := scopeOf(ctx)
		name, ok := sc.clusterName(ref(in.(*I)))
		if !ok {
			return ref(in.(*I))
		}
		return sc.clusterARN(name)
	}
}

// serviceResource authorizes on the ARN of the service an input names.
func serviceResource[I any](ref func(*I) (cluster, service string)) func(context.Context, any) string {
	return func(ctx context.Context, in any) string {
		sc := scopeOf(ctx)
		clusterRef, svcRef := ref(in.(*I))
		if _, isARN := parseARN(svcRef); isARN {
			return svcRef
		}
		cluster, ok := sc.clusterName(clusterRef)
		if !ok || svcRef == "" {
			return "*"
		}
		return sc.serviceARN(cluster, svcRef)
	}
}

// arnResource authorizes on an ARN the input carries.
func arnResource[I any](arn func(*I) string) func(context.Context, any) string {
	return func(_ context.Context, in any) string { return arn(in.(*I)) }
}

// taskDefResource authorizes on the task definition an input names, as IAM
// does for ecs:RunTask.
func taskDefResource[I any](ref func(*I) string) func(context.Context, any) string {
	return func(ctx context.Context, in any) string {
		sc := scopeOf(ctx)
		return TaskDefinitionResource(sc.account, sc.region, ref(in.(*I)))
	}
}

// TaskDefinitionResource is the resource a task definition reference
// (family, family:revision or ARN) authorizes on in an account and
// region: its ARN, with revision "*" for a bare family.
func TaskDefinitionResource(account, region, ref string) string {
	sc := scope{account: account, region: region}
	family, rev, err := sc.parseTaskDefRef(ref)
	if err != nil {
		return ref
	}
	if rev == 0 {
		return sc.arn("task-definition/" + family + ":*")
	}
	return sc.taskDefARN(family, rev)
}
