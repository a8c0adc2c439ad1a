package ticket

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"deliverybot/bot"
	"deliverybot/bot/blob"
	"deliverybot/bot/registry"
	"deliverybot/handlers/ticket/ticketstore"
)

// Directory is what tickets need from the project registry (*registry.Registry
// satisfies it): a project's products, PM, on-call engineer, members and SLA.
type Directory interface {
	Project(ctx context.Context, id string) (registry.Project, error)
	Name(userID string) string
}

// GroupRobot posts to a project's group chat (a WeCom 群机器人 webhook).
type GroupRobot interface {
	// Post sends r to the project's group; posted=false when the project has no robot.
	Post(ctx context.Context, projectID string, r bot.Reply) (posted bool, err error)
}

// Deps are the services the ticket feature uses.
type Deps struct {
	Store     *ticketstore.Store // required
	Directory Directory          // required
	// Notifier delivers SLA escalations, which happen outside any request. Within a
	// request, notifications are replies with To set.
	Notifier bot.Notifier
	// Contact is whom people without a project are told to ask (default: 项目经理).
	Contact string
	// Robot, when set, also announces new tickets in the project's group chat; the
	// on-call engineer still gets the card with the 受理 button.
	Robot GroupRobot
	// Blobs stores thumbnails; nil means the router's Deps.Blobs.
	Blobs bot.BlobStore
	// Thumbnail compresses a photo (default blob.Thumbnail).
	Thumbnail func(data []byte) ([]byte, error)
	// FAQ is searched before a ticket is filed; nil means the router's Deps.FAQ.
	FAQ bot.FAQ
	// SLA holds targets per priority for projects that configure none (default DefaultSLA).
	SLA      map[string]registry.SLATarget
	Clock    bot.Clock
	Logger   *slog.Logger
	Location *time.Location // Asia/Shanghai by default
	// SLAInterval is how often RunSLA checks open tickets (default 1 min).
	SLAInterval time.Duration
	// NudgeWindow allows one 催一下 per ticket per window (default 30 min).
	NudgeWindow time.Duration
	// SimilarWindow is how far back the similar-ticket check looks (default 24 h).
	SimilarWindow time.Duration
}

// Service is the ticket feature, ready to register on a router and to run SLA checks.
type Service struct {
	d    Deps
	form *bot.Form
}

// New checks deps and fills in defaults.
func New(d Deps) (*Service, error) {
	if d.Store == nil || d.Directory == nil {
		return nil, errors.New("ticket: Store and Directory are required")
	}
	if d.SLA == nil {
		d.SLA = DefaultSLA
	}
	if d.Contact == "" {
		d.Contact = "项目经理"
	}
	if d.Thumbnail == nil {
		d.Thumbnail = blob.Thumbnail
	}
	if d.Clock == nil {
		d.Clock = bot.SystemClock{}
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if d.Location == nil {
		d.Location = time.FixedZone("CST", 8*3600)
	}
	if d.SLAInterval <= 0 {
		d.SLAInterval = time.Minute
	}
	if d.NudgeWindow <= 0 {
		d.NudgeWindow = 30 * time.Minute
	}
	if d.SimilarWindow <= 0 {
		d.SimilarWindow = 24 * time.Hour
	}
	s := &Service{d: d}
	s.form = s.newForm()
	return s, nil
}

// Register wires the feature into r: the filing form, commands, the fault intent,
// the thumbnail middleware and the handler for photos sent outside a dialog. The returned Service runs the SLA scheduler
// (RunSLA) and serves ticket counts to the status feature.
func Register(r *bot.Router, d Deps) (*Service, error) {
	s, err := New(d)
	if err != nil {
		return nil, err
	}
	r.Form(s.form)
	r.Use(s.thumbnails())
	r.Media(bot.HandlerFunc(s.photoOutsideDialog))
	r.Command(startCommands, "报修：系统故障、设备问题", bot.HandlerFunc(s.start))
	if err := r.Audience(startCommands[0], filers); err != nil {
		return nil, err
	}
	r.Query([]string{"我的工单", "my_tickets"}, "查看我提交或负责的工单", bot.HandlerFunc(s.myTickets))
	r.Command([]string{"项目工单"}, "", bot.HandlerFunc(s.projectTickets))
	for _, a := range s.actions() {
		// A ticket button ("解决了 BX-…") pressed while filing another 报修 acts
		// on its ticket; the filing form then continues.
		r.CommandMidForm(a.names, "", bot.HandlerFunc(func(ctx context.Context, req *bot.Request) ([]bot.Reply, error) {
			return a.run(ctx, req, req.Args())
		}), namesTicket)
	}
	if err := r.Intent("ticket:action", bot.HandlerFunc(s.actionWithoutSpace), actionNoSpacePattern); err != nil {
		return nil, err
	}
	if err := r.Intent("ticket:confirm", s.naturalConfirm(true), confirmPattern); err != nil {
		return nil, err
	}
	if err := r.Intent("ticket:reject", s.naturalConfirm(false), rejectPattern); err != nil {
		return nil, err
	}
	if err := r.Intent("ticket:fault", bot.HandlerFunc(s.fault), faultPatterns...); err != nil {
		return nil, err
	}
	return s, nil
}

// namesTicket reports whether command arguments name a ticket.
func namesTicket(args string) bool { return idRe.MatchString(args) }

// startCommands open the filing dialog; ticket_new is the WeCom menu key.
var startCommands = []string{"报修", "我要报修", "报障", "ticket_new"}

func (s *Service) now() time.Time { return s.d.Clock.Now() }

func (s *Service) name(userID string) string {
	if userID == "" {
		return "（未指派）"
	}
	if n := s.d.Directory.Name(userID); n != "" {
		return n
	}
	return userID
}

func (s *Service) project(ctx context.Context, id string) (registry.Project, error) {
	p, err := s.d.Directory.Project(ctx, id)
	if err != nil {
		return registry.Project{}, fmt.Errorf("project %s: %w", id, err)
	}
	return p, nil
}

func (s *Service) faq(req *bot.Request) bot.FAQ {
	if s.d.FAQ != nil {
		return s.d.FAQ
	}
	if req != nil && req.Deps != nil {
		return req.Deps.FAQ
	}
	return nil
}

func (s *Service) blobs(req *bot.Request) bot.BlobStore {
	if s.d.Blobs != nil {
		return s.d.Blobs
	}
	if req != nil && req.Deps != nil {
		return req.Deps.Blobs
	}
	return nil
}
