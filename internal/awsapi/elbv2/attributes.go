package elbv2

import (
	"context"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/berth-dev/berth/internal/awsapi/elbv2/elbv2types"
	"github.com/berth-dev/berth/internal/store"
)

// attrDef is one load balancer or target group attribute: its default
// and what values it takes.
type attrDef struct {
	key, def string
	// check says what is wrong with a value, or "" when nothing is.
	check func(v string) string
}

func boolAttr(key, def string) attrDef {
	return attrDef{key, def, func(v string) string {
		if v != "true" && v != "false" {
			return "the value must be true or false"
		}
		return ""
	}}
}

// falseAttr is a boolean berth cannot honour when true.
func falseAttr(key, why string) attrDef {
	return attrDef{key, "false", func(v string) string {
		switch v {
		case "false":
			return ""
		case "true":
			return why
		}
		return "the value must be true or false"
	}}
}

func intAttr(key, def string, lo, hi int) attrDef {
	return attrDef{key, def, func(v string) string {
		if n, err := strconv.Atoi(v); err != nil || n < lo || n > hi {
			return "the value must be an integer from " + strconv.Itoa(lo) + " to " + strconv.Itoa(hi)
		}
		return ""
	}}
}

func enumAttr(key, def string, values ...string) attrDef {
	return attrDef{key, def, func(v string) string {
		if !slices.Contains(values, v) {
			return "the value must be one of " + strings.Join(values, ", ")
		}
		return ""
	}}
}

func stringAttr(key string, max int) attrDef {
	return attrDef{key, "", func(v string) string {
		if len(v) > max {
			return "the value must be at most " + strconv.Itoa(max) + " characters"
		}
		return ""
	}}
}

// attrKV is an attribute as the API carries it.
type attrKV struct{ Key, Value string }

// checkAttributes validates attributes given to a Modify call against
// defs, for what ("Load balancer", "Target group"), and returns them as a
// map; a key given twice keeps its last value.
func checkAttributes(defs []attrDef, given []attrKV, what string) (map[string]string, error) {
	var v violations
	if !v.required(given != nil, "attributes") {
		return nil, v.err()
	}
	if len(given) > 20 {
		v.add(nil, "attributes", "have length less than or equal to 20")
		return nil, v.err()
	}
	out := map[string]string{}
	for _, a := range given {
		i := slices.IndexFunc(defs, func(d attrDef) bool { return d.key == a.Key })
		if i < 0 {
			return nil, validation("%s attribute key '%s' is not recognized", what, a.Key)
		}
		if p := defs[i].check(a.Value); p != "" {
			return nil, validation("%s attribute value '%s' for key '%s' is not valid: %s", what, a.Value, a.Key, p)
		}
		out[a.Key] = a.Value
	}
	return out, nil
}

// attributeValue is set[key], or the key's default.
func attributeValue(defs []attrDef, set map[string]string, key string) string {
	if v, ok := set[key]; ok {
		return v
	}
	for _, d := range defs {
		if d.key == key {
			return d.def
		}
	}
	return ""
}

// attributeList returns every attribute of defs with its value, in key
// order, as Describe*Attributes shows them.
func attributeList(defs []attrDef, set map[string]string) []attrKV {
	out := make([]attrKV, 0, len(defs))
	for _, d := range defs {
		out = append(out, attrKV{d.key, attributeValue(defs, set, d.key)})
	}
	slices.SortFunc(out, func(a, b attrKV) int { return strings.Compare(a.Key, b.Key) })
	return out
}

// mergeAttributes returns set with changes applied.
func mergeAttributes(set, changes map[string]string) map[string]string {
	out := maps.Clone(set)
	if out == nil {
		out = map[string]string{}
	}
	maps.Copy(out, changes)
	return out
}

// apiAttribute is an attribute as an API shape carries it; both convert
// to and from attrKV.
type apiAttribute interface {
	elbv2types.LoadBalancerAttribute | elbv2types.TargetGroupAttribute
}

// attributesOf returns every attribute of rec, as Describe*Attributes
// shows them.
func attributesOf[A apiAttribute, T any](k *recordKind[T], rec *T) []A {
	list := attributeList(k.attrDefs, *k.attributes(rec))
	out := make([]A, len(list))
	for i, a := range list {
		out[i] = A(a)
	}
	return out
}

// describeAttributes answers Describe*Attributes: every attribute of the
// record arn names.
func describeAttributes[A apiAttribute, T any](ctx context.Context, st store.Store, sc scope, k *recordKind[T], arn string) ([]A, error) {
	var v violations
	v.required(arn != "", k.arnField)
	if err := v.err(); err != nil {
		return nil, err
	}
	rec, err := k.byARN(ctx, st, sc, arn)
	if err != nil {
		return nil, err
	}
	return attributesOf[A](k, rec), nil
}

// modifyAttributes answers Modify*Attributes: it sets the attributes
// given of the record arn names, checked before the ARN, and returns
// them all.
func modifyAttributes[A apiAttribute, T any](ctx context.Context, st store.Store, sc scope, k *recordKind[T], arn string, attrs []A) ([]A, error) {
	var v violations
	v.required(arn != "", k.arnField)
	if err := v.err(); err != nil {
		return nil, err
	}
	var given []attrKV
	if attrs != nil {
		given = make([]attrKV, len(attrs))
		for i, a := range attrs {
			given[i] = attrKV(a)
		}
	}
	changes, err := checkAttributes(k.attrDefs, given, k.title)
	if err != nil {
		return nil, err
	}
	name, id, err := k.parseARN(sc, arn)
	if err != nil {
		return nil, err
	}
	rec, err := k.mutate(ctx, st, sc, name, id, k.notFound, func(r *T) error {
		set := k.attributes(r)
		*set = mergeAttributes(*set, changes)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return attributesOf[A](k, rec), nil
}
