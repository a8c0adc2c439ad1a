package wecom

import (
	"context"
	"fmt"

	"deliverybot/bot"
)

// MediaGetter downloads WeCom media; *Client implements it.
type MediaGetter interface {
	GetMedia(ctx context.Context, mediaID string) ([]byte, string, error)
}

// FetchMedia downloads every attachment that has a WeCom media ID but no blob
// reference yet and stores it, so handlers get a stable Ref after the 3-day media_id
// lifetime. Call it from the worker right after dequeue. Attachments already fetched
// are skipped, so a reprocessed message does not download twice.
func FetchMedia(ctx context.Context, api MediaGetter, blobs bot.BlobStore, msg *bot.Message) error {
	for i := range msg.Media {
		m := &msg.Media[i]
		if m.MediaID == "" || m.Ref != "" {
			continue
		}
		data, ct, err := api.GetMedia(ctx, m.MediaID)
		if err != nil {
			return fmt.Errorf("fetch %s media: %w", m.Kind, err)
		}
		ref, err := blobs.Put(ctx, data, ct)
		if err != nil {
			return fmt.Errorf("store %s media: %w", m.Kind, err)
		}
		m.Ref, m.ContentType = ref, ct
	}
	return nil
}
