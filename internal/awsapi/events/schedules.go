package events

import (
	"context"
	"strings"
	"time"

	"github.com/berth-dev/berth/internal/awsapi/events/schedule"
)

// Scheduled rules fire from one loop that looks, each tick, at the rules
// with a schedule the rule index (ruleindex.go) follows — no store reads;
// the index runs with Run, and so scheduled rules fire only then. A
// rule's next fire time is kept in memory, computed from its schedule
// when first seen (a rate from the rule's creation, a cron from now), so
// a server that was down does not make up the fires it missed, and a
// restart never fires a rule twice for one time. Each fire is an event
// with source "aws.events" and detail-type "Scheduled Event", sent to
// that rule's targets only. One server fires; several servers sharing a
// store would each fire (berth has no leader election yet).

// scheduleState is what the scheduler knows of one scheduled rule.
type scheduleState struct {
	expr   string
	anchor time.Time
	sched  schedule.Schedule
	next   time.Time
}

// scheduler fires scheduled rules.
type scheduler struct {
	s     *Service
	rules map[string]*scheduleState // by rule key
}

// RunSchedules fires scheduled rules until ctx ends, looking every tick.
func (s *Service) RunSchedules(ctx context.Context, tick time.Duration) {
	sch := &scheduler{s: s, rules: map[string]*scheduleState{}}
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		sch.pass(s.now())
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// pass fires every enabled scheduled rule that is due at now.
func (sch *scheduler) pass(now time.Time) {
	rules := sch.s.router.index.scheduled()
	for key, r := range rules {
		if !r.enabled {
			continue
		}
		st := sch.rules[key]
		if st == nil || st.expr != r.expr || !st.anchor.Equal(r.createdAt) {
			parsed, err := schedule.Parse(r.expr)
			if err != nil {
				continue // PutRule parsed it; a stricter berth ignores it
			}
			if rate, ok := parsed.(schedule.Rate); ok {
				parsed = rate.At(r.createdAt)
			}
			st = &scheduleState{expr: r.expr, anchor: r.createdAt, sched: parsed, next: parsed.Next(now)}
			sch.rules[key] = st
		}
		if st.next.IsZero() || now.Before(st.next) {
			continue
		}
		at := st.next
		st.next = st.sched.Next(now)
		ev, err := r.sc.newEvent("aws.events", "Scheduled Event", []string{r.sc.ruleARN(r.name)}, []byte("{}"), at)
		if err != nil {
			continue
		}
		ev.rule = r.name
		if !sch.s.router.submit(ev) {
			sch.s.log.Warn("scheduled event dropped: the event router is over capacity", "rule", r.name, "account", r.sc.account)
		}
	}
	for k := range sch.rules {
		if r, ok := rules[k]; !ok || !r.enabled {
			delete(sch.rules, k)
		}
	}
}

// scopeOfRuleKey reads the account and region of a rule's store key,
// /events-rule/<account>/<region>/<bus>/<name>.
func scopeOfRuleKey(key string) (scope, bool) {
	parts := strings.SplitN(strings.TrimPrefix(key, "/"), "/", 5)
	if len(parts) != 5 || parts[0] != kindRule {
		return scope{}, false
	}
	return scope{account: parts[1], region: parts[2]}, true
}
