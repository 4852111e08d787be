package ec2

import (
	"context"
	"errors"
	"testing"

	"github.com/berth-dev/berth/internal/store/memstore"
)

// TestTaskENIs: ENIs spread over the request's subnets from First on, a
// full subnet passes to the next, all full is NoFreeAddressError, and a
// deleted ENI's address is free again.
func TestTaskENIs(t *testing.T) {
	ctx := context.Background()
	s := New(memstore.New())
	sc := scope{account: "123456789012", region: "us-test-1"}
	vpc := newVPC(sc, "vpc-1", "10.1.0.0/16", false)
	if _, err := s.vpcs().Create(ctx, sc.key(kindVPC, "vpc-1"), &vpc); err != nil {
		t.Fatal(err)
	}
	zone := sc.zones()[0]
	for _, id := range []string{"subnet-a", "subnet-b"} {
		cidr := map[string]string{"subnet-a": "10.1.0.0/28", "subnet-b": "10.1.0.16/28"}[id]
		sub := newSubnet(sc, id, "vpc-1", cidr, zone, false)
		if _, err := s.subnets().Create(ctx, sc.key(kindSubnet, id), &sub); err != nil {
			t.Fatal(err)
		}
	}
	g := newDefaultGroup(sc, "sg-1", "vpc-1")
	if _, err := s.groups().Create(ctx, sc.key(kindSG, "sg-1"), &g); err != nil {
		t.Fatal(err)
	}
	req := TaskENIRequest{Account: sc.account, Region: sc.region, Subnets: []string{"subnet-a", "subnet-b"}, AttachmentID: "att"}

	req.First = 1
	eni, err := s.CreateTaskENI(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if eni.SubnetID != "subnet-b" || eni.PrivateIPv4 != "10.1.0.20" || eni.VpcID != "vpc-1" ||
		len(eni.SecurityGroups) != 1 || eni.SecurityGroups[0] != "sg-1" || eni.VpcCIDRs[0] != "10.1.0.0/16" {
		t.Fatalf("first ENI %+v", eni)
	}
	req.First = 0
	var last string
	for range 11 + 10 { // the rest of both /28s
		e, err := s.CreateTaskENI(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		last = e.SubnetID
	}
	if last != "subnet-b" {
		t.Fatalf("a full subnet-a did not pass on to subnet-b")
	}
	_, err = s.CreateTaskENI(ctx, req)
	var full *NoFreeAddressError
	if !errors.As(err, &full) {
		t.Fatalf("all full: %v", err)
	}
	if err := s.DeleteTaskENI(ctx, sc.account, sc.region, eni.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteTaskENI(ctx, sc.account, sc.region, eni.ID); err != nil {
		t.Fatalf("second delete: %v", err)
	}
	again, err := s.CreateTaskENI(ctx, req)
	if err != nil || again.PrivateIPv4 != "10.1.0.20" {
		t.Fatalf("after delete: %+v %v", again, err)
	}
	if used, _ := s.groupInUse(ctx, sc, "sg-1"); !used {
		t.Fatal("sg-1 not in use")
	}
	refs, err := s.TaskENIs(ctx)
	if err != nil || len(refs) != 22 || refs[0].Account != sc.account || refs[0].Region != sc.region || refs[0].AttachedAt.IsZero() {
		t.Fatalf("TaskENIs: %d %+v %v", len(refs), refs[:min(1, len(refs))], err)
	}

	var bad *TaskNetworkError
	for _, r := range []TaskENIRequest{
		{Subnets: []string{"subnet-zzz"}},
		{Subnets: []string{"subnet-a"}, SecurityGroups: []string{"sg-nope"}},
		{},
	} {
		r.Account, r.Region = sc.account, sc.region
		if _, err := s.CreateTaskENI(ctx, r); !errors.As(err, &bad) {
			t.Errorf("%+v: %v, want a TaskNetworkError", r, err)
		}
	}
}
