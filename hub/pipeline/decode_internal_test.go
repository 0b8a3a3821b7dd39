package pipeline

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/bus"
)

func replyMsg(key, at string, body []byte) *message.Message {
	m := message.NewMessage(hub.NewID(), body)
	m.Metadata.Set(bus.RoutingKeyKey, key)
	if at != "" {
		m.Metadata.Set("cloudEvents:time", at)
	}
	return m
}

// TestDecodeReplyOrder: the reply's time comes from cloudEvents:time, the
// sequence from the body; a malformed time or a negative sequence is
// refused as invalid.
func TestDecodeReplyOrder(t *testing.T) {
	dest, sub := hub.NewID(), hub.NewID()
	status := func(seq int) []byte {
		b, _ := json.Marshal(hub.ReplyMessage{SubmissionID: sub, CaseID: hub.NewID(), Status: hub.StatusProcessing, Sequence: seq})
		return b
	}
	at := time.Date(2026, 12, 6, 5, 0, 0, 123456789, time.UTC)
	for _, tc := range []struct {
		name    string
		at      string
		body    []byte
		wantErr bool
		want    time.Time
		seq     int
	}{
		{"TimeAndSequence", at.Format(time.RFC3339Nano), status(2), false, at, 2},
		{"NoTime", "", status(0), false, time.Time{}, 0},
		{"ErrMalformedTime", "yesterday", status(1), true, time.Time{}, 0},
		{"ErrNegativeSequence", at.Format(time.RFC3339Nano), status(-1), true, time.Time{}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := decodeReply(replyMsg(dest+"."+hub.ReplyStatus, tc.at, tc.body))
			if tc.wantErr {
				if hub.ErrorCode(err) != hub.EINVALID {
					t.Fatalf("err = %v, want invalid", err)
				}
				return
			}
			if err != nil || !r.Time.Equal(tc.want) || r.Body.Sequence != tc.seq {
				t.Fatalf("decoded time %s sequence %d (%v), want %s %d", r.Time, r.Body.Sequence, err, tc.want, tc.seq)
			}
		})
	}
}

// FuzzDecodeReply: whatever arrives, decoding does not panic, and what it
// accepts names a valid sender and submission and a sequence of at least 0.
func FuzzDecodeReply(f *testing.F) {
	dest, sub := hub.NewID(), hub.NewID()
	f.Add(dest+".status", "2026-12-06T05:00:00Z", []byte(`{"submissionId":"`+sub+`","caseId":"c","status":"RECEIVED","sequence":1}`))
	f.Add(dest+".accept", "", []byte(`{"submissionId":"`+sub+`"}`))
	f.Add(dest+".status", "x", []byte(`{"submissionId":"`+sub+`","status":"DONE","sequence":-3}`))
	f.Add("nodot", "2026-12-06T05:00:00+01:00", []byte(`{`))
	f.Fuzz(func(t *testing.T, key, at string, body []byte) {
		r, err := decodeReply(replyMsg(key, at, body))
		if err != nil {
			return
		}
		if !hub.ValidID(r.DestinationID) || !hub.ValidID(r.Body.SubmissionID) || r.Body.Sequence < 0 {
			t.Fatalf("accepted %+v", r)
		}
	})
}
