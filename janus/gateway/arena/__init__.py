"""The arena: anonymous side-by-side battles, votes and Bradley-Terry boards (specs/arena.md)."""
