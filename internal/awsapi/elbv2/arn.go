package elbv2

import (
	"strings"

	"github.com/berth-dev/berth/internal/awsapi/protocol"
)

// ELBv2 ARNs, all under arn:aws:elasticloadbalancing:<region>:<account>:
//
//	loadbalancer/app/<name>/<lb id>
//	listener/app/<lb name>/<lb id>/<listener id>
//	listener-rule/app/<lb name>/<lb id>/<listener id>/<rule id>
//	targetgroup/<name>/<tg id>
//
// Ids are 16 hex digits. An ARN of another account or region names
// nothing the caller has: it is "not found", never another's resource.

// lbRef names a load balancer: its name (the store key) and id.
type lbRef struct{ name, id string }

// listenerRef names a listener of a load balancer.
type listenerRef struct {
	lb lbRef
	id string
}

// ruleRef names a rule of a listener.
type ruleRef struct {
	listener listenerRef
	id       string
}

// tgRef names a target group: its name (the store key) and id.
type tgRef struct{ name, id string }

func (sc scope) lbARN(r lbRef) string {
	return sc.arnPrefix() + "loadbalancer/app/" + r.name + "/" + r.id
}

func (sc scope) listenerARN(r listenerRef) string {
	return sc.arnPrefix() + "listener/app/" + r.lb.name + "/" + r.lb.id + "/" + r.id
}

func (sc scope) ruleARN(r ruleRef) string {
	l := r.listener
	return sc.arnPrefix() + "listener-rule/app/" + l.lb.name + "/" + l.lb.id + "/" + l.id + "/" + r.id
}

func (sc scope) tgARN(r tgRef) string {
	return sc.arnPrefix() + "targetgroup/" + r.name + "/" + r.id
}

// splitARN splits an ELBv2 ARN into its region, account, resource type
// and the parts of the resource after the type.
func splitARN(arn string) (region, account, resType string, parts []string, ok bool) {
	f := strings.SplitN(arn, ":", 6)
	if len(f) != 6 || f[0] != "arn" || f[1] != "aws" || f[2] != "elasticloadbalancing" {
		return "", "", "", nil, false
	}
	p := strings.Split(f[5], "/")
	return f[3], f[4], p[0], p[1:], true
}

// resolveARN parses arn as a resource of type resType whose parts after
// the type are n names and ids (checked by the pattern of each). It
// answers a malformed ARN with ELB's ValidationError, in what's words
// ("load balancer"), and one of another account or region with notFound.
func (sc scope) resolveARN(arn, resType, what string, notFound func() *protocol.Error, shape ...func(string) bool) ([]string, error) {
	region, account, typ, parts, ok := splitARN(arn)
	ok = ok && typ == resType && len(parts) == len(shape)
	for i := 0; ok && i < len(parts); i++ {
		ok = shape[i](parts[i])
	}
	if !ok {
		return nil, validation("'%s' is not a valid %s ARN", arn, what)
	}
	if region != sc.region || account != sc.account {
		return nil, notFound()
	}
	return parts, nil
}

func isApp(s string) bool { return s == "app" }

// isID reports whether s is an id as newID makes them.
func isID(s string) bool {
	if len(s) != 16 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// isNameShape reports whether s could be a load balancer or target group
// name; the full rules are in names.go.
func isNameShape(s string) bool { return nameProblem(s) == "" }

func (sc scope) parseLBARN(arn string) (lbRef, error) {
	p, err := sc.resolveARN(arn, "loadbalancer", "load balancer", lbNotFound, isApp, isNameShape, isID)
	if err != nil {
		return lbRef{}, err
	}
	return lbRef{name: p[1], id: p[2]}, nil
}

func (sc scope) parseListenerARN(arn string) (listenerRef, error) {
	p, err := sc.resolveARN(arn, "listener", "listener", listenerNotFound, isApp, isNameShape, isID, isID)
	if err != nil {
		return listenerRef{}, err
	}
	return listenerRef{lb: lbRef{name: p[1], id: p[2]}, id: p[3]}, nil
}

func (sc scope) parseRuleARN(arn string) (ruleRef, error) {
	p, err := sc.resolveARN(arn, "listener-rule", "listener rule", ruleNotFound, isApp, isNameShape, isID, isID, isID)
	if err != nil {
		return ruleRef{}, err
	}
	return ruleRef{listener: listenerRef{lb: lbRef{name: p[1], id: p[2]}, id: p[3]}, id: p[4]}, nil
}

func (sc scope) parseTGARN(arn string) (tgRef, error) {
	p, err := sc.resolveARN(arn, "targetgroup", "target group", tgNotFound, isNameShape, isID)
	if err != nil {
		return tgRef{}, err
	}
	return tgRef{name: p[0], id: p[1]}, nil
}

// hasCode reports whether err is a client error with code.
func hasCode(err error, code string) bool {
	e, ok := protocol.AsError(err)
	return ok && e.Code == code
}
