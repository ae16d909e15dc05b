package eightbyeight_test

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/junction-run/junction/connectors/eightbyeight"
)

// Send one SMS through 8x8's default (Asia-Pacific) region and tell a
// retryable failure from a permanent one.
func Example() {
	client := eightbyeight.NewClient(eightbyeight.Config{
		APIKey: eightbyeight.Secret(os.Getenv("EIGHTBYEIGHT_API_KEY")),
	})
	res, err := client.SendSMS(context.Background(), "acme_corp_sms", eightbyeight.SMSMessage{
		Destination: "+6512345678",
		Text:        "Your table for two is booked for 8pm.",
		Source:      "ACME",
	})
	var apiErr *eightbyeight.APIError
	switch {
	case errors.As(err, &apiErr) && (apiErr.StatusCode == 429 || apiErr.StatusCode >= 500):
		fmt.Println("try again in", apiErr.RetryAfter)
	case err != nil:
		fmt.Println("not sent:", err)
	default:
		fmt.Println(res.UMID, res.Status)
	}
}
