package conformance

import (
	"fmt"
)

func ExampleMatchCases() {
	cases, err := MatchCases([]string{"6.4.*", "7.13.*"}, []string{"6.4.2"})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range cases {
		fmt.Println(c.ID)
	}
	// Output:
	// 6.4.1
	// 6.4.3
	// 6.4.4
	// 7.13.1
	// 7.13.2
}
