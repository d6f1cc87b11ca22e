"""Candidate sessions, submissions and evaluation results (app label: candidate_sessions)."""
