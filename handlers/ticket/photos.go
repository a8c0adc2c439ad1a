package ticket

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"deliverybot/bot"
)

// thumbnails stores a compressed thumbnail of every photo sent to the 照片 step as
// it arrives, so the ticket (and the engineer's phone) can use the small copy.
func (s *Service) thumbnails() bot.Middleware {
	return func(next bot.Handler) bot.Handler {
		return bot.HandlerFunc(func(ctx context.Context, req *bot.Request) ([]bot.Reply, error) {
			st := req.Session.Form
			if st != nil && st.Form == FormName && st.Slot == slotPhotos && st.Stage == bot.StageFilling {
				for _, md := range req.Msg.Images() {
					if ref, thumb := s.thumbnail(ctx, req, md); thumb != "" {
						if st.Data == nil {
							st.Data = map[string]string{}
						}
						st.Data[thumbPrefix+ref] = thumb
					}
				}
			}
			return next.Handle(ctx, req)
		})
	}
}

// thumbnail returns the photo's reference (as the form engine records it) and a
// thumbnail reference: the channel's own (Media.ThumbRef) or one made now. thumb
// is "" when the photo is only a channel media ID or shrinking failed.
func (s *Service) thumbnail(ctx context.Context, req *bot.Request, md bot.Media) (ref, thumb string) {
	ref = md.Ref
	if ref == "" {
		ref = md.MediaID
	}
	if ref == "" || md.ThumbRef != "" {
		return ref, md.ThumbRef
	}
	blobs := s.blobs(req)
	if md.Ref == "" || blobs == nil {
		return ref, "" // nothing stored locally to shrink
	}
	data, _, err := blobs.Get(ctx, md.Ref)
	if err == nil {
		data, err = s.d.Thumbnail(data)
	}
	if err == nil {
		thumb, err = blobs.Put(ctx, data, "image/jpeg")
	}
	if err != nil {
		// The photo itself is kept; a missing thumbnail only costs bandwidth later.
		req.Log.Warn("ticket photo thumbnail failed", "err", err)
		return ref, ""
	}
	return ref, thumb
}

// Session variables for photos sent before a filing started.
const (
	varPhotos   = "ticket_photos"    // "ref\tthumb" per line
	varPhotosAt = "ticket_photos_at" // unix seconds of the last one
	// pendingPhotoTTL is how long such photos wait for 报修.
	pendingPhotoTTL  = 30 * time.Minute
	maxPendingPhotos = 9
)

// photoOutsideDialog keeps photos sent with no dialog open (people often snap the
// fault first) and offers to file them.
func (s *Service) photoOutsideDialog(ctx context.Context, req *bot.Request) ([]bot.Reply, error) {
	imgs := req.Msg.Images()
	if len(imgs) == 0 {
		return []bot.Reply{bot.Text("收到文件。目前我能处理文字消息和报修照片；需要报修请回复「报修」。")}, nil
	}
	if !canFile(req.Identity) {
		// Keeping the photos and offering 报修 would only lead to the refusal.
		return []bot.Reply{bot.Text("收到照片。您还没有加入任何项目，暂时无法在这里报修；如需工程师处理，请联系%s把您加入项目。"+
			"使用问题可以直接用文字问我。", s.d.Contact)}, nil
	}
	pending := pendingPhotos(req)
	for _, md := range imgs {
		if len(pending) >= maxPendingPhotos {
			break
		}
		if ref, thumb := s.thumbnail(ctx, req, md); ref != "" {
			pending = append(pending, ref+"\t"+thumb)
		}
	}
	req.Session.SetVar(varPhotos, strings.Join(pending, "\n"))
	req.Session.SetVar(varPhotosAt, strconv.FormatInt(req.Now.Unix(), 10))
	return []bot.Reply{bot.CardReply(bot.Card{Title: fmt.Sprintf("收到 %d 张照片", len(pending)),
		Description: "要用这些照片提交报修吗？",
		Buttons:     []bot.Button{{Label: "报修", Value: "报修", Style: 1}, {Label: "不用了", Value: "帮助"}}})}, nil
}

// pendingPhotos returns photos sent recently outside a dialog.
func pendingPhotos(req *bot.Request) []string {
	at, err := strconv.ParseInt(req.Session.Var(varPhotosAt), 10, 64)
	if err != nil || req.Now.Sub(time.Unix(at, 0)) > pendingPhotoTTL {
		return nil
	}
	return lines(req.Session.Var(varPhotos))
}

// takePendingPhotos moves waiting photos into a new filing's prefill and data.
func takePendingPhotos(req *bot.Request, prefill, data map[string]string) int {
	pending := pendingPhotos(req)
	req.Session.SetVar(varPhotos, "")
	req.Session.SetVar(varPhotosAt, "")
	var refs []string
	for _, p := range pending {
		ref, thumb, _ := strings.Cut(p, "\t")
		refs = append(refs, ref)
		if thumb != "" {
			data[thumbPrefix+ref] = thumb
		}
	}
	if len(refs) > 0 {
		prefill[slotPhotos] = strings.Join(refs, ",")
	}
	return len(refs)
}
