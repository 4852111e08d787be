package elbv2

import (
	"context"
	"reflect"
	"slices"
	"strconv"

	"github.com/berth-dev/berth/internal/awsapi/elbv2/elbv2types"
	"github.com/berth-dev/berth/internal/awsapi/protocol"
)

// maxListeners is AWS's quota of listeners per load balancer.
const maxListeners = 50

// checkListenerProtocol refuses what berth's listeners cannot be: only
// plain HTTP is served.
func checkListenerProtocol(protocol string, certs []elbv2types.Certificate, sslPolicy string, alpn []string, mtls *elbv2types.MutualAuthenticationAttributes) error {
	switch protocol {
	case elbv2types.ProtocolEnumHttp, "":
	case elbv2types.ProtocolEnumHttps:
		return elbError(elbv2types.ErrUnsupportedProtocolException,
			"berth does not serve HTTPS listeners yet: they need certificates, which berth has no way to issue; use protocol HTTP")
	default:
		return elbError(elbv2types.ErrUnsupportedProtocolException,
			"Protocol '%s' is not supported by Application Load Balancers; use HTTP", protocol)
	}
	if certs != nil || sslPolicy != "" || alpn != nil || mtls != nil {
		return validation("Certificates, SSL policies, ALPN policies and mutual authentication apply only to HTTPS listeners")
	}
	return nil
}

// CreateListener adds an HTTP listener to a load balancer, on a port no
// other of its listeners has. Asked again with the same port and settings
// it returns the existing listener.
func (s *Service) CreateListener(ctx context.Context, in *elbv2types.CreateListenerInput) (*elbv2types.CreateListenerOutput, error) {
	sc := scopeOf(ctx)
	var v violations
	v.required(in.LoadBalancerArn != "", "loadBalancerArn")
	v.enum(in.Protocol, "protocol", elbv2types.ProtocolEnumValues)
	v.between(in.Port, "port", 1, 65535)
	if err := v.err(); err != nil {
		return nil, err
	}
	ref, err := sc.parseLBARN(in.LoadBalancerArn)
	if err != nil {
		return nil, err
	}
	if err := checkListenerProtocol(in.Protocol, in.Certificates, in.SslPolicy, in.AlpnPolicy, in.MutualAuthentication); err != nil {
		return nil, err
	}
	switch {
	case in.Protocol == "":
		return nil, validation("A listener protocol must be specified")
	case in.Port == nil:
		return nil, validation("A listener port must be specified")
	}
	if err := checkTags(in.Tags, "tags"); err != nil {
		return nil, err
	}
	env, err := s.actionEnv(ctx, sc, ref, lbNotFound)
	if err != nil {
		return nil, err
	}
	actions, err := env.check(ctx, in.DefaultActions, "defaultActions")
	if err != nil {
		return nil, err
	}
	lref := listenerRef{lb: ref, id: newID()}
	defaultRule := ruleRef{listener: lref, id: newID()}
	var made listenerRecord
	rec, err := s.mutateLB(ctx, sc, ref, lbNotFound, func(r *lbRecord) error {
		if i := slices.IndexFunc(r.Listeners, func(l listenerRecord) bool { return l.Port == *in.Port }); i >= 0 {
			l := r.Listeners[i]
			if l.Protocol != in.Protocol || !reflect.DeepEqual(l.DefaultActions, actions) {
				return elbError(elbv2types.ErrDuplicateListenerException, "A listener already exists on this port for this load balancer")
			}
			made = l
			return nil
		}
		if len(r.Listeners) >= maxListeners {
			return elbError(elbv2types.ErrTooManyListenersException, "A load balancer can have at most %d listeners", maxListeners)
		}
		made = listenerRecord{ID: lref.id, ARN: sc.listenerARN(lref), Port: *in.Port, Protocol: in.Protocol,
			DefaultActions: actions, Tags: slices.Clone(in.Tags),
			DefaultRuleID: defaultRule.id, DefaultRuleARN: sc.ruleARN(defaultRule)}
		r.Listeners = append(r.Listeners, made)
		r.sortListeners()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &elbv2types.CreateListenerOutput{Listeners: []elbv2types.Listener{made.view(rec)}}, nil
}

// actionEnv reads what checking actions of a load balancer's listener or
// rule needs; a missing load balancer is notFound's error.
func (s *Service) actionEnv(ctx context.Context, sc scope, ref lbRef, notFound func() *protocol.Error) (*actionEnv, error) {
	lb, _, err := s.getLB(ctx, sc, ref)
	if hasCode(err, elbv2types.ErrLoadBalancerNotFoundException) {
		return nil, notFound()
	} else if err != nil {
		return nil, err
	}
	u, err := s.usage(ctx, sc)
	if err != nil {
		return nil, err
	}
	return &actionEnv{s: s, sc: sc, lb: lb, usage: u}, nil
}

// view returns the listener as the API shows it.
func (l *listenerRecord) view(lb *lbRecord) elbv2types.Listener {
	return elbv2types.Listener{ListenerArn: l.ARN, LoadBalancerArn: lb.LoadBalancer.LoadBalancerArn,
		Port: l.Port, Protocol: l.Protocol, DefaultActions: slices.Clone(l.DefaultActions)}
}

// DescribeListeners describes the listeners of a load balancer, or those
// named by ARN, in port order.
func (s *Service) DescribeListeners(ctx context.Context, in *elbv2types.DescribeListenersInput) (*elbv2types.DescribeListenersOutput, error) {
	sc := scopeOf(ctx)
	var v violations
	v.pageSize(in.PageSize)
	if err := v.err(); err != nil {
		return nil, err
	}
	type item struct {
		lb *lbRecord
		l  *listenerRecord
	}
	var items []item
	switch {
	case in.LoadBalancerArn != "" && in.ListenerArns != nil:
		return nil, validation("Listener ARNs and a load balancer ARN cannot be specified at the same time")
	case in.LoadBalancerArn != "":
		ref, err := sc.parseLBARN(in.LoadBalancerArn)
		if err != nil {
			return nil, err
		}
		lb, _, err := s.getLB(ctx, sc, ref)
		if err != nil {
			return nil, err
		}
		for i := range lb.Listeners {
			items = append(items, item{lb, &lb.Listeners[i]})
		}
	case in.ListenerArns != nil:
		for _, arn := range dedupe(in.ListenerArns) {
			lb, l, err := s.findListener(ctx, sc, arn)
			if err != nil {
				return nil, err
			}
			items = append(items, item{lb, l})
		}
	default:
		return nil, validation("You must specify either listener ARNs or a load balancer ARN")
	}
	key := func(it item) string {
		return it.lb.LoadBalancer.LoadBalancerName + "/" + padded(it.l.Port) + "/" + it.l.ID
	}
	slices.SortFunc(items, func(a, b item) int {
		if key(a) < key(b) {
			return -1
		}
		return 1
	})
	page, next, err := takePage(items, key, in.Marker, in.PageSize)
	if err != nil {
		return nil, err
	}
	out := &elbv2types.DescribeListenersOutput{Listeners: make([]elbv2types.Listener, 0, len(page)), NextMarker: next}
	for _, it := range page {
		out.Listeners = append(out.Listeners, it.l.view(it.lb))
	}
	return out, nil
}

// padded writes a port or priority so that strings sort as numbers.
func padded(n int32) string {
	s := strconv.Itoa(int(n))
	for len(s) < 5 {
		s = "0" + s
	}
	return s
}

// findListener reads the listener an ARN names, with its load balancer.
func (s *Service) findListener(ctx context.Context, sc scope, arn string) (*lbRecord, *listenerRecord, error) {
	ref, err := sc.parseListenerARN(arn)
	if err != nil {
		return nil, nil, err
	}
	lb, _, err := s.getLB(ctx, sc, ref.lb)
	if hasCode(err, elbv2types.ErrLoadBalancerNotFoundException) {
		return nil, nil, listenerNotFound()
	} else if err != nil {
		return nil, nil, err
	}
	l := lb.listener(ref.id)
	if l == nil {
		return nil, nil, listenerNotFound()
	}
	return lb, l, nil
}

// ModifyListener changes a listener's port, protocol or default actions.
func (s *Service) ModifyListener(ctx context.Context, in *elbv2types.ModifyListenerInput) (*elbv2types.ModifyListenerOutput, error) {
	sc := scopeOf(ctx)
	var v violations
	v.required(in.ListenerArn != "", "listenerArn")
	v.enum(in.Protocol, "protocol", elbv2types.ProtocolEnumValues)
	v.between(in.Port, "port", 1, 65535)
	if err := v.err(); err != nil {
		return nil, err
	}
	ref, err := sc.parseListenerARN(in.ListenerArn)
	if err != nil {
		return nil, err
	}
	if err := checkListenerProtocol(in.Protocol, in.Certificates, in.SslPolicy, in.AlpnPolicy, in.MutualAuthentication); err != nil {
		return nil, err
	}
	var actions []elbv2types.Action
	if in.DefaultActions != nil {
		env, err := s.actionEnv(ctx, sc, ref.lb, listenerNotFound)
		if err != nil {
			return nil, err
		}
		if actions, err = env.check(ctx, in.DefaultActions, "defaultActions"); err != nil {
			return nil, err
		}
	}
	var changed listenerRecord
	rec, err := s.mutateLB(ctx, sc, ref.lb, listenerNotFound, func(r *lbRecord) error {
		l := r.listener(ref.id)
		if l == nil {
			return listenerNotFound()
		}
		if in.Port != nil && *in.Port != l.Port {
			if slices.ContainsFunc(r.Listeners, func(o listenerRecord) bool { return o.Port == *in.Port }) {
				return elbError(elbv2types.ErrDuplicateListenerException, "A listener already exists on this port for this load balancer")
			}
			l.Port = *in.Port
		}
		if in.Protocol != "" {
			l.Protocol = in.Protocol
		}
		if actions != nil {
			l.DefaultActions = actions
		}
		changed = *l
		r.sortListeners()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &elbv2types.ModifyListenerOutput{Listeners: []elbv2types.Listener{changed.view(rec)}}, nil
}

// DeleteListener deletes a listener and its rules.
func (s *Service) DeleteListener(ctx context.Context, in *elbv2types.DeleteListenerInput) (*elbv2types.DeleteListenerOutput, error) {
	sc := scopeOf(ctx)
	var v violations
	v.required(in.ListenerArn != "", "listenerArn")
	if err := v.err(); err != nil {
		return nil, err
	}
	ref, err := sc.parseListenerARN(in.ListenerArn)
	if err != nil {
		return nil, err
	}
	_, err = s.mutateLB(ctx, sc, ref.lb, listenerNotFound, func(r *lbRecord) error {
		n := len(r.Listeners)
		r.Listeners = slices.DeleteFunc(r.Listeners, func(l listenerRecord) bool { return l.ID == ref.id })
		if len(r.Listeners) == n {
			return listenerNotFound()
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &elbv2types.DeleteListenerOutput{}, nil
}
