package policy

import (
	"regexp"
	"strings"
)

var (
	accountIDPattern = regexp.MustCompile(`^[0-9]{12}$`)
	// An AWS principal ARN: an account's root, a user, a role, or an STS
	// session (assumed role or federated user).
	awsPrincipalPattern = regexp.MustCompile(
		`^arn:aws:(iam::[0-9]{12}:(root|user/.+|role/.+)|sts::[0-9]{12}:(assumed-role/.+/.+|federated-user/.+))$`)
	servicePrincipalPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*(\.[a-z0-9-]+)+$`)
)

// normalizePrincipals checks a trust policy's principal values and
// rewrites account ids to their root ARN, as IAM stores them. IAM also
// resolves user and role ARNs to their unique ids and refuses unknown
// ones; berth does not.
func normalizePrincipals(p Principals) error {
	for typ, values := range p {
		for i, v := range values {
			switch {
			case typ == "*":
			case typ == "AWS" && v == "*":
			case typ == "AWS" && accountIDPattern.MatchString(v):
				values[i] = AccountRoot(v)
			case typ == "AWS" && awsPrincipalPattern.MatchString(v):
			case typ == "Service" && servicePrincipalPattern.MatchString(v):
			case (typ == "Federated" || typ == "CanonicalUser") && strings.TrimSpace(v) != "":
			default:
				return malformed("Invalid principal in policy: %q:%q", typ, v)
			}
		}
	}
	return nil
}

// AccountRoot is the ARN of an account's root principal, which is what an
// account id names in a policy's Principal.
func AccountRoot(account string) string { return "arn:aws:iam::" + account + ":root" }

// Caller is who a trust policy is evaluated for: each principal type the
// caller can be named by, with every value that names it. An assumed-role
// session of role R in account A is named by AWS values A's root ARN,
// R's ARN and the session's own ARN; ECS tasks by Service
// "ecs-tasks.amazonaws.com".
type Caller map[string][]string

// matches reports whether a statement's principals name the caller.
func (p Principals) matches(c Caller) bool {
	if _, ok := p["*"]; ok {
		return true
	}
	for typ, values := range p {
		for _, v := range values {
			if typ == "AWS" && v == "*" && len(c["AWS"]) > 0 {
				return true
			}
			for _, have := range c[typ] {
				if v == have {
					return true
				}
			}
		}
	}
	return false
}
