package mail_test

import (
	"bufio"
	"context"
	"net"
	"strings"
	"testing"

	"github.com/amthub/amthub/hub/mail"
)

// smtpServer is a minimal SMTP server (RFC 5321, no STARTTLS) on
// loopback that keeps the one message it receives.
func smtpServer(t *testing.T) (addr string, got chan string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	got = make(chan string, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		r, w := bufio.NewReader(c), bufio.NewWriter(c)
		say := func(s string) { w.WriteString(s + "\r\n"); w.Flush() }
		say("220 test ESMTP")
		var data strings.Builder
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			switch cmd := strings.ToUpper(strings.TrimSpace(line)); {
			case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
				say("250 test")
			case strings.HasPrefix(cmd, "DATA"):
				say("354 go on")
				for {
					l, err := r.ReadString('\n')
					if err != nil || l == ".\r\n" {
						break
					}
					data.WriteString(l)
				}
				got <- data.String()
				say("250 kept")
			case strings.HasPrefix(cmd, "QUIT"):
				say("221 bye")
				return
			default:
				say("250 ok")
			}
		}
	}()
	return ln.Addr().String(), got
}

func TestSMTP(t *testing.T) {
	ctx := context.Background()
	t.Run("OK", func(t *testing.T) {
		addr, got := smtpServer(t)
		s := mail.NewSMTP(mail.SMTPConfig{Addr: addr, From: "hub@amt.test", Insecure: true})
		err := s.Send(ctx, mail.Message{To: "anna@amt.test", Subject: "Einladung für Ärztin", Body: "Hallo\nZeile 2"})
		if err != nil {
			t.Fatal(err)
		}
		msg := <-got
		for _, want := range []string{"To: anna@amt.test\r\n", "Subject: =?utf-8?q?Einladung_f=C3=BCr_=C3=84rztin?=\r\n", "Hallo\r\nZeile 2"} {
			if !strings.Contains(msg, want) {
				t.Errorf("message lacks %q:\n%s", want, msg)
			}
		}
	})
	t.Run("ErrNoSTARTTLS", func(t *testing.T) {
		addr, _ := smtpServer(t)
		err := mail.NewSMTP(mail.SMTPConfig{Addr: addr, From: "hub@amt.test"}).Send(ctx, mail.Message{To: "a@amt.test", Subject: "x"})
		if err == nil || !strings.Contains(err.Error(), "STARTTLS") {
			t.Fatalf("a server without STARTTLS: %v", err)
		}
	})
	t.Run("ErrHeaderInjection", func(t *testing.T) {
		err := mail.NewSMTP(mail.SMTPConfig{Addr: "127.0.0.1:1"}).Send(ctx, mail.Message{To: "a@amt.test\r\nBcc: b@x.test", Subject: "x"})
		if err == nil || !strings.Contains(err.Error(), "line break") {
			t.Fatalf("line break in To: %v", err)
		}
	})
}

func TestOutbox(t *testing.T) {
	o := mail.NewOutbox()
	for _, to := range []string{"a@amt.test", "b@amt.test"} {
		if err := o.Send(context.Background(), mail.Message{To: to}); err != nil {
			t.Fatal(err)
		}
	}
	if m := o.Messages(); len(m) != 2 || m[0].To != "b@amt.test" || m[0].SentAt.IsZero() {
		t.Fatalf("Messages() = %+v, want newest first", m)
	}
}
