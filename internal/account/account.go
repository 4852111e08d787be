// Package account keeps berth's accounts, their access keys and role
// sessions (temporary credentials), creates the default account and root
// key on first start, turns an access key into the principal that signed
// a request (Authenticator) and decides what that principal may do
// (Authorizer).
//
// Accounts, keys and sessions are global (not per region): /account/<id>,
// /accesskey/<access key id> and /session/<access key id>.
package account

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"regexp"
	"time"

	"github.com/berth-dev/berth/internal/store"
)

// Account is one AWS-style account.
type Account struct {
	ID        string    `json:"id"`
	CreatedAt time.Time `json:"createdAt"`
}

// AccessKey is a long-term credential. Root keys act as the account's root
// principal.
type AccessKey struct {
	AccessKeyID     string    `json:"accessKeyId"`
	SecretAccessKey string    `json:"secretAccessKey"`
	AccountID       string    `json:"accountId"`
	PrincipalARN    string    `json:"principalArn"`
	Root            bool      `json:"root"`
	CreatedAt       time.Time `json:"createdAt"`
}

const (
	defaultAccountKey = "/meta/default-account"
	accountPrefix     = "/account/"
	accessKeyPrefix   = "/accesskey/"
)

var (
	accountIDPattern   = regexp.MustCompile(`^[0-9]{12}$`)
	accessKeyIDPattern = regexp.MustCompile(`^[A-Z0-9]{16,128}$`)
)

// BootstrapOptions fix the default account's identity at first start; empty
// fields are generated. They are ignored once the account exists.
type BootstrapOptions struct {
	AccountID       string
	AccessKeyID     string
	SecretAccessKey string
}

// Validate reports options a first start would reject.
func (o BootstrapOptions) Validate() error {
	if o.AccountID != "" && !accountIDPattern.MatchString(o.AccountID) {
		return fmt.Errorf("account id %q must be 12 digits", o.AccountID)
	}
	if (o.AccessKeyID == "") != (o.SecretAccessKey == "") {
		return errors.New("set both the root access key id and secret access key, or neither")
	}
	if o.AccessKeyID != "" && !accessKeyIDPattern.MatchString(o.AccessKeyID) {
		return fmt.Errorf("access key id %q must be 16 to 128 upper-case letters and digits", o.AccessKeyID)
	}
	if o.SecretAccessKey != "" && len(o.SecretAccessKey) < 8 {
		return errors.New("secret access key must be at least 8 characters")
	}
	return nil
}

// Bootstrap returns the default account and its root key, creating both on
// first start. Safe to call on every start and from racing servers: the
// default-account marker is created with compare-and-swap, and a loser
// reads the winner's.
func Bootstrap(ctx context.Context, s store.Store, opts BootstrapOptions) (Account, AccessKey, error) {
	if err := opts.Validate(); err != nil {
		return Account{}, AccessKey{}, err
	}
	marker := store.Typed[AccessKey]{S: s}
	if key, _, err := marker.Get(ctx, defaultAccountKey); err == nil {
		acct, _, err := store.Typed[Account]{S: s}.Get(ctx, accountPrefix+key.AccountID)
		if err != nil {
			return Account{}, AccessKey{}, fmt.Errorf("reading default account %s: %w", key.AccountID, err)
		}
		return *acct, *key, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return Account{}, AccessKey{}, fmt.Errorf("reading default account: %w", err)
	}

	now := time.Now().UTC()
	acct := Account{ID: opts.AccountID, CreatedAt: now}
	if acct.ID == "" {
		acct.ID = randomAccountID()
	}
	key := AccessKey{
		AccessKeyID:     opts.AccessKeyID,
		SecretAccessKey: opts.SecretAccessKey,
		AccountID:       acct.ID,
		PrincipalARN:    "arn:aws:iam::" + acct.ID + ":root",
		Root:            true,
		CreatedAt:       now,
	}
	if key.AccessKeyID == "" {
		key.AccessKeyID = "AKIA" + randomString(16, upperDigits)
		key.SecretAccessKey = randomString(40, secretAlphabet)
	}
	if _, err := (store.Typed[Account]{S: s}).Create(ctx, accountPrefix+acct.ID, &acct); err != nil && !errors.Is(err, store.ErrAlreadyExists) {
		return Account{}, AccessKey{}, fmt.Errorf("creating account: %w", err)
	}
	if _, err := (store.Typed[AccessKey]{S: s}).Create(ctx, accessKeyPrefix+key.AccessKeyID, &key); err != nil && !errors.Is(err, store.ErrAlreadyExists) {
		return Account{}, AccessKey{}, fmt.Errorf("creating root access key: %w", err)
	}
	if _, err := marker.Create(ctx, defaultAccountKey, &key); err != nil {
		if errors.Is(err, store.ErrAlreadyExists) {
			return Bootstrap(ctx, s, BootstrapOptions{}) // another server won
		}
		return Account{}, AccessKey{}, fmt.Errorf("recording default account: %w", err)
	}
	return acct, key, nil
}

// LookupKey returns the access key with id, or store.ErrNotFound.
func LookupKey(ctx context.Context, s store.Store, id string) (*AccessKey, error) {
	key, _, err := store.Typed[AccessKey]{S: s}.Get(ctx, accessKeyPrefix+id)
	return key, err
}

const (
	upperDigits    = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	secretAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
)

func randomString(n int, alphabet string) string {
	b := make([]byte, n)
	max := big.NewInt(int64(len(alphabet)))
	for i := range b {
		v, err := rand.Int(rand.Reader, max)
		if err != nil {
			panic(err) // crypto/rand does not fail on Linux
		}
		b[i] = alphabet[v.Int64()]
	}
	return string(b)
}

// randomAccountID returns 12 digits not starting with 0, like AWS's.
func randomAccountID() string {
	return randomString(1, "123456789") + randomString(11, "0123456789")
}
