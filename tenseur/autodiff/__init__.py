"""Reverse-mode automatic differentiation over graphs (and, later, eager tapes)."""
