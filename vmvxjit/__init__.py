"""vmvxjit: run IREE inline-execution .vmfb modules in Python."""
