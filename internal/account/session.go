package account

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/berth-dev/berth/internal/store"
)

// Session is a set of temporary credentials of a role (an STS session):
// requests signed with the key and carrying the token act as the
// assumed-role principal PrincipalARN until Expiration.
//
// Sessions are global records, /session/<access key id>, holding the
// secret and token as root keys hold theirs, so that every server of a
// cluster accepts them.
type Session struct {
	AccessKeyID     string    `json:"accessKeyId"` // ASIA…
	SecretAccessKey string    `json:"secretAccessKey"`
	SessionToken    string    `json:"sessionToken"`
	Expiration      time.Time `json:"expiration"`
	AccountID       string    `json:"accountId"`
	RoleARN         string    `json:"roleArn"`
	RoleID          string    `json:"roleId"` // AROA…
	SessionName     string    `json:"sessionName"`
	// PrincipalARN is arn:aws:sts::<account>:assumed-role/<role name>/<session name>.
	PrincipalARN string `json:"principalArn"`
}

// UserID is the session's user id as GetCallerIdentity reports it:
// <role id>:<session name>.
func (s *Session) UserID() string { return s.RoleID + ":" + s.SessionName }

// SessionRequest asks for a session of a role.
type SessionRequest struct {
	AccountID string
	// RoleARN is arn:aws:iam::<AccountID>:role<path><name>.
	RoleARN string
	// RoleID is the role's unique id (iam.Role.ID); sessions of a deleted
	// role stop working even if a role of the same name is made again.
	RoleID      string
	SessionName string // 2 to 64 of [\w+=,.@-]
	// Duration is how long the credentials last: 1 s to MaxSessionDuration.
	// STS's own bounds (900 s to the role's maximum) are its caller's
	// business; berth's credentials endpoint may choose others.
	Duration time.Duration
}

// MaxSessionDuration is the longest session IssueSession grants, IAM's
// longest MaxSessionDuration.
const MaxSessionDuration = 12 * time.Hour

const sessionPrefix = "/session/"

var (
	sessionNamePattern = regexp.MustCompile(`^[\w+=,.@-]{2,64}$`)
	roleARNPattern     = regexp.MustCompile(`^arn:aws:iam::([0-9]{12}):role/(?:[\x21-\x7e]*/)?([\w+=,.@-]{1,64})$`)
)

// Validate reports a request IssueSession would refuse.
func (r SessionRequest) Validate() error {
	if !accountIDPattern.MatchString(r.AccountID) {
		return fmt.Errorf("account id %q must be 12 digits", r.AccountID)
	}
	m := roleARNPattern.FindStringSubmatch(r.RoleARN)
	if m == nil {
		return fmt.Errorf("%q is not a role ARN", r.RoleARN)
	}
	if m[1] != r.AccountID {
		return fmt.Errorf("role %s is not a role of account %s", r.RoleARN, r.AccountID)
	}
	if r.RoleID == "" {
		return errors.New("the role id is missing")
	}
	if !sessionNamePattern.MatchString(r.SessionName) {
		return fmt.Errorf("session name %q must be 2 to 64 letters, digits or +=,.@_-", r.SessionName)
	}
	if r.Duration < time.Second || r.Duration > MaxSessionDuration {
		return fmt.Errorf("session duration %v must be between 1s and %v", r.Duration, MaxSessionDuration)
	}
	return nil
}

// IssueSession creates a session for req and returns it. The role is not
// looked up: the caller (STS, or the credentials endpoint) has checked
// that the principal may assume it.
func IssueSession(ctx context.Context, s store.Store, req SessionRequest) (*Session, error) {
	if err := req.Validate(); err != nil {
		return nil, fmt.Errorf("issuing a session: %w", err)
	}
	roleName := req.RoleARN[strings.LastIndexByte(req.RoleARN, '/')+1:]
	sess := &Session{
		AccessKeyID:     "ASIA" + randomString(16, upperDigits),
		SecretAccessKey: randomString(40, secretAlphabet),
		SessionToken:    newSessionToken(),
		// Whole seconds, as STS reports them, so Expiration round-trips.
		Expiration:   time.Now().UTC().Add(req.Duration).Truncate(time.Second),
		AccountID:    req.AccountID,
		RoleARN:      req.RoleARN,
		RoleID:       req.RoleID,
		SessionName:  req.SessionName,
		PrincipalARN: "arn:aws:sts::" + req.AccountID + ":assumed-role/" + roleName + "/" + req.SessionName,
	}
	if _, err := (store.Typed[Session]{S: s}).Create(ctx, sessionPrefix+sess.AccessKeyID, sess); err != nil {
		return nil, fmt.Errorf("storing session: %w", err)
	}
	return sess, nil
}

// newSessionToken returns an opaque token: 120 random bytes, base64, the
// length and alphabet of a typical STS token's.
func newSessionToken() string {
	b := make([]byte, 120)
	_, _ = rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

// LookupSession returns the session with access key id, or
// store.ErrNotFound. An expired session is returned as it is.
func LookupSession(ctx context.Context, s store.Store, accessKeyID string) (*Session, error) {
	sess, _, err := store.Typed[Session]{S: s}.Get(ctx, sessionPrefix+accessKeyID)
	return sess, err
}

// RevokeSession deletes a session; requests signed with it are refused
// from then on (by every server within the authenticator's key-cache
// time, 10 s). Revoking a session that does not exist (or no longer does)
// is not an error, so it is safe to call twice.
func RevokeSession(ctx context.Context, s store.Store, accessKeyID string) error {
	err := s.Delete(ctx, sessionPrefix+accessKeyID, 0)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("revoking session %s: %w", accessKeyID, err)
	}
	return nil
}

// SweepSessions deletes the sessions that expired at or before now and
// returns how many. A request with a swept session gets "invalid token"
// rather than "expired token"; to keep telling late clients that their
// token expired, pass a time some while before the present.
func SweepSessions(ctx context.Context, s store.Store, now time.Time) (int, error) {
	items, _, err := store.Typed[Session]{S: s}.ListAll(ctx, sessionPrefix)
	if err != nil {
		return 0, fmt.Errorf("listing sessions: %w", err)
	}
	n := 0
	for _, it := range items {
		if it.Value.Expiration.After(now) {
			continue
		}
		// At the revision read: sessions never change, so a conflict means
		// it was deleted and made again meanwhile, which ids rule out.
		err := s.Delete(ctx, it.Key, it.Revision)
		switch {
		case err == nil:
			n++
		case errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrConflict):
		default:
			return n, fmt.Errorf("deleting expired session %s: %w", it.Value.AccessKeyID, err)
		}
	}
	return n, nil
}
