"""The AI provider client: one small interface, a Gemini implementation and an offline one.

Domain apps describe what they want as an `AIRequest` (prompt, response schema, and the
deterministic answer the offline provider should give); `get_provider()` picks Gemini when
`GEMINI_API_KEY` is set, the offline provider otherwise.
"""
