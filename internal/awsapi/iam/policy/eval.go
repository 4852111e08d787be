package policy

// Decision is the outcome of evaluating policies for one request.
type Decision int

const (
	// NotApplicable: no statement applies, which IAM treats as an
	// implicit deny.
	NotApplicable Decision = iota
	// Allow: an Allow statement applies and no Deny does.
	Allow
	// Deny: a Deny statement applies (an explicit deny).
	Deny
)

func (d Decision) String() string {
	switch d {
	case Allow:
		return "Allow"
	case Deny:
		return "Deny"
	}
	return "NotApplicable"
}

// Request is what a policy is evaluated against.
type Request struct {
	// Action is the IAM action, e.g. "ecs:RunTask".
	Action string
	// Resource is the ARN acted on, or "*"; statements without a Resource
	// element (trust policies) ignore it.
	Resource string
	// Caller names the principal, for statements with a Principal element
	// (trust policies); identity policies have none.
	Caller Caller
	// Context holds the request's condition keys.
	Context Context
	// LenientConditions makes a condition on a key Context lacks pass
	// instead of failing. For checks made before the request exists, such
	// as whether ECS may later assume a task role (the task's ARN, the
	// aws:SourceArn, is not known yet).
	LenientConditions bool
}

// Evaluate evaluates d for r.
func (d *Document) Evaluate(r Request) Decision {
	out := NotApplicable
	for i := range d.Statements {
		s := &d.Statements[i]
		if !s.applies(r) {
			continue
		}
		if s.Deny {
			return Deny
		}
		out = Allow
	}
	return out
}

// Evaluate evaluates a set of policies together: any explicit Deny wins,
// then any Allow.
func Evaluate(docs []*Document, r Request) Decision {
	out := NotApplicable
	for _, d := range docs {
		switch d.Evaluate(r) {
		case Deny:
			return Deny
		case Allow:
			out = Allow
		}
	}
	return out
}

func (s *Statement) applies(r Request) bool {
	for _, c := range s.Conditions {
		if !c.Supported() {
			return false
		}
	}
	if anyMatch(s.Actions, r.Action, MatchFold) == s.NotAction {
		return false
	}
	if s.Resources != nil && anyMatch(s.Resources, r.Resource, Match) == s.NotResource {
		return false
	}
	if s.Principals != nil && s.Principals.matches(r.Caller) == s.NotPrincipal {
		return false
	}
	for _, c := range s.Conditions {
		if !c.holds(r.Context, r.LenientConditions) {
			return false
		}
	}
	return true
}

func anyMatch(patterns []string, value string, match func(pattern, value string) bool) bool {
	for _, p := range patterns {
		if match(p, value) {
			return true
		}
	}
	return false
}
