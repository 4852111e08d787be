package filterpattern

import (
	"errors"
	"strings"
	"testing"
)

func TestCompileErrors(t *testing.T) {
	cases := []struct {
		pattern string
		want    string // a part of Error()
		term    string // Error.Term
		pos     int    // Error.Position()
	}{
		// Unstructured terms.
		{"user@example.com", "Invalid character(s) in term 'user@example.com'", "user@example.com", 1},
		{"ERROR 404:", "Invalid character(s) in term '404:'", "404:", 7},
		{"ERROR /api/v1", "Invalid character(s) in term '/api/v1'", "/api/v1", 7},
		{"ERROR ?", "'?' must be followed by a term", "?", 7},
		{"-", "'-' must be followed by a term", "-", 1},
		{"?-ERROR", "Invalid character(s) in term '-ERROR'", "-ERROR", 2},
		{`ERROR "unterminated phrase`, `the quoted term "unterminated phrase has no closing '"'`, `"unterminated phrase`, 7},
		{`"abc"def`, "a quoted term must be followed by a space", `"abc"`, 6},
		{`ERROR %regex%`, "Invalid character(s) in term '%regex%'", "%regex%", 7},
		{"ERROR {", "Invalid character(s) in term '{'", "{", 7},
		// The pattern's shape.
		{`{ $.a = 1`, "If a filter pattern starts with '{' it must end with '}'", "", 9},
		{`{`, "If a filter pattern starts with '{' it must end with '}'", "", 1},
		{`[a, b`, "If a filter pattern starts with '[' it must end with ']'", "", 5},
		{`%abc`, "If a filter pattern starts with '%' it must end with '%'", "", 4},
		{`%abc% def`, "If a filter pattern starts with '%' it must end with '%'", "", 9},
		// Regular expressions.
		{`%%`, "the regular expression %% is empty", "%%", 1},
		{`%something!%`, "Invalid character(s) in term '%something!%': '!' is not allowed in a regular expression; match it with \\x21", "%something!%", 1},
		{`%some(thing)%`, "parentheses are not supported in a regular expression; match '(' with \\x28", "%some(thing)%", 1},
		{`%café%`, "multi-byte characters are not supported", "%café%", 1},
		{"%a\tb%", `'\t' is not allowed`, "%a\tb%", 1},
		{`%[a%`, "the regular expression %[a% does not compile: missing closing ]", "%[a%", 1},
		{`%*a%`, "does not compile: missing argument to repetition operator", "%*a%", 1},
		{`%\q%`, "does not compile: invalid escape sequence", `%\q%`, 1},
		{`%a{1001}%`, "does not compile: invalid repeat count", "%a{1001}%", 1},
		// JSON.
		{`{ }`, "has no condition", "{ }", 1},
		{`{ $.a == 1 }`, "expected a value after '=', found '='", "=", 8},
		{`{ $.a = }`, "expected a value after '=', found the end of the pattern", "", 9},
		{`{ $.a = 1 && }`, "expected a property selector such as $.field, found the end of the pattern", "", 14},
		{`{ ($.a = 1 }`, "expected ')' to close the '(' at character 3, found the end of the pattern", "", 12},
		{`{ $.a = 1) }`, "')' has no matching '('", ")", 10},
		{`{ $.a = 1 $.b = 2 }`, "expected &&, || or '}', found '$.b'", "$.b", 11},
		{`{ $.a ~ 1 }`, "expected an operator (= != < <= > >=), IS or NOT EXISTS after $.a, found '~'", "~", 7},
		{`{ $.a = 1 & $.b = 2 }`, "unexpected '&'; the logical operators are && and ||", "&", 11},
		{`{ $.a = 1 | $.b = 2 }`, "unexpected '|'", "|", 11},
		{`{ $.a ! 1 }`, "unexpected '!'; the not-equal operator is !=", "!", 7},
		{`{ $.a = 1, $.b = 2 }`, "unexpected ','", ",", 10},
		{`{ a = 1 }`, "expected a property selector starting with '$.', found 'a'", "a", 3},
		{`{ "a" = 1 }`, "expected a property selector starting with '$.'", `"a"`, 3},
		{`{ $.a > abc }`, "> compares numbers, found 'abc'", "abc", 9},
		{`{ $.a > "5" }`, `> compares numbers, found the string "5"`, `"5"`, 9},
		{`{ $.a >= %5% }`, "a regular expression can only be compared with = or !=, not >=", "%5%", 10},
		{`{ $.a = user@example.com }`, "Invalid character(s) in term 'user@example.com'", "user@example.com", 9},
		{`{ $.a = %x }`, "the regular expression %x has no closing '%'", "%x", 9},
		{`{ $.a IS NOT NULL }`, "IS NOT is not supported", "IS NOT", 7},
		{`{ $.a EXISTS }`, "EXISTS is not supported; use NOT EXISTS", "EXISTS", 7},
		{`{ $.a IS MAYBE }`, "expected NULL, TRUE or FALSE after IS, found 'MAYBE'", "MAYBE", 10},
		{`{ $.a NOT THERE }`, "expected EXISTS after NOT, found 'THERE'", "THERE", 11},
		{`{ $ = 1 }`, "the property selector $ selects nothing", "$", 3},
		{`{ $.a. = 1 }`, "the property selector $.a. ends with '.'", "$.a.", 3},
		{`{ $.a@b = 1 }`, "Invalid character(s) in term '$.a@b'", "$.a@b", 3},
		{`{ $a = 1 }`, "Invalid character(s) in term '$a'", "$a", 3},
		{`{ $.a[x] = 1 }`, "the property selector $.a[x] has [x]", "$.a[x]", 3},
		{`{ $.a[-1] = 1 }`, "has [-1]", "$.a[-1]", 3},
		{`{ $.a[0 = 1 }`, "the selector $.a[0 = 1 has a '[' with no closing ']'", "$.a[0 = 1", 6},
		{`{ $.a[*].b[*] = 1 }`, "has 2 wildcards; a selector can hold at most 1", "$.a[*].b[*]", 3},
		{`{ $.a[*] = 1 || $.b.* = 2 || $.c[*] = 3 || $.d[*] = 4 }`, "brings the pattern to 4 wildcards; a pattern can hold at most 3", "$.d[*]", 44},
		{`{ $.a = %x% || $.b = %y% || $.c = %z% }`, "can hold at most 2 regular expressions", "%z%", 35},
		{`{ $.a = %x(% }`, "parentheses are not supported", "%x(%", 9},
		// Space-delimited.
		{`[]`, "names no field", "[]", 1},
		{`[ ]`, "names no field", "[ ]", 1},
		{`[..., status_code = 4* && bytes > 1000]`, "the conditions of field 'status_code' cannot test 'bytes'", "bytes", 27},
		{`[a b]`, "expected an operator (= != < <= > >=) after a, found 'b'", "b", 4},
		{`[a = ]`, "expected a value after '=', found the end of the pattern", "", 6},
		{`[... = 1]`, "'...' stands for any fields and cannot have conditions", "=", 6},
		{`[a, $b]`, "Invalid character(s) in term '$b'", "$b", 5},
		{`[a.b]`, "Invalid character(s) in term 'a.b': a field name is letters, digits and '_'", "a.b", 2},
		{`[a.b = 1]`, "Invalid character(s) in term 'a.b'", "a.b", 2},
		{`[a = 1 b]`, "expected ',' or ']' after field 'a', found 'b'", "b", 8},
		{`[= 1]`, "expected a field name, found '='", "=", 2},
		{`[a > x1]`, "> compares numbers, found 'x1'", "x1", 6},
		{`[a = x/y]`, "Invalid character(s) in term 'x/y'", "x/y", 6},
		{`[a = %1%, b = %2%, c = %3%]`, "can hold at most 2 regular expressions", "%3%", 24},
		{`[a = "x]`, `the quoted term "x has no closing '"'`, `"x`, 6},
	}
	for _, c := range cases {
		t.Run(c.pattern, func(t *testing.T) {
			p, err := Compile(c.pattern)
			if err == nil {
				t.Fatalf("Compile(%q) = %v, want an error", c.pattern, p)
			}
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("Compile(%q) error %T, want *Error", c.pattern, err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("Compile(%q) error\n  %s\nwant it to contain\n  %s", c.pattern, err, c.want)
			}
			if pe.Pattern != c.pattern || pe.Term != c.term || pe.Position() != c.pos {
				t.Errorf("Compile(%q): Pattern %q, Term %q, Position %d; want Term %q, Position %d (%s)",
					c.pattern, pe.Pattern, pe.Term, pe.Position(), c.term, c.pos, err)
			}
		})
	}
}

func TestErrorText(t *testing.T) {
	_, err := Compile("ERROR user@example.com")
	const want = "Invalid character(s) in term 'user@example.com': terms with characters other than letters, digits and '_' must be in double quotes (at character 7 of the filter pattern)"
	if err == nil || err.Error() != want {
		t.Errorf("error = %v\nwant    %s", err, want)
	}
	// Positions count characters, not bytes.
	_, err = Compile("größe ü@x")
	var pe *Error
	if !errors.As(err, &pe) || pe.Position() != 7 || pe.Offset != len("größe ") {
		t.Errorf("error %v: want position 7 at byte %d", err, len("größe "))
	}
}

func TestNilPatternMatchesAll(t *testing.T) {
	var p *Pattern
	if !p.Match("anything") || p.String() != "" {
		t.Error("a nil *Pattern should match everything and print as \"\"")
	}
	q, err := Compile(" ERROR ")
	if err != nil || q.String() != " ERROR " {
		t.Errorf("String() = %q, %v; want the pattern as given", q.String(), err)
	}
}

func TestCompileMaxLength(t *testing.T) {
	long := strings.Repeat("é", MaxLength)
	if _, err := Compile(long); err != nil {
		t.Errorf("a pattern of %d characters: %v", MaxLength, err)
	}
	_, err := Compile(long + "x")
	if err == nil || !strings.Contains(err.Error(), "it is 1025 characters long, and the most is 1024") {
		t.Errorf("a pattern of %d characters: %v", MaxLength+1, err)
	}
}
