"""The AI provider client: one small interface, a Gemini implementation and an offline one.

Domain apps describe what they want as an `AIRequest` (prompt, response schema, and the
deterministic answer the offline provider should give); `get_provider()` returns the one
`AI_PROVIDER` names (by default Gemini when `GEMINI_API_KEY` is set, offline otherwise).
"""
