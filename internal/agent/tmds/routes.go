package tmds

import (
	"net/http"
	"net/netip"
)

// v2 serves /v2/<route>[/<id>]: the caller's task is the one of its
// source address, and a container id must be one of that task's. Every
// failure is a 400, as the ECS agent answers v2.
func (h *Handler) v2(w http.ResponseWriter, r *http.Request, caller netip.Addr, route, id string) {
	if route == "credentials" {
		h.credentials(w, r, caller, id, 2)
		return
	}
	switch route {
	case "metadata", "metadataWithTags", "stats":
	default:
		writeError(w, r, http.StatusNotFound, "404 page not found")
		return
	}
	if route == "metadataWithTags" && id != "" {
		writeError(w, r, http.StatusNotFound, "404 page not found")
		return
	}
	t, ok := h.callerTask(caller)
	if !ok {
		writeError(w, r, http.StatusBadRequest, "Unable to get task arn from request: unable to associate '"+caller.String()+"' with task")
		return
	}
	switch {
	case route == "metadata" && id == "":
		writeJSON(w, r, http.StatusOK, taskResponse(t, v2, false, nil))
	case route == "metadataWithTags":
		writeJSON(w, r, http.StatusOK, taskResponse(t, v2, true, nil))
	case route == "metadata":
		c, ok := t.container(id)
		if !ok {
			writeError(w, r, http.StatusBadRequest, "Unable to generate metadata for container '"+id+"'")
			return
		}
		writeJSON(w, r, http.StatusOK, containerResponse(t, c, v2))
	case id == "": // stats
		writeJSON(w, r, http.StatusOK, h.taskStats(t, v2))
	default: // stats of a container
		c, ok := t.container(id)
		var s *StatsResponse
		if ok {
			s = h.containerStats(t, c, v2)
		}
		if s == nil {
			writeError(w, r, http.StatusBadRequest, "Unable to get container stats for: "+id)
			return
		}
		writeJSON(w, r, http.StatusOK, s)
	}
}

// v3v4Routes are the routes under /v3/<id> and /v4/<id>, with the words
// the ECS agent's error for an unknown id has for each.
var v3v4Routes = map[string]string{
	"":             "container metadata handler: unable to get container ID from request: unable to get docker ID",
	"task":         "task metadata handler: unable to get task arn from request: unable to get task Arn",
	"taskWithTags": "task metadata handler: unable to get task arn from request: unable to get task Arn",
	"stats":        "container stats handler: unable to get task arn from request: unable to get task Arn",
	"task/stats":   "task stats handler: unable to get task arn from request: unable to get task Arn",
}

// v3v4 serves /v3/<endpoint-id>[/<route>] and /v4/…: the id names the
// container, and must be one of the caller's task. An unknown id, or one
// of another task, is a 404 in v4 and a 400 in v3.
func (h *Handler) v3v4(w http.ResponseWriter, r *http.Request, caller netip.Addr, v version, id, route string) {
	what, known := v3v4Routes[route]
	if !known {
		writeError(w, r, http.StatusNotFound, "404 page not found")
		return
	}
	t, c, ok := h.endpoint(caller, id)
	if !ok {
		status, prefix := http.StatusBadRequest, "V3 "
		if v == v4 {
			status, prefix = http.StatusNotFound, "V4 "
		}
		writeError(w, r, status, prefix+what+" from v3 endpoint ID: "+id)
		return
	}
	switch route {
	case "":
		writeJSON(w, r, http.StatusOK, containerResponse(t, c, v))
	case "task", "taskWithTags":
		var drift *ClockDrift
		if v == v4 {
			drift = h.drift(h.now())
		}
		writeJSON(w, r, http.StatusOK, taskResponse(t, v, route == "taskWithTags", drift))
	case "stats":
		s := h.containerStats(t, c, v)
		if s == nil {
			writeError(w, r, http.StatusInternalServerError, "Unable to get container stats for: "+c.DockerID)
			return
		}
		writeJSON(w, r, http.StatusOK, s)
	case "task/stats":
		writeJSON(w, r, http.StatusOK, h.taskStats(t, v))
	}
}

// endpoint resolves a v3/v4 endpoint id among the containers of the
// caller's task: a task must not read another's metadata by guessing
// ids, so another task's id is as unknown as a made-up one.
func (h *Handler) endpoint(caller netip.Addr, id string) (*Task, *Container, bool) {
	t, ok := h.callerTask(caller)
	if !ok {
		h.log.Debug("task metadata: caller is not a task", "caller", caller)
		return nil, nil, false
	}
	c, ok := t.container(id)
	if !ok {
		h.log.Debug("task metadata: not an endpoint id of the caller's task", "caller", caller, "task", t.Spec.TaskARN)
		return nil, nil, false
	}
	return t, c, true
}

// containerStats is one container's stats, nil when unavailable.
func (h *Handler) containerStats(t *Task, c *Container, v version) *StatsResponse {
	rs, ok := h.stats.stats(t, []*Container{c}, h.stats.interval)
	if !ok[0] {
		return nil
	}
	return statsResponse(c.Name, c.DockerID, rs[0], v)
}

// taskStats are the stats of every container of the task by DockerId; a
// container without stats maps to null in v2/v3 and to {} in v4.
func (h *Handler) taskStats(t *Task, v version) map[string]any {
	rs, ok := h.stats.stats(t, t.Containers, h.stats.interval)
	out := make(map[string]any, len(t.Containers))
	for i, c := range t.Containers {
		switch {
		case ok[i]:
			out[c.DockerID] = statsResponse(c.Name, c.DockerID, rs[i], v)
		case v == v4:
			out[c.DockerID] = struct{}{}
		default:
			out[c.DockerID] = nil
		}
	}
	return out
}
