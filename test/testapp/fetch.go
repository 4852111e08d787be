package main

import (
	"fmt"
	"io"
	"net/http"
	"time"
)

// cmdFetch GETs a URL and prints "HTTP <status>" and then the body; it
// exits 1 only when no response came, so tests can assert on any status.
func cmdFetch(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("fetch", stderr)
	timeout := fs.Duration("timeout", 10*time.Second, "request timeout")
	if fs.Parse(args) != nil {
		return 2
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "usage: fetch [-timeout D] URL")
		return 2
	}
	status, body, err := get(fs.Arg(0), *timeout)
	if err != nil {
		fmt.Fprintln(stderr, "fetch:", err)
		return 1
	}
	fmt.Fprintf(stdout, "HTTP %d\n%s", status, body)
	if len(body) > 0 && body[len(body)-1] != '\n' {
		fmt.Fprintln(stdout)
	}
	return 0
}

// get returns the status code and body of a GET of url.
func get(url string, timeout time.Duration) (int, []byte, error) {
	c := &http.Client{Timeout: timeout}
	resp, err := c.Get(url)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, fmt.Errorf("reading body: %w", err)
	}
	return resp.StatusCode, body, nil
}
