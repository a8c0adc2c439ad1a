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

// appendToSimilar adds the new description to the reporter's existing ticket
// instead of filing a duplicate.
func (s *Service) appendToSimilar(ctx context.Context, req *bot.Request, id, desc string) ([]bot.Reply, error) {
	t, err := s.d.Store.Update(ctx, id, func(t *ticketstore.Ticket) (ticketstore.Event, error) {
		if !t.Status.Open() {
			return ticketstore.Event{}, denial(fmt.Sprintf("工单 %s 已经%s，无法再补充。请回复「报修」新建工单。", t.ID, t.Status.Label()))
		}
		t.UpdatedAt = req.Now
		return ticketstore.Event{At: req.Now, Actor: req.UserID(), Kind: ticketstore.EventNote, Text: "补充：" + desc}, nil
	})
	if out, ok := denied(err); ok {
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	out := []bot.Reply{bot.Text("已将这次的描述补充到工单 %s，没有新建工单。工程师会一并处理。", t.ID)}
	if t.Assignee != "" && t.Assignee != req.UserID() {
		out = append(out, bot.Reply{To: t.Assignee,
			Text: fmt.Sprintf("工单 %s 有新的补充（%s）：%s", t.ID, s.name(req.UserID()), desc)})
	}
	return out, nil
}
