// Package netns gives each task its own network namespace, named
// berth-<task id> under /var/run/netns as iproute2 names them, with only
// the loopback interface up. The awsvpc issue adds the task's ENI (veth
// into the subnet's bridge) to the same namespace.
package netns

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Prefix starts the name of every namespace berth makes.
const Prefix = "berth-"

// Isolated makes namespaces with loopback only.
type Isolated struct{}

// Name is the namespace of a task.
func Name(taskID string) string { return Prefix + taskID }

// Path is where iproute2 pins a namespace.
func Path(taskID string) string { return filepath.Join("/var/run/netns", Name(taskID)) }

// Setup creates the task's namespace (idempotent) and brings lo up.
func (Isolated) Setup(ctx context.Context, taskID string) (string, error) {
	if _, err := os.Stat(Path(taskID)); err != nil {
		if err := ip(ctx, "netns", "add", Name(taskID)); err != nil && !strings.Contains(err.Error(), "File exists") {
			return "", err
		}
	}
	if err := ip(ctx, "-n", Name(taskID), "link", "set", "lo", "up"); err != nil {
		return "", err
	}
	return Path(taskID), nil
}

// Teardown deletes the task's namespace; a missing one is not an error.
func (Isolated) Teardown(ctx context.Context, taskID string) error {
	if _, err := os.Stat(Path(taskID)); os.IsNotExist(err) {
		return nil
	}
	return ip(ctx, "netns", "delete", Name(taskID))
}

// List returns the task ids that have a namespace on this host.
func List() ([]string, error) {
	entries, err := os.ReadDir("/var/run/netns")
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, e := range entries {
		if id, ok := strings.CutPrefix(e.Name(), Prefix); ok {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

func ip(ctx context.Context, args ...string) error {
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "ip", args...)
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, bytes.TrimSpace(stderr.Bytes()))
	}
	return nil
}
