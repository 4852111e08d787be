package tmds

import (
	"fmt"
	"hash/fnv"
)

// The endpoint's address, as every task sees it.
const (
	Addr    = "169.254.170.2"
	BaseURL = "http://" + Addr
)

// EndpointID is a container's DockerId and v3/v4 endpoint id in Fargate's
// form, "<32-hex task id>-<10 digits>": the digits are the 32-bit FNV-1a
// hash of the container's name, zero-padded, so the id is stable across
// agent restarts and needs no state.
func EndpointID(taskID, containerName string) string {
	h := fnv.New32a()
	h.Write([]byte(containerName))
	return fmt.Sprintf("%s-%010d", taskID, h.Sum32())
}

// Env is the environment Fargate gives a container to find this
// endpoint: the v3 and v4 metadata URIs, the agent URI (for task scale-in
// protection), AWS_EXECUTION_ENV, and, when credentialsID is not "", the
// relative URI of the task role's credentials.
func Env(endpointID, credentialsID string) []string {
	env := []string{
		"ECS_CONTAINER_METADATA_URI=" + BaseURL + "/v3/" + endpointID,
		"ECS_CONTAINER_METADATA_URI_V4=" + BaseURL + "/v4/" + endpointID,
		"ECS_AGENT_URI=" + BaseURL + "/api/" + endpointID,
		"AWS_EXECUTION_ENV=AWS_ECS_FARGATE",
	}
	if credentialsID != "" {
		env = append(env, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI="+CredentialsPath(credentialsID))
	}
	return env
}

// CredentialsPath is the path of a credentials id's route, relative to
// the endpoint.
func CredentialsPath(credentialsID string) string { return "/v2/credentials/" + credentialsID }
