package logs

import (
	"context"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/agentapi"
	"github.com/berth-dev/berth/internal/logstore"
	"github.com/berth-dev/berth/internal/store/memstore"
)

// TestSweepOrphans: a state reset deletes group records only; the next
// retention pass deletes their events and keeps the others'.
func TestSweepOrphans(t *testing.T) {
	ctx := context.Background()
	events, err := logstore.Open(t.TempDir(), logstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer events.Close()
	st := memstore.New()
	s := New(st, events)
	api := s.AgentAPI()
	now := time.Now().UnixMilli()
	for _, g := range []string{"/kept", "/reset"} {
		if err := api.PrepareLogStream(ctx, "123456789012", "us-east-1", g, "s", true); err != nil {
			t.Fatal(err)
		}
		if _, err := api.PutLogEvents(ctx, "123456789012", "us-east-1", g, "s", []agentapi.LogEvent{{Timestamp: now, Message: "x"}}); err != nil {
			t.Fatal(err)
		}
	}
	sc := scope{account: "123456789012", region: "us-east-1"}
	kept, err := s.getGroup(ctx, sc, "/kept")
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Delete(ctx, sc.groupKey("/reset"), 0); err != nil {
		t.Fatal(err)
	}
	n, err := s.sweepOrphans(ctx)
	if err != nil || n != 1 {
		t.Fatalf("swept %d, %v; want 1", n, err)
	}
	if got := events.Groups(); len(got) != 1 || got[0] != kept.ID {
		t.Fatalf("groups with events %v, want only %s", got, kept.ID)
	}
	if n, err := s.sweepOrphans(ctx); err != nil || n != 0 {
		t.Fatalf("second sweep %d, %v", n, err)
	}
}
