package account

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/berth-dev/berth/internal/awsapi/protocol"
	"github.com/berth-dev/berth/internal/awsapi/sigv4"
	"github.com/berth-dev/berth/internal/store"
)

// keyCacheTTL bounds how long a looked-up access key is trusted without
// re-reading the store. Signature checking is on every request's path; a
// deleted key stops working within this time.
const keyCacheTTL = 10 * time.Second

// Authenticator verifies SigV4 signatures against the stored access keys
// and maps the key to its principal.
type Authenticator struct {
	store    store.Store
	verifier *sigv4.Verifier

	mu    sync.Mutex
	cache map[string]cachedKey
}

type cachedKey struct {
	key     *AccessKey
	expires time.Time
}

// NewAuthenticator returns an Authenticator over the keys in s.
func NewAuthenticator(s store.Store) *Authenticator {
	a := &Authenticator{store: s, cache: map[string]cachedKey{}}
	a.verifier = &sigv4.Verifier{Lookup: a.lookup}
	return a
}

func (a *Authenticator) key(ctx context.Context, id string) (*AccessKey, error) {
	now := time.Now()
	a.mu.Lock()
	c, ok := a.cache[id]
	a.mu.Unlock()
	if ok && now.Before(c.expires) {
		return c.key, nil
	}
	key, err := LookupKey(ctx, a.store, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	if len(a.cache) > 10000 { // bound memory against key-id spraying
		clear(a.cache)
	}
	a.cache[id] = cachedKey{key: key, expires: now.Add(keyCacheTTL)}
	a.mu.Unlock()
	return key, nil
}

func (a *Authenticator) lookup(ctx context.Context, id string) (sigv4.Credential, bool, error) {
	key, err := a.key(ctx, id)
	if err != nil || key == nil {
		return sigv4.Credential{}, false, err
	}
	return sigv4.Credential{AccessKeyID: key.AccessKeyID, SecretAccessKey: key.SecretAccessKey}, true, nil
}

// Authenticate implements gateway.Authenticator.
func (a *Authenticator) Authenticate(ctx context.Context, r *http.Request, body []byte, wire protocol.Wire) (protocol.Principal, string, *protocol.Error) {
	res, err := a.verifier.Verify(ctx, r, body)
	if err != nil {
		var se *sigv4.Error
		if errors.As(err, &se) {
			family := sigv4.JSON
			switch wire {
			case protocol.AWSQuery:
				family = sigv4.Query
			case protocol.EC2Query:
				family = sigv4.EC2Query
			}
			se = se.For(family)
			return protocol.Principal{}, "", &protocol.Error{Code: se.Code, Message: se.Message, Status: se.Status}
		}
		return protocol.Principal{}, "", protocol.InternalError()
	}
	key, err := a.key(ctx, res.AccessKeyID)
	if err != nil || key == nil {
		return protocol.Principal{}, "", protocol.InternalError()
	}
	return protocol.Principal{
		AccountID:   key.AccountID,
		ARN:         key.PrincipalARN,
		AccessKeyID: key.AccessKeyID,
		Root:        key.Root,
	}, res.Region, nil
}

// RootOnly is the authorize hook until IAM policies arrive: the account's
// root user may do everything, nobody else anything.
type RootOnly struct{}

// Authorize implements gateway.Authorizer.
func (RootOnly) Authorize(ctx context.Context, p protocol.Principal, action, resource string) error {
	if p.Root {
		return nil
	}
	return protocol.Errorf("AccessDeniedException", http.StatusForbidden,
		"User: %s is not authorized to perform: %s on resource: %s", p.ARN, action, resource)
}
