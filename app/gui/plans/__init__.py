"""The case browser: plan tree, structure list, load report."""
