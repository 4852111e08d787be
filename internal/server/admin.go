package server

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"

	"github.com/berth-dev/berth/internal/awsapi/events"
	"github.com/berth-dev/berth/internal/awsapi/gateway"
	"github.com/berth-dev/berth/internal/awsapi/protocol"
	"github.com/berth-dev/berth/internal/runtime"
	"github.com/berth-dev/berth/internal/store"
)

// ImageStore is this host's image cache (the agent's runtime).
type ImageStore interface {
	ImportArchive(ctx context.Context, r io.Reader) ([]runtime.Image, error)
	Images(ctx context.Context) ([]runtime.Image, error)
}

// admin serves berth's own endpoints under /_berth/: health (unsigned),
// the state reset and the image cache (signed, root only). The reset is
// like LocalStack's /_localstack/state/reset.
type admin struct {
	store  store.Store
	authn  gateway.Authenticator
	log    *slog.Logger
	kinds  []string // resource kinds kept per account, see store.Key
	images ImageStore
	// resetHook runs after a reset, e.g. to drop the account's task
	// assignments so agents stop what runs.
	resetHook func(ctx context.Context, account string) error
	// bus answers the EventBridge delivery counts.
	bus *events.Service
}

const jsonType = "application/json"

func (a *admin) health(w http.ResponseWriter, r *http.Request) {
	_ = protocol.WriteJSON(w, jsonType, map[string]string{"status": "ok"})
}

// root authenticates a signed admin request and requires the root user.
// It reads a small body itself; large bodies (image archives) are signed
// with their hash and streamed, so it is given the hash instead.
func (a *admin) root(w http.ResponseWriter, r *http.Request, body []byte) (protocol.Principal, bool) {
	w.Header().Set("X-Amzn-RequestId", protocol.NewRequestID())
	p, _, perr := a.authn.Authenticate(r.Context(), r, body, protocol.AWSJSON11)
	if perr != nil {
		protocol.WriteJSONError(w, jsonType, perr)
		return p, false
	}
	if !p.Root {
		protocol.WriteJSONError(w, jsonType, protocol.Errorf("AccessDeniedException", http.StatusForbidden,
			"User: %s is not authorized: only the account's root user may use %s.", p.ARN, r.URL.Path))
		return p, false
	}
	return p, true
}

// ResetResult is the reset endpoint's answer.
type ResetResult struct {
	AccountID string `json:"accountId"`
	Deleted   int64  `json:"deleted"`
}

// reset deletes every resource of the caller's account, in every region.
func (a *admin) reset(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err != nil {
		protocol.WriteJSONError(w, jsonType, protocol.SerializationError("%v", err))
		return
	}
	p, ok := a.root(w, r, body)
	if !ok {
		return
	}
	res := ResetResult{AccountID: p.AccountID}
	for _, kind := range a.kinds {
		n, err := a.store.DeletePrefix(r.Context(), "/"+kind+"/"+p.AccountID+"/")
		if err != nil {
			a.log.Error("reset", "kind", kind, "err", err)
			protocol.WriteJSONError(w, jsonType, protocol.InternalError())
			return
		}
		res.Deleted += n
	}
	if a.resetHook != nil {
		if err := a.resetHook(r.Context(), p.AccountID); err != nil {
			a.log.Error("reset", "err", err)
			protocol.WriteJSONError(w, jsonType, protocol.InternalError())
			return
		}
	}
	a.log.Info("state reset", "account", p.AccountID, "deleted", res.Deleted)
	_ = protocol.WriteJSON(w, jsonType, res)
}

type imageView struct {
	Name   string `json:"name"`
	Digest string `json:"digest"`
	Size   int64  `json:"size"`
}

func imageViews(imgs []runtime.Image) map[string][]imageView {
	out := []imageView{}
	for _, img := range imgs {
		out = append(out, imageView{Name: img.Name, Digest: img.Digest, Size: img.Size})
	}
	return map[string][]imageView{"images": out}
}

// imagesList lists the host's cached images.
func (a *admin) imagesList(w http.ResponseWriter, r *http.Request) {
	if _, ok := a.root(w, r, nil); !ok {
		return
	}
	if a.images == nil {
		protocol.WriteJSONError(w, jsonType, noAgent())
		return
	}
	imgs, err := a.images.Images(r.Context())
	if err != nil {
		a.log.Error("listing images", "err", err)
		protocol.WriteJSONError(w, jsonType, protocol.InternalError())
		return
	}
	_ = protocol.WriteJSON(w, jsonType, imageViews(imgs))
}

// imagesLoad imports an OCI or docker-archive tar into the host's cache.
// The archive is signed with X-Amz-Content-Sha256 = its hash; the body is
// buffered to check it before anything is imported.
func (a *admin) imagesLoad(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 4<<30))
	if err != nil {
		protocol.WriteJSONError(w, jsonType, protocol.Errorf("RequestEntityTooLarge", http.StatusRequestEntityTooLarge, "%v", err))
		return
	}
	if _, ok := a.root(w, r, body); !ok {
		return
	}
	if a.images == nil {
		protocol.WriteJSONError(w, jsonType, noAgent())
		return
	}
	imgs, err := a.images.ImportArchive(r.Context(), bytes.NewReader(body))
	if err != nil {
		protocol.WriteJSONError(w, jsonType, protocol.Errorf("InvalidImageArchive", http.StatusBadRequest, "importing the archive: %v", err))
		return
	}
	a.log.Info("images loaded", "count", len(imgs))
	_ = protocol.WriteJSON(w, jsonType, imageViews(imgs))
}

func noAgent() *protocol.Error {
	return protocol.Errorf("AgentUnavailable", http.StatusServiceUnavailable,
		"This server runs no agent (containerd could not be started; see the server log).")
}

// eventDeliveries lists the EventBridge delivery counts of the caller's
// account, per rule target: what EventBridge's Invocations and
// FailedInvocations metrics would show, and the last failure's reason.
func (a *admin) eventDeliveries(w http.ResponseWriter, r *http.Request) {
	p, ok := a.root(w, r, nil)
	if !ok {
		return
	}
	out := []events.TargetStats{}
	for _, st := range a.bus.Deliveries() {
		if st.Account == p.AccountID {
			out = append(out, st)
		}
	}
	_ = protocol.WriteJSON(w, jsonType, out)
}
