package bot

import "time"

// FormStage is where a form dialog is.
type FormStage string

const (
	StageFilling       FormStage = "filling"        // asking slot Slot
	StageConfirm       FormStage = "confirm"        // summary shown: 确认 / 修改 / 取消
	StageChooseEdit    FormStage = "choose_edit"    // which field to change?
	StageConfirmCancel FormStage = "confirm_cancel" // really cancel?
	// StageCorrectOrAnswer: a free-text answer reads like a correction of an
	// earlier field ("系统改为英文后审批页面打不开"): which did the user mean?
	StageCorrectOrAnswer FormStage = "correct_or_answer"
)

// FormState is the serialisable state of one form dialog.
type FormState struct {
	Form   string            `json:"form"`
	Values map[string]string `json:"values,omitempty"`
	// Order lists filled slots in the order they were answered (for 上一步).
	Order []string  `json:"order,omitempty"`
	Slot  string    `json:"slot,omitempty"` // slot being asked
	Stage FormStage `json:"stage"`
	// Back is the stage to return to when a cancel is declined or an edit is done.
	Back  FormStage `json:"back,omitempty"`
	Tries int       `json:"tries,omitempty"`
	// Pending is the message StageCorrectOrAnswer asks about.
	Pending string `json:"pending,omitempty"`
	// Data is handler-owned scratch space (e.g. a KB deflection candidate).
	Data      map[string]string `json:"data,omitempty"`
	StartedAt time.Time         `json:"started_at"`
	UpdatedAt time.Time         `json:"updated_at"`
}
