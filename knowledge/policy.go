package knowledge

// Decision is what the bot should do with a query.
type Decision int

const (
	// NoAnswer: nothing is confident enough; say so honestly.
	NoAnswer Decision = iota
	// Suggest: close candidates; ask "您是不是想问：" with numbered choices.
	Suggest
	// Answer: one confident entry; answer it.
	Answer
)

func (d Decision) String() string {
	switch d {
	case Answer:
		return "answer"
	case Suggest:
		return "suggest"
	default:
		return "no_answer"
	}
}

// Policy turns normalised scores into a decision. Scores are in [0,1] relative to
// the query's self-match, so the same thresholds work on any KB.
type Policy struct {
	// AnswerThreshold: the top candidate needs at least this to be answered.
	AnswerThreshold float64 `json:"answer_threshold" yaml:"answer_threshold"`
	// MinMargin: ...and must lead the runner-up by this much, unless it reaches
	// SureThreshold; otherwise the close candidates are suggested.
	MinMargin     float64 `json:"min_margin" yaml:"min_margin"`
	SureThreshold float64 `json:"sure_threshold" yaml:"sure_threshold"`
	// SuggestThreshold: below it a candidate is not worth offering.
	SuggestThreshold float64 `json:"suggest_threshold" yaml:"suggest_threshold"`
	// MarginBonus adds this share of the lead over the runner-up to the top
	// score before SuggestThreshold applies: one entry standing out is evidence
	// of a real match, a flat field of weak candidates is not.
	MarginBonus float64 `json:"margin_bonus" yaml:"margin_bonus"`
	// With the classifier fused in (Options.FusionWeight > 0): AgreeBonus is
	// added to the top confidence before SuggestThreshold applies when the
	// lexical ranker and the classifier both put the top entry first and the
	// classifier's posterior for it (at Options.AgreeTemperature) is at least
	// AgreeMinProb; DisagreePenalty is taken off the confidence when they
	// disagree (0: tuning found it cost more answers than it saved).
	AgreeBonus      float64 `json:"agree_bonus" yaml:"agree_bonus"`
	AgreeMinProb    float64 `json:"agree_min_prob" yaml:"agree_min_prob"`
	DisagreePenalty float64 `json:"disagree_penalty" yaml:"disagree_penalty"`
	// MaxSuggestions caps the "您是不是想问" list (3 keeps it answerable by number).
	MaxSuggestions int `json:"max_suggestions" yaml:"max_suggestions"`
}

// DefaultPolicy holds the thresholds tuned on the development query set.
func DefaultPolicy() Policy {
	return Policy{
		AnswerThreshold:  0.65,
		MinMargin:        0.05,
		SureThreshold:    0.8,
		SuggestThreshold: 0.50,
		MarginBonus:      0,
		AgreeBonus:       0.07,
		AgreeMinProb:     0.95,
		DisagreePenalty:  0,
		MaxSuggestions:   3,
	}
}

// Result is a decision with the ranked candidates behind it.
type Result struct {
	Decision Decision `json:"decision"`
	// Ranked are all candidates found, best first (for eval and logs).
	Ranked []Candidate `json:"ranked"`
	// Confidence is what SuggestThreshold was applied to: the top score plus
	// the margin and agreement bonuses, in [0,1].
	Confidence float64 `json:"confidence"`
	// Choices are what to show: one entry for Answer, up to MaxSuggestions for
	// Suggest, none for NoAnswer.
	Choices []Candidate `json:"choices"`
}

// Top returns the best candidate, if any.
func (r Result) Top() (Candidate, bool) {
	if len(r.Ranked) == 0 {
		return Candidate{}, false
	}
	return r.Ranked[0], true
}

// Decide applies the policy to ranked candidates.
func (p Policy) Decide(ranked []Candidate) Result {
	res := Result{Decision: NoAnswer, Ranked: ranked}
	if len(ranked) == 0 {
		return res
	}
	// Candidates are ordered by the ranking mix, so a runner-up can carry a
	// higher confidence than the top one: the lead is over the best of them.
	var second float64
	for _, c := range ranked[1:] {
		second = max(second, c.Score)
	}
	raw := ranked[0].Score
	conf := raw // what SuggestThreshold applies to
	if ranked[0].gated {
		conf = ranked[0].gate
	}
	if c := ranked[0]; c.fused {
		switch {
		case c.agree && c.agreeProb >= p.AgreeMinProb:
			// Agreement only turns a decline into suggestions: answering
			// outright still needs the lexical match itself to be strong.
			conf = min(1, conf+p.AgreeBonus)
		case !c.agree:
			raw = max(0, raw-p.DisagreePenalty)
			conf = max(0, conf-p.DisagreePenalty)
		}
	}
	margin := max(0, raw-second)
	top := min(1, conf+p.MarginBonus*max(0, conf-second))
	res.Confidence = top
	if top < p.SuggestThreshold {
		return res
	}
	// Answering outright needs the match itself to be strong; the margin bonus
	// only decides between suggesting and declining.
	// A sure match skips the margin rule when it is a phrasing of the entry
	// or no other entry is sure too: a bare topic word ("vpn", "密码") is
	// covered in full by many entries' phrasings and answers, but is none of them.
	sure := raw >= p.SureThreshold && (second < p.SureThreshold || ranked[0].match >= p.SureThreshold)
	// An entry for the reverse of the asked action ("怎么登录" for "怎么退出
	// 登录", opposites.go) shares nearly every word with the query: offer it at
	// most.
	if raw >= p.AnswerThreshold && (margin >= p.MinMargin || sure) && !ranked[0].opposite {
		res.Decision = Answer
		res.Choices = ranked[:1]
		return res
	}
	res.Decision = Suggest
	max := p.MaxSuggestions
	if max <= 0 {
		max = 3
	}
	for i, c := range ranked {
		if len(res.Choices) == max {
			break
		}
		if i == 0 || c.Score >= p.SuggestThreshold {
			res.Choices = append(res.Choices, c)
		}
	}
	return res
}
