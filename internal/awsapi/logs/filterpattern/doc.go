// Package filterpattern compiles CloudWatch Logs filter patterns and matches
// log event messages against them, as FilterLogEvents, metric filters,
// subscription filters and Live Tail do
// (docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html).
//
// A pattern takes one of four forms, told apart by its first character once
// surrounding spaces are trimmed:
//
//   - terms (anything else): ERROR, "exact phrase", ?either ?or, -excluded;
//     case-sensitive substrings of the message.
//   - a regular expression, %…%: AWS's subset (no parentheses, a limited
//     character set), run by Go's regexp.
//   - JSON, { … }: conditions on property selectors ($.a.b[0], $.a[*],
//     $.['x.y']) joined by && and || with parentheses; a message that is not
//     a JSON object never matches.
//   - space-delimited, [ … ]: named fields with optional conditions and
//     ellipses; "[…]" and "\"…\"" in the message are single fields.
//
// Compile does all the parsing and validation; Match allocates nothing for
// term, regex and space-delimited patterns, and for JSON patterns checks the
// first byte before it parses anything. A Pattern is immutable and safe for
// concurrent use.
package filterpattern
