// Package outbound holds the rules of webhook deliveries Junction sends to
// other platforms (the EddyDesk and Ebbot seeds, issue 14): how each
// request is signed (Standard Webhooks: webhook-id, webhook-timestamp and
// webhook-signature, several signatures during a secret's rotation), when
// a failed delivery is tried again (EddyDesk's every 30 minutes for 24
// hours by default, with ±20 % jitter as Svix does) and what an answer
// means (2xx and 3xx delivered, 410 disables the subscription, 429, 502,
// 503 and 504 wait for Retry-After, anything else retries on the
// schedule).
//
// It does no I/O: the delivery workflow and its activity (sending through
// package egress) use these rules, and so do tests. Not built yet: the
// subscriptions API, the delivery workflow and the Webhook step; see
// README.md.
package outbound
