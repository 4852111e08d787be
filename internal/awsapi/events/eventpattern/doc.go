// Package eventpattern compiles Amazon EventBridge event patterns and
// matches events against them, for PutRule, TestEventPattern and the rule
// controller that routes PutEvents entries to targets.
//
// A pattern is a JSON object shaped like the events it matches. Its
// members are nested objects or value arrays; every member must match
// (AND) and any element of a value array may (OR). An event value that is
// an array matches if any of its elements does. Array elements are:
//
//	"text", 5, true, false, null      exactly that value (5 also matches 5.0 and 5e0,
//	                                  "5" does not; "10.0.0.1" matches that address)
//	{"prefix": "x"}                   strings starting with x
//	{"prefix": {"equals-ignore-case": "x"}}
//	{"suffix": "x"}, {"suffix": {"equals-ignore-case": "x"}}
//	{"equals-ignore-case": "x"}
//	{"wildcard": "a*b"}               * is any run of characters; \* and \\ escape
//	{"numeric": [">", 0, "<=", 5]}    numbers (not strings) in range; one bound,
//	                                  or ["=", n]
//	{"cidr": "10.0.0.0/24"}           IPv4 or IPv6 address strings in the block
//	{"exists": true}, {"exists": false}
//	{"anything-but": "x" | 5 | ["x", "y"] | [5, 6]}
//	{"anything-but": {"prefix"|"suffix"|"equals-ignore-case"|"wildcard": "x" | ["x", …]}}
//
// and "$or": [{…}, {…}, …] in any object ORs whole sub-patterns.
//
// # Semantics where the AWS documentation is thin
//
// EventBridge's matcher is the open-source aws/event-ruler; its documented
// behaviour is followed, with these choices where it is implicit:
//
//   - Only scalars are values of a path. An object value is a level of its
//     own and an empty array holds nothing, so {"exists": true} does not
//     match them and {"exists": false} does ("exists works on leaves").
//     null is a value: it exists, and matches only null.
//   - exists:false means the path is absent from the whole event (in no
//     element of any array on the way).
//   - Array consistency: conditions below one object level must all be met
//     by one element when that level's value is an array of objects.
//   - anything-but matches any present value other than the ones listed
//     (a number or null passes a string anything-but, and the reverse);
//     it never matches a missing field. On an array, one passing element
//     suffices.
//   - prefix, suffix, equals-ignore-case, wildcard and cidr match strings
//     only; numeric matches JSON numbers only.
//   - Numbers compare to six decimals within ±5e9 (event values are
//     rounded half up to six decimals); numbers outside that range match
//     only an exact value equal to them. Filter operands must be
//     representable, or the pattern is invalid.
//   - A CIDR block starts at the address as written (10.0.0.5/24 covers
//     10.0.0.5 to 10.0.0.255) and /32 (/128) is refused, as in EventBridge.
//   - A name written twice in one object keeps the later value array and
//     merges nested objects. A condition outside a $or and one inside it on
//     the same path must both hold.
//   - "$or" combines into at most MaxBranches alternatives (berth's limit).
//   - Keys are matched as written: {"a.b": […]} is not {"a": {"b": […]}}
//     (event-ruler treats them alike; its README says not to rely on it).
//   - Text after the pattern's closing brace is ignored, as EventBridge's
//     parser ignores it.
//
// # Validation
//
// Compile refuses what EventBridge refuses, with its words (see Error):
// a pattern that is not an object, the empty pattern {} and empty nested
// objects ("Empty objects are not allowed" - so {} is invalid for PutRule
// and TestEventPattern alike), empty arrays, members that are neither
// objects nor arrays, unknown filters, malformed numeric ranges (bad
// operators, reversed bounds, operands beyond ±5e9 or six decimals),
// mixed anything-but lists, bad wildcards and CIDRs, and $or arrays with
// fewer than two objects or with operator names as fields. The 4096
// character limit on EventPattern is the API's to check (a
// ValidationException, not an InvalidEventPatternException).
package eventpattern
