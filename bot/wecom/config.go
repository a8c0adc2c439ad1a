package wecom

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// DefaultAPIBase is WeCom's public API host.
const DefaultAPIBase = "https://qyapi.weixin.qq.com"

// DefaultMaxSkew is how far a callback timestamp may be from our clock.
const DefaultMaxSkew = 5 * time.Minute

// Config is everything the WeCom channel needs. Secret, Token and AESKey are
// secrets: String and LogValue never show them.
type Config struct {
	CorpID  string
	AgentID int64
	Secret  string
	Token   string
	AESKey  string // EncodingAESKey, 43 characters
	APIBase string
	// MaxSkew bounds |now - callback timestamp|; 0 turns the check off.
	MaxSkew time.Duration
	// DomainVerify is the code of WeCom's WW_verify_<code>.txt domain check (optional).
	DomainVerify string
}

// Env variable names read by ConfigFromEnv.
const (
	EnvCorpID       = "WECOM_CORP_ID"
	EnvAgentID      = "WECOM_AGENT_ID"
	EnvSecret       = "WECOM_SECRET"
	EnvToken        = "WECOM_TOKEN"
	EnvAESKey       = "WECOM_AES_KEY"
	EnvAPIBase      = "WECOM_API_BASE"
	EnvMaxSkew      = "WECOM_CALLBACK_MAX_SKEW"
	EnvDomainVerify = "WECOM_DOMAIN_VERIFY"
)

// ConfigFromEnv reads the WECOM_* variables, applies defaults and validates.
// The error lists every bad value, one per line, in Chinese.
func ConfigFromEnv() (Config, error) { return ConfigFromLookup(os.Getenv) }

// ConfigFromLookup is ConfigFromEnv with an injectable getenv (for tests and flags).
func ConfigFromLookup(getenv func(string) string) (Config, error) {
	get := func(k string) string { return strings.TrimSpace(getenv(k)) }
	cfg := Config{
		CorpID:       get(EnvCorpID),
		Secret:       get(EnvSecret),
		Token:        get(EnvToken),
		AESKey:       get(EnvAESKey),
		APIBase:      get(EnvAPIBase),
		MaxSkew:      DefaultMaxSkew,
		DomainVerify: get(EnvDomainVerify),
	}
	var errs []error
	skip := map[string]bool{} // already reported as unparsable
	if v := get(EnvAgentID); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s 必须是整数（应用的 AgentId），当前值 %q 无法解析", EnvAgentID, v))
			skip[EnvAgentID] = true
		} else {
			cfg.AgentID = id
		}
	}
	if v := get(EnvMaxSkew); v != "" {
		d, err := ParseSkew(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s 格式不对：%q，应写成 5m、300s 或 0（0 表示不检查）", EnvMaxSkew, v))
		} else {
			cfg.MaxSkew = d
		}
	}
	cfg.Defaults()
	if err := cfg.validate(skip); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return cfg, errors.Join(errs...)
	}
	return cfg, nil
}

// ParseSkew accepts a Go duration ("5m", "300s"), a plain number of seconds, or "0".
func ParseSkew(v string) (time.Duration, error) {
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0, errors.New("negative")
		}
		return time.Duration(n) * time.Second, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, err
	}
	if d < 0 {
		return 0, errors.New("negative")
	}
	return d, nil
}

// Defaults fills the API base and normalises the domain-verify code.
func (c *Config) Defaults() {
	if c.APIBase == "" {
		c.APIBase = DefaultAPIBase
	}
	c.APIBase = strings.TrimRight(c.APIBase, "/")
	// Admins often paste the whole file name WeCom shows.
	c.DomainVerify = strings.TrimSuffix(strings.TrimPrefix(c.DomainVerify, "WW_verify_"), ".txt")
}

// Validate reports every bad value with a message that says what to fix.
func (c Config) Validate() error { return c.validate(nil) }

func (c Config) validate(skip map[string]bool) error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	switch {
	case c.CorpID == "":
		bad("%s 未设置：请填写企业ID（管理后台“我的企业”页面底部）", EnvCorpID)
	case len(c.CorpID) > 64 || !isAlnum(c.CorpID):
		bad("%s 格式不对：企业ID 只含字母和数字（例如 ww 开头的 18 位）", EnvCorpID)
	}
	if c.AgentID <= 0 && !skip[EnvAgentID] {
		bad("%s 未设置或不是正整数：请填写自建应用的 AgentId", EnvAgentID)
	}
	if c.Secret == "" {
		bad("%s 未设置：请填写自建应用的 Secret", EnvSecret)
	}
	switch {
	case c.Token == "":
		bad("%s 未设置：请填写“接收消息”设置里的 Token", EnvToken)
	case len(c.Token) > 32 || !isAlnum(c.Token):
		bad("%s 格式不对：Token 只能是英文字母和数字，最多 32 位（当前 %d 位）", EnvToken, len(c.Token))
	}
	if c.AESKey == "" {
		bad("%s 未设置：请填写“接收消息”设置里的 EncodingAESKey", EnvAESKey)
	} else if _, err := DecodeAESKey(c.AESKey); err != nil {
		bad("%s 格式不对：EncodingAESKey 必须正好 43 位英文字母和数字（当前 %d 位）", EnvAESKey, len(c.AESKey))
	}
	if u, err := url.Parse(c.APIBase); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" {
		bad("%s 格式不对：%q 应是 https://主机[:端口][/路径]，默认 %s", EnvAPIBase, c.APIBase, DefaultAPIBase)
	}
	if c.MaxSkew < 0 {
		bad("%s 不能为负数", EnvMaxSkew)
	}
	if c.DomainVerify != "" && (len(c.DomainVerify) > 64 || !isAlnum(c.DomainVerify)) {
		bad("%s 格式不对：应是 WW_verify_<代码>.txt 中的代码（字母和数字）", EnvDomainVerify)
	}
	return errors.Join(errs...)
}

// String prints the config for the startup log with secrets masked.
func (c Config) String() string {
	return fmt.Sprintf("wecom: corp_id=%s agent_id=%d secret=%s token=%s aes_key=%s api_base=%s max_skew=%s domain_verify=%s",
		c.CorpID, c.AgentID, mask(c.Secret), mask(c.Token), mask(c.AESKey), c.APIBase, c.MaxSkew, orNone(c.DomainVerify))
}

// LogValue masks secrets when the config is logged with slog.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("corp_id", c.CorpID),
		slog.Int64("agent_id", c.AgentID),
		slog.String("secret", mask(c.Secret)),
		slog.String("token", mask(c.Token)),
		slog.String("aes_key", mask(c.AESKey)),
		slog.String("api_base", c.APIBase),
		slog.Duration("max_skew", c.MaxSkew),
		slog.String("domain_verify", orNone(c.DomainVerify)),
	)
}

// GoString keeps %#v from printing secrets too.
func (c Config) GoString() string { return c.String() }

// Format makes every fmt verb (%v, %+v, %s, %#v) use the masked form.
func (c Config) Format(f fmt.State, verb rune) { _, _ = f.Write([]byte(c.String())) }

func mask(s string) string {
	if s == "" {
		return "(未设置)"
	}
	return "******"
}

func orNone(s string) string {
	if s == "" {
		return "(未设置)"
	}
	return s
}

// Crypto builds the callback crypto for this config.
func (c Config) Crypto() (*Crypto, error) { return NewCrypto(c.Token, c.AESKey, c.CorpID) }
