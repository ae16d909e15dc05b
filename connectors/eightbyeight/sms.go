package eightbyeight

import (
	"context"
	"strings"
)

// SMSMessage is the body of 8x8's Send SMS request
// (https://developer.8x8.com/connect/reference/send-sms-single); field names
// and JSON are 8x8's.
type SMSMessage struct {
	// Destination is the recipient's number, international format with or
	// without "+", or national format together with Country. Required.
	Destination string `json:"destination"`
	// Text is the message body. Required.
	Text string `json:"text"`
	// Source is the sender id or number (at most 16 characters).
	Source string `json:"source,omitempty"`
	// ClientMessageID is the caller's own reference for the message.
	ClientMessageID string `json:"clientMessageId,omitempty"`
	// Encoding is AUTO (the default), GSM7 or UCS2.
	Encoding string `json:"encoding,omitempty"`
	// Country is the destination's ISO 3166-1 alpha-2 code, needed for
	// national-format numbers.
	Country string `json:"country,omitempty"`
	// Scheduled is an ISO 8601 time up to 7 days ahead at which to send,
	// e.g. 2016-11-07T19:20:30+08:00.
	Scheduled string `json:"scheduled,omitempty"`
	// Expiry is an ISO 8601 time after which 8x8 discards the message
	// unsent.
	Expiry string `json:"expiry,omitempty"`
	// DLRCallbackURL receives this message's delivery receipts instead of
	// the account's default webhook.
	DLRCallbackURL string `json:"dlrCallbackUrl,omitempty"`
}

// SMS status codes 8x8 answers a send with.
const (
	SMSStatusQueued   = "QUEUED"
	SMSStatusRejected = "REJECTED"
)

// smsAnswer is 8x8's SmsResponse.
type smsAnswer struct {
	UMID            string `json:"umid"`
	ClientMessageID string `json:"clientMessageId"`
	Destination     string `json:"destination"`
	Encoding        string `json:"encoding"`
	Status          struct {
		Code        string `json:"code"`
		Description string `json:"description"`
	} `json:"status"`
}

// SendSMS sends one SMS from subAccountID:
// POST {SMSBaseURL}/api/v1/subaccounts/{subAccountID}/messages.
//
// A 200 answer gives a SendResult even when its Status is REJECTED. Other
// answers give an error wrapping *APIError; a message refused before
// sending wraps ErrInvalidRequest or ErrNotConfigured; a 2xx answer that is
// not 8x8's JSON wraps ErrUnexpectedResponse; anything else is a network
// error, wrapped with context. On error the result still carries the
// RequestID when a request was sent.
func (c *Client) SendSMS(ctx context.Context, subAccountID string, msg SMSMessage) (SendResult, error) {
	if strings.TrimSpace(msg.Destination) == "" {
		return SendResult{}, invalid("sending SMS: destination is required")
	}
	if msg.Text == "" {
		return SendResult{}, invalid("sending SMS: text is required")
	}
	var ans smsAnswer
	requestID, err := c.post(ctx, "sending SMS", c.smsBase, subAccountID, msg, &ans)
	if err != nil {
		return SendResult{RequestID: requestID}, err
	}
	return SendResult{
		UMID:            ans.UMID,
		ClientMessageID: ans.ClientMessageID,
		Destination:     ans.Destination,
		Encoding:        ans.Encoding,
		Status:          ans.Status.Code,
		Description:     ans.Status.Description,
		RequestID:       requestID,
	}, nil
}
