package tasktest

import (
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// detail returns an attachment detail's value.
func detail(a types.Attachment, name string) string {
	for _, d := range a.Details {
		if aws.ToString(d.Name) == name {
			return aws.ToString(d.Value)
		}
	}
	return ""
}

// TestTaskENI: a task's ENI is made at RunTask, shown in its attachments,
// its containers and DescribeNetworkInterfaces, keeps its subnet and group
// from being deleted, and goes when the task stops.
func TestTaskENI(t *testing.T) {
	c := setup(t)
	e := ec2.NewFromConfig(srv.AWSConfig(c.Options().Region))
	vpc := must(e.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.77.0.0/16")}))(t).Vpc
	sub := must(e.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc.VpcId, CidrBlock: aws.String("10.77.1.0/24")}))(t).Subnet
	sg := aws.ToString(must(e.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{VpcId: vpc.VpcId,
		GroupName: aws.String("web"), Description: aws.String("web tier")}))(t).GroupId)

	td := register(t, c, "eni", nil, container("app", "/testapp", "sleep", "-seconds", "-1"))
	out := must(c.RunTask(ctx, &ecs.RunTaskInput{Cluster: aws.String("tasks"), TaskDefinition: aws.String(td), LaunchType: types.LaunchTypeFargate,
		NetworkConfiguration: &types.NetworkConfiguration{AwsvpcConfiguration: &types.AwsVpcConfiguration{
			Subnets: []string{aws.ToString(sub.SubnetId)}, SecurityGroups: []string{sg}}}}))(t)
	task := out.Tasks[0]
	arn := aws.ToString(task.TaskArn)
	if len(task.Attachments) != 1 || aws.ToString(task.Attachments[0].Status) != "PRECREATED" ||
		aws.ToString(task.Attachments[0].Type) != "ElasticNetworkInterface" {
		t.Fatalf("attachments at RunTask: %+v", task.Attachments)
	}
	att := task.Attachments[0]
	eniID, ip := detail(att, "networkInterfaceId"), detail(att, "privateIPv4Address")
	if detail(att, "subnetId") != aws.ToString(sub.SubnetId) || eniID == "" || detail(att, "macAddress") == "" ||
		detail(att, "privateDnsName") != "ip-"+dashed(ip)+"."+c.Options().Region+".compute.internal" {
		t.Fatalf("attachment details %+v", att.Details)
	}
	if aws.ToString(task.AvailabilityZone) != aws.ToString(sub.AvailabilityZone) {
		t.Fatalf("task zone %s, subnet's %s", aws.ToString(task.AvailabilityZone), aws.ToString(sub.AvailabilityZone))
	}
	if ni := task.Containers[0].NetworkInterfaces; len(ni) != 1 || aws.ToString(ni[0].PrivateIpv4Address) != ip ||
		aws.ToString(ni[0].AttachmentId) != aws.ToString(att.Id) {
		t.Fatalf("container interfaces %+v", ni)
	}

	running := waitStatus(t, c, arn, "RUNNING", time.Minute)
	if s := aws.ToString(running.Attachments[0].Status); s != "ATTACHED" {
		t.Fatalf("attachment %s when RUNNING", s)
	}
	enis := must(e.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{NetworkInterfaceIds: []string{eniID}}))(t).NetworkInterfaces
	if len(enis) != 1 {
		t.Fatalf("DescribeNetworkInterfaces %+v", enis)
	}
	ni := enis[0]
	if aws.ToString(ni.PrivateIpAddress) != ip || ni.InterfaceType != ec2types.NetworkInterfaceTypeInterface ||
		ni.Status != ec2types.NetworkInterfaceStatusInUse || !aws.ToBool(ni.RequesterManaged) ||
		len(ni.Groups) != 1 || aws.ToString(ni.Groups[0].GroupId) != sg || aws.ToString(ni.Groups[0].GroupName) != "web" ||
		aws.ToString(ni.VpcId) != aws.ToString(vpc.VpcId) {
		t.Fatalf("ENI %+v", ni)
	}
	byGroup := must(e.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{
		Filters: []ec2types.Filter{{Name: aws.String("group-id"), Values: []string{sg}}}}))(t).NetworkInterfaces
	if len(byGroup) != 1 {
		t.Fatalf("by group-id: %d ENIs", len(byGroup))
	}
	byName := must(e.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{
		Filters: []ec2types.Filter{{Name: aws.String("group-name"), Values: []string{"web"}}}}))(t).NetworkInterfaces
	if len(byName) != 1 {
		t.Fatalf("by group-name: %d ENIs", len(byName))
	}
	subs := must(e.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: []string{aws.ToString(sub.SubnetId)}}))(t).Subnets
	if n := aws.ToInt32(subs[0].AvailableIpAddressCount); n != 250 {
		t.Fatalf("available addresses %d, want 256-5-1", n)
	}
	_, err := e.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: aws.String(sg)})
	if apiErrorCode(err) != "DependencyViolation" {
		t.Fatalf("deleting a group in use: %v", err)
	}
	_, err = e.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: sub.SubnetId})
	if apiErrorCode(err) != "DependencyViolation" {
		t.Fatalf("deleting a subnet in use: %v", err)
	}

	must(c.StopTask(ctx, &ecs.StopTaskInput{Cluster: aws.String("tasks"), Task: aws.String(arn)}))(t)
	stopped := waitStatus(t, c, arn, "STOPPED", time.Minute)
	if s := aws.ToString(stopped.Attachments[0].Status); s != "DELETED" {
		t.Fatalf("attachment %s when STOPPED", s)
	}
	_, err = e.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{NetworkInterfaceIds: []string{eniID}})
	if apiErrorCode(err) != "InvalidNetworkInterfaceID.NotFound" {
		t.Fatalf("ENI after stop: %v", err)
	}
	must(e.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: aws.String(sg)}))(t)
	must(e.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: sub.SubnetId}))(t)
}

// TestSubnetExhausted: a task with no free address in its subnet stops at
// once with ECS's reason; the tasks that got one run.
func TestSubnetExhausted(t *testing.T) {
	c := setup(t)
	e := ec2.NewFromConfig(srv.AWSConfig(c.Options().Region))
	vpc := must(e.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.78.0.0/16")}))(t).Vpc
	sub := aws.ToString(must(e.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc.VpcId, CidrBlock: aws.String("10.78.0.0/28")}))(t).Subnet.SubnetId)
	td := register(t, c, "tiny", nil, container("app", "/testapp", "sleep", "-seconds", "-1"))
	nc := &types.NetworkConfiguration{AwsvpcConfiguration: &types.AwsVpcConfiguration{Subnets: []string{sub}}}
	var arns []string
	for _, n := range []int32{10, 2} { // a /28 has 16 - 5 = 11 addresses
		out := must(c.RunTask(ctx, &ecs.RunTaskInput{Cluster: aws.String("tasks"), TaskDefinition: aws.String(td),
			LaunchType: types.LaunchTypeFargate, NetworkConfiguration: nc, Count: aws.Int32(n)}))(t)
		for _, task := range out.Tasks {
			arns = append(arns, aws.ToString(task.TaskArn))
		}
	}
	t.Cleanup(func() {
		for _, arn := range arns {
			_, _ = c.StopTask(ctx, &ecs.StopTaskInput{Cluster: aws.String("tasks"), Task: aws.String(arn)})
		}
		for _, arn := range arns {
			waitStatus(t, c, arn, "STOPPED", 3*time.Minute)
		}
	})
	if len(arns) != 12 {
		t.Fatalf("%d tasks, want 12", len(arns))
	}
	last := describe(t, c, arns[11])
	if aws.ToString(last.LastStatus) != "STOPPED" || last.StopCode != types.TaskStopCodeTaskFailedToStart ||
		aws.ToString(last.StoppedReason) != "Unexpected EC2 error while attempting to Create Network Interface in subnet '"+sub+"': InsufficientFreeAddressesInSubnet" {
		t.Fatalf("12th task: %s %s %q", aws.ToString(last.LastStatus), last.StopCode, aws.ToString(last.StoppedReason))
	}
	var ips []string
	for _, arn := range arns[:11] {
		task := waitStatus(t, c, arn, "RUNNING", 2*time.Minute)
		ip := detail(task.Attachments[0], "privateIPv4Address")
		if slices.Contains(ips, ip) || ip == "10.78.0.0" || ip == "10.78.0.1" || ip == "10.78.0.2" || ip == "10.78.0.3" || ip == "10.78.0.15" {
			t.Fatalf("address %s given twice or reserved (have %v)", ip, ips)
		}
		ips = append(ips, ip)
	}
}

func dashed(ip string) string {
	b := []byte(ip)
	for i := range b {
		if b[i] == '.' {
			b[i] = '-'
		}
	}
	return string(b)
}

// must returns a call's result, failing the test on its error.
func must[T any](v T, err error) func(testing.TB) T {
	return func(t testing.TB) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}
