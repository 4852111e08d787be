// Package lb is the data plane of berth's Application Load Balancers: an
// HTTP/1.1 reverse proxy that serves every listener of every load balancer,
// routes requests by listener rules, balances them across a target group's
// targets and health-checks those targets, as an ALB does.
//
// The control plane (the ELBv2 API) keeps the records; the caller turns them
// into a Config and hands it to Plane.Apply, as often as it likes. Apply
// compiles the Config into an immutable snapshot and swaps it in with one
// atomic store, so a request sees either the old configuration or the new
// one, never a mix, and no connection is dropped by a swap:
//
//	Apply(cfg) ─ validate ─ bind new listeners ─ update target groups ─┐
//	                                                                   │
//	  request ─► server(addr:port) ─► snapshot.Load() ◄──── swap ◄─────┘
//	               │                     │
//	               │     Host header picks the load balancer (host dispatch)
//	               │     rules by priority pick the action
//	               ▼                     ▼
//	       fixed-response │ redirect │ forward ─► weighted group ─► round robin
//	                                              over routable targets ─► pool
//
// # Listeners
//
// One http.Server runs per (address, port): each address of a load balancer
// times each of its listener ports, opened through Net.Listen, plus each of
// Options.HostAddrs times every listener port of any load balancer (host
// dispatch, so `curl http://<name>.elb.localhost/` reaches the load balancer
// named by the Host header). A server still wanted by the new Config is kept;
// a new one is bound before the swap and serves after it; one no longer
// wanted is shut down after the swap, letting its in-flight requests finish.
//
// # Targets
//
// Target groups and their targets live across Applies (by ARN and address),
// with their health, their keep-alive connection pools and their round-robin
// position. A target is routable when healthy (or when its group's health
// checks are disabled); when none is, every registered, non-draining target
// is (ALB fails open). A draining or removed target gets no new requests;
// its in-flight requests finish (until the group's DeregistrationDelay, if
// any, runs out) and its idle connections are closed.
//
// # Health checks
//
// Every target of a group that some listener forwards to is checked by one
// goroutine of its own, which exits when the target goes, drains, or its
// group stops being used. Checks are HTTP GETs made through Net.Dial from the
// load balancer's Source address, one connection each, the first after a
// random delay so that many targets registered together are not checked
// together. A new target is healthy after one passing check, and unhealthy
// after UnhealthyThreshold consecutive failures; then HealthyThreshold
// consecutive passes bring it back (health.go has the state machine).
//
// # Errors
//
// The plane answers as ALB does, with ALB's HTML bodies and
// `Server: awselb/2.0`: 502 when a target refuses or resets the connection
// or sends a malformed response, 503 when the target group has no
// registered targets, 504 when the connection is not established within the
// connect timeout (10 s) or the target does not answer within the load
// balancer's idle timeout.
package lb
