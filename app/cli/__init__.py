"""Command line: the GUI launcher and headless subcommands."""
