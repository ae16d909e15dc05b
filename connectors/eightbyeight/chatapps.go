package eightbyeight

import (
	"context"
	"strings"
)

// ChatAppsMessage is the body of 8x8's Chat Apps Send message request
// (https://developer.8x8.com/connect/reference/send-message). User and
// Content are kept as JSON objects because their shape depends on the
// channel and the content type; an Automation definition passes them
// through as written.
type ChatAppsMessage struct {
	// User identifies the recipient, e.g. {"msisdn": "+6500000000"}, or
	// {"channelUserId": "US.1349…"} for a WhatsApp business-scoped id, or
	// {"lineUserId": "U…"}. Required.
	User map[string]any `json:"user"`
	// Type is the content type: text, image, audio, video, file, location,
	// interactive, template, carousel or richCard. Required.
	Type string `json:"type"`
	// Content is the message per Type, e.g. {"text": "Hello"}, with an
	// optional SMS fallback {"sms": {"encoding": "AUTO", "source": "…"}}.
	// Required.
	Content map[string]any `json:"content"`
	// ClientMessageID is the caller's own reference (at most 50
	// characters).
	ClientMessageID string `json:"clientMessageId,omitempty"`
}

// Chat Apps states 8x8 may answer a send with.
const (
	ChatAppsStateQueued = "queued"
	ChatAppsStateFailed = "failed"
)

// chatAppsAnswer is 8x8's "Single message response".
type chatAppsAnswer struct {
	UMID            string         `json:"umid"`
	User            map[string]any `json:"user"`
	ClientMessageID string         `json:"clientMessageId"`
	Status          struct {
		State        string `json:"state"`
		Detail       string `json:"detail"`
		ErrorCode    int    `json:"errorCode"`
		ErrorMessage string `json:"errorMessage"`
		Timestamp    string `json:"timestamp"`
	} `json:"status"`
}

// SendChatAppsMessage sends one message through the Chat Apps API from
// subAccountID (a Chat Apps subaccount; 8x8 does not let an SMS subaccount
// serve here): POST {ChatAppsBaseURL}/api/v1/subaccounts/{subAccountID}/messages.
// Errors are as for SendSMS.
func (c *Client) SendChatAppsMessage(ctx context.Context, subAccountID string, msg ChatAppsMessage) (SendResult, error) {
	if len(msg.User) == 0 {
		return SendResult{}, invalid("sending Chat Apps message: user is required")
	}
	if strings.TrimSpace(msg.Type) == "" {
		return SendResult{}, invalid("sending Chat Apps message: type is required")
	}
	if len(msg.Content) == 0 {
		return SendResult{}, invalid("sending Chat Apps message: content is required")
	}
	var ans chatAppsAnswer
	requestID, err := c.post(ctx, "sending Chat Apps message", c.chatAppsBase, subAccountID, msg, &ans)
	if err != nil {
		return SendResult{RequestID: requestID}, err
	}
	description := ans.Status.Detail
	if description == "" {
		description = ans.Status.ErrorMessage
	}
	destination, _ := ans.User["msisdn"].(string)
	return SendResult{
		UMID:            ans.UMID,
		ClientMessageID: ans.ClientMessageID,
		Destination:     destination,
		Status:          ans.Status.State,
		Description:     description,
		RequestID:       requestID,
	}, nil
}
