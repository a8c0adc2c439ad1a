// Package embedopenai embeds texts through an OpenAI-compatible embeddings
// API (github.com/sashabaranov/go-openai) for the knowledge base's semantic
// layer, and caches vectors in Redis so a restart re-embeds nothing already
// seen. The API key never appears in errors, logs or printed configuration.
package embedopenai

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	openai "github.com/sashabaranov/go-openai"

	"deliverybot/knowledge"
)

// DefaultModel is the embedding model used when none is configured.
const DefaultModel = "text-embedding-3-small"

// DefaultBatchSize is how many texts go into one API request by default.
const DefaultBatchSize = 64

// Config says which embeddings API to use.
type Config struct {
	// BaseURL is the API base, e.g. https://api.openai.com/v1; requests go to
	// BaseURL + "/embeddings".
	BaseURL string
	APIKey  string // secret: masked by String, scrubbed from errors
	Model   string // default DefaultModel
	// BatchSize caps texts per request (default DefaultBatchSize).
	BatchSize int
	// HTTPClient is optional (default: http.DefaultClient semantics, no
	// timeout of its own — callers pass contexts with deadlines).
	HTTPClient *http.Client
}

// Validate reports every problem at once, naming the environment variables.
func (c Config) Validate() error {
	var problems []string
	u, err := url.Parse(c.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		problems = append(problems, fmt.Sprintf("DELIVERYBOT_EMBED_BASE_URL %q is not an http(s) URL like https://api.openai.com/v1", redactURL(c.BaseURL)))
	}
	if strings.TrimSpace(c.APIKey) == "" {
		problems = append(problems, "DELIVERYBOT_EMBED_API_KEY is required when DELIVERYBOT_EMBED_BASE_URL is set")
	}
	if strings.TrimSpace(c.Model) == "" {
		problems = append(problems, "DELIVERYBOT_EMBED_MODEL must not be empty")
	}
	if c.BatchSize < 0 || c.BatchSize > 2048 {
		problems = append(problems, fmt.Sprintf("DELIVERYBOT_EMBED_BATCH %d must be between 1 and 2048", c.BatchSize))
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

// String describes the configuration with the key masked (safe to log).
func (c Config) String() string {
	return fmt.Sprintf("base_url=%s model=%s api_key=%s batch=%d", redactURL(c.BaseURL), c.Model, MaskKey(c.APIKey), c.batch())
}

func (c Config) batch() int {
	if c.BatchSize <= 0 {
		return DefaultBatchSize
	}
	return c.BatchSize
}

// MaskKey shows whether a secret is set without showing it: "(unset)",
// "****", or for long keys the last four characters ("****wxyz").
func MaskKey(key string) string {
	switch n := utf8.RuneCountInString(key); {
	case n == 0:
		return "(unset)"
	case n < 20:
		return "****"
	default:
		r := []rune(key)
		return "****" + string(r[n-4:])
	}
}

// redactURL hides any user:password in a URL.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return s
	}
	u.User = url.User("***")
	return u.String()
}

// Client embeds texts with one model; safe for concurrent use.
type Client struct {
	api   *openai.Client
	cfg   Config
	model string
}

var _ knowledge.Embedder = (*Client)(nil)

// New validates cfg and returns a client.
func New(cfg Config) (*Client, error) {
	if cfg.Model == "" {
		cfg.Model = DefaultModel
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	oc := openai.DefaultConfig(cfg.APIKey)
	oc.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if cfg.HTTPClient != nil {
		oc.HTTPClient = cfg.HTTPClient
	}
	return &Client{api: openai.NewClientWithConfig(oc), cfg: cfg, model: cfg.Model}, nil
}

// Model is the embedding model's name (part of every cache key).
func (c *Client) Model() string { return c.model }

// Config returns the configuration (print it with String: the key is masked).
func (c *Client) Config() Config { return c.cfg }

// Embed returns one vector per text, in order, in requests of at most
// BatchSize texts. Empty texts are not allowed by the API: they are rejected.
func (c *Client) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	for i, t := range texts {
		if strings.TrimSpace(t) == "" {
			return nil, fmt.Errorf("第 %d 条文本为空，无法向量化", i+1)
		}
	}
	bs := c.cfg.batch()
	for start := 0; start < len(texts); start += bs {
		chunk := texts[start:min(len(texts), start+bs)]
		resp, err := c.api.CreateEmbeddings(ctx, openai.EmbeddingRequestStrings{Input: chunk, Model: openai.EmbeddingModel(c.model)})
		if err != nil {
			return nil, c.scrub(ctx, err)
		}
		if len(resp.Data) != len(chunk) {
			return nil, fmt.Errorf("向量服务返回了 %d 个向量，应为 %d 个", len(resp.Data), len(chunk))
		}
		for _, d := range resp.Data {
			if d.Index < 0 || d.Index >= len(chunk) || out[start+d.Index] != nil || len(d.Embedding) == 0 {
				return nil, fmt.Errorf("向量服务返回的第 %d 个向量无效", d.Index)
			}
			out[start+d.Index] = d.Embedding
		}
	}
	return out, nil
}

// apiError is an embeddings API failure with the key scrubbed out of the
// text (an API or gateway may echo it back) and long bodies cut short. It
// unwraps only to the context's error, so no wrapped original can leak the
// key through %+v or errors.As.
type apiError struct {
	msg   string
	cause error // context.Canceled / DeadlineExceeded, or nil
}

func (e *apiError) Error() string { return e.msg }
func (e *apiError) Unwrap() error { return e.cause }

func (c *Client) scrub(ctx context.Context, err error) error {
	msg := err.Error()
	if k := c.cfg.APIKey; k != "" {
		msg = strings.ReplaceAll(msg, k, MaskKey(k))
	}
	msg = strings.ReplaceAll(msg, c.cfg.BaseURL, redactURL(c.cfg.BaseURL))
	if r := []rune(msg); len(r) > 300 {
		msg = string(r[:300]) + "…"
	}
	e := &apiError{msg: "embeddings API: " + msg}
	switch {
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded):
		e.cause = context.DeadlineExceeded
	case errors.Is(err, context.Canceled) || errors.Is(ctx.Err(), context.Canceled):
		e.cause = context.Canceled
	}
	return e
}
