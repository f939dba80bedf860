"""Summary providers: the offline extractive default and an OpenAI-compatible chat model.

Both take the subject's text (notes, activities, e-mails; oldest first) and its language (``ro`` or
``en``) and answer a summary in that language. ``PROMPT_VERSION`` names the prompt and the extractive
settings: a stored summary made with another version is recomputed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from genius.config import Settings
from genius.vettify.summaries import extractive
from genius.vettify.summaries.chat import ChatClient

PROMPT_VERSION = "crm-summary-v1"
MAX_INPUT_CHARS = 24_000  # the newest text is kept when a thread is longer

PROMPTS = {
    "ro": (
        "Ești asistentul unui CRM românesc. Rezumă notele, activitățile și e-mailurile de mai jos despre "
        "un client potențial în cel mult 4 propoziții, în limba română: ce vrea clientul, ce s-a stabilit "
        "și care este pasul următor. Nu inventa fapte."
    ),
    "en": (
        "You are the assistant of a CRM. Summarise the notes, activities and e-mails below about a "
        "prospect in at most 4 sentences, in English: what the customer wants, what was agreed and the "
        "next step. Do not invent facts."
    ),
}


@dataclass(frozen=True)
class Result:
    text: str
    provider: str
    model: str


class Summariser(Protocol):
    provider: str
    model: str

    def summarize(self, text: str, language: str) -> Result: ...


class ExtractiveSummariser:
    provider = "extractive"

    def __init__(self, sentences: int = 3) -> None:
        self.sentences = sentences
        self.model = f"textrank-tfidf-{sentences}"

    def summarize(self, text: str, language: str) -> Result:
        return Result(extractive.summarize(text, self.sentences), self.provider, self.model)


class ChatSummariser:
    provider = "openai"

    def __init__(self, client: ChatClient) -> None:
        self.client = client
        self.model = client.model

    def summarize(self, text: str, language: str) -> Result:
        messages = [
            {"role": "system", "content": PROMPTS.get(language, PROMPTS["ro"])},
            {"role": "user", "content": text[-MAX_INPUT_CHARS:]},
        ]
        completion = self.client.complete(messages)
        return Result(completion.text, self.provider, completion.model)


def from_settings(settings: Settings) -> Summariser:
    if settings.ai_summary_provider == "openai":
        return ChatSummariser(
            ChatClient(
                settings.ai_summary_base_url,
                settings.ai_summary_model,
                api_key=settings.ai_summary_api_key,
                timeout=settings.ai_summary_timeout,
                max_retries=settings.ai_summary_max_retries,
                max_tokens=settings.ai_summary_max_tokens,
            )
        )
    return ExtractiveSummariser(settings.ai_summary_sentences)
