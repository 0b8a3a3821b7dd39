package main

import (
	"github.com/amthub/amthub/connectors/fitconnect"
	"github.com/amthub/amthub/hub/access"
	"github.com/amthub/amthub/hub/audit"
	"github.com/amthub/amthub/hub/citizens"
	"github.com/amthub/amthub/hub/mailbox"
	"github.com/amthub/amthub/hub/payments"
	"github.com/amthub/amthub/hub/pipeline"
	"github.com/amthub/amthub/hub/privacy"
	"github.com/amthub/amthub/hub/registers"
	"github.com/amthub/amthub/hub/sqlstore"
	"github.com/amthub/amthub/hub/staff"
	"github.com/amthub/amthub/oauth"
	"github.com/amthub/amthub/portal"
)

// privacyDeclarations collects what every module declares about the
// personal data it keeps: the retention job, the citizen's export and the
// record of processing activities read them.
func privacyDeclarations() []privacy.Declaration {
	var out []privacy.Declaration
	for _, part := range [][]privacy.Declaration{
		pipeline.Privacy(), mailbox.Privacy(), payments.Privacy(), registers.Privacy(),
		citizens.Privacy(), portal.Privacy(), oauth.Privacy(), sqlstore.Privacy(),
		staff.Privacy(), access.Privacy(), audit.Privacy(), fitconnect.Privacy(),
	} {
		out = append(out, part...)
	}
	return out
}
