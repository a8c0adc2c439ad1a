// Package wecom is the WeCom (企业微信) self-built app channel: callback crypto
// (WXBizMsgCrypt with strict PKCS#7 to 32 bytes), callback parsing into
// bot.Message, the echo endpoint for /wecom/callback, and the API client and
// Sender that deliver bot.Reply values. It depends on bot, never the other way round.
//
// Wiring in `serve`:
//
//	cfg, err := wecom.ConfigFromEnv()              // validated, Chinese message per bad value
//	log.Info("config", "wecom", cfg)               // secrets masked
//	client := wecom.NewClient(cfg, wecom.WithTokenCache(redistoken.New(rdb, prefix, cfg.CorpID, cfg.AgentID)))
//	sender := wecom.NewSender(client, queue.NewSendLimiter(rdb, prefix)) // also a bot.Notifier
//	_, err = wecom.Register(e, cfg, wecom.CallbackDeps{Acceptor: q, Replay: q, Ready: ping})
//
// Worker side: wecom.FetchMedia(ctx, client, blobs, &msg) right after dequeue, then
// for each o in wecom.Compose(msg.UserID, replies): outbox.SendOnce(ctx, msg.ID,
// o.Index, …sender.SendOutgoing(ctx, o)…), treating wecom.NotDelivered(err) as safe
// to retry.
package wecom
