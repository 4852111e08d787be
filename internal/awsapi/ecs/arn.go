package ecs

import (
	"strings"
)

// ECS ARNs:
//
//	arn:aws:ecs:<region>:<account>:cluster/<name>
//	arn:aws:ecs:<region>:<account>:task-definition/<family>:<revision>
//	arn:aws:ecs:<region>:<account>:capacity-provider/<name>
func (sc scope) arn(resource string) string {
	return "arn:aws:ecs:" + sc.region + ":" + sc.account + ":" + resource
}

func (sc scope) clusterARN(name string) string { return sc.arn("cluster/" + name) }

// parsedARN is an ECS ARN split into its parts.
type parsedARN struct {
	region, account, resourceType, resource string
}

// parseARN splits an ECS ARN; ok is false for anything else.
func parseARN(s string) (parsedARN, bool) {
	parts := strings.SplitN(s, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "ecs" {
		return parsedARN{}, false
	}
	typ, res, ok := strings.Cut(parts[5], "/")
	if !ok || res == "" {
		return parsedARN{}, false
	}
	return parsedARN{region: parts[3], account: parts[4], resourceType: typ, resource: res}, true
}

// clusterName resolves a cluster reference (name or ARN) to its name. An
// empty reference is the account's "default" cluster, as in ECS. ok is false
// for an ARN of another account or region, or not naming a cluster.
func (sc scope) clusterName(ref string) (string, bool) {
	if ref == "" {
		return "default", true
	}
	if !strings.HasPrefix(ref, "arn:") {
		return ref, true
	}
	a, ok := parseARN(ref)
	if !ok || a.resourceType != "cluster" || a.account != sc.account || a.region != sc.region {
		return "", false
	}
	return a.resource, true
}
