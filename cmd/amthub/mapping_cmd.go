package main

import (
	"io"

	"github.com/spf13/cobra"

	"github.com/amthub/amthub/mappings"
)

// newMappingCommand returns `amthub mapping`: the tools for mapping
// authors. They need no database or configuration, so getenv is unused;
// it is taken like every other command's for when one will.
func newMappingCommand(stdout io.Writer, _ func(string) string) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "mapping",
		Short: "Try and check mappings (files, or the built-in ones)",
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "test MAPPING INPUT.json",
		Short: "Map a JSON document and print the output and every validation problem",
		Long: "Map INPUT.json with MAPPING, a mapping file or a built-in mapping (name or name@vN),\n" +
			"and print the output and every problem found in the input, the output and the XML layout.\n" +
			"$meta is fixed example metadata. Exits non-zero if there was any problem.",
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return mappings.RunTest(cmd.Context(), stdout, args[0], args[1])
		},
	}, &cobra.Command{
		Use:   "lint [DIR]",
		Short: "Check every mapping file (<name>/v<N>.yaml) under DIR, or the built-in mappings",
		Long: "Check that every mapping file under DIR parses, compiles, maps its example and has golden\n" +
			"cases that match (DIR is laid out like mappings/files). Without DIR, check the mappings\n" +
			"built into this binary, whose golden cases are not embedded. Exits non-zero on problems.",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return mappings.LintBuiltins(cmd.Context(), stdout)
			}
			return mappings.Lint(cmd.Context(), stdout, args[0])
		},
	})
	return cmd
}
