package main

import (
	"context"
	"fmt"
	"os"

	"deliverybot/knowledge/kbcli"
)

func main() {
	if err := kbcli.Run(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
