package ticket

import (
	"context"

	"deliverybot/bot"
)

// thumbnails stores a compressed thumbnail of every photo sent to the 照片 step as
// it arrives, so the ticket (and the engineer's phone) can use the small copy.
// Channel-made thumbnails (Media.ThumbRef) are kept as they are.
func (s *Service) thumbnails() bot.Middleware {
	return func(next bot.Handler) bot.Handler {
		return bot.HandlerFunc(func(ctx context.Context, req *bot.Request) ([]bot.Reply, error) {
			st := req.Session.Form
			if st != nil && st.Form == FormName && st.Slot == slotPhotos && st.Stage == bot.StageFilling {
				for _, md := range req.Msg.Images() {
					s.thumbnail(ctx, req, st, md)
				}
			}
			return next.Handle(ctx, req)
		})
	}
}

func (s *Service) thumbnail(ctx context.Context, req *bot.Request, st *bot.FormState, md bot.Media) {
	ref := md.Ref
	if ref == "" {
		ref = md.MediaID
	}
	if ref == "" {
		return
	}
	if st.Data == nil {
		st.Data = map[string]string{}
	}
	if md.ThumbRef != "" {
		st.Data[thumbPrefix+ref] = md.ThumbRef
		return
	}
	blobs := s.blobs(req)
	if md.Ref == "" || blobs == nil || s.d.Thumbnail == nil {
		return // only a channel media ID: nothing stored locally to shrink
	}
	data, _, err := blobs.Get(ctx, md.Ref)
	if err == nil {
		data, err = s.d.Thumbnail(data)
	}
	var thumb string
	if err == nil {
		thumb, err = blobs.Put(ctx, data, "image/jpeg")
	}
	if err != nil {
		// The photo itself is kept; a missing thumbnail only costs bandwidth later.
		req.Log.Warn("ticket photo thumbnail failed", "err", err)
		return
	}
	st.Data[thumbPrefix+ref] = thumb
}
