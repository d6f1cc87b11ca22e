"""Grading a completed session: MCQs by the key, short answers by the AI in one call.

Pure functions over the assessment content and the candidate's answers; the job handler in
`sessions.evaluation` wires them to the provider and the database.
"""
