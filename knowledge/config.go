package knowledge

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"

	"gopkg.in/yaml.v3"
)

// ConfigFile is the optional per-KB settings file next to the sources. It
// holds the policy thresholds, so a KB author can tune them with `kb eval`
// for one KB without touching the deployment:
//
//	policy:
//	  answer_threshold: 0.6
//	  suggest_threshold: 0.51
const ConfigFile = "kb.yaml"

// KBConfig is the content of kb.yaml. Keys left out keep their defaults.
type KBConfig struct {
	Policy *PolicyConfig `yaml:"policy"`
}

// PolicyConfig overrides Policy fields; nil means "keep the default".
type PolicyConfig struct {
	AnswerThreshold  *float64 `yaml:"answer_threshold"`
	SuggestThreshold *float64 `yaml:"suggest_threshold"`
	MinMargin        *float64 `yaml:"min_margin"`
	SureThreshold    *float64 `yaml:"sure_threshold"`
	MarginBonus      *float64 `yaml:"margin_bonus"`
	MaxSuggestions   *int     `yaml:"max_suggestions"`
	AgreeBonus       *float64 `yaml:"agree_bonus"`
	AgreeMinProb     *float64 `yaml:"agree_min_prob"`
	DisagreePenalty  *float64 `yaml:"disagree_penalty"`
}

// fixesSuggestThreshold: the author chose the suggest threshold, so it is not calibrated.
func (c *KBConfig) fixesSuggestThreshold() bool {
	return c != nil && c.Policy != nil && c.Policy.SuggestThreshold != nil
}

// Apply returns p with the configured fields replaced.
func (c *KBConfig) Apply(p Policy) Policy {
	if c == nil || c.Policy == nil {
		return p
	}
	pc := c.Policy
	set := func(dst *float64, v *float64) {
		if v != nil {
			*dst = *v
		}
	}
	set(&p.AnswerThreshold, pc.AnswerThreshold)
	set(&p.SuggestThreshold, pc.SuggestThreshold)
	set(&p.MinMargin, pc.MinMargin)
	set(&p.SureThreshold, pc.SureThreshold)
	set(&p.MarginBonus, pc.MarginBonus)
	set(&p.AgreeBonus, pc.AgreeBonus)
	set(&p.AgreeMinProb, pc.AgreeMinProb)
	set(&p.DisagreePenalty, pc.DisagreePenalty)
	if pc.MaxSuggestions != nil {
		p.MaxSuggestions = *pc.MaxSuggestions
	}
	return p
}

var yamlLine = regexp.MustCompile(`line (\d+)`)

// ParseConfig reads kb.yaml strictly (unknown keys are mistakes) and checks
// the values. Problems come back as RowErrors with line numbers where known.
func ParseConfig(r io.Reader, file string) (*KBConfig, []RowError) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, []RowError{{File: file, Reason: "读取失败：" + err.Error()}}
	}
	var c KBConfig
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
		line := 0
		if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
			line, _ = strconv.Atoi(m[1])
		}
		return nil, []RowError{{File: file, Line: line, Reason: "配置格式错误：" + err.Error()}}
	}
	var errs []RowError
	if pc := c.Policy; pc != nil {
		for _, f := range []struct {
			name string
			v    *float64
		}{
			{"answer_threshold", pc.AnswerThreshold},
			{"suggest_threshold", pc.SuggestThreshold},
			{"min_margin", pc.MinMargin},
			{"sure_threshold", pc.SureThreshold},
			{"margin_bonus", pc.MarginBonus},
			{"agree_bonus", pc.AgreeBonus},
			{"agree_min_prob", pc.AgreeMinProb},
			{"disagree_penalty", pc.DisagreePenalty},
		} {
			if f.v != nil && (*f.v < 0 || *f.v > 1) {
				errs = append(errs, RowError{File: file, Reason: fmt.Sprintf("policy.%s 应在 0 到 1 之间，现在是 %v", f.name, *f.v)})
			}
		}
		if pc.MaxSuggestions != nil && (*pc.MaxSuggestions < 1 || *pc.MaxSuggestions > 9) {
			errs = append(errs, RowError{File: file, Reason: fmt.Sprintf("policy.max_suggestions 应在 1 到 9 之间，现在是 %d", *pc.MaxSuggestions)})
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	p := c.Apply(DefaultPolicy())
	if p.SuggestThreshold > p.AnswerThreshold {
		return nil, []RowError{{File: file, Reason: fmt.Sprintf("policy.suggest_threshold（%v）不能高于 answer_threshold（%v）", p.SuggestThreshold, p.AnswerThreshold)}}
	}
	return &c, nil
}
