package tasknet

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/agentapi"
)

// policy is a fixed security policy: the default group's rules.
type policy struct{}

func (policy) SecurityPolicy(ctx context.Context, account, region string, groups []string) (*agentapi.SecurityPolicy, error) {
	return &agentapi.SecurityPolicy{
		Rules: map[string][]agentapi.SGRule{"sg-1": {
			{Protocol: "-1", Group: "sg-1"},
			{Protocol: "tcp", FromPort: 80, ToPort: 80, CIDR: "0.0.0.0/0"},
			{Egress: true, Protocol: "-1", CIDR: "0.0.0.0/0"},
		}},
		Members: map[string][]string{"sg-1": {"10.251.0.4", "10.251.0.5", "10.251.0.6"}},
	}, nil
}

func (policy) NetworkChanges(ctx context.Context) (<-chan struct{}, error) {
	return make(chan struct{}), nil
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func spec(i int) *agentapi.TaskSpec {
	id := randHex(16)
	return &agentapi.TaskSpec{Account: "123456789012", Region: "bench-1", TaskID: id, ENI: &agentapi.ENI{
		ID: "eni-" + id[:17], MAC: fmt.Sprintf("0a:00:00:00:%02x:%02x", i>>8&0xff, i&0xff),
		PrivateIPv4: fmt.Sprintf("10.251.%d.%d", 1+i/250, 4+i%250), PrivateDNSName: "ip.bench-1.compute.internal",
		SubnetID: "subnet-bench", SubnetCIDR: "10.251.0.0/16", VpcID: "vpc-bench", VpcCIDRs: []string{"10.251.0.0/16"},
		SecurityGroups: []string{"sg-1"},
	}}
}

// BenchmarkENI measures what a task's network costs on this host, its VPC
// router already there: Setup (namespace, veth into the subnet bridge,
// address and routes, security groups in nftables, resolv.conf and hosts)
// and Teardown.
func BenchmarkENI(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skip("needs root")
	}
	ctx := context.Background()
	m := &Manager{NodeID: "bench-" + randHex(4), Dir: b.TempDir(), Policy: policy{}}
	keep := spec(0) // holds the router for the whole run
	if _, err := m.Setup(ctx, keep); err != nil {
		b.Fatal(err)
	}
	defer func() {
		if err := m.Remove(ctx, keep.TaskID); err != nil {
			b.Error(err)
		}
		m.Close()
	}()
	var setup, teardown []time.Duration
	i := 1
	for b.Loop() {
		s := spec(i)
		i++
		t0 := time.Now()
		if _, err := m.Setup(ctx, s); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if err := m.Teardown(ctx, s); err != nil {
			b.Fatal(err)
		}
		setup, teardown = append(setup, t1.Sub(t0)), append(teardown, time.Since(t1))
	}
	for _, d := range []struct {
		name string
		v    []time.Duration
	}{{"setup", setup}, {"teardown", teardown}} {
		slices.Sort(d.v)
		b.ReportMetric(float64(d.v[len(d.v)/2].Microseconds())/1000, d.name+"-p50-ms")
		b.ReportMetric(float64(d.v[(len(d.v)-1)*99/100].Microseconds())/1000, d.name+"-p99-ms")
	}
}
