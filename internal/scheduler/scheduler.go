// Package scheduler places tasks on nodes. Placement is one pure function
// over the nodes' capacity and what is already reserved on them, so it is
// tested on tables and benchmarked without any host.
package scheduler

import (
	"cmp"
	"slices"
)

// Node is a host's capacity and what is reserved on it.
type Node struct {
	ID               string
	AvailabilityZone string
	CPU              int // CPU units (cores × 1024)
	MemoryMiB        int
	ReservedCPU      int
	ReservedMemory   int
	Draining         bool // takes no new tasks
}

// FreeCPU and FreeMemory are what a new task may still take.
func (n Node) FreeCPU() int    { return n.CPU - n.ReservedCPU }
func (n Node) FreeMemory() int { return n.MemoryMiB - n.ReservedMemory }

// Request is one task's size.
type Request struct {
	CPU       int
	MemoryMiB int
}

// Failure reasons, as ECS words them in RunTask's failures[].
const (
	ReasonMemory  = "RESOURCE:MEMORY"
	ReasonCPU     = "RESOURCE:CPU"
	ReasonNoHosts = "RESOURCE:NO_CAPACITY" // no node at all
)

// Place picks the node for req: among nodes with room, the one left with
// the least free memory after placing (bin-packing, as ECS's binpack on
// memory, keeping big holes for big tasks), ties broken by least free CPU,
// then by ID for determinism. When none fits it returns the reason: memory
// when some node has the CPU but none the memory, else CPU.
func Place(nodes []Node, req Request) (id string, reason string) {
	var fits []Node
	cpuOK, memOK := false, false
	for _, n := range nodes {
		if n.Draining {
			continue
		}
		c, m := n.FreeCPU() >= req.CPU, n.FreeMemory() >= req.MemoryMiB
		cpuOK, memOK = cpuOK || c, memOK || m
		if c && m {
			fits = append(fits, n)
		}
	}
	if len(fits) == 0 {
		switch {
		case len(nodes) == 0:
			return "", ReasonNoHosts
		case cpuOK && !memOK, !cpuOK && !memOK:
			return "", ReasonMemory
		default:
			return "", ReasonCPU
		}
	}
	best := slices.MinFunc(fits, func(a, b Node) int {
		return cmp.Or(
			cmp.Compare(a.FreeMemory(), b.FreeMemory()),
			cmp.Compare(a.FreeCPU(), b.FreeCPU()),
			cmp.Compare(a.ID, b.ID))
	})
	return best.ID, ""
}
