package ticket

import (
	"context"
	"deliverybot/bot/textsim"
	"fmt"
	"time"

	"deliverybot/bot"
	"deliverybot/handlers/ticket/ticketstore"
)

// similarThreshold is the bigram Dice score above which two descriptions are the
// same fault ("三楼打印机又卡纸了" vs "三楼打印机卡纸了，打不出来" ≈ 0.63).
const similarThreshold = 0.5

// similarOpen returns the reporter's open ticket from the similar-ticket window
// whose description best matches desc, or nil.
func (s *Service) similarOpen(ctx context.Context, now time.Time, reporter, project, desc string) (*ticketstore.Ticket, error) {
	list, err := s.d.Store.List(ctx, ticketstore.Filter{Reporter: reporter, Project: project, OpenOnly: true,
		Since: now.Add(-s.d.SimilarWindow)})
	if err != nil {
		return nil, err
	}
	var best *ticketstore.Ticket
	bestScore := similarThreshold
	for _, t := range list {
		if sc := Similarity(desc, t.Description); sc >= bestScore {
			best, bestScore = t, sc
		}
	}
	return best, nil
}

// Similarity is the Dice coefficient of the character bigrams of two texts,
// ignoring spaces and punctuation (short Chinese text has no word boundaries).
func Similarity(a, b string) float64 { return textsim.Dice(a, b) }

// appendToSimilar adds the new description, and the photos collected for this
// filing (sent before 报修 or during the dialog), to the reporter's existing
// ticket instead of filing a duplicate: the dialog ends here, so anything not
// moved to the ticket now would be lost.
func (s *Service) appendToSimilar(ctx context.Context, req *bot.Request, st *bot.FormState) ([]bot.Reply, error) {
	id, desc, photos := st.Data[dataSimilar], st.Values[slotDesc], formPhotos(st)
	t, err := s.d.Store.Update(ctx, id, func(t *ticketstore.Ticket) (ticketstore.Event, error) {
		if !t.Status.Open() {
			return ticketstore.Event{}, similarGone{id: t.ID, status: t.Status}
		}
		t.Photos = append(t.Photos, photos...)
		t.UpdatedAt = req.Now
		return ticketstore.Event{At: req.Now, Actor: req.UserID(), Kind: ticketstore.EventNote,
			Text: "补充：" + desc + photoNote(len(photos))}, nil
	})
	if err != nil {
		return nil, err
	}
	out := []bot.Reply{bot.Text("已将这次的%s补充到工单 %s，没有新建工单。工程师会一并处理。", heldWhat(len(photos)), t.ID)}
	if t.Assignee != "" && t.Assignee != req.UserID() {
		out = append(out, bot.Reply{To: t.Assignee,
			Text: fmt.Sprintf("工单 %s 有新的补充（%s）：%s%s", t.ID, s.name(req.UserID()), desc, photoNote(len(photos)))})
	}
	return out, nil
}

// similarGone: the offered ticket stopped being open (an engineer resolved it,
// say) between the offer and the reporter's 是.
type similarGone struct {
	id     string
	status ticketstore.Status
}

func (g similarGone) Error() string { return fmt.Sprintf("ticket %s is %s", g.id, g.status) }

// mergeGone drops the merge offer so the form goes on to file a new ticket: the
// description and photos the reporter sent stay in the form.
func mergeGone(st *bot.FormState, g similarGone) bot.Reply {
	delete(st.Data, dataSimilar)
	delete(st.Data, dataTitle)
	unask(st, slotMerge)
	return bot.Text("工单 %s 刚刚变为「%s」，无法再补充。您这次的%s都还在，我们继续为您新建一个工单。",
		g.id, g.status.Label(), heldWhat(len(formPhotos(st))))
}

// heldWhat names what a filing carries: its description and any photos.
func heldWhat(photos int) string {
	if photos == 0 {
		return "描述"
	}
	return fmt.Sprintf("描述和 %d 张照片", photos)
}

// photoNote tells the history and the engineer that photos came with a supplement.
func photoNote(n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("（附照片 %d 张）", n)
}
