package fitconnect

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/fitcrypto"
	"github.com/amthub/amthub/hub/sqlstore"
)

// hubKey loads the hub's FIT-Connect signing key (PS512, 4096 bits, with a
// self-signed certificate for x5c), making and storing one on first use.
// The private key is stored sealed with the key-encryption key when one is
// configured.
func hubKey(ctx context.Context, db *sqlstore.DB, kek []byte, issuer string) (*fitcrypto.PrivateKey, *fitcrypto.PublicKey, error) {
	var kid string
	var sealed, cert []byte
	err := db.QueryRowContext(ctx, `SELECT kid, private_key, certificate FROM fitconnect_hub_keys ORDER BY created_at DESC LIMIT 1`).
		Scan(&kid, &sealed, &cert)
	if sqlstore.ErrNoRows(err) {
		return newHubKey(ctx, db, kek, issuer)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("load FIT-Connect signing key: %w", err)
	}
	der, err := openKey(kek, sealed, kid)
	if err != nil {
		return nil, nil, err
	}
	parsed, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, nil, fmt.Errorf("load FIT-Connect signing key: %w", err)
	}
	rk, ok := parsed.(*rsa.PrivateKey)
	if !ok {
		return nil, nil, errors.New("load FIT-Connect signing key: not RSA")
	}
	c, err := x509.ParseCertificate(cert)
	if err != nil {
		return nil, nil, fmt.Errorf("load FIT-Connect signing key certificate: %w", err)
	}
	priv := &fitcrypto.PrivateKey{KeyID: kid, Purpose: fitcrypto.Signature, Key: rk}
	pub := priv.Public()
	pub.Certificates = []*x509.Certificate{c}
	return priv, pub, nil
}

func newHubKey(ctx context.Context, db *sqlstore.DB, kek []byte, issuer string) (*fitcrypto.PrivateKey, *fitcrypto.PublicKey, error) {
	rk, err := rsa.GenerateKey(rand.Reader, fitcrypto.MinRSABits)
	if err != nil {
		return nil, nil, fmt.Errorf("make FIT-Connect signing key: %w", err)
	}
	kid := hub.NewID()
	now := db.Now()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(now.UnixNano()), Subject: pkix.Name{CommonName: "amthub FIT-Connect " + issuer},
		NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(10, 0, 0), KeyUsage: x509.KeyUsageDigitalSignature}
	cert, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &rk.PublicKey, rk)
	if err != nil {
		return nil, nil, fmt.Errorf("make FIT-Connect signing certificate: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(rk)
	if err != nil {
		return nil, nil, fmt.Errorf("encode FIT-Connect signing key: %w", err)
	}
	sealed, err := sealKey(kek, der, kid)
	if err != nil {
		return nil, nil, err
	}
	// Two processes starting at once may both make one; the newest wins for
	// signing, and both stay published.
	if _, err := db.ExecContext(ctx, `INSERT INTO fitconnect_hub_keys (kid, private_key, certificate, created_at) VALUES ($1, $2, $3, $4)`,
		kid, sealed, cert, now); err != nil {
		return nil, nil, fmt.Errorf("store FIT-Connect signing key: %w", err)
	}
	return hubKey(ctx, db, kek, issuer)
}

// publishedKeys returns every hub signing key, for the JWKS.
func publishedKeys(ctx context.Context, db *sqlstore.DB) ([]json.RawMessage, error) {
	rows, err := db.QueryContext(ctx, `SELECT kid, certificate FROM fitconnect_hub_keys ORDER BY created_at DESC`)
	if err != nil {
		return nil, fmt.Errorf("list FIT-Connect signing keys: %w", err)
	}
	defer rows.Close()
	var out []json.RawMessage
	for rows.Next() {
		var kid string
		var cert []byte
		if err := rows.Scan(&kid, &cert); err != nil {
			return nil, fmt.Errorf("list FIT-Connect signing keys: %w", err)
		}
		c, err := x509.ParseCertificate(cert)
		if err != nil {
			return nil, fmt.Errorf("FIT-Connect signing key %s: %w", kid, err)
		}
		rk, ok := c.PublicKey.(*rsa.PublicKey)
		if !ok {
			return nil, fmt.Errorf("FIT-Connect signing key %s is not RSA", kid)
		}
		b, err := (&fitcrypto.PublicKey{KeyID: kid, Purpose: fitcrypto.Signature, Key: rk,
			Certificates: []*x509.Certificate{c}}).MarshalJSON()
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// sealKey encrypts a private key with AES-256-GCM under kek, bound to its
// kid; without a kek (dev) it is stored as is.
func sealKey(kek, der []byte, kid string) ([]byte, error) {
	if len(kek) == 0 {
		return der, nil
	}
	aead, err := gcm(kek)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, aead.NonceSize())
	_, _ = rand.Read(nonce)
	return aead.Seal(nonce, nonce, der, []byte("fitconnect-hub-key/"+kid)), nil
}

func openKey(kek, sealed []byte, kid string) ([]byte, error) {
	if len(kek) == 0 {
		return sealed, nil
	}
	aead, err := gcm(kek)
	if err != nil {
		return nil, err
	}
	n := aead.NonceSize()
	if len(sealed) < n {
		return nil, errors.New("open FIT-Connect signing key: too short")
	}
	der, err := aead.Open(nil, sealed[:n], sealed[n:], []byte("fitconnect-hub-key/"+kid))
	if err != nil {
		return nil, fmt.Errorf("open FIT-Connect signing key (wrong key-encryption key?): %w", err)
	}
	return der, nil
}

func gcm(kek []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(kek)
	if err != nil {
		return nil, fmt.Errorf("key-encryption key: %w", err)
	}
	return cipher.NewGCM(block)
}

// destinationKey is a key a subscriber registered for its destination.
type destinationKey struct {
	Kid     string
	Purpose fitcrypto.Purpose
	JWK     json.RawMessage
}

func purposeName(p fitcrypto.Purpose) string {
	if p == fitcrypto.Encryption {
		return "encryption"
	}
	return "signature"
}

// saveDestinationKey stores a registered key; the same kid again is a
// conflict (keys are immutable; register a new kid to rotate).
func saveDestinationKey(ctx context.Context, db *sqlstore.DB, tenantID, destinationID string, k destinationKey) error {
	_, err := db.ExecContext(ctx, `INSERT INTO fitconnect_destination_keys (tenant_id, destination_id, kid, purpose, jwk, created_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, tenantID, destinationID, k.Kid, purposeName(k.Purpose), string(k.JWK), db.Now())
	if err != nil {
		err = sqlstore.Translate(err)
		if hub.IsCode(err, hub.ECONFLICT) {
			return &hub.Error{Code: hub.ECONFLICT, Kind: "key-exists", Message: "A key with this kid is already registered."}
		}
		return fmt.Errorf("store destination key: %w", err)
	}
	return nil
}

// findDestinationKey returns a registered key of the destination.
func findDestinationKey(ctx context.Context, db *sqlstore.DB, tenantID, destinationID, kid string) (*destinationKey, error) {
	k := &destinationKey{Kid: kid}
	var purpose, jwk string
	err := db.QueryRowContext(ctx, `SELECT purpose, jwk FROM fitconnect_destination_keys
		WHERE tenant_id = $1 AND destination_id = $2 AND kid = $3`, tenantID, destinationID, kid).Scan(&purpose, &jwk)
	if sqlstore.ErrNoRows(err) {
		return nil, &hub.Error{Code: hub.ENOTFOUND, Kind: "key-not-found", Message: "No such key."}
	}
	if err != nil {
		return nil, fmt.Errorf("find destination key: %w", err)
	}
	k.Purpose, k.JWK = fitcrypto.Signature, json.RawMessage(jwk)
	if purpose == "encryption" {
		k.Purpose = fitcrypto.Encryption
	}
	return k, nil
}
