package tmds

import (
	"crypto/sha256"
	"fmt"
	"maps"
	"net/netip"
	"strconv"
	"strings"

	"github.com/berth-dev/berth/internal/agentapi"
	"github.com/berth-dev/berth/internal/awsapi/ecs/ecstypes"
)

// version is a metadata API version: v2 and v3 share a shape, v4 adds to it.
type version int

const (
	v2 version = 2
	v3 version = 3
	v4 version = 4
)

const (
	// minimumCPUUnits is the least container cpu the ECS agent reports
	// (a container without cpu gets 2 shares).
	minimumCPUUnits = 2
	// defaultEphemeralGiB is Fargate's ephemeral storage when the task
	// definition asks for none.
	defaultEphemeralGiB = 20
	// ephemeralOverheadMiB is what Fargate reports as Reserved beyond the
	// size asked for: 20496 MiB for the default 20 GiB (20480 MiB).
	ephemeralOverheadMiB = 16
	// resolverAddr is the VPC resolver every task's resolv.conf names.
	resolverAddr = "169.254.169.253"
)

// taskResponse builds a task's metadata in version v.
func taskResponse(t *Task, v version, withTags bool, drift *ClockDrift) *TaskResponse {
	s := &t.Spec
	r := &TaskResponse{
		Cluster:            s.ClusterARN,
		TaskARN:            s.TaskARN,
		Family:             s.Definition.Family,
		Revision:           strconv.Itoa(int(s.Definition.Revision)),
		DesiredStatus:      taskDesiredStatus(t),
		KnownStatus:        taskKnownStatus(t),
		PullStartedAt:      t.State.PullStartedAt.UTC(),
		PullStoppedAt:      t.State.PullStoppedAt.UTC(),
		ExecutionStoppedAt: t.State.ExecutionStoppedAt.UTC(),
	}
	if s.CPU != 0 || s.MemoryMiB != 0 {
		r.Limits = &TaskLimits{CPU: float64(s.CPU) / 1024, Memory: int64(s.MemoryMiB)}
	}
	if s.ENI != nil {
		r.AvailabilityZone = s.ENI.AvailabilityZone
	}
	if withTags && len(t.Tags) > 0 {
		r.TaskTags = maps.Clone(t.Tags)
	}
	for _, c := range t.Containers {
		r.Containers = append(r.Containers, containerResponse(t, c, v))
	}
	if v >= v4 {
		r.LaunchType = "FARGATE"
		r.ServiceName = t.ServiceName
		r.ClockDrift = drift
		gib := s.EphemeralGiB
		if gib == 0 {
			gib = defaultEphemeralGiB
		}
		r.EphemeralStorageMetrics = &EphemeralStorageMetrics{
			Utilized: t.EphemeralUtilizedMiB,
			Reserved: int64(gib)*1024 + ephemeralOverheadMiB,
		}
	}
	return r
}

// containerResponse builds a container's metadata in version v.
func containerResponse(t *Task, c *Container, v version) ContainerResponse {
	s := &t.Spec
	def := definition(s, c.Name)
	st := containerState(t, c.Name)
	r := ContainerResponse{
		DockerID:      c.DockerID,
		Name:          c.Name,
		DockerName:    c.Name,
		Image:         def.Image,
		ImageID:       st.ImageDigest,
		Labels:        labels(s, def),
		KnownStatus:   containerKnownStatus(t, c, st),
		Limits:        ContainerLimits{CPU: max(int64(def.Cpu), minimumCPUUnits)},
		CreatedAt:     c.CreatedAt.UTC(),
		StartedAt:     c.StartedAt.UTC(),
		FinishedAt:    c.FinishedAt.UTC(),
		Type:          "NORMAL",
		Networks:      networks(s.ENI, s.Region, v),
		Volumes:       volumes(t, def),
		DesiredStatus: "RUNNING",
	}
	if r.KnownStatus == "STOPPED" || s.DesiredStatus == "STOPPED" {
		r.DesiredStatus = "STOPPED"
	}
	if def.Memory != nil {
		r.Limits.Memory = int64(*def.Memory)
	}
	if st.ExitCode != nil {
		code := int(*st.ExitCode)
		r.ExitCode = &code
	}
	for _, pm := range def.PortMappings {
		if pm.ContainerPort == nil {
			continue // a port range: not shown, as the ECS agent shows none
		}
		p := Port{ContainerPort: uint16(*pm.ContainerPort), Protocol: "tcp"}
		if pm.Protocol != "" {
			p.Protocol = pm.Protocol
		}
		p.HostPort = p.ContainerPort
		r.Ports = append(r.Ports, p)
	}
	if def.HealthCheck != nil {
		r.Health = &HealthResponse{Since: c.Health.Since.UTC(), ExitCode: c.Health.ExitCode, Output: c.Health.Output}
		if st.HealthStatus != "UNKNOWN" {
			r.Health.Status = st.HealthStatus
		}
	}
	if v >= v4 {
		if lc := def.LogConfiguration; lc != nil {
			r.LogDriver = lc.LogDriver
			r.LogOptions = logOptions(s, c.Name, lc)
		}
		r.ContainerARN = c.ARN
		if r.ContainerARN == "" {
			r.ContainerARN = containerARN(s, c.Name)
		}
		r.Snapshotter = "overlayfs"
		r.RestartCount = c.RestartCount
	}
	return r
}

// definition returns the container definition name with the task's
// overrides of cpu and memory applied.
func definition(s *agentapi.TaskSpec, name string) ecstypes.ContainerDefinition {
	var def ecstypes.ContainerDefinition
	for _, d := range s.Definition.ContainerDefinitions {
		if d.Name == name {
			def = d
			break
		}
	}
	if s.Overrides != nil {
		for _, o := range s.Overrides.ContainerOverrides {
			if o.Name != name {
				continue
			}
			if o.Cpu != nil {
				def.Cpu = *o.Cpu
			}
			if o.Memory != nil {
				def.Memory = o.Memory
			}
		}
	}
	return def
}

// containerState returns the observed state of container name, or a
// PENDING one when there is none yet.
func containerState(t *Task, name string) agentapi.ContainerState {
	for _, cs := range t.State.Containers {
		if cs.Name == name {
			return cs
		}
	}
	return agentapi.ContainerState{Name: name, LastStatus: "PENDING"}
}

// taskDesiredStatus is RUNNING or STOPPED.
func taskDesiredStatus(t *Task) string {
	if t.Spec.DesiredStatus == "" {
		return "RUNNING"
	}
	return t.Spec.DesiredStatus
}

// taskKnownStatus maps an ECS task status to the ECS agent's task
// statuses (NONE, CREATED, RUNNING, STOPPED): a task is RUNNING from the
// start of its containers until they have all stopped.
func taskKnownStatus(t *Task) string {
	switch t.State.LastStatus {
	case "ACTIVATING", "RUNNING", "DEACTIVATING", "STOPPING":
		return "RUNNING"
	case "DEPROVISIONING", "STOPPED":
		return "STOPPED"
	}
	for _, c := range t.Containers {
		if !c.CreatedAt.IsZero() {
			return "CREATED"
		}
	}
	return "NONE"
}

// containerKnownStatus maps a container's ECS status to the ECS agent's
// container statuses (NONE, PULLED, CREATED, RUNNING, STOPPED).
func containerKnownStatus(t *Task, c *Container, st agentapi.ContainerState) string {
	switch {
	case st.LastStatus == "RUNNING" || st.LastStatus == "STOPPED":
		return st.LastStatus
	case !c.CreatedAt.IsZero():
		return "CREATED"
	case !t.State.PullStoppedAt.IsZero():
		return "PULLED"
	}
	return "NONE"
}

// labels are a container's Docker labels and the ones ECS adds, which win.
func labels(s *agentapi.TaskSpec, def ecstypes.ContainerDefinition) map[string]string {
	l := maps.Clone(def.DockerLabels)
	if l == nil {
		l = map[string]string{}
	}
	l["com.amazonaws.ecs.cluster"] = s.ClusterARN
	l["com.amazonaws.ecs.container-name"] = def.Name
	l["com.amazonaws.ecs.task-arn"] = s.TaskARN
	l["com.amazonaws.ecs.task-definition-family"] = s.Definition.Family
	l["com.amazonaws.ecs.task-definition-version"] = strconv.Itoa(int(s.Definition.Revision))
	return l
}

// networks describes the task's ENI; v2 and v3 show only its mode and
// address.
func networks(eni *agentapi.ENI, region string, v version) []Network {
	if eni == nil {
		return nil
	}
	n := Network{NetworkMode: "awsvpc", IPv4Addresses: []string{eni.PrivateIPv4}}
	if v < v4 {
		return []Network{n}
	}
	zero := 0
	n.AttachmentIndex = &zero
	n.MACAddress = strings.ToLower(eni.MAC)
	n.IPv4SubnetCIDRBlock = eni.SubnetCIDR
	n.DomainNameServers = []string{resolverAddr}
	domain := region + ".compute.internal"
	if _, d, ok := strings.Cut(eni.PrivateDNSName, "."); ok {
		domain = d
	}
	n.DomainNameSearchList = []string{domain}
	n.PrivateDNSName = eni.PrivateDNSName
	if p, err := netip.ParsePrefix(eni.SubnetCIDR); err == nil {
		n.SubnetGatewayIpv4Address = p.Masked().Addr().Next().String() + "/" + strconv.Itoa(p.Bits())
	}
	return []Network{n}
}

// volumes are a container's mount points.
func volumes(t *Task, def ecstypes.ContainerDefinition) []Volume {
	var out []Volume
	for _, mp := range def.MountPoints {
		out = append(out, Volume{DockerName: mp.SourceVolume, Source: t.VolumeSources[mp.SourceVolume], Destination: mp.ContainerPath})
	}
	return out
}

// logOptions are a container's log options as Fargate shows them: for
// awslogs, the stream a prefix makes (prefix/container/task-id) replaces
// the prefix.
func logOptions(s *agentapi.TaskSpec, name string, lc *ecstypes.LogConfiguration) map[string]string {
	o := maps.Clone(lc.Options)
	if lc.LogDriver != "awslogs" || o == nil {
		return o
	}
	if prefix, ok := o["awslogs-stream-prefix"]; ok {
		if _, set := o["awslogs-stream"]; !set {
			o["awslogs-stream"] = prefix + "/" + name + "/" + s.TaskID
		}
		delete(o, "awslogs-stream-prefix")
	}
	return o
}

// containerARN derives a container ARN of the ECS form
// (container/<cluster>/<task-id>/<uuid>) for a container the agent has
// none for; the uuid is a hash of the task ARN and the name, so it is
// stable.
func containerARN(s *agentapi.TaskSpec, name string) string {
	_, cluster, _ := strings.Cut(s.ClusterARN, ":cluster/")
	h := sha256.Sum256([]byte(s.TaskARN + "/" + name))
	h[6] = h[6]&0x0f | 0x40 // version 4
	h[8] = h[8]&0x3f | 0x80 // RFC 4122 variant
	uuid := fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
	return fmt.Sprintf("arn:aws:ecs:%s:%s:container/%s/%s/%s", s.Region, s.Account, cluster, s.TaskID, uuid)
}
