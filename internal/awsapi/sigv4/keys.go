package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"strings"
	"sync"
)

// maxCachedKeys bounds the signing-key cache. A key is good for one
// (secret, day, region, service), so a busy server needs about one per
// active credential and service; past the bound an arbitrary entry goes.
const maxCachedKeys = 4096

// hmacBlock is SHA-256's block size, the width of HMAC's key pads.
const hmacBlock = sha256.BlockSize

type keyID struct{ secret, date, region, service string }

// keyCache memoizes derived signing keys: derivation is four HMACs, more
// than the rest of a verification. The zero value is ready to use.
type keyCache struct {
	mu   sync.RWMutex
	keys map[keyID][sha256.Size]byte
}

func (c *keyCache) signingKey(secret, date, region, service string) [sha256.Size]byte {
	id := keyID{secret, date, region, service}
	c.mu.RLock()
	k, ok := c.keys[id]
	c.mu.RUnlock()
	if ok {
		return k
	}
	k = deriveSigningKey(secret, date, region, service)
	// The scope strings are slices of the request's header; clone them so
	// the cache does not pin whole requests.
	id = keyID{strings.Clone(secret), strings.Clone(date), strings.Clone(region), strings.Clone(service)}
	c.mu.Lock()
	if c.keys == nil {
		c.keys = make(map[keyID][sha256.Size]byte)
	}
	if len(c.keys) >= maxCachedKeys {
		for old := range c.keys {
			delete(c.keys, old)
			break
		}
	}
	c.keys[id] = k
	c.mu.Unlock()
	return k
}

// deriveSigningKey is SigV4's kSigning:
// HMAC(HMAC(HMAC(HMAC("AWS4"+secret, date), region), service), "aws4_request").
func deriveSigningKey(secret, date, region, service string) [sha256.Size]byte {
	k := hmacSHA256([]byte("AWS4"+secret), date)
	k = hmacSHA256(k, region)
	k = hmacSHA256(k, service)
	k = hmacSHA256(k, terminator)
	var out [sha256.Size]byte
	copy(out[:], k)
	return out
}

func hmacSHA256(key []byte, msg string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(msg))
	return h.Sum(nil)
}

// hmacPadded computes HMAC-SHA256(key, buf[hmacBlock:]) without
// allocating. The caller leaves buf's first hmacBlock bytes free; they are
// overwritten with the inner key pad so that the inner hash is one
// sha256.Sum256 over a contiguous buffer. The key is shorter than a block,
// so RFC 2104 pads it with zeros and needs no pre-hash.
func hmacPadded(key *[sha256.Size]byte, buf []byte) [sha256.Size]byte {
	for i := range hmacBlock {
		var k byte
		if i < len(key) {
			k = key[i]
		}
		buf[i] = k ^ 0x36
	}
	inner := sha256.Sum256(buf)
	var outer [hmacBlock + sha256.Size]byte
	for i := range hmacBlock {
		var k byte
		if i < len(key) {
			k = key[i]
		}
		outer[i] = k ^ 0x5c
	}
	copy(outer[hmacBlock:], inner[:])
	return sha256.Sum256(outer[:])
}
