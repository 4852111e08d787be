package policy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// Kind says which sort of document is parsed; the two differ in which
// statement elements they require and forbid.
type Kind int

const (
	// Identity is a permission policy attached to an identity, such as a
	// role's inline policy: Action and Resource, no Principal.
	Identity Kind = iota + 1
	// Trust is a role's trust (assume-role) policy: Principal and Action,
	// no Resource.
	Trust
)

// Versions a policy may declare. A document without Version is the
// 2008-10-17 language, as in IAM.
const (
	Version2012 = "2012-10-17"
	Version2008 = "2008-10-17"
)

// Document is a parsed, valid policy.
type Document struct {
	Version    string
	ID         string
	Statements []Statement
}

// Statement is one statement of a document. Lists hold what the document
// says, one element per value; a single string is a list of one.
type Statement struct {
	Sid  string
	Deny bool // Effect "Deny"; else "Allow"
	// Principals is the Principal (or, with NotPrincipal, the
	// NotPrincipal) element; nil when the statement has neither.
	Principals   Principals
	NotPrincipal bool
	// Actions is the Action (or, with NotAction, the NotAction) element.
	Actions   []string
	NotAction bool
	// Resources is the Resource (or NotResource) element; nil when the
	// statement has neither, as trust policies have.
	Resources   []string
	NotResource bool
	// Conditions are the Condition block's tests, all of which must hold.
	Conditions []Condition
}

// Principals maps a principal type ("AWS", "Service", "Federated",
// "CanonicalUser") to its values. The document's "Principal": "*" is
// {"*": ["*"]}. AWS account ids are stored as their root ARN
// (arn:aws:iam::<id>:root), which is what IAM stores them as.
type Principals map[string][]string

// Error is a document IAM would refuse, with IAM's message (the
// MalformedPolicyDocument error's).
type Error struct{ Message string }

func (e *Error) Error() string { return e.Message }

// IAM's messages for malformed documents.
const (
	msgInvalidJSON      = "This policy contains invalid Json"
	msgSyntax           = "Syntax errors in policy."
	msgLegacy           = "The policy failed legacy parsing"
	msgDuplicateSid     = "Statement IDs (SID) in a single policy must be unique."
	msgNoActions        = "Policy statement must contain actions."
	msgNoResources      = "Policy statement must contain resources."
	msgPrincipalInIdent = "Policy document should not specify a principal."
	msgResourceInTrust  = "Has prohibited field Resource"
	msgNoPrincipal      = "Missing required field Principal"
	msgActionVendor     = "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."
	msgActionColons     = "Actions/Condition can contain only one colon."
	msgResourceVendor   = "Resource vendor must be fully qualified and cannot contain regexes."
)

func malformed(format string, args ...any) *Error {
	return &Error{Message: fmt.Sprintf(format, args...)}
}

var (
	topElements       = map[string]bool{"Version": true, "Id": true, "Statement": true}
	statementElements = map[string]bool{
		"Sid": true, "Effect": true, "Principal": true, "NotPrincipal": true, "Action": true,
		"NotAction": true, "Resource": true, "NotResource": true, "Condition": true,
	}
	principalTypes = map[string]bool{"AWS": true, "Service": true, "Federated": true, "CanonicalUser": true}
)

// Parse parses and validates doc as a policy of kind k. A document IAM
// would refuse yields an *Error with IAM's message; the checks run in the
// order IAM's appear to (syntax, legacy parsing, statement ids, actions,
// the kind's own rules, action and resource formats), so the first
// problem reported is the one IAM reports.
func Parse(doc string, k Kind) (*Document, error) {
	dec := json.NewDecoder(strings.NewReader(doc))
	dec.UseNumber()
	var raw any
	if err := dec.Decode(&raw); err != nil {
		return nil, &Error{Message: msgInvalidJSON}
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, &Error{Message: msgInvalidJSON} // trailing data
	}
	d, rawStatements, err := parseSyntax(raw)
	if err != nil {
		return nil, err
	}
	checks := []func(*Document, []map[string]any, Kind) error{
		checkLegacy, checkSids, checkActionsPresent, checkKind, checkActionFormats, checkResourceFormats,
	}
	for _, check := range checks {
		if err := check(d, rawStatements, k); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// parseSyntax checks the document's shape and builds it.
func parseSyntax(raw any) (*Document, []map[string]any, error) {
	syntax := &Error{Message: msgSyntax}
	top, ok := raw.(map[string]any)
	if !ok {
		return nil, nil, syntax
	}
	for key := range top {
		if !topElements[key] {
			return nil, nil, syntax
		}
	}
	d := &Document{}
	if v, ok := top["Version"]; ok {
		s, ok := v.(string)
		if !ok || (s != Version2012 && s != Version2008) {
			return nil, nil, syntax
		}
		d.Version = s
	}
	if v, ok := top["Id"]; ok {
		if d.ID, ok = v.(string); !ok {
			return nil, nil, syntax
		}
	}
	var raws []map[string]any
	switch st := top["Statement"].(type) {
	case map[string]any:
		raws = []map[string]any{st}
	case []any:
		for _, e := range st {
			m, ok := e.(map[string]any)
			if !ok {
				return nil, nil, syntax
			}
			raws = append(raws, m)
		}
	default:
		return nil, nil, syntax
	}
	if len(raws) == 0 {
		return nil, nil, syntax
	}
	for _, rs := range raws {
		s, ok := parseStatement(rs)
		if !ok {
			return nil, nil, syntax
		}
		d.Statements = append(d.Statements, s)
	}
	return d, raws, nil
}

func parseStatement(rs map[string]any) (Statement, bool) {
	var s Statement
	for key := range rs {
		if !statementElements[key] {
			return s, false
		}
	}
	if has(rs, "Action") && has(rs, "NotAction") || has(rs, "Resource") && has(rs, "NotResource") ||
		has(rs, "Principal") && has(rs, "NotPrincipal") {
		return s, false
	}
	effect, ok := rs["Effect"].(string)
	if !ok || !strings.EqualFold(effect, "Allow") && !strings.EqualFold(effect, "Deny") {
		return s, false
	}
	s.Deny = strings.EqualFold(effect, "Deny")
	if v, ok := rs["Sid"]; ok {
		if s.Sid, ok = v.(string); !ok {
			return s, false
		}
	}
	if s.Actions, s.NotAction, ok = listElement(rs, "Action", "NotAction"); !ok {
		return s, false
	}
	if s.Resources, s.NotResource, ok = listElement(rs, "Resource", "NotResource"); !ok {
		return s, false
	}
	if has(rs, "Principal") || has(rs, "NotPrincipal") {
		v := rs["Principal"]
		if s.NotPrincipal = has(rs, "NotPrincipal"); s.NotPrincipal {
			v = rs["NotPrincipal"]
		}
		if s.Principals, ok = parsePrincipals(v); !ok {
			return s, false
		}
	}
	if v, ok := rs["Condition"]; ok {
		if s.Conditions, ok = parseConditions(v); !ok {
			return s, false
		}
	}
	return s, true
}

func has(m map[string]any, key string) bool {
	_, ok := m[key]
	return ok
}

// listElement reads whichever of the element or its Not form is present
// as a list of strings; absent is (nil, false, true).
func listElement(rs map[string]any, name, notName string) ([]string, bool, bool) {
	not := false
	v, ok := rs[name]
	if !ok {
		if v, ok = rs[notName]; !ok {
			return nil, false, true
		}
		not = true
	}
	list, ok := stringList(v)
	if list == nil {
		list = []string{} // present but empty: "must contain actions"
	}
	return list, not, ok
}

// stringList reads a string or a list of strings.
func stringList(v any) ([]string, bool) {
	switch v := v.(type) {
	case string:
		return []string{v}, true
	case []any:
		out := make([]string, 0, len(v))
		for _, e := range v {
			s, ok := e.(string)
			if !ok {
				return nil, false
			}
			out = append(out, s)
		}
		return out, true
	}
	return nil, false
}

func parsePrincipals(v any) (Principals, bool) {
	if s, ok := v.(string); ok {
		if s != "*" {
			return nil, false
		}
		return Principals{"*": {"*"}}, true
	}
	m, ok := v.(map[string]any)
	if !ok || len(m) == 0 {
		return nil, false
	}
	p := Principals{}
	for typ, raw := range m {
		if !principalTypes[typ] {
			return nil, false
		}
		values, ok := stringList(raw)
		if !ok || len(values) == 0 {
			return nil, false
		}
		p[typ] = values
	}
	return p, true
}

// checkLegacy: IAM's older parser, which still runs, wants Effect's exact
// case.
func checkLegacy(d *Document, raws []map[string]any, _ Kind) error {
	for _, rs := range raws {
		if e := rs["Effect"].(string); e != "Allow" && e != "Deny" {
			return &Error{Message: msgLegacy}
		}
	}
	return nil
}

func checkSids(d *Document, _ []map[string]any, _ Kind) error {
	seen := map[string]bool{}
	for _, s := range d.Statements {
		if s.Sid == "" {
			continue
		}
		if seen[s.Sid] {
			return &Error{Message: msgDuplicateSid}
		}
		seen[s.Sid] = true
	}
	return nil
}

func checkActionsPresent(d *Document, _ []map[string]any, _ Kind) error {
	for _, s := range d.Statements {
		if len(s.Actions) == 0 {
			return &Error{Message: msgNoActions}
		}
	}
	return nil
}

// checkKind applies the rules that differ between identity and trust
// policies.
func checkKind(d *Document, _ []map[string]any, k Kind) error {
	for i := range d.Statements {
		s := &d.Statements[i]
		switch k {
		case Identity:
			if s.Principals != nil {
				return &Error{Message: msgPrincipalInIdent}
			}
			if len(s.Resources) == 0 {
				return &Error{Message: msgNoResources}
			}
		case Trust:
			if s.Resources != nil {
				return &Error{Message: msgResourceInTrust}
			}
			if s.Principals == nil {
				return &Error{Message: msgNoPrincipal}
			}
			if err := normalizePrincipals(s.Principals); err != nil {
				return err
			}
		}
	}
	return nil
}

func checkActionFormats(d *Document, _ []map[string]any, _ Kind) error {
	for _, s := range d.Statements {
		for _, a := range s.Actions {
			if err := checkAction(a); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkAction: "*", or vendor:action with one colon and a vendor of
// letters, digits, "-" and ".".
func checkAction(a string) error {
	if a == "*" {
		return nil
	}
	vendor, name, ok := strings.Cut(a, ":")
	switch {
	case !ok:
		return &Error{Message: msgActionVendor}
	case strings.Contains(name, ":"):
		return &Error{Message: msgActionColons}
	}
	for _, c := range vendor {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return malformed("Vendor %s is not valid", vendor)
		}
	}
	if vendor == "" {
		return malformed("Vendor %s is not valid", vendor)
	}
	return nil
}

func checkResourceFormats(d *Document, _ []map[string]any, _ Kind) error {
	for _, s := range d.Statements {
		for _, r := range s.Resources {
			if err := checkResource(r); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkResource: "*", or an ARN (six colon-separated parts, the first
// "arn") whose service part is spelled out.
func checkResource(r string) error {
	if r == "*" {
		return nil
	}
	parts := strings.SplitN(r, ":", 6)
	if len(parts) < 6 || parts[0] != "arn" {
		if len(parts) >= 2 && parts[0] == "arn" {
			return &Error{Message: msgLegacy}
		}
		return malformed("Resource %s must be in ARN format or \"*\".", r)
	}
	if parts[2] == "" || strings.ContainsAny(parts[2], "*?") {
		return &Error{Message: msgResourceVendor}
	}
	return nil
}

// Compact returns doc without insignificant whitespace, for size limits
// that IAM counts without it.
func Compact(doc string) string {
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(doc)); err != nil {
		return doc
	}
	return b.String()
}
