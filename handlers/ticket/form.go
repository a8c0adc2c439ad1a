package ticket

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"deliverybot/bot"
)

// FormName is the filing dialog's name in sessions.
const FormName = "ticket"

// Slot names.
const (
	slotProject  = "project"
	slotProduct  = "product"
	slotDesc     = "desc"
	slotKB       = "kb"
	slotMerge    = "merge"
	slotLocation = "location"
	slotImpact   = "impact"
	slotUrgency  = "urgency"
	slotPhone    = "phone"
	slotPhotos   = "photos"
)

// Keys in FormState.Data.
const (
	dataProjects = "projects"  // "id\tname\n…" the reporter can file for
	dataProject  = "project"   // chosen project ID
	dataProducts = "products"  // "a\nb" the chosen project's products
	dataKB       = "kb"        // "1" while a KB answer waits for 能/不能
	dataSimilar  = "similar"   // ID of a similar open ticket to offer
	dataTitle    = "sim_title" // its title
	dataPriority = "priority"
	dataMisses   = "product_misses" // answers at the system step that matched no listed system
	dataDescLate = "desc_late"      // "1": the description was typed at the system step; KB and similar wait for the system
	thumbPrefix  = "thumb:"         // thumb:<photo ref> → thumbnail ref
)

// minDescRunes is the shortest useful problem description.
const minDescRunes = 4 // "网络断了", "无法登录" say enough to start with

func (s *Service) newForm() *bot.Form {
	return &bot.Form{
		Name:  FormName,
		Title: "报修",
		Intro: "好的，我来帮您提交报修。",
		Slots: []bot.Slot{
			{Name: slotProject, Label: "项目", PromptFunc: listPrompt("请问是哪个项目的问题？", dataProjects),
				Help: "您参与了多个项目，选对项目才能通知到负责的工程师。", Validate: notQuestion("没有找到「%s」对应的项目，请回复列表里的序号或项目名称。"),
				When: func(st *bot.FormState) bool { return len(lines(st.Data[dataProjects])) > 1 }},
			{Name: slotProduct, Label: "系统或产品", Aliases: []string{"系统", "产品"},
				PromptFunc: listPrompt("是哪个系统或产品出了问题？", dataProducts),
				Validate:   notQuestion("「%s」不在本项目的系统列表里，请从列表中选择；都不是请选「其他」。"),
				Help:       "工程师按系统分工，选对系统能更快找到合适的人处理。"},
			{Name: slotDesc, Label: "问题描述", Aliases: []string{"描述", "问题", "现象"},
				Prompt:   "请描述一下遇到的问题（例如：审批流程打不开，提示“网络错误”）。",
				Help:     "描述越具体，工程师越快定位问题；我也会先帮您查一下有没有现成的解决办法。",
				Validate: bot.MinRunes(minDescRunes, "问题描述")},
			{Name: slotKB, Label: "知识库建议", Prompt: "这个能解决吗？",
				Choices: []bot.Choice{{Value: "能", Aliases: kbYes}, {Value: "不能", Aliases: kbNo}},
				When:    func(st *bot.FormState) bool { return st.Data[dataKB] == "1" }},
			{Name: slotMerge, Label: "补充到已有工单", PromptFunc: mergePrompt,
				Choices: []bot.Choice{{Value: "是", Aliases: []string{"要", "补充", "好", "好的", "对"}},
					{Value: "否", Aliases: []string{"不要", "不用", "新建", "不是", "新工单"}}},
				When: func(st *bot.FormState) bool { return st.Data[dataSimilar] != "" }},
			{Name: slotLocation, Label: "位置或部门", Aliases: []string{"位置", "地点", "部门"}, Optional: true,
				Prompt: "问题出现在哪个位置或部门？（例如：三楼东侧打印室、财务部）",
				Help:   "现场问题需要知道位置，工程师才能上门处理。"},
			{Name: slotImpact, Label: "影响范围", Aliases: []string{"范围", "影响"}, Prompt: "这个问题影响多少人？",
				Help: "影响范围和紧急程度一起决定处理优先级。",
				Choices: []bot.Choice{{Value: ImpactMe, Aliases: impactMeAliases},
					{Value: ImpactDept, Aliases: impactDeptAliases},
					{Value: ImpactCompany, Aliases: impactCompanyAliases}}},
			{Name: slotUrgency, Label: "紧急程度", Aliases: []string{"紧急", "急不急"}, Prompt: "有多紧急？",
				Help: "紧急程度和影响范围一起决定处理优先级和响应时限。",
				Choices: []bot.Choice{{Value: UrgencyLow, Aliases: urgencyLowAliases},
					{Value: UrgencyNormal, Aliases: urgencyNormalAliases},
					{Value: UrgencyHigh, Aliases: urgencyHighAliases}}},
			{Name: slotPhone, Label: "联系电话", Aliases: []string{"电话", "手机", "手机号"}, Optional: true,
				Prompt: "留一个联系电话吧，方便工程师联系您。", Validate: bot.ValidatePhone,
				Help: "工程师可能需要电话确认现象，不留也可以。"},
			{Name: slotPhotos, Label: "照片", Aliases: []string{"图片", "截图"}, Images: true, Optional: true,
				Prompt: "如果方便，请发送现场照片或报错截图。",
				Help:   "照片能帮工程师远程判断问题，减少来回沟通。"},
		},
		CancelWords: []string{"不报了", "不报修了", "不用报修了", "取消工单", "撤销工单"},
		AfterSlot:   s.afterSlot,
		Complete:    s.complete,
	}
}

// kbYes and kbNo answer "这个能解决吗？" (the form engine ignores case and
// the punctuation phones add).
var (
	kbYes = []string{"能解决", "解决了", "已解决", "可以", "可以了", "好了", "好啦", "行", "行了", "有用",
		"搞定", "搞定了", "没问题了", "是", "对", "yes", "y"}
	kbNo = []string{"不能解决", "解决不了", "没解决", "没有解决", "不行", "不行啊", "还是不行", "还是不行啊",
		"不可以", "没用", "没有用", "没帮助", "不管用", "不好使", "没好", "还没好", "否", "不是", "no", "n"}
)

func nonEmpty(in string) (string, string) {
	if strings.TrimSpace(in) == "" {
		return "", "请输入内容。"
	}
	return strings.TrimSpace(in), ""
}

// notQuestion validates a pick from a dynamic list: a how-to question is no
// pick, so the form engine answers it from the KB and asks again (miss names
// the text when the KB cannot answer).
func notQuestion(miss string) func(string) (string, string) {
	return func(in string) (string, string) {
		if isHowTo(in) {
			return "", fmt.Sprintf(miss, strings.TrimSpace(in))
		}
		return nonEmpty(in)
	}
}

func lines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// listPrompt numbers the options kept in st.Data[key] (one per line, "id\tlabel").
func listPrompt(question, key string) func(st *bot.FormState) string {
	return func(st *bot.FormState) string {
		opts := lines(st.Data[key])
		if len(opts) == 0 {
			return question
		}
		var b strings.Builder
		b.WriteString(question + "请回复序号或名称：")
		for i, o := range opts {
			fmt.Fprintf(&b, "\n%d. %s", i+1, optionLabel(o))
		}
		return b.String()
	}
}

func mergePrompt(st *bot.FormState) string {
	id := st.Data[dataSimilar]
	return fmt.Sprintf("您 24 小时内提交过一个相似的工单 %s「%s」，还没有处理完。要补充到 %s 吗？（选「否」将新建工单）",
		id, st.Data[dataTitle], id)
}

// unask removes an answer so the slot's condition decides again whether to ask it.
func unask(st *bot.FormState, slot string) {
	delete(st.Values, slot)
	out := st.Order[:0]
	for _, s := range st.Order {
		if s != slot {
			out = append(out, s)
		}
	}
	st.Order = out
}

// afterSlot runs the side effects of an answer: resolve dynamic choices, search
// the KB, look for similar tickets, compute the priority.
func (s *Service) afterSlot(ctx context.Context, req *bot.Request, st *bot.FormState, slot string) ([]bot.Reply, bool, error) {
	switch slot {
	case slotProject:
		return s.afterProject(ctx, st)
	case slotProduct:
		return s.afterProduct(ctx, req, st)
	case slotDesc:
		return s.afterDesc(ctx, req, st)
	case slotKB:
		return s.afterKB(ctx, req, st)
	case slotMerge:
		return s.afterMerge(ctx, req, st)
	case slotImpact, slotUrgency:
		return afterPriority(st, slot), false, nil
	}
	return nil, false, nil
}

func (s *Service) afterProject(ctx context.Context, st *bot.FormState) ([]bot.Reply, bool, error) {
	opts := lines(st.Data[dataProjects])
	aliases, err := s.projectAliases(ctx, opts)
	if err != nil {
		return nil, false, err
	}
	answer := strings.TrimSpace(st.Values[slotProject])
	found := matchOptions(opts, answer, aliases)
	if len(found) != 1 {
		unask(st, slotProject)
		return []bot.Reply{projectMiss(answer, len(found))}, false, nil
	}
	id := found[0]
	out, err := s.chooseProject(ctx, st, id)
	if err != nil {
		return nil, false, err
	}
	for _, o := range lines(st.Data[dataProjects]) {
		if optionValue(o) == id {
			st.Values[slotProject] = optionLabel(o)
		}
	}
	return out, false, nil
}

// projectMiss names what the user typed and why it chose no project.
func projectMiss(answer string, matches int) bot.Reply {
	if matches > 1 {
		return bot.Text("「%s」对应多个项目，请回复列表里的序号或完整的项目名称。", answer)
	}
	return bot.Text("没有找到「%s」对应的项目，请回复列表里的序号或项目名称。", answer)
}

// projectAliases maps each listed project ID to its registry aliases, so the
// short names people use (锦绣, 医院项目) pick the project.
func (s *Service) projectAliases(ctx context.Context, opts []string) (map[string][]string, error) {
	out := map[string][]string{}
	for _, o := range opts {
		p, err := s.project(ctx, optionValue(o))
		if err != nil {
			return nil, err
		}
		out[p.ID] = p.Aliases
	}
	return out, nil
}

// chooseProject remembers the project and offers its products. A description
// given up front that names one of them ("腾讯文档没权限打不开") answers the
// system step; the reply says so.
func (s *Service) chooseProject(ctx context.Context, st *bot.FormState, id string) ([]bot.Reply, error) {
	p, err := s.project(ctx, id)
	if err != nil {
		return nil, err
	}
	st.Data[dataProject] = id
	products := append(append([]string(nil), p.Products...), "其他")
	st.Data[dataProducts] = strings.Join(products, "\n")
	if v := st.Values[slotProduct]; v != "" {
		if _, ok := pickOption(products, v, nil); !ok {
			unask(st, slotProduct) // chosen for another project
		}
	}
	if st.Values[slotProduct] != "" || st.Values[slotDesc] == "" {
		return nil, nil
	}
	v, ok := namedProduct(p.Products, st.Values[slotDesc])
	if !ok {
		return nil, nil
	}
	st.Values[slotProduct] = v
	st.Order = append(st.Order, slotProduct)
	return []bot.Reply{bot.Text("已按您的描述登记系统或产品为「%s」，不对的话可以在最后确认时修改。", v)}, nil
}

// namedProduct is the one product a description names in full, synonyms and
// width folded ("tx文档打不开" names 腾讯文档). A name inside another named one
// (企业微信 in 企业微信审批) does not count; two distinct products name none.
func namedProduct(products []string, desc string) (string, bool) {
	d := foldName(desc)
	var named, folded []string
	for _, p := range products {
		if f := foldName(p); f != "" && strings.Contains(d, f) {
			named, folded = append(named, p), append(folded, f)
		}
	}
	var out []string
	for i, p := range named {
		inner := false
		for j, f := range folded {
			if j != i && named[j] != p && strings.Contains(f, folded[i]) {
				inner = true
			}
		}
		if !inner {
			out = append(out, p)
		}
	}
	if len(out) != 1 {
		return "", false
	}
	return out[0], true
}

// afterProduct resolves the system from the list. An unlisted answer that
// describes the fault ("扫码登录还是失败", common when the filing started from a
// photo) is the description, not a wrong system: it is kept as such and the
// system is asked again, unless the description names one. Other unlisted
// answers are misses; the second is filed as 其他 with the user's words.
func (s *Service) afterProduct(ctx context.Context, req *bot.Request, st *bot.FormState) ([]bot.Reply, bool, error) {
	opts := lines(st.Data[dataProducts])
	if len(opts) == 0 {
		return nil, false, nil
	}
	answer := strings.TrimSpace(st.Values[slotProduct])
	v, ok := pickOption(opts, answer, nil)
	if ok {
		st.Values[slotProduct] = v
		delete(st.Data, dataMisses)
		return s.lateDesc(ctx, req, st)
	}
	if st.Values[slotDesc] == "" && readsAsDescription(answer) {
		st.Values[slotDesc] = answer
		st.Order = append(st.Order, slotDesc)
		if v, ok := namedProduct(slices.DeleteFunc(slices.Clone(opts), func(o string) bool { return o == "其他" }), answer); ok {
			st.Values[slotProduct] = v
			lead := bot.Text("已把「%s」记为问题描述，系统或产品登记为「%s」，不对的话可以在最后确认时修改。", answer, v)
			extra, end, err := s.afterDesc(ctx, req, st)
			return append([]bot.Reply{lead}, extra...), end, err
		}
		st.Data[dataDescLate] = "1"
		unask(st, slotProduct)
		return []bot.Reply{bot.Text("已把「%s」记为问题描述。还需要知道是哪个系统或产品出了问题，请从列表中选择；都不是请选「其他」。", answer)}, false, nil
	}
	// The second miss is taken as 其他 with the user's words kept: people who
	// do not know which listed system it is should not be stuck at this step.
	if st.Data[dataMisses] != "" {
		delete(st.Data, dataMisses)
		st.Values[slotProduct] = "其他（" + shorten(answer, 20) + "）"
		return s.lateDesc(ctx, req, st, bot.Text("「%s」不在本项目的系统列表里，先按「其他」登记，工程师受理时会再确认。", answer))
	}
	st.Data[dataMisses] = "1"
	unask(st, slotProduct)
	return []bot.Reply{bot.Text("「%s」不在本项目的系统列表里，请从列表中选择；都不是请选「其他」。", answer)}, false, nil
}

// lateDesc runs the description's searches (KB, similar tickets) once the
// system is known, when the description came first at the system step.
func (s *Service) lateDesc(ctx context.Context, req *bot.Request, st *bot.FormState, lead ...bot.Reply) ([]bot.Reply, bool, error) {
	out := lead
	if st.Data[dataDescLate] == "" {
		return out, false, nil
	}
	delete(st.Data, dataDescLate)
	if st.Values[slotDesc] == "" {
		return out, false, nil
	}
	extra, end, err := s.afterDesc(ctx, req, st)
	return append(out, extra...), end, err
}

// minDescAtProduct is the shortest text at the system step read as a description.
const minDescAtProduct = 6

// symptomRe spots words that describe a fault rather than name a system.
var symptomRe = regexp.MustCompile(strings.Join(faultPatterns, "|") +
	`|失败|不行|不了|不上|不到|不出|不动|不通|不能|没法|无法|错误|异常|失灵|很慢|太慢|变慢|卡顿|提示|白屏|乱码|掉线|断了|断网|没网|没声音|没有声音|没反应|收不到|发不出|进不去|看不到|找不到|丢了|没了|不见了`)

// readsAsDescription reports an unlisted answer at the system step that
// describes a fault ("扫码登录还是失败") rather than naming a thing ("护士站那台电脑").
func readsAsDescription(answer string) bool {
	return utf8.RuneCountInString(answer) >= minDescAtProduct && symptomRe.MatchString(answer)
}

// afterDesc searches the KB and the reporter's recent tickets with the description.
func (s *Service) afterDesc(ctx context.Context, req *bot.Request, st *bot.FormState) ([]bot.Reply, bool, error) {
	desc := st.Values[slotDesc]
	var out []bot.Reply
	delete(st.Data, dataKB)
	unask(st, slotKB)
	if faq := s.faq(req); faq != nil {
		if ans, ok := faq.Answer(ctx, req, desc); ok && len(ans) > 0 {
			st.Data[dataKB] = "1"
			out = append(out, bot.Text("提交之前，我在知识库里找到一个可能的解决办法："))
			out = append(out, ans...)
		}
	}
	delete(st.Data, dataSimilar)
	delete(st.Data, dataTitle)
	unask(st, slotMerge)
	sim, err := s.similarOpen(ctx, req.Now, req.UserID(), st.Data[dataProject], desc)
	if err != nil {
		return nil, false, err
	}
	if sim != nil {
		st.Data[dataSimilar], st.Data[dataTitle] = sim.ID, sim.Title
	}
	return out, false, nil
}

// kbRater is the FAQ handler when it can rate the answer it gave last: 能/不能
// here is the same signal as 有用/没用 under an answer, for kb gaps.
type kbRater interface {
	// RateLastAnswer reports whether there was a recent answer to rate.
	RateLastAnswer(ctx context.Context, req *bot.Request, useful bool) (bool, error)
}

// rateKB rates the FAQ's recent answer, when the FAQ can, and reports whether
// there was one. A failure is logged: what the user asked for matters more.
func (s *Service) rateKB(ctx context.Context, req *bot.Request, useful bool) bool {
	r, ok := s.faq(req).(kbRater)
	if !ok {
		return false
	}
	rated, err := r.RateLastAnswer(ctx, req, useful)
	if err != nil {
		req.Log.Warn("ticket: could not rate the KB answer", "err", err)
		return false
	}
	return rated
}

func (s *Service) afterKB(ctx context.Context, req *bot.Request, st *bot.FormState) ([]bot.Reply, bool, error) {
	s.rateKB(ctx, req, st.Values[slotKB] == "能")
	if st.Values[slotKB] == "能" {
		if err := s.d.Store.AddDeflection(ctx, st.Data[dataProject]); err != nil {
			return nil, false, err
		}
		return []bot.Reply{bot.Text("太好了，问题解决了就不提交报修了。以后遇到问题随时找我。")}, true, nil
	}
	delete(st.Data, dataKB)
	unask(st, slotKB)
	return []bot.Reply{bot.Text("好的，我们继续提交报修。")}, false, nil
}

func (s *Service) afterMerge(ctx context.Context, req *bot.Request, st *bot.FormState) ([]bot.Reply, bool, error) {
	if st.Values[slotMerge] == "是" {
		out, err := s.appendToSimilar(ctx, req, st)
		if g, ok := errors.AsType[similarGone](err); ok {
			return []bot.Reply{mergeGone(st, g)}, false, nil
		}
		return out, err == nil, err
	}
	delete(st.Data, dataSimilar)
	unask(st, slotMerge)
	return []bot.Reply{bot.Text("好的，为您新建一个工单。")}, false, nil
}

// afterPriority tells the reporter the priority once impact and urgency are known.
func afterPriority(st *bot.FormState, slot string) []bot.Reply {
	impact, urgency := st.Values[slotImpact], st.Values[slotUrgency]
	if impact == "" || urgency == "" {
		return nil
	}
	p := Priority(impact, urgency)
	changed := st.Data[dataPriority] != "" && st.Data[dataPriority] != p
	st.Data[dataPriority] = p
	if slot == slotUrgency || changed {
		return []bot.Reply{bot.Text("根据影响范围「%s」和紧急程度「%s」，优先级为 %s。", impact, urgency, priorityLabel(p))}
	}
	return nil
}

// shorten keeps the first n runes of s, marking a cut with "…".
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
