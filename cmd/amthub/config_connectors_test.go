package main

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestRegisterAndPostboxConfig(t *testing.T) {
	tests := []struct {
		name       string
		env        map[string]string
		population string // where the population register is, "" for not connected
		trade      string
		errVar     string // the variable a failure names
	}{
		{"NotConnected", nil, "", "", ""},
		{"OneGatewayOverHTTP", map[string]string{"AMTHUB_REGISTER_URL": "https://gw.example/registers/"},
			"https://gw.example/registers", "https://gw.example/registers", ""},
		{"OneBrokerOverAMQP", map[string]string{"AMTHUB_REGISTER_URL": "amqps://hub:secret@mq.example/reg"},
			"amqps://hub:secret@mq.example/reg", "amqps://hub:secret@mq.example/reg", ""},
		{"PerRegister", map[string]string{"AMTHUB_REGISTER_URL": "https://gw.example",
			"AMTHUB_REGISTER_TRADE_URL": "amqp://hub:secret@mq.example/?queue=hr.requests"},
			"https://gw.example", "amqp://hub:secret@mq.example/?queue=hr.requests", ""},
		{"ErrScheme", map[string]string{"AMTHUB_REGISTER_POPULATION_URL": "ftp://hub:secret@gw.example"}, "", "", "AMTHUB_REGISTER_POPULATION_URL"},
		{"ErrNoHost", map[string]string{"AMTHUB_REGISTER_URL": "amqp:///reg"}, "", "", "AMTHUB_REGISTER_URL"},
		{"ErrTimeout", map[string]string{"AMTHUB_REGISTER_TIMEOUT": "soon"}, "", "", "AMTHUB_REGISTER_TIMEOUT"},
		{"ErrReadChecks", map[string]string{"AMTHUB_POSTBOX_READ_CHECKS": "1m,-5m"}, "", "", "AMTHUB_POSTBOX_READ_CHECKS"},
		{"ErrReadCutoff", map[string]string{"AMTHUB_POSTBOX_READ_CUTOFF": "0s"}, "", "", "AMTHUB_POSTBOX_READ_CUTOFF"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := loadConfig(envFrom(tt.env), true)
			if tt.errVar != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tt.errVar+": ") || strings.Contains(err.Error(), "secret") {
					t.Fatalf("error %v, want one naming %s without the password", err, tt.errVar)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := c.registerURL("population"); got != tt.population {
				t.Errorf("population register at %q, want %q", got, tt.population)
			}
			if got, _ := c.registerURL("trade"); got != tt.trade {
				t.Errorf("trade register at %q, want %q", got, tt.trade)
			}
		})
	}
	t.Run("Durations", func(t *testing.T) {
		c, err := loadConfig(envFrom(map[string]string{"AMTHUB_REGISTER_TIMEOUT": "1500ms",
			"AMTHUB_POSTBOX_READ_CHECKS": "30s, 2m", "AMTHUB_POSTBOX_READ_CUTOFF": "48h"}), true)
		if err != nil || c.RegisterTimeout != 1500*time.Millisecond || !slices.Equal(c.PostboxReadChecks, []time.Duration{30 * time.Second, 2 * time.Minute}) ||
			c.PostboxReadCutoff != 48*time.Hour {
			t.Errorf("%v %v %v (%v)", c.RegisterTimeout, c.PostboxReadChecks, c.PostboxReadCutoff, err)
		}
	})
}
