package events

import (
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/awsapi/events/eventstypes"
)

func TestListeningFollowsRules(t *testing.T) {
	s := newTestService(t, &fakeTargets{})
	ctx := testCtx()
	if s.Listening(testAccount, testRegion) {
		t.Fatal("listening before any rule")
	}
	// PutRule marks its scope at once: an event right after is routed.
	if _, err := s.PutRule(ctx, &eventstypes.PutRuleRequest{Name: "r", EventPattern: `{"source":["a"]}`}); err != nil {
		t.Fatal(err)
	}
	if !s.Listening(testAccount, testRegion) || s.Listening(testAccount, "eu-west-1") {
		t.Fatal("PutRule did not mark its scope alone")
	}
	eventually(t, "the watch to see the rule", func() bool {
		s.router.index.mu.Lock()
		defer s.router.index.mu.Unlock()
		return s.router.index.scopes[scope{testAccount, testRegion}] == 1
	})
	if _, err := s.DeleteRule(ctx, &eventstypes.DeleteRuleRequest{Name: "r"}); err != nil {
		t.Fatal(err)
	}
	s.router.index.mu.Lock()
	delete(s.router.index.marked, scope{testAccount, testRegion}) // as after markLife
	s.router.index.mu.Unlock()
	eventually(t, "the deleted rule to leave the index", func() bool { return !s.Listening(testAccount, testRegion) })
	// Emit where nobody listens builds nothing.
	s.Emit(testAccount, testRegion, "app", "x", nil, map[string]int{}, time.Now())
	if n := len(s.router.events); n != 0 {
		t.Fatalf("%d events queued where no rule listens", n)
	}
}
