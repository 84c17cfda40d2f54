"""Conformance of vmvxjit against a suite nobody here wrote: ONNX's backend node tests."""
