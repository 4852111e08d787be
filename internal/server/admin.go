package server

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"

	"github.com/berth-dev/berth/internal/awsapi/gateway"
	"github.com/berth-dev/berth/internal/awsapi/protocol"
	"github.com/berth-dev/berth/internal/store"
)

// admin serves berth's own endpoints under /_berth/: health (unsigned) and
// the state reset (signed, root only), like LocalStack's
// /_localstack/state/reset.
type admin struct {
	store store.Store
	authn gateway.Authenticator
	log   *slog.Logger
	kinds []string // resource kinds kept per account, see store.Key
}

func (a *admin) health(w http.ResponseWriter, r *http.Request) {
	_ = protocol.WriteJSON(w, "application/json", map[string]string{"status": "ok"})
}

// ResetResult is the reset endpoint's answer.
type ResetResult struct {
	AccountID string `json:"accountId"`
	Deleted   int64  `json:"deleted"`
}

// reset deletes every resource of the caller's account, in every region.
// The request must be SigV4-signed (any service name in the scope) by the
// account's root key.
func (a *admin) reset(w http.ResponseWriter, r *http.Request) {
	requestID := protocol.NewRequestID()
	w.Header().Set("X-Amzn-RequestId", requestID)
	const ct = "application/json"
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err != nil {
		protocol.WriteJSONError(w, ct, protocol.SerializationError("%v", err))
		return
	}
	p, _, perr := a.authn.Authenticate(r.Context(), r, body, protocol.AWSJSON11)
	if perr != nil {
		protocol.WriteJSONError(w, ct, perr)
		return
	}
	if !p.Root {
		protocol.WriteJSONError(w, ct, protocol.Errorf("AccessDeniedException", http.StatusForbidden,
			"User: %s is not authorized to reset state: only the account's root user may.", p.ARN))
		return
	}
	res := ResetResult{AccountID: p.AccountID}
	for _, kind := range a.kinds {
		n, err := a.store.DeletePrefix(r.Context(), "/"+kind+"/"+p.AccountID+"/")
		if err != nil {
			a.log.Error("reset", "request_id", requestID, "kind", kind, "err", err)
			protocol.WriteJSONError(w, ct, protocol.InternalError())
			return
		}
		res.Deleted += n
	}
	a.log.Info("state reset", "account", p.AccountID, "deleted", res.Deleted)
	w.Header().Set("Content-Type", ct)
	_ = json.NewEncoder(w).Encode(res)
}
