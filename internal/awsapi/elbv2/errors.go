package elbv2

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/berth-dev/berth/internal/awsapi/elbv2/elbv2types"
	"github.com/berth-dev/berth/internal/awsapi/protocol"
)

// elbError builds a client error with an ELB code and the status the model
// gives it.
func elbError(code, format string, args ...any) *protocol.Error {
	status, ok := elbv2types.ErrorStatus[code]
	if !ok {
		status = http.StatusBadRequest
	}
	return protocol.Errorf(code, status, format, args...)
}

func validation(format string, args ...any) *protocol.Error {
	return protocol.ValidationError(format, args...)
}

func lbNotFound() *protocol.Error {
	return elbError(elbv2types.ErrLoadBalancerNotFoundException, "One or more load balancers not found")
}

func tgNotFound() *protocol.Error {
	return elbError(elbv2types.ErrTargetGroupNotFoundException, "One or more target groups not found")
}

func listenerNotFound() *protocol.Error {
	return elbError(elbv2types.ErrListenerNotFoundException, "One or more listeners not found")
}

func ruleNotFound() *protocol.Error {
	return elbError(elbv2types.ErrRuleNotFoundException, "One or more rules not found")
}

func invalidConfig(format string, args ...any) *protocol.Error {
	return elbError(elbv2types.ErrInvalidConfigurationRequestException, format, args...)
}

func invalidAction(format string, args ...any) *protocol.Error {
	return elbError(elbv2types.ErrInvalidLoadBalancerActionException, format, args...)
}

// internal wraps a failure that is not the caller's; the gateway logs it
// and answers InternalFailure.
func internal(what string, err error) error {
	return fmt.Errorf("elbv2: %s: %w", what, err)
}

// passClientError returns err as it is when it is a client error, else
// wraps it as an internal failure of what.
func passClientError(err error, what string) error {
	if _, ok := protocol.AsError(err); ok {
		return err
	}
	return internal(what, err)
}

// networkError answers a Network failure: a *NetworkError is the caller's
// mistake, in ELB's words; anything else is berth's.
func networkError(err error, what string) error {
	var ne *NetworkError
	if errors.As(err, &ne) {
		return elbError(ne.Code, "%s", ne.Message)
	}
	return internal(what, err)
}

// violations collects model-constraint failures and reports them in one
// ValidationError, as ELB's front end does:
//
//	1 validation error detected: Value '0' at 'port' failed to satisfy
//	constraint: Member must have value greater than or equal to 1
type violations []string

func (v *violations) add(value any, field, rule string) {
	shown := "null"
	if value != nil {
		shown = fmt.Sprintf("'%v'", value)
	}
	*v = append(*v, fmt.Sprintf("Value %s at '%s' failed to satisfy constraint: Member must %s", shown, field, rule))
}

// required records a missing required member; it reports whether the
// member is present.
func (v *violations) required(present bool, field string) bool {
	if !present {
		v.add(nil, field, "not be null")
	}
	return present
}

// length checks a string's length in characters, as the model's min and
// max do.
func (v *violations) length(value, field string, lo, hi int) {
	switch n := len([]rune(value)); {
	case n < lo:
		v.add(value, field, fmt.Sprintf("have length greater than or equal to %d", lo))
	case n > hi:
		v.add(value, field, fmt.Sprintf("have length less than or equal to %d", hi))
	}
}

// between checks a boxed number against the model's min and max; nil
// (absent) passes.
func (v *violations) between(value *int32, field string, lo, hi int32) {
	switch {
	case value == nil:
	case *value < lo:
		v.add(*value, field, fmt.Sprintf("have value greater than or equal to %d", lo))
	case *value > hi:
		v.add(*value, field, fmt.Sprintf("have value less than or equal to %d", hi))
	}
}

// enum checks a string against the model's enum; "" (absent) passes.
func (v *violations) enum(value, field string, allowed []string) {
	if value == "" {
		return
	}
	for _, a := range allowed {
		if value == a {
			return
		}
	}
	v.add(value, field, "satisfy enum value set: ["+strings.Join(allowed, ", ")+"]")
}

// err returns the ValidationError, or nil when nothing was recorded.
func (v violations) err() error {
	switch len(v) {
	case 0:
		return nil
	case 1:
		return validation("1 validation error detected: %s", v[0])
	}
	return validation("%d validation errors detected: %s", len(v), strings.Join(v, "; "))
}
