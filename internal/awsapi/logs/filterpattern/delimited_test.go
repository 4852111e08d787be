package filterpattern

import (
	"slices"
	"strings"
	"testing"
)

// Apache access log lines like those of AWS's space-delimited examples.
const (
	gif200  = `127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /apache_pb.gif HTTP/1.0" 200 1534`
	gif500  = `127.0.0.1 - frank [10/Oct/2000:13:35:22 -0700] "GET /apache_pb.gif HTTP/1.0" 500 5324`
	html404 = `127.0.0.1 Prod frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 1534`
	html410 = `127.0.0.2 Prod frank [10/Oct/2000:13:25:16 -0700] "GET /gone.html HTTP/1.0" 410 512`
	small   = `10.0.0.1 - - [10/Oct/2000:13:25:17 -0700] "GET /robots.txt HTTP/1.0" 403 12`
)

// Application log lines of AWS's "match terms in order" examples.
const (
	infoGet   = "INFO 09/25/2014 12:00:00 GET /service/resource/67 1200"
	infoPost  = "INFO 09/25/2014 12:00:01 POST /service/resource/67/part/111 1310"
	warnLine  = "WARNING 09/25/2014 12:00:02 Invalid user request"
	errorLine = "ERROR 09/25/2014 12:00:02 Failed to process request"
)

func TestMatchDelimited(t *testing.T) {
	cases := slices.Concat(
		// Seven named fields: any seven-field line.
		rows("[ip, user, username, timestamp, request, status_code, bytes]", yes(gif200, gif500, html404, small),
			"127.0.0.1 - frank", ""),
		// Ellipses stand for any number of fields.
		rows("[..., status_code, bytes]", yes(gif200, "404 12", infoGet), "12"),
		rows("[ip, user, ..., status_code, bytes]", yes(gif200, "a b c d"), "a b c"),
		rows("[ip, user, ...]", yes(gif200, "a b"), "127.0.0.1"),
		rows("[..., status_code = 404, ...]", yes(html404, "404"), gif200),
		rows("[..., request = \"GET /index.html HTTP/1.0\", status_code, bytes]", yes(html404), gif200),
		// Conditions.
		rows("[ip, user, username, timestamp, request, status_code, bytes > 1000]", yes(gif200, gif500, html404), html410, small),
		rows("[ip, user, username, timestamp, request, status_code = 200, bytes]", yes(gif200), gif500, html404),
		rows("[ip, user, username, timestamp, request, status_code = 4*, bytes]", yes(html404, html410, small), gif200, gif500),
		rows("[ip, user, username, timestamp, request = *html*, status_code = 4*, bytes]", yes(html404, html410), small, gif200),
		rows("[ip, user, username, timestamp, request, status_code = 4* && status_code != 403, bytes]", yes(html404, html410), small, gif500),
		rows(`[ip=%127\.0\.0\.[1-9]%, user, username, timestamp, request =*.html*, status_code = 4*, bytes]`, yes(html404, html410), small, gif200),
		rows("[..., request =*.html*, status_code = 4*, bytes]", yes(html404, html410), small),
		rows("[ip, user, username, timestamp, request =*.html*, status_code = 404 || status_code = 410, bytes]", yes(html404, html410), small, gif500),
		rows("[ip, user, username, timestamp, request, status_code = 4* || status_code = 5*, bytes]", yes(gif500, html404, small), gif200),
		rows("[ip, user, username, timestamp, request, (status_code = 200 || status_code = 500) && status_code != 500, bytes]", yes(gif200), gif500),
		// AWS's older example ends with an empty, unnamed field.
		rows("[..., request=*.html*, status_code=4*,]", yes(html404), gif200),
		rows("[a,,c = 3]", yes("1 2 3"), "1 2 4"),
		// Terms in order: the last field takes the rest of the line.
		rows("[w1=ERROR, w2]", yes(errorLine, "ERROR x"), infoGet, warnLine, "ERROR"),
		rows("[w1=ERROR]", yes("ERROR", " ERROR "), errorLine),
		rows("[w1=ERROR || w1=WARNING, w2]", yes(errorLine, warnLine), infoGet, infoPost),
		rows("[w1!=ERROR && w1!=WARNING, w2]", yes(infoGet, infoPost), errorLine, warnLine),
		rows("[w1=ERROR || w1=WARN, w2]", yes("ERROR WARN message", "ERROR message", "WARN message"), "INFO message"),
		rows("[level, rest = \"09/25/2014 12:00:02 Failed to process request\"]", yes(errorLine), warnLine),
		rows("[level, rest = *request]", yes(errorLine, warnLine), infoGet),
		rows(`[logLevel, date, time, method, url=%/service/resource/[0-9]+$%, response_time]`, yes(infoGet), infoPost, warnLine),
		rows(`[logLevel, date, time, method, url=%/service/resource/[0-9]+/part/[0-9]+$%, response_time]`, yes(infoPost), infoGet),
		// Numbers compare as numbers; other values as text.
		rows("[a, b = 404]", yes("x 404", "x 404.0", "x 4.04e2"), "x 0x194", "x four"),
		rows("[a, b != 404]", yes("x 405", "x four"), "x 404.00"),
		rows("[a, b >= -2.5]", yes("x -2.5", "x 0", "x 1e3"), "x -3", "x -", "x n/a"),
		// Brackets and quotes in the message make one field, without them.
		rows(`[a, b = "x y", c = "[z]"]`, yes(`1 "x y" "[z]"`), `1 [x y] z`),
		rows(`[a, b = "x y", c = z]`, yes(`1 [x y] z`, "1\t\"x y\"\tz\n")),
		rows(`[a, b = *hi*, c = 2]`, yes(`1 "say \"hi\" now" 2`)), // \" does not end a quoted field
		rows(`[a, b, c]`, yes(`1 [unclosed 2`, `1 "unclosed 2`)),
		rows(`[a, b = "", c]`, yes(`1 "" 2`)),
	)
	runMatchCases(t, cases)
}

// Many ellipses over many fields must not backtrack exponentially.
func TestMatchDelimitedManyEllipses(t *testing.T) {
	p, err := Compile("[" + strings.Repeat("..., a = x, ", 40) + "..., b = y]")
	if err != nil {
		t.Fatal(err)
	}
	msg := strings.Repeat("x ", 2000) + "z"
	if p.Match(msg) {
		t.Error("matched a message without y")
	}
	if !p.Match(msg + " y") {
		t.Error("did not match a message that ends in y")
	}
	if p.Match(strings.Repeat("x ", 39) + "y") {
		t.Error("matched a message with 39 x fields, 40 needed")
	}
}
