//go:build race

package filterpattern

// raceEnabled: the race detector makes sync.Pool drop items at random, so
// pooled matchers allocate now and then.
const raceEnabled = true
