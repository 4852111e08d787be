package elbv2

import (
	"crypto/rand"
	"math/big"
	"strings"
)

// maxNameLen bounds load balancer and target group names.
const maxNameLen = 32

// nameProblem says what is wrong with a load balancer or target group
// name, in ELB's words, or "" when nothing is: 1 to 32 letters, digits and
// hyphens, not starting or ending with a hyphen.
func nameProblem(name string) string {
	switch {
	case name == "":
		return "cannot be empty"
	case len(name) > maxNameLen:
		return "cannot be longer than '32' characters"
	case strings.IndexFunc(name, func(c rune) bool {
		return !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-')
	}) >= 0:
		return "can only contain characters that are alphanumeric characters or hyphens(-)"
	case name[0] == '-' || name[len(name)-1] == '-':
		return "cannot begin or end with '-'"
	}
	return ""
}

// checkLBName applies the load balancer name rules; names starting with
// "internal-" are refused, as their DNS names would read as internal ones.
func checkLBName(name string) error {
	var v violations
	if !v.required(name != "", "name") {
		return v.err()
	}
	if p := nameProblem(name); p != "" {
		return validation("The load balancer name '%s' %s", name, p)
	}
	if strings.HasPrefix(strings.ToLower(name), "internal-") {
		return validation("The load balancer name '%s' cannot begin with 'internal-'", name)
	}
	return nil
}

// checkTGName applies the target group name rules.
func checkTGName(name string) error {
	var v violations
	if !v.required(name != "", "name") {
		return v.err()
	}
	if p := nameProblem(name); p != "" {
		return validation("Target group name '%s' %s", name, p)
	}
	return nil
}

// dnsSuffix ends every load balancer's DNS name: under "localhost", so
// that curl and the system resolver answer it with a loopback address
// without any setup, where the data plane dispatches by Host header.
const dnsSuffix = ".elb.localhost"

// dnsName returns a new load balancer's DNS name, lower-cased as AWS's:
// <name>-<10 digits>.<region>.elb.localhost, with "internal-" in front for
// an internal one.
func dnsName(name, region string, internal bool) string {
	n, _ := rand.Int(rand.Reader, big.NewInt(9_000_000_000))
	host := strings.ToLower(name) + "-" + n.Add(n, big.NewInt(1_000_000_000)).String() + "." + region + dnsSuffix
	if internal {
		host = "internal-" + host
	}
	return host
}

// defaultHostedZone is AWS's us-east-1 zone, for regions not in the table.
const defaultHostedZone = "Z35SXDOTRQ7X7K"

// albHostedZones are the Route 53 hosted zone ids AWS publishes for
// Application Load Balancers, per region (CanonicalHostedZoneId).
var albHostedZones = map[string]string{
	"af-south-1":     "Z268VQBMOI5EKX",
	"ap-east-1":      "Z3DQVH9N71FHZ0",
	"ap-northeast-1": "Z14GRHDCWA56QT",
	"ap-northeast-2": "ZWKZPGTI48KDX",
	"ap-northeast-3": "Z5LXEXXYW11ES",
	"ap-south-1":     "ZP97RAFLXTNZK",
	"ap-southeast-1": "Z1LMS91P8CMLE5",
	"ap-southeast-2": "Z1GM3OXH4ZPM65",
	"ca-central-1":   "ZQSVJUPU6J1EY",
	"eu-central-1":   "Z215JYRZR1TBD5",
	"eu-north-1":     "Z23TAZ6LKFMNIO",
	"eu-south-1":     "Z3ULH7SSC9OV64",
	"eu-west-1":      "Z32O12XQLNTSW2",
	"eu-west-2":      "ZHURV8PSTC4K8",
	"eu-west-3":      "Z3Q77PNBQS71R4",
	"me-south-1":     "ZS929ML54UICD",
	"sa-east-1":      "Z2P70J7HTTTPLU",
	"us-east-1":      "Z35SXDOTRQ7X7K",
	"us-east-2":      "Z3AADJGX6KTTL2",
	"us-west-1":      "Z368ELLRRE2KJ0",
	"us-west-2":      "Z1H1FL5HABSF5",
}

func hostedZone(region string) string {
	if z, ok := albHostedZones[region]; ok {
		return z
	}
	return defaultHostedZone
}
