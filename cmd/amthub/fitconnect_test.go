package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"log/slog"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// anchorPEM is a self-signed certificate for the parser tests (the
// connector checks chains against it later, not here).
var anchorPEM = func() []byte {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Test anchor"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		panic(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}()

func readAnchor(path string) ([]byte, error) {
	if path == "anchor.pem" {
		return anchorPEM, nil
	}
	return nil, os.ErrNotExist
}

const validEntry = `{"destinationId":"fv-leipzig","fitConnectDestinationId":"879ee109-a690-4db8-ab32-424284184d7d",
	"clientId":"c","clientSecret":"s","tokenUrl":"https://auth.example/token","submissionApiUrl":"https://submission.example",
	"scope":"send:region:DE14","trustAnchor":"anchor.pem"}`

// TestParseFitConnectOutbound reads the AMTHUB_FITCONNECT_OUTBOUND file and
// refuses, naming the entry and the field, what cannot work.
func TestParseFitConnectOutbound(t *testing.T) {
	cfgs, err := parseFitConnectOutbound([]byte("["+validEntry+"]"), readAnchor)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfgs) != 1 || cfgs[0].DestinationID != "fv-leipzig" || cfgs[0].Scope != "send:region:DE14" || len(cfgs[0].TrustAnchor) == 0 {
		t.Fatalf("parsed %+v", cfgs)
	}
	tests := []struct{ name, file, want string }{
		{"NotAList", `{}`, "JSON list"},
		{"UnknownField", `[{"destination":"x"}]`, "unknown field"},
		{"MissingAnchorFile", "[" + strings.Replace(validEntry, "anchor.pem", "nope.pem", 1) + "]", "entry 1: trust anchor"},
		{"NoAnchor", "[" + strings.Replace(validEntry, `"anchor.pem"`, `""`, 1) + "]", "trust anchor: want at least one PEM"},
		{"BadFITDestination", "[" + strings.Replace(validEntry, "879ee109-a690-4db8-ab32-424284184d7d", "x", 1) + "]", "FIT-Connect destination id"},
		{"Twice", "[" + validEntry + "," + validEntry + "]", "entry 2: destination fv-leipzig is listed twice"},
	}
	for _, tt := range tests {
		t.Run("Err"+tt.name, func(t *testing.T) {
			_, err := parseFitConnectOutbound([]byte(tt.file), readAnchor)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want it to say %q", err, tt.want)
			}
		})
	}
}

// FuzzParseFitConnectOutbound: any file is parsed or refused, never a
// panic, and what is accepted validates.
func FuzzParseFitConnectOutbound(f *testing.F) {
	f.Add("[" + validEntry + "]")
	f.Add("[]")
	f.Add(`[{"destinationId":1}]`)
	f.Add("null")
	f.Fuzz(func(t *testing.T, file string) {
		cfgs, err := parseFitConnectOutbound([]byte(file), readAnchor)
		if err != nil {
			return
		}
		for _, c := range cfgs {
			if verr := c.Validate(); verr != nil {
				t.Fatalf("accepted an invalid entry: %v", errors.Unwrap(verr))
			}
		}
	})
}

// TestSimulatorKeysKept: dev makes the simulator's keys once and reads
// them back from its data directory on the next start.
func TestSimulatorKeysKept(t *testing.T) {
	dir := t.TempDir()
	first, err := simulatorKeys(dir, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(filepath.Join(dir, "fitconnect-sim-keys.pem"))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("keys file: %v, mode %v; want owner-only", err, info)
	}
	again, err := simulatorKeys(dir, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if again.Encryption.KeyID != first.Encryption.KeyID || !again.Root.Equal(first.Root) {
		t.Fatal("the second start made new keys")
	}
}
