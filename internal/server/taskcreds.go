package server

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/berth-dev/berth/internal/account"
	"github.com/berth-dev/berth/internal/agent/tmds"
	"github.com/berth-dev/berth/internal/agentapi"
	"github.com/berth-dev/berth/internal/awsapi/iam"
	"github.com/berth-dev/berth/internal/store"
)

// Task role credentials: a session of the task's role, issued when a
// container first asks the credentials endpoint, renewed before it
// expires, and revoked once the task has left this host.
const (
	taskSessionDuration = 6 * time.Hour // as ECS's task credentials last
	taskSessionRenew    = time.Hour     // renewed when less is left
)

type taskCreds struct {
	store store.Store
	iam   *iam.Service
	key   []byte // makes credential ids unguessable and stable across restarts

	mu       sync.Mutex
	sessions map[string]*account.Session // by task id
}

// newTaskCreds loads (or makes) the data dir's credentials id key.
func newTaskCreds(st store.Store, roles *iam.Service, dataDir string) (*taskCreds, error) {
	path := filepath.Join(dataDir, "credentials-key")
	key, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		key = make([]byte, 32)
		_, _ = rand.Read(key)
		err = os.WriteFile(path, key, 0o600)
	}
	if err != nil {
		return nil, fmt.Errorf("credentials id key: %w", err)
	}
	return &taskCreds{store: st, iam: roles, key: key, sessions: map[string]*account.Session{}}, nil
}

// roleOf is the task's role: its override, else its definition's.
func roleOf(spec *agentapi.TaskSpec) string {
	if o := spec.Overrides; o != nil && o.TaskRoleArn != "" {
		return o.TaskRoleArn
	}
	return spec.Definition.TaskRoleArn
}

// ID is the credentials id of a task with a role ("" without one), in
// the UUID form ECS uses.
func (c *taskCreds) ID(spec *agentapi.TaskSpec) string {
	if roleOf(spec) == "" {
		return ""
	}
	m := hmac.New(sha256.New, c.key)
	m.Write([]byte(spec.TaskARN))
	h := hex.EncodeToString(m.Sum(nil))
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// Get returns the task's credentials, issuing or renewing its session.
func (c *taskCreds) Get(ctx context.Context, spec *agentapi.TaskSpec) (*tmds.Credentials, error) {
	roleARN := roleOf(spec)
	if roleARN == "" {
		return nil, tmds.ErrCredentialsNotFound
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.sessions[spec.TaskID]
	if s == nil || time.Until(s.Expiration) < taskSessionRenew {
		role, err := c.iam.RoleByARN(ctx, spec.Account, roleARN)
		if errors.Is(err, iam.ErrNoSuchRole) {
			return nil, tmds.ErrCredentialsNotFound
		} else if err != nil {
			return nil, err
		}
		fresh, err := account.IssueSession(ctx, c.store, account.SessionRequest{AccountID: spec.Account,
			RoleARN: role.ARN, RoleID: role.ID, SessionName: spec.TaskID, Duration: taskSessionDuration})
		if err != nil {
			return nil, err
		}
		if s != nil {
			_ = account.RevokeSession(ctx, c.store, s.AccessKeyID)
		}
		s = fresh
		c.sessions[spec.TaskID] = s
	}
	return &tmds.Credentials{RoleArn: roleARN, AccessKeyID: s.AccessKeyID, SecretAccessKey: s.SecretAccessKey,
		Token: s.SessionToken, Expiration: s.Expiration}, nil
}

// Retain revokes the sessions of tasks not in running (they left the
// host).
func (c *taskCreds) Retain(ctx context.Context, running map[string]bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for id, s := range c.sessions {
		if !running[id] {
			_ = account.RevokeSession(ctx, c.store, s.AccessKeyID)
			delete(c.sessions, id)
		}
	}
}
