package scheduler

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

func TestPlace(t *testing.T) {
	big := Node{ID: "big", CPU: 8192, MemoryMiB: 16384}
	small := Node{ID: "small", CPU: 2048, MemoryMiB: 4096}
	full := Node{ID: "full", CPU: 2048, MemoryMiB: 4096, ReservedCPU: 2048, ReservedMemory: 4096}
	cpuBound := Node{ID: "cpu", CPU: 1024, MemoryMiB: 65536, ReservedCPU: 1024}
	cases := []struct {
		name   string
		nodes  []Node
		req    Request
		want   string
		reason string
	}{
		{"no nodes", nil, Request{256, 512}, "", ReasonNoHosts},
		{"one fits", []Node{small}, Request{256, 512}, "small", ""},
		{"binpack picks the tighter node", []Node{big, small}, Request{256, 512}, "small", ""},
		{"too big for small", []Node{big, small}, Request{4096, 8192}, "big", ""},
		{"full node skipped", []Node{full, small}, Request{256, 512}, "small", ""},
		{"memory short", []Node{full}, Request{256, 512}, "", ReasonMemory},
		{"cpu short", []Node{cpuBound}, Request{256, 512}, "", ReasonCPU},
		{"draining skipped", []Node{{ID: "d", CPU: 4096, MemoryMiB: 8192, Draining: true}}, Request{256, 512}, "", ReasonMemory},
		{"exact fit", []Node{{ID: "x", CPU: 256, MemoryMiB: 512}}, Request{256, 512}, "x", ""},
		{"ties by id", []Node{{ID: "b", CPU: 1024, MemoryMiB: 2048}, {ID: "a", CPU: 1024, MemoryMiB: 2048}}, Request{256, 512}, "a", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, reason := Place(tc.nodes, tc.req)
			if got != tc.want || reason != tc.reason {
				t.Fatalf("Place = %q, %q; want %q, %q", got, reason, tc.want, tc.reason)
			}
		})
	}
}

// TestPlaceNeverOverbooks places random tasks until nothing fits and checks
// that no node's reservations exceed its capacity, and that a failure is
// only reported when no node has room.
func TestPlaceNeverOverbooks(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for round := range 50 {
		nodes := make([]Node, 1+r.IntN(20))
		for i := range nodes {
			nodes[i] = Node{ID: fmt.Sprint(i), CPU: 1024 * (1 + r.IntN(8)), MemoryMiB: 2048 * (1 + r.IntN(16))}
		}
		for range 500 {
			req := Request{CPU: 256 << r.IntN(4), MemoryMiB: 512 << r.IntN(5)}
			id, reason := Place(nodes, req)
			if id == "" {
				for _, n := range nodes {
					if n.FreeCPU() >= req.CPU && n.FreeMemory() >= req.MemoryMiB {
						t.Fatalf("round %d: %s reported but node %s has room", round, reason, n.ID)
					}
				}
				continue
			}
			for i := range nodes {
				if nodes[i].ID == id {
					nodes[i].ReservedCPU += req.CPU
					nodes[i].ReservedMemory += req.MemoryMiB
					if nodes[i].FreeCPU() < 0 || nodes[i].FreeMemory() < 0 {
						t.Fatalf("round %d: node %s overbooked", round, id)
					}
				}
			}
		}
	}
}

// BenchmarkPlace1000 measures placements per second over 1,000 simulated
// hosts (DESIGN target: ≥ 5,000 placements/s).
func BenchmarkPlace1000(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 4))
	nodes := make([]Node, 1000)
	for i := range nodes {
		nodes[i] = Node{ID: fmt.Sprintf("node-%04d", i), CPU: 16384, MemoryMiB: 65536,
			ReservedCPU: 1024 * r.IntN(16), ReservedMemory: 2048 * r.IntN(32)}
	}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		Place(nodes, Request{CPU: 256, MemoryMiB: 512})
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "placements/s")
}
