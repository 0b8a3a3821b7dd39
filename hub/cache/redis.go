package cache

import (
	"context"
	"fmt"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
)

// Redis is a cache shared by every hub process, on Redis.
type Redis struct {
	client  *redis.Client
	limiter *redis_rate.Limiter
	prefix  string
}

// NewRedis connects to the Redis at rawURL ("redis://host:port/db"). Keys
// are prefixed with prefix, so several hubs or tests can share a server.
func NewRedis(ctx context.Context, rawURL, prefix string) (*Redis, error) {
	opts, err := redis.ParseURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("parse redis URL: %w", err)
	}
	c := redis.NewClient(opts)
	if err := c.Ping(ctx).Err(); err != nil {
		c.Close()
		return nil, fmt.Errorf("connect to redis: %w", err)
	}
	return &Redis{client: c, limiter: redis_rate.NewLimiter(c), prefix: prefix}, nil
}

// Close closes the connections.
func (r *Redis) Close() error { return r.client.Close() }

// Allow counts one event under key and reports whether limit allows it.
func (r *Redis) Allow(ctx context.Context, key string, limit Limit) (Result, error) {
	res, err := r.limiter.Allow(ctx, r.prefix+"rl:"+key, redis_rate.Limit{Rate: limit.Rate, Period: limit.Period, Burst: limit.Burst})
	if err != nil {
		return Result{}, fmt.Errorf("rate limit: %w", err)
	}
	return Result{Allowed: res.Allowed > 0, Remaining: res.Remaining, RetryAfter: max(res.RetryAfter, 0)}, nil
}

// SetNX sets key for ttl unless it is set; it reports whether it set it.
func (r *Redis) SetNX(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	err := r.client.SetArgs(ctx, r.prefix+key, "1", redis.SetArgs{Mode: "NX", TTL: ttl}).Err()
	if err == redis.Nil {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("setnx: %w", err)
	}
	return true, nil
}

// Exists reports whether key is set.
func (r *Redis) Exists(ctx context.Context, key string) (bool, error) {
	n, err := r.client.Exists(ctx, r.prefix+key).Result()
	if err != nil {
		return false, fmt.Errorf("exists: %w", err)
	}
	return n == 1, nil
}

// Delete removes key.
func (r *Redis) Delete(ctx context.Context, key string) error {
	if err := r.client.Del(ctx, r.prefix+key).Err(); err != nil {
		return fmt.Errorf("delete: %w", err)
	}
	return nil
}

// Ready reports whether Redis answers.
func (r *Redis) Ready(ctx context.Context) error {
	if err := r.client.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("redis: %w", err)
	}
	return nil
}

// Client returns the underlying Redis client, for stores that keep richer
// values than markers (sessions).
func (r *Redis) Client() *redis.Client { return r.client }

// Prefix returns the key prefix of this cache.
func (r *Redis) Prefix() string { return r.prefix }
