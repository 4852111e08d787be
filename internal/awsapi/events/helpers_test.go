package events

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/awsapi/protocol"
	"github.com/berth-dev/berth/internal/store/memstore"
)

const (
	testAccount = "123456789012"
	testRegion  = "us-east-1"
)

func testCtx() context.Context {
	return protocol.WithRequest(context.Background(), &protocol.RequestInfo{Region: testRegion,
		Principal: protocol.Principal{AccountID: testAccount, Root: true}})
}

// fakeTargets records deliveries; failN makes the first n calls fail.
type fakeTargets struct {
	mu    sync.Mutex
	logs  []loggedEvent
	runs  []RunTaskRequest
	failN int
	perm  bool
}

type loggedEvent struct {
	group, stream, message string
	at                     time.Time
}

func (f *fakeTargets) fail() error {
	if f.failN > 0 {
		f.failN--
		err := errors.New("target unavailable")
		if f.perm {
			return Permanent(err)
		}
		return err
	}
	return nil
}

func (f *fakeTargets) PutLogEvent(_ context.Context, account, region, group, stream string, at time.Time, message string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.fail(); err != nil {
		return err
	}
	f.logs = append(f.logs, loggedEvent{group, stream, message, at})
	return nil
}

func (f *fakeTargets) RunTask(_ context.Context, account, region string, req RunTaskRequest) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.fail(); err != nil {
		return err
	}
	f.runs = append(f.runs, req)
	return nil
}

func (f *fakeTargets) snapshot() ([]loggedEvent, []RunTaskRequest) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]loggedEvent(nil), f.logs...), append([]RunTaskRequest(nil), f.runs...)
}

// newTestService returns a service over a fresh memory store, routing
// until the test ends.
func newTestService(t *testing.T, targets Targets, opts ...Option) *Service {
	t.Helper()
	s := New(memstore.New(), append([]Option{WithTargets(targets)}, opts...)...)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return s
}

// eventually polls cond for up to 5 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// wantCode checks err is a protocol error with code.
func wantCode(t *testing.T, err error, code string) *protocol.Error {
	t.Helper()
	pe, ok := protocol.AsError(err)
	if !ok || pe.Code != code {
		t.Fatalf("got %v, want %s", err, code)
	}
	return pe
}
