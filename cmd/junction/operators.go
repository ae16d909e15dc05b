package main

import "github.com/urfave/cli/v2"

// operatorAccountsFlag names the operators' accounts whose admin API keys
// manage the platform's apps, the declarative apps every account can use
// (docs/apps.md). Its own list beside --codec-accounts: decrypting
// customers' payloads and publishing apps to every account are different
// powers, which an installation may give to different teams.
func operatorAccountsFlag() cli.Flag {
	return &cli.StringFlag{Name: "operator-accounts", Usage: "comma-separated accounts whose admin API keys manage the platform's apps, usable by every account (/api/v1/platform/apps)", EnvVars: []string{"JUNCTION_OPERATOR_ACCOUNTS"}}
}
