package elbv2

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/berth-dev/berth/internal/awsapi/elbv2/elbv2types"
	"github.com/berth-dev/berth/internal/awsapi/protocol"
	"github.com/berth-dev/berth/internal/store"
)

// recordKind describes one of the two kinds of record keyed by name, load
// balancers and target groups, to the code they share: reading one by
// name and id, changing, listing, describing and deleting them, and
// their attributes and tags. Each answers in its own words (what, title) and with
// its own NotFound.
type recordKind[T any] struct {
	what     string // "load balancer", within a sentence
	title    string // "Load balancer", starting one
	arnField string // "loadBalancerArn", the member that names one
	notFound func() *protocol.Error
	key      func(scope, string) string // the store key of a name
	prefix   func(scope) string         // of every key of the scope
	// parseARN reads the name and id an ARN of the kind holds.
	parseARN func(sc scope, arn string) (name, id string, err error)
	id, name func(*T) string
	// attrDefs are the kind's attributes; attributes is where a record
	// keeps those set.
	attrDefs   []attrDef
	attributes func(*T) *map[string]string
	tags       func(*T) *[]elbv2types.Tag
}

var lbKind = &recordKind[lbRecord]{
	what: "load balancer", title: "Load balancer", arnField: "loadBalancerArn",
	notFound: lbNotFound, key: scope.lbKey, prefix: scope.lbPrefix,
	parseARN: func(sc scope, arn string) (string, string, error) {
		ref, err := sc.parseLBARN(arn)
		return ref.name, ref.id, err
	},
	id:         func(r *lbRecord) string { return r.ID },
	name:       func(r *lbRecord) string { return r.LoadBalancer.LoadBalancerName },
	attrDefs:   lbAttrs,
	attributes: func(r *lbRecord) *map[string]string { return &r.Attributes },
	tags:       func(r *lbRecord) *[]elbv2types.Tag { return &r.Tags },
}

var tgKind = &recordKind[tgRecord]{
	what: "target group", title: "Target group", arnField: "targetGroupArn",
	notFound: tgNotFound, key: scope.tgKey, prefix: scope.tgPrefix,
	parseARN: func(sc scope, arn string) (string, string, error) {
		ref, err := sc.parseTGARN(arn)
		return ref.name, ref.id, err
	},
	id:         func(r *tgRecord) string { return r.ID },
	name:       func(r *tgRecord) string { return r.TargetGroup.TargetGroupName },
	attrDefs:   tgAttrs,
	attributes: func(r *tgRecord) *map[string]string { return &r.Attributes },
	tags:       func(r *tgRecord) *[]elbv2types.Tag { return &r.Tags },
}

func (k *recordKind[T]) typed(st store.Store) store.Typed[T] { return store.Typed[T]{S: st} }

// get reads the record of name and id, answering the kind's NotFound
// when there is none with that name and id.
func (k *recordKind[T]) get(ctx context.Context, st store.Store, sc scope, name, id string) (*T, int64, error) {
	rec, rev, err := k.typed(st).Get(ctx, k.key(sc, name))
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, 0, k.notFound()
	case err != nil:
		return nil, 0, internal("reading "+k.what, err)
	case k.id(rec) != id:
		return nil, 0, k.notFound()
	}
	return rec, rev, nil
}

// byARN reads the record an ARN names. A malformed ARN is a
// ValidationError; one of another account or region, or of a record
// since deleted (perhaps made again, with another id), the NotFound.
func (k *recordKind[T]) byARN(ctx context.Context, st store.Store, sc scope, arn string) (*T, error) {
	name, id, err := k.parseARN(sc, arn)
	if err != nil {
		return nil, err
	}
	rec, _, err := k.get(ctx, st, sc, name, id)
	return rec, err
}

// mutate changes the record of name and id with fn (see
// store.Typed.Mutate); a missing one is notFound's error, so that a call
// on a listener or rule answers ListenerNotFound or RuleNotFound.
func (k *recordKind[T]) mutate(ctx context.Context, st store.Store, sc scope, name, id string, notFound func() *protocol.Error, fn func(*T) error) (*T, error) {
	rec, _, err := k.typed(st).Mutate(ctx, k.key(sc, name), func(r *T) error {
		if k.id(r) != id {
			return notFound()
		}
		return fn(r)
	})
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, notFound()
	case err != nil:
		return nil, passClientError(err, "updating "+k.what)
	}
	return rec, nil
}

// list returns every record of the scope, in name order.
func (k *recordKind[T]) list(ctx context.Context, st store.Store, sc scope) ([]*T, error) {
	items, _, err := k.typed(st).ListAll(ctx, k.prefix(sc))
	if err != nil {
		return nil, internal("listing "+k.what+"s", err)
	}
	out := make([]*T, len(items))
	for i := range items {
		out[i] = &items[i].Value
	}
	return out, nil
}

// describe returns the records a Describe call asks for, in name order:
// those arns name, each of which must exist; those of names, all missing
// ones named in one NotFound, as ELB does; or, when neither is given,
// every one of the scope.
func (k *recordKind[T]) describe(ctx context.Context, st store.Store, sc scope, arns, names []string) ([]*T, error) {
	var recs []*T
	switch {
	case arns != nil:
		for _, arn := range dedupe(arns) {
			rec, err := k.byARN(ctx, st, sc, arn)
			if err != nil {
				return nil, err
			}
			recs = append(recs, rec)
		}
	case names != nil:
		var missing []string
		for _, name := range dedupe(names) {
			rec, _, err := k.typed(st).Get(ctx, k.key(sc, name))
			switch {
			case errors.Is(err, store.ErrNotFound) || err == nil && nameProblem(name) != "":
				missing = append(missing, name)
			case err != nil:
				return nil, internal("reading "+k.what, err)
			default:
				recs = append(recs, rec)
			}
		}
		if missing != nil {
			return nil, elbError(k.notFound().Code, "%ss '[%s]' not found", k.title, strings.Join(missing, ", "))
		}
	default:
		var err error
		if recs, err = k.list(ctx, st, sc); err != nil {
			return nil, err
		}
	}
	slices.SortFunc(recs, func(a, b *T) int { return strings.Compare(k.name(a), k.name(b)) })
	return recs, nil
}

// checkQuota refuses a record past the region's quota of max, with the
// code given. It counts without a lock, so racing creates may pass it
// together; the quota is a guard against runaway scripts, not an exact
// limit.
func (k *recordKind[T]) checkQuota(ctx context.Context, st store.Store, sc scope, max int, code string) error {
	res, err := st.List(ctx, k.prefix(sc), store.ListOptions{Limit: max})
	if err != nil {
		return internal("counting "+k.what+"s", err)
	}
	if len(res.Objects) >= max {
		return elbError(code, "The quota of %d %ss per region has been reached", max, k.what)
	}
	return nil
}

// delete deletes the record arn names once check (nil for none) allows
// it, reading again when it changes between the read and the delete. It
// returns the record deleted, or nil when there is none: deleting what
// does not exist succeeds, as in AWS.
func (k *recordKind[T]) delete(ctx context.Context, st store.Store, sc scope, arn string, check func(*T) error) (*T, error) {
	code := k.notFound().Code
	name, id, err := k.parseARN(sc, arn)
	if hasCode(err, code) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	for range 8 {
		rec, rev, err := k.get(ctx, st, sc, name, id)
		if hasCode(err, code) {
			return nil, nil
		} else if err != nil {
			return nil, err
		}
		if check != nil {
			if err := check(rec); err != nil {
				return nil, err
			}
		}
		err = k.typed(st).Delete(ctx, k.key(sc, name), rev)
		switch {
		case err == nil:
			return rec, nil
		case errors.Is(err, store.ErrNotFound):
			return nil, nil
		case !errors.Is(err, store.ErrConflict):
			return nil, internal("deleting "+k.what, err)
		}
		// Changed since read, perhaps so that check now refuses: look again.
	}
	return nil, elbError(elbv2types.ErrResourceInUseException, "%s '%s' is being changed by another request; try again", k.title, arn)
}
