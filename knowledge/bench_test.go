package knowledge

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"
)

// Synthetic KBs for benchmarks: questions built from product, object and
// problem vocabularies so postings have realistic lengths.
var (
	synProducts = []string{"企业微信", "腾讯会议", "腾讯文档", "VPN", "审批", "打卡", "OA系统", "邮箱", "报表", "CRM", "ERP", "微盘", "日程", "通讯录", "考勤机", "打印机"}
	synObjects  = []string{"账号", "密码", "消息", "文件", "表格", "权限", "客户端", "手机号", "验证码", "模板", "附件", "通知", "屏幕", "摄像头", "麦克风", "网络", "数据", "部门", "流程", "记录"}
	synProblems = []string{"怎么设置", "登不上怎么办", "打不开", "在哪里查看", "怎么修改", "提示错误", "一直失败", "怎么导出", "怎么导入", "收不到", "怎么删除", "显示异常", "太慢了", "怎么申请", "无法同步", "怎么恢复"}
	synFiller   = []rune("的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严")
)

func syntheticEntries(n int, seed uint64) []Entry {
	r := rand.New(rand.NewPCG(seed, 7))
	pick := func(s []string) string { return s[r.IntN(len(s))] }
	words := func(k int) string {
		var b strings.Builder
		for i := 0; i < k; i++ {
			b.WriteRune(synFiller[r.IntN(len(synFiller))])
		}
		return b.String()
	}
	out := make([]Entry, n)
	for i := range out {
		q := pick(synProducts) + words(2) + pick(synObjects) + pick(synProblems)
		out[i] = Entry{
			ID:       fmt.Sprintf("e%05d", i),
			Question: q,
			Similar:  []string{pick(synProducts) + pick(synObjects) + words(3), words(2) + pick(synObjects) + pick(synProblems), pick(synProducts) + words(4)},
			Answer:   strings.Repeat(pick(synProducts)+"里"+words(6)+pick(synObjects)+"，", 6),
			Category: pick(synProducts),
		}
	}
	return out
}

func syntheticQueries(n int, entries []Entry, seed uint64) []string {
	r := rand.New(rand.NewPCG(seed, 11))
	qs := make([]string, n)
	for i := range qs {
		if i%4 == 3 { // some out-of-scope noise
			qs[i] = "今天食堂" + string(synFiller[r.IntN(len(synFiller))]) + "吃什么"
			continue
		}
		e := entries[r.IntN(len(entries))]
		rs := []rune(e.Question)
		// A colloquial variant: drop a character and add a particle.
		j := r.IntN(len(rs))
		qs[i] = string(rs[:j]) + string(rs[j+1:]) + "啊"
	}
	return qs
}

// longQueries wraps queries in the context phone messages carry.
func longQueries(qs []string) []string {
	pre := []string{"我们部门新来的同事说，", "今天早上开始", "领导让我问一下，昨天", "你好，我这边"}
	suf := []string{"，一直失败，换了网络也不行，怎么办", "，之前都好好的，急", "，是不是我哪里设置错了", "？"}
	out := make([]string, len(qs))
	for i, q := range qs {
		out[i] = pre[i%len(pre)] + q + suf[(i/len(pre))%len(suf)]
	}
	return out
}

func benchSearch(b *testing.B, n int, long bool) {
	benchSearchOpts(b, n, long, DefaultOptions())
}

func benchSearchOpts(b *testing.B, n int, long bool, opts Options) {
	entries := syntheticEntries(n, 1)
	ix, err := BuildIndex(entries, DefaultSynonyms(), opts)
	if err != nil {
		b.Fatal(err)
	}
	qs := syntheticQueries(1024, entries, 2)
	if long {
		qs = longQueries(qs)
	}
	lat := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		ix.Search(qs[i%len(qs)], 5)
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds())/1000, "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds())/1000, "p99-µs")
}

func BenchmarkSearch2k(b *testing.B)      { benchSearch(b, 2000, false) }
func BenchmarkSearch10k(b *testing.B)     { benchSearch(b, 10000, false) }
func BenchmarkSearchLong2k(b *testing.B)  { benchSearch(b, 2000, true) }
func BenchmarkSearchLong10k(b *testing.B) { benchSearch(b, 10000, true) }

// The lexical ranker alone, without the classifier: what fusion costs.
func BenchmarkSearchLexical2k(b *testing.B) {
	o := DefaultOptions()
	o.FusionWeight = 0
	benchSearchOpts(b, 2000, false, o)
}

func BenchmarkBM25Search2k(b *testing.B) {
	entries := syntheticEntries(2000, 1)
	m := NewBM25(entries, DefaultPolicy())
	qs := syntheticQueries(1024, entries, 2)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m.Search(qs[i%len(qs)], 5)
	}
}

func BenchmarkBuild10k(b *testing.B) {
	entries := syntheticEntries(10000, 1)
	syn := DefaultSynonyms()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := BuildIndex(entries, syn, DefaultOptions()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCalibrate10k is what calibration adds to loading a 10k-entry KB
// (it samples, so larger KBs cost about the same).
func BenchmarkCalibrate10k(b *testing.B) {
	entries := syntheticEntries(10000, 1)
	syn := DefaultSynonyms()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Calibrate(entries, syn, DefaultOptions()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMemoryPerEntry reports the heap an index of 10k entries holds per
// entry, beyond the entries themselves.
func BenchmarkMemoryPerEntry(b *testing.B) {
	const n = 10000
	entries := syntheticEntries(n, 1)
	syn := DefaultSynonyms()
	var perEntry float64
	for i := 0; i < b.N; i++ {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		ix, err := BuildIndex(entries, syn, DefaultOptions())
		if err != nil {
			b.Fatal(err)
		}
		ix.Search("企业微信登不上", 5) // allocate the query scratch too
		runtime.GC()
		runtime.ReadMemStats(&after)
		perEntry = float64(after.HeapAlloc-before.HeapAlloc) / n
		runtime.KeepAlive(ix)
	}
	b.ReportMetric(perEntry, "bytes/entry")
}
