"""Plumbing of the numerical equivalence suite: convert with the project's CLI,
run torch and the converted JAX/Flax code on the same inputs, compare."""
