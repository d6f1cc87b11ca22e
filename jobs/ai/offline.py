"""The provider used without a Gemini key: deterministic answers, no network.

Each request carries its own `offline_answer`, so the domain code that builds the prompt also
decides what a sensible canned answer is; this provider only packages it like a real one.
"""

from __future__ import annotations

import json

from .base import AIRequest, AIResponse


class OfflineProvider:
    name = "offline"

    def __init__(self, model: str = "offline-v1") -> None:
        self.model = model

    def __repr__(self) -> str:
        return f"OfflineProvider(model={self.model!r})"

    def complete(self, request: AIRequest) -> AIResponse:
        data = request.offline_answer()
        return AIResponse(
            data=data,
            # sort_keys: the same answer always yields the same audit text.
            raw_text=json.dumps(data, sort_keys=True),
            provider=self.name,
            model=self.model,
        )
