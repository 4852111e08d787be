package filterpattern

import (
	"slices"
	"testing"
)

// The unstructured examples of AWS's filter pattern pages, with messages of
// our own.
func TestMatchTerms(t *testing.T) {
	const (
		badRequest   = "[ERROR 400] BAD REQUEST"
		unauthorized = "[ERROR 401] UNAUTHORIZED REQUEST"
		missingArgs  = "[ERROR 419] MISSING ARGUMENTS"
		invalidArgs  = "[ERROR 420] INVALID ARGUMENTS"
	)
	cases := slices.Concat(
		// A single term, a case-sensitive substring.
		rows("ERROR", yes(badRequest, unauthorized, missingArgs, invalidArgs, "Exiting with ERRORCODE: -1"),
			"[error 400] bad request", "all good", ""),
		// Several terms: all must appear, in any order.
		rows("ERROR ARGUMENTS", yes(missingArgs, invalidArgs, "ARGUMENTS ... ERROR"), badRequest, unauthorized),
		rows("Failed to process the request",
			yes("[WARN] Failed to process the request", "[ERROR] Unable to continue: Failed to process the request",
				"the request Failed to process"),
			"request failed to process"),
		// ? terms: any one of them.
		rows("?ERROR ?ARGUMENTS", yes(badRequest, missingArgs, "[INFO] INVALID ARGUMENTS PROVIDED"), "[INFO] REQUEST OK"),
		rows("?ERROR ?WARN", yes("ERROR WARN message", "ERROR message", "WARN message"), "INFO message"),
		// ? terms next to other terms are ignored.
		rows("?ERROR ?ARGUMENTS REQUEST",
			yes("[INFO] REQUEST FAILED", "[WARN] UNAUTHORIZED REQUEST", "[ERROR] 400 BAD REQUEST"), missingArgs),
		rows("?ERROR -WARN", yes("INFO message", "ERROR message"), "WARN message", "ERROR WARN message"),
		// Exact phrases.
		rows(`"INTERNAL SERVER ERROR"`, yes("[ERROR 500] INTERNAL SERVER ERROR"), "INTERNAL ERROR SERVER", "[ERROR 500] INTERNAL SERVER"),
		rows(`"ERROR 404:" "/index.html"`, yes(`GET /index.html ERROR 404: not found`), `ERROR 404 /index.html`),
		rows(`"say \"hi\"" "C:\temp"`, yes(`she said: say "hi" to C:\temp`), `say hi to C:\temp`),
		rows(`"back\\slash"`, yes(`a back\slash here`), `a back\\slash here`),
		// Exclusions, with and without included terms.
		rows("ERROR -ARGUMENTS", yes(badRequest, unauthorized), missingArgs, invalidArgs),
		rows("ERROR -WARN", yes("ERROR message"), "ERROR WARN message", "WARN message"),
		rows(`"ERROR" -"Exiting"`, yes("[ERROR] A fatal exception has occurred"), "Exiting with ERRORCODE: -1"),
		rows(`"ERROR" - "Exiting"`, yes("[ERROR] A fatal exception has occurred"), "Exiting with ERRORCODE: -1"),
		rows("-DEBUG -TRACE", yes("INFO started", ""), "DEBUG x=1", "TRACE enter"),
		rows(`-"health check"`, yes("GET /"), "GET /ping health check ok"),
		// Everything.
		rows(`" "`, yes("anything", "", "  ")),
		rows(`""`, yes("anything", "")),
		rows("", yes("anything", "")),
		rows("   ", yes("anything", "")),
		rows(`?" " ?ERROR`, yes("anything")),
		// Letters beyond ASCII are letters.
		rows("Fehler größe", yes("Fehler: größe überschritten"), "Fehler"),
		rows("404 user_id", yes("404 for user_id=7"), "404 for user"),
	)
	runMatchCases(t, cases)
}

// The regular expression examples of AWS's "Supported regular expressions"
// page, as standalone %…% patterns.
func TestMatchRegex(t *testing.T) {
	cases := slices.Concat(
		rows("%AUTHORIZED%", yes("[ERROR 401] UNAUTHORIZED REQUEST", "[SUCCESS 200] AUTHORIZED REQUEST"), "[SUCCESS 200] OK"),
		rows(`%\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}%`, yes("from 192.168.0.12 port 22"), "from host.example port 22"),
		rows("%[Ee]rror|[Ff]ail%", yes("Error: x", "an error", "Fail", "failed"), "all ok"),
		rows("%^[hc]at%", yes("hat trick", "cat"), "the cat", "bat"),
		rows("%[hc]at$%", yes("a hat", "cat"), "hats", "a bat"),
		rows("%colou?r%", yes("color", "colour"), "colr"),
		rows("%[abc]%", yes("xbz", "a"), "xyz"),
		rows("%[a-z]%", yes("ABCd"), "ABC1"),
		rows("%[abcx-z]%", yes("y", "c"), "d"),
		rows("%a{3,5}%", yes("aaa", "baaaaab"), "aa", "b"),
		rows("%^a{3, 5}$%", yes("aaa", "aaaaa"), "aa", "aaaaaa"),
		rows("%^a{,2}b$%", yes("b", "ab", "aab"), "aaab"),
		rows("%^x{2,}$%", yes("xx", "xxxx"), "x"),
		rows("%[{, }]%", yes("{", ",", " ", "}"), "x"), // braces in a class are characters
		rows(`%\{1, 2\}%`, yes("{1, 2}"), "1"),
		rows("%gra|ey%", yes("gray", "grey"), "gry"),
		rows("%^starting|^initializing|^shutting down%",
			yes("starting ...", "initializing db", "shutting down now"), "skipping initializing step"),
		rows("%abcc|ab[^c]$%", yes("abcc ...", "aba"), "aac ...", "abc"),
		rows(`%\[.\]%`, yes("[a]", "[b]", "[7]", "[@]", "[]]", "[ ]"), "[ab]", "[]"),
		rows(`%10\.10\.0\.1%`, yes("host 10.10.0.1 up"), "10010,051"),
		rows("%10.10.0.1%", yes("10.10.0.1", "10010,051")),
		rows("%ab*c%", yes("ac", "abc", "abbbc"), "ab"),
		rows("%ab[0-9]*%", yes("ab", "ab0", "ab129")),
		rows("%ab+c%", yes("abc", "abbc", "abbbc"), "ac"),
		rows("%.at%", yes("hat", "cat", "4at", "#at", " at"), "at"),
		rows(`%\d%`, yes("a1"), "abc"),
		rows(`%\D%`, yes("1a1"), "123"),
		rows(`%\s%`, yes("a b", "a\tb"), "ab"),
		rows(`%\S%`, yes("  a  "), "   "),
		rows(`%\w%`, yes("__", "a"), "!?"),
		rows(`%\W%`, yes("a-b"), "abc_1"),
		rows(`%\x3A%`, yes("a:b"), "ab"),
		rows(`%\x28%`, yes("f(x)"), "fx"),
		rows("%user@example.com%", yes("login user@example.com ok")),
		rows("%key=value;a,b/c#d:e_f-g%", yes("key=value;a,b/c#d:e_f-g")),
		rows("  %ERROR%  ", yes("ERROR"), "error"),
	)
	runMatchCases(t, cases)
}
