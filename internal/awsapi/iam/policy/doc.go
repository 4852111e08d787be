// Package policy is the IAM policy language as berth understands it: it
// parses and validates policy documents (with IAM's MalformedPolicyDocument
// messages) and evaluates them against a request.
//
// Two kinds of document are parsed: identity policies (a role's inline
// policies), whose statements name Action and Resource and must not name a
// Principal, and trust policies (a role's assume-role policy), whose
// statements name a Principal and Action and must not name a Resource.
//
// Evaluation follows IAM's rules for one set of policies: an explicit Deny
// wins over any Allow, an Allow applies when its action, resource,
// principal and conditions all match, and nothing applying is an implicit
// deny. Actions match case-insensitively, resources and principals
// case-sensitively; "*" matches any run of characters and "?" any one.
//
// Conditions: StringEquals, StringNotEquals, StringEqualsIgnoreCase,
// StringNotEqualsIgnoreCase, StringLike, StringNotLike, ArnEquals, ArnLike,
// ArnNotEquals, ArnNotLike, Bool and Null (each with IfExists) are
// evaluated against the keys the caller supplies. A statement with any
// other operator (Numeric*, Date*, IpAddress, ForAnyValue:…, …) does not
// apply at all, whether it allows or denies: a known gap, chosen over
// guessing. Policy variables (${aws:username}) are not substituted.
//
// The package does no I/O; it imports only the standard library.
package policy
