package auth

import (
	"sync"
	"time"
)

// An API client sends its token with every request; checking it costs two
// queries (token, user). tokenCache remembers tokens that checked out for a
// few seconds. Every change in this process that could refuse a token —
// revoking it, disabling its user, changing the user's role — empties the
// cache at once; a change made by another server process sharing the
// database takes effect within tokenCacheTTL.

// tokenCacheTTL is how long a checked token is trusted without a query.
const tokenCacheTTL = 10 * time.Second

// tokenCacheMax bounds the cache; when full it starts again empty.
const tokenCacheMax = 10000

type tokenHit struct {
	user  User
	token Token
	until time.Time
}

type tokenCache struct {
	mu sync.Mutex
	m  map[string]tokenHit // SHA-256 of the secret → what it checked out as
}

func (c *tokenCache) get(hash string, now time.Time) (tokenHit, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	h, ok := c.m[hash]
	if !ok || !now.Before(h.until) || (h.token.ExpiresAt != nil && !now.Before(*h.token.ExpiresAt)) {
		return tokenHit{}, false
	}
	return h, true
}

func (c *tokenCache) put(hash string, h tokenHit) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= tokenCacheMax {
		c.m = map[string]tokenHit{}
	}
	c.m[hash] = h
}

// clear forgets every token, after a change that may refuse some.
func (c *tokenCache) clear() {
	c.mu.Lock()
	c.m = nil
	c.mu.Unlock()
}
