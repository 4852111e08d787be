package tasktest

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// freeBlock picks a 10.x.0.0/16 that overlaps no route of this host, so
// that the host's route to the VPC is berth's.
func freeBlock(t *testing.T) netip.Prefix {
	t.Helper()
	out, err := exec.Command("ip", "-4", "route", "show", "table", "all").Output()
	if err != nil {
		t.Fatal(err)
	}
	var routes []netip.Prefix
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || f[0] == "default" || f[0] == "local" || f[0] == "broadcast" {
			continue
		}
		if !strings.Contains(f[0], "/") {
			f[0] += "/32"
		}
		if p, err := netip.ParsePrefix(f[0]); err == nil {
			routes = append(routes, p)
		}
	}
	for range 100 {
		p := netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(100 + rand.IntN(150)), 0, 0}), 16)
		free := true
		for _, r := range routes {
			free = free && !r.Overlaps(p)
		}
		if free {
			return p
		}
	}
	t.Fatal("no free 10.x.0.0/16 on this host")
	return netip.Prefix{}
}

// testVPC is a VPC with two /24 subnets.
type testVPC struct {
	id      string
	block   netip.Prefix
	subnets [2]string
}

func newVPC(t *testing.T, e *ec2.Client, block netip.Prefix) testVPC {
	t.Helper()
	v := testVPC{block: block}
	v.id = aws.ToString(must(e.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String(block.String())}))(t).Vpc.VpcId)
	b := block.Addr().As4()
	for i := range v.subnets {
		cidr := fmt.Sprintf("%d.%d.%d.0/24", b[0], b[1], i+1)
		v.subnets[i] = aws.ToString(must(e.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: aws.String(v.id), CidrBlock: aws.String(cidr)}))(t).Subnet.SubnetId)
	}
	return v
}

// runIn starts one task of taskDef in subnet (and groups, if any),
// stopped when the test ends.
func runIn(t *testing.T, c *ecs.Client, taskDef, subnet string, groups ...string) string {
	t.Helper()
	out := must(c.RunTask(ctx, &ecs.RunTaskInput{Cluster: aws.String("tasks"), TaskDefinition: aws.String(taskDef), LaunchType: types.LaunchTypeFargate,
		NetworkConfiguration: &types.NetworkConfiguration{AwsvpcConfiguration: &types.AwsVpcConfiguration{Subnets: []string{subnet}, SecurityGroups: groups}}}))(t)
	if len(out.Tasks) != 1 {
		t.Fatalf("run-task: %+v", out.Failures)
	}
	arn := aws.ToString(out.Tasks[0].TaskArn)
	t.Cleanup(func() {
		_, _ = c.StopTask(ctx, &ecs.StopTaskInput{Cluster: aws.String("tasks"), Task: aws.String(arn)})
		waitStatus(t, c, arn, "STOPPED", 3*time.Minute)
	})
	return arn
}

// taskIP waits for the task to run and returns its private address.
func taskIP(t *testing.T, c *ecs.Client, arn string) string {
	t.Helper()
	task := waitStatus(t, c, arn, "RUNNING", time.Minute)
	if aws.ToString(task.LastStatus) != "RUNNING" {
		t.Fatalf("task stopped: %s", aws.ToString(task.StoppedReason))
	}
	return detail(task.Attachments[0], "privateIPv4Address")
}

// probe runs a one-container task in subnet and returns its exit code and
// output once it has stopped.
func probe(t *testing.T, c *ecs.Client, subnet string, groups []string, args ...string) (int32, string) {
	t.Helper()
	td := register(t, c, "probe", nil, container("probe", args...))
	arn := runIn(t, c, td, subnet, groups...)
	task := waitStatus(t, c, arn, "STOPPED", time.Minute)
	code := ctr(task, "probe").ExitCode
	if code == nil {
		t.Fatalf("probe %v: no exit code (%s)", args, aws.ToString(task.StoppedReason))
	}
	return *code, logs(arn, "probe")
}

// hostGet GETs http://ip:8080/ from the host, after checking that the
// address routes to a berth VPC uplink on this host and nowhere else.
func hostGet(t *testing.T, ip string) (map[string]any, error) {
	t.Helper()
	return hostGetPort(t, ip, 8080)
}

func hostGetPort(t *testing.T, ip string, port int) (map[string]any, error) {
	t.Helper()
	out, err := exec.Command("ip", "route", "get", ip).Output()
	if err != nil || !strings.Contains(string(out), " dev bh") {
		t.Fatalf("%s does not route to a berth VPC uplink here: %s %v", ip, out, err)
	}
	// A new connection each time: a live one outlasts a revoked rule.
	client := http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Get(fmt.Sprintf("http://%s:%d/", ip, port))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, fmt.Errorf("%s: %w", b, err)
	}
	return v, nil
}

// group makes a security group in vpc allowing TCP ports from peers
// (CIDRs or group ids); it keeps the default allow-all egress.
func group(t *testing.T, e *ec2.Client, vpc, name string) string {
	t.Helper()
	return aws.ToString(must(e.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{VpcId: aws.String(vpc),
		GroupName: aws.String(name), Description: aws.String(name)}))(t).GroupId)
}

func allowTCP(t *testing.T, e *ec2.Client, sg string, port int32, peer string) {
	t.Helper()
	perm := ec2types.IpPermission{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(port), ToPort: aws.Int32(port)}
	if strings.HasPrefix(peer, "sg-") {
		perm.UserIdGroupPairs = []ec2types.UserIdGroupPair{{GroupId: aws.String(peer)}}
	} else {
		perm.IpRanges = []ec2types.IpRange{{CidrIp: aws.String(peer)}}
	}
	must(e.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(sg), IpPermissions: []ec2types.IpPermission{perm}}))(t)
}

// TestAwsvpcNetworking: tasks get their subnet's addresses; the host and
// other tasks reach them as their security groups allow (CIDRs, ports,
// source groups that follow their members, rules revoked on live tasks);
// tasks of one VPC reach each other within and across subnets, and never
// those of another VPC; a task's containers share localhost and see its
// name in /etc/hosts and the VPC resolver in /etc/resolv.conf.
func TestAwsvpcNetworking(t *testing.T) {
	c := setup(t)
	e := ec2.NewFromConfig(srv.AWSConfig(c.Options().Region))
	one := newVPC(t, e, freeBlock(t))
	web := group(t, e, one.id, "web")
	allowTCP(t, e, web, 8080, "0.0.0.0/0")
	client := group(t, e, one.id, "client")
	db := group(t, e, one.id, "db")
	allowTCP(t, e, db, 8080, client)

	admin := container("admin", "/testapp", "serve", "-port", "9090")
	serve := register(t, c, "serve", nil, container("web", "/testapp", "serve"), admin)
	a := runIn(t, c, serve, one.subnets[0], web)
	b := runIn(t, c, serve, one.subnets[0], web)
	d := runIn(t, c, serve, one.subnets[1], db)
	ipA, ipB, ipD := taskIP(t, c, a), taskIP(t, c, b), taskIP(t, c, d)
	for _, ip := range []string{ipA, ipB, ipD} {
		if !one.block.Contains(netip.MustParseAddr(ip)) {
			t.Fatalf("task address %s outside %s", ip, one.block)
		}
	}

	got, err := hostGet(t, ipA)
	if err != nil {
		t.Fatalf("host → task on an allowed port: %v", err)
	}
	if got["hostname"] != "ip-"+dashed(ipA)+"."+c.Options().Region+".compute.internal" {
		t.Errorf("task hostname %v", got["hostname"])
	}
	if _, err := hostGetPort(t, ipA, 9090); err == nil {
		t.Errorf("host → task on a port its groups don't allow: answered")
	}
	if _, err := hostGet(t, ipD); err == nil {
		t.Errorf("host → db task, which allows only the client group: answered")
	}

	fetch := func(ip string) []string {
		if !strings.Contains(ip, ":") {
			ip += ":8080"
		}
		return []string{"/testapp", "fetch", "-timeout", "2s", "http://" + ip + "/"}
	}
	if code, out := probe(t, c, one.subnets[0], []string{client}, fetch(ipB)...); code != 0 {
		t.Errorf("same subnet: exit %d: %s", code, out)
	}
	if code, out := probe(t, c, one.subnets[1], []string{client}, fetch(ipA)...); code != 0 {
		t.Errorf("across subnets of one VPC: exit %d: %s", code, out)
	}
	// Names resolve through the VPC resolver.
	name := "ip-" + dashed(ipB) + "." + c.Options().Region + ".compute.internal"
	if code, out := probe(t, c, one.subnets[1], []string{client}, "/testapp", "fetch", "-timeout", "2s", "http://"+name+":8080/"); code != 0 {
		t.Errorf("by name %s: exit %d: %s", name, code, out)
	}
	// Another task on a port its groups don't allow: refused.
	if code, _ := probe(t, c, one.subnets[0], []string{client}, fetch(ipA+":9090")...); code == 0 {
		t.Errorf("client → web on port 9090: answered, but web allows only 8080")
	}
	routersInUse = append(routersInUse, routerNames(t)...)
	// A new member of the client group is let in by db; others are not.
	if code, out := probe(t, c, one.subnets[0], []string{client}, fetch(ipD)...); code != 0 {
		t.Errorf("client group → db: exit %d: %s", code, out)
	}
	if code, _ := probe(t, c, one.subnets[0], []string{web}, fetch(ipD)...); code == 0 {
		t.Errorf("web group → db: answered, but db allows only the client group")
	}

	// The host's own services are out of reach: a listener on all of the
	// host's addresses sees no connection from a task (which allows all
	// egress) at the uplink's address or the host's own.
	host, err := net.Listen("tcp", "0.0.0.0:0")
	if err != nil {
		t.Fatal(err)
	}
	defer host.Close()
	accepted := make(chan struct{}, 1)
	go func() {
		if c, err := host.Accept(); err == nil {
			c.Close()
			accepted <- struct{}{}
		}
	}()
	port := host.Addr().(*net.TCPAddr).Port
	for _, addr := range []string{"169.254.99.1", hostAddress(t)} {
		if addr == "" {
			continue
		}
		if code, _ := probe(t, c, one.subnets[0], []string{client}, fetch(fmt.Sprintf("%s:%d", addr, port))...); code == 0 {
			t.Errorf("a task reached a host service at %s", addr)
		}
	}
	select {
	case <-accepted:
		t.Errorf("the host's listener accepted a connection from a task")
	default:
	}

	two := newVPC(t, e, freeBlock(t))
	if code, out := probe(t, c, two.subnets[0], nil, fetch(ipA)...); code == 0 {
		t.Errorf("another VPC reached %s: %s", ipA, out)
	}

	// A VPC overlapping the first (as every account's default VPC does)
	// runs tasks too; the host route stays the first one's.
	three := newVPC(t, e, one.block)
	taskIP(t, c, runIn(t, c, serve, three.subnets[0]))
	if _, err := hostGet(t, ipA); err != nil {
		t.Errorf("host → first VPC's task after an overlapping VPC came: %v", err)
	}

	if code, out := probe(t, c, one.subnets[0], nil, "/testapp", "cat", "-path", "/etc/hosts"); code != 0 || !strings.Contains(out, ".compute.internal") {
		t.Errorf("/etc/hosts: exit %d: %s", code, out)
	}
	if code, out := probe(t, c, one.subnets[0], nil, "/testapp", "cat", "-path", "/etc/resolv.conf"); code != 0 || !strings.Contains(out, "nameserver 169.254.169.253") {
		t.Errorf("/etc/resolv.conf: exit %d: %s", code, out)
	}

	cli := container("cli", "/bin/sh", "-c", "for i in $(seq 50); do /testapp fetch -timeout 1s http://127.0.0.1:8080/ && exit 0; sleep 0.1; done; exit 1")
	cli.Essential = aws.Bool(false)
	pair := register(t, c, "pair", nil, container("srv", "/testapp", "serve"), cli)
	arn := runIn(t, c, pair, one.subnets[0])
	waitFor(t, "cli to exit", time.Minute, func() bool { return ctr(describe(t, c, arn), "cli").ExitCode != nil })
	if code := *ctr(describe(t, c, arn), "cli").ExitCode; code != 0 {
		t.Errorf("containers of a task over localhost: exit %d: %s", code, logs(arn, "cli"))
	}

	// Revoking the rule stops new connections to the live tasks. (How soon
	// is a figure, not a test: it is logged; the target is 1 s.)
	must(e.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: aws.String(web), IpPermissions: []ec2types.IpPermission{{
		IpProtocol: aws.String("tcp"), FromPort: aws.Int32(8080), ToPort: aws.Int32(8080), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}}}}))(t)
	revoked := time.Now()
	var attempt time.Time
	for {
		attempt = time.Now() // a refused attempt takes its whole timeout to fail
		if _, err := hostGet(t, ipA); err != nil {
			break
		}
		if time.Since(revoked) > 10*time.Second {
			t.Fatal("host → task still answers 10 s after the rule was revoked")
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("the revoked rule took effect within %v", attempt.Sub(revoked).Round(10*time.Millisecond))
}

// routersInUse are the router namespaces and uplinks seen while tasks ran.
var routersInUse [][2]string

// routerNames lists this server's routers (namespace and uplink) now.
func routerNames(t *testing.T) [][2]string {
	t.Helper()
	dir := filepath.Join(srv.DataDir, "network", ".routers")
	entries, _ := os.ReadDir(dir)
	var out [][2]string
	for _, e := range entries {
		b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		out = append(out, [2]string{e.Name(), strings.TrimSpace(string(b))})
	}
	return out
}

// TestNoNetworkLeftovers runs after the others (go test runs a file's tests
// in order, files by name): once every task has stopped, this server's
// VPC routers are gone — namespaces, uplinks, host routes — and so is
// every task's network state.
func TestNoNetworkLeftovers(t *testing.T) {
	if len(routersInUse) == 0 {
		t.Skip("no VPC router was seen (TestAwsvpcNetworking did not run)")
	}
	waitFor(t, "VPC routers and task network state to go", 30*time.Second, func() bool {
		entries, _ := os.ReadDir(filepath.Join(srv.DataDir, "network"))
		return len(routerNames(t)) == 0 && len(entries) <= 1 // .routers
	})
	links, _ := exec.Command("ip", "-o", "link").Output()
	routes, _ := exec.Command("ip", "-4", "route", "show", "table", "all").Output()
	for _, r := range routersInUse {
		if _, err := os.Stat("/var/run/netns/" + r[0]); !os.IsNotExist(err) {
			t.Errorf("router namespace %s left", r[0])
		}
		if strings.Contains(string(links), " "+r[1]+"@") || strings.Contains(string(routes), "dev "+r[1]+" ") {
			t.Errorf("uplink %s or its routes left", r[1])
		}
	}
}

// TestPublicIP: a task with assignPublicIp ENABLED gets a public address
// (the ENI's association) that the host reaches it at; it goes with the
// task.
func TestPublicIP(t *testing.T) {
	c := setup(t)
	e := ec2.NewFromConfig(srv.AWSConfig(c.Options().Region))
	vpc := newVPC(t, e, freeBlock(t))
	web := group(t, e, vpc.id, "web")
	allowTCP(t, e, web, 8080, "0.0.0.0/0")
	td := register(t, c, "public", nil, container("web", "/testapp", "serve"))
	out := must(c.RunTask(ctx, &ecs.RunTaskInput{Cluster: aws.String("tasks"), TaskDefinition: aws.String(td), LaunchType: types.LaunchTypeFargate,
		NetworkConfiguration: &types.NetworkConfiguration{AwsvpcConfiguration: &types.AwsVpcConfiguration{
			Subnets: []string{vpc.subnets[0]}, SecurityGroups: []string{web}, AssignPublicIp: types.AssignPublicIpEnabled}}}))(t)
	arn := aws.ToString(out.Tasks[0].TaskArn)
	private := taskIP(t, c, arn)
	eniID := detail(describe(t, c, arn).Attachments[0], "networkInterfaceId")
	enis := must(e.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{NetworkInterfaceIds: []string{eniID}}))(t).NetworkInterfaces
	if len(enis) != 1 || enis[0].Association == nil {
		t.Fatalf("ENI %+v has no public address", enis)
	}
	public := aws.ToString(enis[0].Association.PublicIp)
	if d := detail(describe(t, c, arn).Attachments[0], "publicIPv4Address"); d != public {
		t.Errorf("attachment's publicIPv4Address %q, the ENI's %q", d, public)
	}
	if !strings.HasPrefix(public, "198.19.") {
		t.Fatalf("public address %s outside the server's block", public)
	}
	got, err := hostGet(t, public)
	if err != nil {
		t.Fatalf("host → public address: %v", err)
	}
	if got["local_addr"] != private+":8080" {
		t.Errorf("the task saw the connection at %v, want its private address %s", got["local_addr"], private)
	}

	// Several at once, each with its own public address (the router's NAT
	// changes under concurrent set-ups).
	batch := must(c.RunTask(ctx, &ecs.RunTaskInput{Cluster: aws.String("tasks"), TaskDefinition: aws.String(td), LaunchType: types.LaunchTypeFargate,
		Count: aws.Int32(4), NetworkConfiguration: &types.NetworkConfiguration{AwsvpcConfiguration: &types.AwsVpcConfiguration{
			Subnets: []string{vpc.subnets[0]}, SecurityGroups: []string{web}, AssignPublicIp: types.AssignPublicIpEnabled}}}))(t)
	for _, task := range batch.Tasks {
		arn := aws.ToString(task.TaskArn)
		t.Cleanup(func() {
			_, _ = c.StopTask(ctx, &ecs.StopTaskInput{Cluster: aws.String("tasks"), Task: aws.String(arn)})
			waitStatus(t, c, arn, "STOPPED", time.Minute)
		})
	}
	for _, task := range batch.Tasks {
		private := taskIP(t, c, aws.ToString(task.TaskArn))
		pub := detail(describe(t, c, aws.ToString(task.TaskArn)).Attachments[0], "publicIPv4Address")
		if got, err := hostGet(t, pub); err != nil || got["local_addr"] != private+":8080" {
			t.Errorf("public %s → %s: %v %v", pub, private, got["local_addr"], err)
		}
	}

	plain := runIn(t, c, td, vpc.subnets[0], web)
	taskIP(t, c, plain)
	plainENI := detail(describe(t, c, plain).Attachments[0], "networkInterfaceId")
	if enis := must(e.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{NetworkInterfaceIds: []string{plainENI}}))(t).NetworkInterfaces; enis[0].Association != nil {
		t.Errorf("a task without assignPublicIp got %+v", enis[0].Association)
	}

	must(c.StopTask(ctx, &ecs.StopTaskInput{Cluster: aws.String("tasks"), Task: aws.String(arn)}))(t)
	waitStatus(t, c, arn, "STOPPED", time.Minute)
	waitFor(t, "the public address's host route to go", 10*time.Second, func() bool {
		out, err := exec.Command("ip", "route", "get", public).Output()
		return err == nil && !strings.Contains(string(out), " dev bh")
	})
}

// hostAddress is the host's own address on its default route: a local
// address, so a connection to it never leaves the machine.
func hostAddress(t *testing.T) string {
	t.Helper()
	out, _ := exec.Command("ip", "-4", "route", "get", "203.0.113.1").Output() // a lookup only
	f := strings.Fields(string(out))
	for i := range f {
		if f[i] == "src" && i+1 < len(f) {
			return f[i+1]
		}
	}
	return "" // no default route: nothing to check there
}
