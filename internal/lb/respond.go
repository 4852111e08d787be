package lb

import (
	"cmp"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// serverHeader is the Server header of the answers ALB makes itself.
var serverHeader = []string{"awselb/2.0"}

// errorPage is the HTML body ALB sends with a status it generates.
func errorPage(status int) []byte {
	title := fmt.Sprintf("%d %s", status, http.StatusText(status))
	return []byte("<html>\r\n<head><title>" + title + "</title></head>\r\n<body>\r\n<center><h1>" +
		title + "</h1></center>\r\n</body>\r\n</html>\r\n")
}

// Pages made once for the statuses the proxy generates most.
var errorPages = map[int][]byte{
	http.StatusBadGateway:         errorPage(http.StatusBadGateway),
	http.StatusServiceUnavailable: errorPage(http.StatusServiceUnavailable),
	http.StatusGatewayTimeout:     errorPage(http.StatusGatewayTimeout),
}

// writeError answers with status and ALB's HTML page for it.
func writeError(w http.ResponseWriter, status int) {
	body, ok := errorPages[status]
	if !ok {
		body = errorPage(status)
	}
	writeBody(w, status, "text/html", body)
}

func writeBody(w http.ResponseWriter, status int, contentType string, body []byte) {
	h := w.Header()
	h["Server"] = serverHeader
	h["Content-Type"] = []string{contentType}
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// writeFixed answers a fixed-response action.
func writeFixed(w http.ResponseWriter, f *FixedResponse) {
	ct := cmp.Or(f.ContentType, "text/plain")
	if !strings.Contains(ct, ";") {
		ct += "; charset=utf-8"
	}
	writeBody(w, f.StatusCode, ct, []byte(f.Body))
}

// writeRedirect answers a redirect action. Components left empty keep the
// request's; the keywords #{protocol}, #{host}, #{port}, #{path} (without
// its leading /) and #{query} take the request's values; a port that is
// the protocol's default is left out of the Location.
func writeRedirect(w http.ResponseWriter, r *http.Request, rd *Redirect, port, host string) {
	keywords := strings.NewReplacer(
		"#{protocol}", "http", // listeners are HTTP
		"#{host}", host,
		"#{port}", port,
		"#{path}", strings.TrimPrefix(r.URL.EscapedPath(), "/"),
		"#{query}", r.URL.RawQuery,
	)
	scheme := strings.ToLower(keywords.Replace(cmp.Or(rd.Protocol, "#{protocol}")))
	toHost := keywords.Replace(cmp.Or(rd.Host, "#{host}"))
	toPort := keywords.Replace(cmp.Or(rd.Port, "#{port}"))
	path := keywords.Replace(cmp.Or(rd.Path, "/#{path}"))
	query := keywords.Replace(cmp.Or(rd.Query, "#{query}"))

	loc := scheme + "://" + toHost
	if !(scheme == "http" && toPort == "80" || scheme == "https" && toPort == "443") {
		loc += ":" + toPort
	}
	loc += path
	if query != "" {
		loc += "?" + query
	}
	w.Header()["Location"] = []string{loc}
	writeBody(w, rd.StatusCode, "text/html", errorPage(rd.StatusCode))
}
