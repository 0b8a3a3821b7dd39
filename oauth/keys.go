package oauth

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v3"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/sqlstore"
)

// signingAlg is the one algorithm the hub signs and accepts: RS256, which
// every OpenID Connect client must support, and whose verification — the
// operation resource servers do on every request — is fast.
const signingAlg = jose.RS256

const hmacKeyID = "hmac-1"

// KeyStore keeps the issuer's signing keys and HMAC secret in the database
// and a copy in memory. Private material is encrypted at rest when a
// key-encryption key is configured, and never logged.
type KeyStore struct {
	db       *sqlstore.DB
	kek      []byte
	rotation time.Duration
	grace    time.Duration // how long a superseded key stays published
	logger   *slog.Logger

	mu       sync.RWMutex
	current  *jose.JSONWebKey // private
	signer   jose.Signer
	public   map[string]*rsa.PublicKey
	jwks     jose.JSONWebKeySet
	hmac     []byte
	loadedAt time.Time
	reloadMu sync.Mutex
}

func newKeyStore(db *sqlstore.DB, cfg Config, logger *slog.Logger) *KeyStore {
	return &KeyStore{db: db, kek: cfg.KeyEncryptionKey, rotation: cfg.KeyRotation,
		grace: max(cfg.AccessTokenLifespan, cfg.IDTokenLifespan) + time.Hour, logger: logger}
}

// ensure makes the HMAC secret and a signing key if missing, rotates a key
// older than the rotation period, and loads them.
func (k *KeyStore) ensure(ctx context.Context) error {
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	if err := k.insert(ctx, hmacKeyID, "hmac", "HS256", "", secret); err != nil {
		return err
	}
	if err := k.Reload(ctx); err != nil {
		return err
	}
	k.mu.RLock()
	cur := k.current
	k.mu.RUnlock()
	if cur == nil || k.age(ctx, cur.KeyID) > k.rotation {
		return k.Rotate(ctx)
	}
	return nil
}

func (k *KeyStore) age(ctx context.Context, kid string) time.Duration {
	var created time.Time
	if err := k.db.QueryRowContext(ctx, `SELECT created_at FROM oauth_keys WHERE id = $1`, kid).Scan(&created); err != nil {
		return 0
	}
	return k.db.Now().Sub(created)
}

// Rotate makes a new signing key the current one. The previous keys stay
// published for the grace period, so tokens they signed still verify.
func (k *KeyStore) Rotate(ctx context.Context) error {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return fmt.Errorf("generate signing key: %w", err)
	}
	kid := hub.NewID()
	pub := jose.JSONWebKey{Key: &priv.PublicKey, KeyID: kid, Algorithm: string(signingAlg), Use: "sig"}
	pubJSON, err := json.Marshal(pub)
	if err != nil {
		return fmt.Errorf("encode public key: %w", err)
	}
	if err := k.insert(ctx, kid, "signing", string(signingAlg), string(pubJSON), x509.MarshalPKCS1PrivateKey(priv)); err != nil {
		return err
	}
	now := k.db.Now()
	if _, err := k.db.ExecContext(ctx, `UPDATE oauth_keys SET retired_at = $1 WHERE kind = 'signing' AND retired_at IS NULL AND id <> $2`,
		now.Add(k.grace), kid); err != nil {
		return fmt.Errorf("retire old signing keys: %w", err)
	}
	k.logger.Info("oauth: signing key rotated", "kid", kid)
	return k.Reload(ctx)
}

func (k *KeyStore) insert(ctx context.Context, id, kind, alg, pubJSON string, private []byte) error {
	enc := "none"
	if len(k.kek) > 0 {
		var err error
		if private, err = seal(k.kek, id, private); err != nil {
			return err
		}
		enc = "aes256gcm"
	}
	var pub any
	if pubJSON != "" {
		pub = pubJSON
	}
	_, err := k.db.ExecContext(ctx, `INSERT INTO oauth_keys (id, kind, algorithm, public_jwk, private_key, encryption, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING`, id, kind, alg, pub, private, enc, k.db.Now())
	if err != nil {
		return fmt.Errorf("store %s key: %w", kind, err)
	}
	return nil
}

// Reload reads the keys from the database: what other hub processes
// rotated becomes visible here.
func (k *KeyStore) Reload(ctx context.Context) error {
	rows, err := k.db.QueryContext(ctx, `SELECT id, kind, private_key, encryption FROM oauth_keys
		WHERE retired_at IS NULL OR retired_at > $1 ORDER BY created_at, id`, k.db.Now())
	if err != nil {
		return fmt.Errorf("load keys: %w", err)
	}
	defer rows.Close()
	var (
		current *jose.JSONWebKey
		hmacKey []byte
		public  = map[string]*rsa.PublicKey{}
		jwks    jose.JSONWebKeySet
	)
	for rows.Next() {
		var id, kind, enc string
		var private []byte
		if err := rows.Scan(&id, &kind, &private, &enc); err != nil {
			return fmt.Errorf("scan key: %w", err)
		}
		if enc != "none" {
			if private, err = open(k.kek, id, private); err != nil {
				return err
			}
		}
		if kind == "hmac" {
			hmacKey = private
			continue
		}
		priv, err := x509.ParsePKCS1PrivateKey(private)
		if err != nil {
			return fmt.Errorf("parse signing key %s: %w", id, err)
		}
		current = &jose.JSONWebKey{Key: priv, KeyID: id, Algorithm: string(signingAlg), Use: "sig"}
		public[id] = &priv.PublicKey
		jwks.Keys = append(jwks.Keys, current.Public())
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("load keys: %w", err)
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	k.hmac, k.public, k.jwks, k.loadedAt = hmacKey, public, jwks, time.Now()
	if current != nil && (k.current == nil || k.current.KeyID != current.KeyID) {
		opts := (&jose.SignerOptions{}).WithType("at+jwt")
		s, err := jose.NewSigner(jose.SigningKey{Algorithm: signingAlg, Key: current}, opts)
		if err != nil {
			return fmt.Errorf("signer: %w", err)
		}
		k.current, k.signer = current, s
	}
	return nil
}

// publicKey returns the public key with id kid, reloading at most every
// ten seconds when it is unknown (a key rotated by another process).
func (k *KeyStore) publicKey(ctx context.Context, kid string) (*rsa.PublicKey, bool) {
	k.mu.RLock()
	pk, ok := k.public[kid]
	loaded := k.loadedAt
	k.mu.RUnlock()
	if ok || time.Since(loaded) < 10*time.Second {
		return pk, ok
	}
	k.reloadMu.Lock()
	defer k.reloadMu.Unlock()
	k.mu.RLock()
	stale := k.loadedAt.Equal(loaded)
	k.mu.RUnlock()
	if stale {
		if err := k.Reload(ctx); err != nil {
			k.logger.Error("oauth: reload keys", "error", err)
		}
	}
	k.mu.RLock()
	defer k.mu.RUnlock()
	pk, ok = k.public[kid]
	return pk, ok
}

// JWKS returns the published public keys.
func (k *KeyStore) JWKS() jose.JSONWebKeySet {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return jose.JSONWebKeySet{Keys: append([]jose.JSONWebKey(nil), k.jwks.Keys...)}
}

func (k *KeyStore) currentKey(context.Context) (any, error) {
	k.mu.RLock()
	defer k.mu.RUnlock()
	if k.current == nil {
		return nil, errors.New("no signing key loaded")
	}
	return k.current, nil
}

func (k *KeyStore) accessSigner() jose.Signer {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.signer
}

func (k *KeyStore) hmacSecret() []byte {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.hmac
}

func seal(kek []byte, id string, plain []byte) ([]byte, error) {
	gcm, err := newGCM(kek)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, gcm.NonceSize())
	_, _ = rand.Read(nonce)
	return gcm.Seal(nonce, nonce, plain, []byte(id)), nil
}

func open(kek []byte, id string, sealed []byte) ([]byte, error) {
	if len(kek) == 0 {
		return nil, fmt.Errorf("key %s is encrypted but no key-encryption key is configured", id)
	}
	gcm, err := newGCM(kek)
	if err != nil {
		return nil, err
	}
	if len(sealed) < gcm.NonceSize() {
		return nil, fmt.Errorf("key %s: sealed data too short", id)
	}
	plain, err := gcm.Open(nil, sealed[:gcm.NonceSize()], sealed[gcm.NonceSize():], []byte(id))
	if err != nil {
		return nil, fmt.Errorf("decrypt key %s (wrong key-encryption key?): %w", id, err)
	}
	return plain, nil
}

func newGCM(kek []byte) (cipher.AEAD, error) {
	b, err := aes.NewCipher(kek)
	if err != nil {
		return nil, fmt.Errorf("key-encryption key: %w", err)
	}
	return cipher.NewGCM(b)
}
