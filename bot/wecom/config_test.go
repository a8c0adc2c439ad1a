package wecom_test

import (
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"deliverybot/bot/wecom"
)

const goodAESKey = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func goodEnv() map[string]string {
	return map[string]string{
		"WECOM_CORP_ID": "wx5823bf96d3bd56c7", "WECOM_AGENT_ID": "1000002", "WECOM_SECRET": "s3cr3tValue",
		"WECOM_TOKEN": "QDG6eK", "WECOM_AES_KEY": goodAESKey,
	}
}

func TestConfigFromEnvDefaults(t *testing.T) {
	cfg, err := wecom.ConfigFromLookup(env(goodEnv()))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.AgentID != 1000002 || cfg.APIBase != wecom.DefaultAPIBase || cfg.MaxSkew != 5*time.Minute {
		t.Fatalf("defaults wrong: %v", cfg)
	}
}

func TestConfigFromEnvValues(t *testing.T) {
	e := goodEnv()
	e["WECOM_API_BASE"] = "http://127.0.0.1:9000/"
	e["WECOM_CALLBACK_MAX_SKEW"] = "0"
	e["WECOM_DOMAIN_VERIFY"] = "WW_verify_Ab12.txt"
	cfg, err := wecom.ConfigFromLookup(env(e))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.APIBase != "http://127.0.0.1:9000" || cfg.MaxSkew != 0 || cfg.DomainVerify != "Ab12" {
		t.Fatalf("got %v", cfg)
	}
	for in, want := range map[string]time.Duration{"90s": 90 * time.Second, "300": 300 * time.Second, "10m": 10 * time.Minute} {
		e["WECOM_CALLBACK_MAX_SKEW"] = in
		cfg, err := wecom.ConfigFromLookup(env(e))
		if err != nil || cfg.MaxSkew != want {
			t.Errorf("skew %q: %v %v", in, cfg.MaxSkew, err)
		}
	}
}

func TestConfigValidationMessages(t *testing.T) {
	tests := []struct {
		key, value, want string
	}{
		{"WECOM_CORP_ID", "", "WECOM_CORP_ID 未设置"},
		{"WECOM_CORP_ID", "ww-1", "WECOM_CORP_ID 格式不对"},
		{"WECOM_AGENT_ID", "abc", "WECOM_AGENT_ID 必须是整数"},
		{"WECOM_AGENT_ID", "", "WECOM_AGENT_ID 未设置"},
		{"WECOM_SECRET", "", "WECOM_SECRET 未设置"},
		{"WECOM_TOKEN", strings.Repeat("a", 33), "WECOM_TOKEN 格式不对"},
		{"WECOM_TOKEN", "has space", "WECOM_TOKEN 格式不对"},
		{"WECOM_AES_KEY", goodAESKey[:42], "WECOM_AES_KEY 格式不对"},
		{"WECOM_AES_KEY", goodAESKey[:42] + "+", "WECOM_AES_KEY 格式不对"},
		{"WECOM_API_BASE", "ftp://x", "WECOM_API_BASE 格式不对"},
		{"WECOM_API_BASE", "qyapi.weixin.qq.com", "WECOM_API_BASE 格式不对"},
		{"WECOM_CALLBACK_MAX_SKEW", "-5m", "WECOM_CALLBACK_MAX_SKEW 格式不对"},
		{"WECOM_CALLBACK_MAX_SKEW", "soon", "WECOM_CALLBACK_MAX_SKEW 格式不对"},
		{"WECOM_DOMAIN_VERIFY", "a/b", "WECOM_DOMAIN_VERIFY 格式不对"},
	}
	for _, tt := range tests {
		t.Run(tt.key+"="+tt.value, func(t *testing.T) {
			e := goodEnv()
			e[tt.key] = tt.value
			_, err := wecom.ConfigFromLookup(env(e))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want it to contain %q", err, tt.want)
			}
			if n := strings.Count(err.Error(), "\n") + 1; n != 1 {
				t.Fatalf("one bad value should give one message, got %d:\n%v", n, err)
			}
		})
	}
	_, err := wecom.ConfigFromLookup(env(map[string]string{}))
	if err == nil || strings.Count(err.Error(), "\n") < 4 {
		t.Fatalf("empty env should list every missing value, got %v", err)
	}
}

func TestConfigNeverPrintsSecrets(t *testing.T) {
	cfg, err := wecom.ConfigFromLookup(env(goodEnv()))
	if err != nil {
		t.Fatal(err)
	}
	var logged strings.Builder
	slog.New(slog.NewTextHandler(&logged, nil)).Info("config", "wecom", cfg)
	outs := []string{cfg.String(), fmt.Sprint(cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg), fmt.Sprintf("%s", cfg), logged.String()}
	for _, out := range outs {
		for _, secret := range []string{"s3cr3tValue", "QDG6eK", goodAESKey} {
			if strings.Contains(out, secret) {
				t.Fatalf("secret %q printed in %q", secret, out)
			}
		}
		if !strings.Contains(out, "wx5823bf96d3bd56c7") {
			t.Fatalf("corp id missing from %q", out)
		}
	}
}
