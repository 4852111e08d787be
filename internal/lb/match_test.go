package lb

import (
	"net/netip"
	"testing"
)

func TestWildcard(t *testing.T) {
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"", "", true},
		{"", "a", false},
		{"*", "", true},
		{"*", "/anything/at/all", true},
		{"/api", "/api", true},
		{"/api", "/api/", false},
		{"/api/*", "/api/", true},
		{"/api/*", "/api/v1/users", true},
		{"/api/*", "/apiv1", false},
		{"/api*", "/apiv1", true},
		{"/img/*.png", "/img/a/b.png", true},
		{"/img/*.png", "/img/a/b.png.gz", false},
		{"/v?/x", "/v1/x", true},
		{"/v?/x", "/v10/x", false},
		{"/v?/x", "/v/x", false},
		{"*a*b*c", "xxaxxbxxc", true},
		{"*a*b*c", "xxaxxcxxb", false},
		{"a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false}, // no blow-up
		{"**", "x", true},
		{"?*", "", false},
		{"/API/*", "/api/x", false}, // case-sensitive as given
	}
	for _, tt := range tests {
		if got := wildcard(tt.pattern, tt.s); got != tt.want {
			t.Errorf("wildcard(%q, %q) = %v, want %v", tt.pattern, tt.s, got, tt.want)
		}
	}
}

func TestConditionMatch(t *testing.T) {
	req := request{method: "POST", host: "api.example.com", path: "/v1/orders", client: netip.MustParseAddr("10.0.1.7")}
	tests := []struct {
		name string
		c    Condition
		want bool
	}{
		{"empty matches all", Condition{}, true},
		{"path", Condition{PathPatterns: []string{"/v1/*"}}, true},
		{"path any of", Condition{PathPatterns: []string{"/v2/*", "/v1/ord?rs"}}, true},
		{"path none", Condition{PathPatterns: []string{"/v2/*"}}, false},
		{"path case-sensitive", Condition{PathPatterns: []string{"/V1/*"}}, false},
		{"host case-insensitive", Condition{HostHeaders: []string{"API.Example.COM"}}, true},
		{"host wildcard", Condition{HostHeaders: []string{"*.example.com"}}, true},
		{"host wildcard miss", Condition{HostHeaders: []string{"*.example.org"}}, false},
		{"method", Condition{Methods: []string{"GET", "POST"}}, true},
		{"method case-sensitive", Condition{Methods: []string{"post"}}, false},
		{"source", Condition{SourceIPs: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/16")}}, true},
		{"source miss", Condition{SourceIPs: []netip.Prefix{netip.MustParsePrefix("10.1.0.0/16")}}, false},
		{"source mapped prefix", Condition{SourceIPs: []netip.Prefix{netip.MustParsePrefix("::ffff:10.0.0.0/104")}}, true},
		{"all kinds must match", Condition{PathPatterns: []string{"/v1/*"}, Methods: []string{"GET"}}, false},
		{"all kinds match", Condition{PathPatterns: []string{"/v1/*"}, Methods: []string{"POST"},
			HostHeaders: []string{"api.*"}, SourceIPs: []netip.Prefix{netip.MustParsePrefix("10.0.1.7/32")}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := compileCondition(tt.c)
			if got := c.match(&req); got != tt.want {
				t.Errorf("match = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestRoute(t *testing.T) {
	rules := []Rule{
		// Out of order on purpose: priority decides, not position.
		{ARN: "catch-all-api", Priority: 50, Conditions: []Condition{{PathPatterns: []string{"/api/*"}}}},
		{ARN: "api-admin", Priority: 5, Conditions: []Condition{{PathPatterns: []string{"/api/admin*"}},
			{SourceIPs: []netip.Prefix{netip.MustParsePrefix("192.168.0.0/16")}}}},
		{ARN: "images", Priority: 10, Conditions: []Condition{{PathPatterns: []string{"*.png", "*.jpg"}}}},
		{ARN: "blog-host", Priority: 20, Conditions: []Condition{{HostHeaders: []string{"blog.example.com"}}}},
		{ARN: "deletes", Priority: 30, Conditions: []Condition{{Methods: []string{"DELETE"}}}},
	}
	compiled := compileRules(rules, nil)
	for i, r := range rules {
		compiled[indexOf(compiled, r.ARN)].action = &action{fixed: &FixedResponse{Body: rules[i].ARN}}
	}
	dflt := &action{fixed: &FixedResponse{Body: "default"}}
	lan := netip.MustParseAddr("192.168.1.1")
	wan := netip.MustParseAddr("203.0.113.9")
	tests := []struct {
		name string
		q    request
		want string
	}{
		{"admin from lan", request{"GET", "x.example.com", "/api/admin/users", lan}, "api-admin"},
		{"admin from wan falls to api", request{"GET", "x.example.com", "/api/admin/users", wan}, "catch-all-api"},
		{"png under api: images first", request{"GET", "x.example.com", "/api/logo.png", wan}, "images"},
		{"blog host", request{"GET", "blog.example.com", "/post/1", wan}, "blog-host"},
		{"blog host beats delete", request{"DELETE", "blog.example.com", "/post/1", wan}, "blog-host"},
		{"delete", request{"DELETE", "shop.example.com", "/cart/1", wan}, "deletes"},
		{"nothing matches", request{"GET", "shop.example.com", "/", wan}, "default"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := route(compiled, dflt, &tt.q).fixed.Body; got != tt.want {
				t.Errorf("route = %s, want %s", got, tt.want)
			}
		})
	}
}

func indexOf(rules []rule, arn string) int {
	for i, r := range rules {
		if r.arn == arn {
			return i
		}
	}
	return -1
}

func TestRequestHost(t *testing.T) {
	tests := map[string]string{
		"One.ELB.localhost:8080": "one.elb.localhost",
		"one.elb.localhost.":     "one.elb.localhost",
		"one.elb.localhost":      "one.elb.localhost",
		"[::1]:80":               "[::1]",
		"[::1]":                  "[::1]",
		"10.0.0.1:80":            "10.0.0.1",
		"":                       "",
	}
	for in, want := range tests {
		if got := requestHost(in); got != want {
			t.Errorf("requestHost(%q) = %q, want %q", in, got, want)
		}
	}
}
