package main

import (
	"testing"

	"github.com/amthub/amthub/hub/privacy"
)

func TestPrivacyDeclarationsValid(t *testing.T) {
	if err := privacy.Check(privacyDeclarations()); err != nil {
		t.Fatal(err)
	}
}
