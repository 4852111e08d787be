package account

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/berth-dev/berth/internal/awsapi/protocol"
	"github.com/berth-dev/berth/internal/awsapi/sigv4"
	"github.com/berth-dev/berth/internal/store"
)

// keyCacheTTL bounds how long a looked-up access key or session is
// trusted without re-reading the store. Signature checking is on every
// request's path; a deleted key or revoked session stops working within
// this time. A session's expiry is not cached: it is checked against the
// clock on every request.
const keyCacheTTL = 10 * time.Second

// maxCachedKeys bounds the cache against key-id spraying.
const maxCachedKeys = 10000

// Authenticator verifies SigV4 signatures against the stored access keys
// and sessions and maps the key to its principal.
type Authenticator struct {
	store    store.Store
	verifier *sigv4.Verifier
	now      func() time.Time // time.Now; tests move it

	mu    sync.Mutex
	cache map[string]cachedKey
}

// credential is what an access key id resolves to: the secret to check
// the signature with, a session's token and expiry, and the principal.
type credential struct {
	secret, token string
	expires       time.Time // zero for long-term keys
	principal     protocol.Principal
}

type cachedKey struct {
	cred    *credential
	expires time.Time
}

// NewAuthenticator returns an Authenticator over the keys and sessions in s.
func NewAuthenticator(s store.Store) *Authenticator {
	a := &Authenticator{store: s, now: time.Now, cache: map[string]cachedKey{}}
	a.verifier = &sigv4.Verifier{Lookup: a.lookup, Now: func() time.Time { return a.now() }}
	return a
}

// credential returns what id resolves to, or nil for an unknown id.
func (a *Authenticator) credential(ctx context.Context, id string) (*credential, error) {
	now := a.now()
	a.mu.Lock()
	c, ok := a.cache[id]
	a.mu.Unlock()
	if ok && now.Before(c.expires) {
		return c.cred, nil
	}
	cred, err := a.load(ctx, id)
	if err != nil || cred == nil {
		return nil, err
	}
	a.mu.Lock()
	if len(a.cache) > maxCachedKeys {
		clear(a.cache)
	}
	// id is a slice of the request's header: clone it so the cache does
	// not pin whole requests.
	a.cache[strings.Clone(id)] = cachedKey{cred: cred, expires: now.Add(keyCacheTTL)}
	a.mu.Unlock()
	return cred, nil
}

// load reads id from the store: sessions (ASIA…) first, then long-term
// keys (a bootstrap key may be given any id).
func (a *Authenticator) load(ctx context.Context, id string) (*credential, error) {
	if strings.HasPrefix(id, "ASIA") {
		sess, err := LookupSession(ctx, a.store, id)
		if err == nil {
			return &credential{
				secret:  sess.SecretAccessKey,
				token:   sess.SessionToken,
				expires: sess.Expiration,
				principal: protocol.Principal{
					AccountID:   sess.AccountID,
					ARN:         sess.PrincipalARN,
					AccessKeyID: sess.AccessKeyID,
					UserID:      sess.UserID(),
					RoleARN:     sess.RoleARN,
					RoleID:      sess.RoleID,
					SessionName: sess.SessionName,
				},
			}, nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
	}
	key, err := LookupKey(ctx, a.store, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	userID := key.AccessKeyID
	if key.Root {
		userID = key.AccountID // AWS reports the account id as the root user's id
	}
	return &credential{secret: key.SecretAccessKey, principal: protocol.Principal{
		AccountID:   key.AccountID,
		ARN:         key.PrincipalARN,
		AccessKeyID: key.AccessKeyID,
		Root:        key.Root,
		UserID:      userID,
	}}, nil
}

func (a *Authenticator) lookup(ctx context.Context, id string) (sigv4.Credential, bool, error) {
	cred, err := a.credential(ctx, id)
	if err != nil || cred == nil {
		return sigv4.Credential{}, false, err
	}
	return sigv4.Credential{AccessKeyID: id, SecretAccessKey: cred.secret, SessionToken: cred.token, Expires: cred.expires}, true, nil
}

// Authenticate implements gateway.Authenticator. A session's key needs its
// token (X-Amz-Security-Token); a missing or wrong token, or a revoked
// session, is an invalid token, an expired session an expired one, each
// worded as the service's protocol family words it.
func (a *Authenticator) Authenticate(ctx context.Context, r *http.Request, body []byte, wire protocol.Wire) (protocol.Principal, string, *protocol.Error) {
	family := sigv4.JSON
	switch wire {
	case protocol.AWSQuery:
		family = sigv4.Query
	case protocol.EC2Query:
		family = sigv4.EC2Query
	}
	res, err := a.verifier.Verify(ctx, r, body)
	if err != nil {
		var se *sigv4.Error
		if errors.As(err, &se) {
			se = se.For(family)
			return protocol.Principal{}, "", &protocol.Error{Code: se.Code, Message: se.Message, Status: se.Status}
		}
		return protocol.Principal{}, "", protocol.InternalError()
	}
	cred, err := a.credential(ctx, res.AccessKeyID)
	if err != nil {
		return protocol.Principal{}, "", protocol.InternalError()
	}
	if cred == nil { // gone since the signature was checked
		se := (&sigv4.Error{Kind: sigv4.KindUnknownKey, Message: "The security token included in the request is invalid."}).For(family)
		return protocol.Principal{}, "", &protocol.Error{Code: se.Code, Message: se.Message, Status: se.Status}
	}
	return cred.principal, res.Region, nil
}
