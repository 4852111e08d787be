package elbv2

import (
	"context"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/berth-dev/berth/internal/awsapi/elbv2/elbv2types"
)

// Limits of forward actions, as AWS has them.
const (
	maxForwardGroups   = 5
	maxWeight          = 999
	maxStickySeconds   = 604800
	maxFixedBodyLength = 1024
)

var (
	fixedStatusPattern = regexp.MustCompile(`^(2|4|5)\d\d$`)
	redirectProtocol   = regexp.MustCompile(`^(HTTPS?|#\{protocol\})$`)
	fixedContentTypes  = []string{"text/plain", "text/css", "text/html", "application/javascript", "application/json"}
)

// actionEnv is what checking the actions of one listener or rule needs:
// the load balancer they belong to and which load balancers use which
// target groups.
type actionEnv struct {
	s     *Service
	sc    scope
	lb    *lbRecord
	usage tgUsage
}

// check validates actions (the list field names, as "actions") and
// returns them as stored: forward actions always carry a ForwardConfig
// with weights and stickiness, and TargetGroupArn when they forward to one
// group; redirects carry every component, defaults written out.
func (e *actionEnv) check(ctx context.Context, actions []elbv2types.Action, field string) ([]elbv2types.Action, error) {
	var v violations
	if v.required(actions != nil, field) && len(actions) == 0 {
		v.add("[]", field, "have length greater than or equal to 1")
	}
	for i, a := range actions {
		at := field + "." + strconv.Itoa(i+1) + ".member."
		if v.required(a.Type != "", at+"type") {
			v.enum(a.Type, at+"type", elbv2types.ActionTypeEnumValues)
		}
		v.between(a.Order, at+"order", 1, 50000)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	for _, a := range actions {
		switch a.Type {
		case elbv2types.ActionTypeEnumAuthenticateOidc, elbv2types.ActionTypeEnumAuthenticateCognito, elbv2types.ActionTypeEnumJwtValidation:
			return nil, invalidAction("Action type '%s' needs an HTTPS listener, which berth does not serve yet; use forward, redirect or fixed-response", a.Type)
		}
	}
	if len(actions) > 1 {
		return nil, invalidAction("A listener or rule can have only one forward, redirect or fixed-response action, and berth serves no authenticate actions to go before it")
	}
	a := actions[0]
	var err error
	switch a.Type {
	case elbv2types.ActionTypeEnumForward:
		a, err = e.forward(ctx, a)
	case elbv2types.ActionTypeEnumFixedResponse:
		a, err = fixedResponse(a)
	case elbv2types.ActionTypeEnumRedirect:
		a, err = redirect(a)
	}
	if err != nil {
		return nil, err
	}
	return []elbv2types.Action{a}, nil
}

// onlyConfig refuses the settings of other action types on an action.
func onlyConfig(a elbv2types.Action) error {
	for _, o := range []struct {
		typ string
		set bool
	}{
		{elbv2types.ActionTypeEnumForward, a.ForwardConfig != nil || a.TargetGroupArn != ""},
		{elbv2types.ActionTypeEnumFixedResponse, a.FixedResponseConfig != nil},
		{elbv2types.ActionTypeEnumRedirect, a.RedirectConfig != nil},
		{"authenticate", a.AuthenticateCognitoConfig != nil || a.AuthenticateOidcConfig != nil || a.JwtValidationConfig != nil},
	} {
		if o.set && o.typ != a.Type {
			return validation("An action of type '%s' cannot have the settings of a '%s' action", a.Type, o.typ)
		}
	}
	return nil
}

func (e *actionEnv) forward(ctx context.Context, a elbv2types.Action) (elbv2types.Action, error) {
	if err := onlyConfig(a); err != nil {
		return a, err
	}
	fc := elbv2types.ForwardActionConfig{}
	if a.ForwardConfig != nil {
		fc.TargetGroups = slices.Clone(a.ForwardConfig.TargetGroups)
		if sc := a.ForwardConfig.TargetGroupStickinessConfig; sc != nil {
			c := *sc
			fc.TargetGroupStickinessConfig = &c
		}
	}
	switch {
	case a.TargetGroupArn == "" && len(fc.TargetGroups) == 0:
		return a, validation("A forward action must have a target group ARN or a forward config with target groups")
	case a.TargetGroupArn != "" && len(fc.TargetGroups) == 0:
		fc.TargetGroups = []elbv2types.TargetGroupTuple{{TargetGroupArn: a.TargetGroupArn}}
	case a.TargetGroupArn != "" && (len(fc.TargetGroups) != 1 || fc.TargetGroups[0].TargetGroupArn != a.TargetGroupArn):
		return a, validation("A forward action can have a target group ARN and a forward config only when the config names that one target group")
	case len(fc.TargetGroups) > maxForwardGroups:
		return a, validation("A forward action can have at most %d target groups", maxForwardGroups)
	}
	var seen []string
	for i := range fc.TargetGroups {
		t := &fc.TargetGroups[i]
		if t.Weight == nil {
			one := int32(1)
			t.Weight = &one
		} else if *t.Weight < 0 || *t.Weight > maxWeight {
			return a, validation("Target group weight '%d' is not valid: weights are from 0 to %d", *t.Weight, maxWeight)
		}
		if slices.Contains(seen, t.TargetGroupArn) {
			return a, validation("Target group '%s' is specified more than once in the forward action", t.TargetGroupArn)
		}
		seen = append(seen, t.TargetGroupArn)
		if err := e.usable(ctx, t.TargetGroupArn); err != nil {
			return a, err
		}
	}
	switch sc := fc.TargetGroupStickinessConfig; {
	case sc == nil:
		fc.TargetGroupStickinessConfig = &elbv2types.TargetGroupStickinessConfig{Enabled: false}
	case sc.Enabled && (sc.DurationSeconds == nil || *sc.DurationSeconds < 1 || *sc.DurationSeconds > maxStickySeconds):
		return a, validation("Target group stickiness needs a duration from 1 to %d seconds when it is enabled", maxStickySeconds)
	}
	out := elbv2types.Action{Type: a.Type, Order: a.Order, ForwardConfig: &fc}
	if len(fc.TargetGroups) == 1 {
		out.TargetGroupArn = fc.TargetGroups[0].TargetGroupArn
	}
	return out, nil
}

// usable checks that a listener or rule of the environment's load
// balancer may forward to a target group: it exists, is in the load
// balancer's VPC, and no other load balancer uses it.
func (e *actionEnv) usable(ctx context.Context, arn string) error {
	ref, err := e.sc.parseTGARN(arn)
	if hasCode(err, elbv2types.ErrTargetGroupNotFoundException) {
		return elbError(elbv2types.ErrTargetGroupNotFoundException, "Target group '%s' not found", arn)
	} else if err != nil {
		return err
	}
	tg, _, err := e.s.getTG(ctx, e.sc, ref)
	if hasCode(err, elbv2types.ErrTargetGroupNotFoundException) {
		return elbError(elbv2types.ErrTargetGroupNotFoundException, "Target group '%s' not found", arn)
	} else if err != nil {
		return err
	}
	if tg.TargetGroup.VpcId != e.lb.LoadBalancer.VpcId {
		return invalidConfig("Target group '%s' is in VPC '%s', but the load balancer is in VPC '%s': they must be in the same VPC",
			arn, tg.TargetGroup.VpcId, e.lb.LoadBalancer.VpcId)
	}
	for _, lb := range e.usage[arn] {
		if lb != e.lb.LoadBalancer.LoadBalancerArn {
			return elbError(elbv2types.ErrTargetGroupAssociationLimitException,
				"The following target groups cannot be associated with more than one load balancer: %s", arn)
		}
	}
	return nil
}

func fixedResponse(a elbv2types.Action) (elbv2types.Action, error) {
	if err := onlyConfig(a); err != nil {
		return a, err
	}
	c := a.FixedResponseConfig
	if c == nil {
		return a, validation("A fixed-response action must have a FixedResponseConfig")
	}
	var v violations
	if v.required(c.StatusCode != "", "fixedResponseConfig.statusCode") && !fixedStatusPattern.MatchString(c.StatusCode) {
		v.add(c.StatusCode, "fixedResponseConfig.statusCode", `satisfy regular expression pattern: ^(2|4|5)\d\d$`)
	}
	v.length(c.ContentType, "fixedResponseConfig.contentType", 0, 32)
	v.length(c.MessageBody, "fixedResponseConfig.messageBody", 0, maxFixedBodyLength)
	if err := v.err(); err != nil {
		return a, err
	}
	if c.ContentType != "" && !slices.Contains(fixedContentTypes, c.ContentType) {
		return a, validation("Fixed response content type '%s' is not valid; use one of %s", c.ContentType, strings.Join(fixedContentTypes, ", "))
	}
	cfg := *c
	return elbv2types.Action{Type: a.Type, Order: a.Order, FixedResponseConfig: &cfg}, nil
}

// Redirect components AWS keeps from the request when not overridden.
const (
	keepProtocol = "#{protocol}"
	keepPort     = "#{port}"
	keepHost     = "#{host}"
	keepPath     = "/#{path}"
	keepQuery    = "#{query}"
)

func redirect(a elbv2types.Action) (elbv2types.Action, error) {
	if err := onlyConfig(a); err != nil {
		return a, err
	}
	if a.RedirectConfig == nil {
		return a, validation("A redirect action must have a RedirectConfig")
	}
	c := *a.RedirectConfig
	var v violations
	if v.required(c.StatusCode != "", "redirectConfig.statusCode") {
		v.enum(c.StatusCode, "redirectConfig.statusCode", elbv2types.RedirectActionStatusCodeEnumValues)
	}
	if c.Protocol != "" && !redirectProtocol.MatchString(c.Protocol) {
		v.add(c.Protocol, "redirectConfig.protocol", `satisfy regular expression pattern: ^(HTTPS?|#\{protocol\})$`)
	}
	if c.Host != "" {
		v.length(c.Host, "redirectConfig.host", 1, 128)
	}
	if c.Path != "" {
		v.length(c.Path, "redirectConfig.path", 1, 128)
	}
	v.length(c.Query, "redirectConfig.query", 0, 128)
	if err := v.err(); err != nil {
		return a, err
	}
	def := func(p *string, d string) {
		if *p == "" {
			*p = d
		}
	}
	def(&c.Protocol, keepProtocol)
	def(&c.Port, keepPort)
	def(&c.Host, keepHost)
	def(&c.Path, keepPath)
	def(&c.Query, keepQuery)
	switch {
	case c.Port != keepPort && !validHealthPort(c.Port):
		return a, validation("Redirect port '%s' is not valid: use '#{port}' or a port from 1 to 65535", c.Port)
	case !strings.HasPrefix(c.Path, "/"):
		return a, validation("Redirect path '%s' is not valid: it must begin with '/'", c.Path)
	case strings.HasPrefix(c.Query, "?"):
		return a, validation("Redirect query '%s' is not valid: it must not begin with '?'", c.Query)
	case c.Protocol == keepProtocol && c.Port == keepPort && c.Host == keepHost && c.Path == keepPath:
		return a, invalidAction("The redirect configuration is not valid because it creates a loop.")
	}
	return elbv2types.Action{Type: a.Type, Order: a.Order, RedirectConfig: &c}, nil
}
