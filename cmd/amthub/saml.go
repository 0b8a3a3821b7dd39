package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/amthub/amthub/oauth/saml"
)

// mountSAML starts the SAML 2.0 IdP when it has a key pair: the file of
// AMTHUB_SAML_KEY_FILE, or in dev one kept in the data directory. It
// logs citizens in through the OAuth provider's login page.
func (a *App) mountSAML() error {
	b, err := a.samlKeyPEM()
	if err != nil || b == nil {
		return err
	}
	key, cert, err := saml.ParseKeyPair(b, time.Now())
	if err != nil {
		return err
	}
	a.SAML, err = saml.New(saml.Config{BaseURL: a.PublicURL, Key: key, Certificate: cert, Registry: a.Registry},
		saml.NewServiceProviders(a.DB), saml.OAuthLogins{Provider: a.OAuth}, a.Cache, a.Logger)
	if err != nil {
		return err
	}
	a.SAML.UseOAuthLogin(a.OAuth)
	a.SAML.Routes(a.Router)
	return nil
}

func (a *App) samlKeyPEM() ([]byte, error) {
	if a.Config.SAMLKeyFile != "" {
		b, err := os.ReadFile(a.Config.SAMLKeyFile)
		if err != nil {
			return nil, fmt.Errorf("AMTHUB_SAML_KEY_FILE: %w", err)
		}
		return b, nil
	}
	if !a.Config.Dev || a.Config.DataDir == "" {
		return nil, nil
	}
	path := filepath.Join(a.Config.DataDir, "saml-idp.pem")
	b, err := os.ReadFile(path)
	if err == nil {
		if _, _, err := saml.ParseKeyPair(b, time.Now().Add(24*time.Hour)); err == nil {
			return b, nil
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	b, err = saml.NewKeyPair("amthub dev SAML IdP", time.Now(), 365*24*time.Hour)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	return b, nil
}
