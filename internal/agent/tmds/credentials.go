package tmds

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"time"
)

// credentialsResponse is the body the AWS SDKs' container credentials
// provider reads.
type credentialsResponse struct {
	RoleArn         string `json:"RoleArn"`
	AccessKeyID     string `json:"AccessKeyId"`
	SecretAccessKey string `json:"SecretAccessKey"`
	Token           string `json:"Token"`
	Expiration      string `json:"Expiration"`
}

// credentialsError is the ECS agent's credentials error body; its status
// is repeated in HTTPErrorCode.
type credentialsError struct {
	Code          string `json:"code"`
	Message       string `json:"message"`
	HTTPErrorCode int
}

// credentials serves /v2/credentials/<id> and /v1/credentials?id=<id>:
// the role's credentials of the caller's task, if id is that task's
// CredentialsID. Any other id is unknown, even another task's, so that
// ids cannot be probed.
func (h *Handler) credentials(w http.ResponseWriter, r *http.Request, caller netip.Addr, id string, apiVersion int) {
	prefix := fmt.Sprintf("CredentialsV%dRequest: ", apiVersion)
	fail := func(status int, code, msg string) {
		writeJSON(w, r, status, credentialsError{Code: code, Message: msg, HTTPErrorCode: status})
	}
	if id == "" {
		fail(http.StatusBadRequest, "NoIdInRequest", prefix+"No Credential ID in the request")
		return
	}
	notFound := func() { fail(http.StatusBadRequest, "InvalidIdInRequest", prefix+"Credentials not found") }
	t, ok := h.callerTask(caller)
	if !ok || t.CredentialsID == "" || subtle.ConstantTimeCompare([]byte(id), []byte(t.CredentialsID)) != 1 {
		h.log.Warn("task credentials: refused an id that is not the caller task's", "caller", caller)
		notFound()
		return
	}
	creds, err := h.src.Credentials(t)
	switch {
	case errors.Is(err, ErrCredentialsNotFound) || err == nil && creds == nil:
		notFound()
		return
	case err != nil:
		h.log.Error("task credentials: lookup failed", "task", t.Spec.TaskARN, "err", err)
		fail(http.StatusInternalServerError, "InternalServerError", "Internal server error")
		return
	}
	if creds.AccessKeyID == "" {
		fail(http.StatusServiceUnavailable, "CredentialsUninitialized", prefix+"Credentials uninitialized for ID")
		return
	}
	writeJSON(w, r, http.StatusOK, credentialsResponse{
		RoleArn:         creds.RoleArn,
		AccessKeyID:     creds.AccessKeyID,
		SecretAccessKey: creds.SecretAccessKey,
		Token:           creds.Token,
		Expiration:      creds.Expiration.UTC().Format(time.RFC3339),
	})
}
